"""Simultaneous guesses on PostgreSQL (SQLite serialises writers, so there is nothing to prove
there): the throttle never lets more through than its free failures."""

import threading

import pytest
from django.contrib.auth import authenticate
from django.db import connection, connections
from django.test import RequestFactory

from jifen.accounts.models import LoginThrottle
from jifen.accounts.throttle import TooManyAttempts
from jifen.testing import PASSWORD, make_user

THREADS = 40

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrency is proven on PostgreSQL"
)


@pytest.fixture(autouse=True)
def limits(settings):
    settings.LOGIN_FREE_FAILURES = 5
    settings.LOGIN_ADDRESS_FREE_FAILURES = 50
    # Long enough that every thread arrives while the sixth attempt must still wait.
    settings.LOGIN_FIRST_DELAY_SECONDS = 600
    settings.LOGIN_MAX_DELAY_SECONDS = 900


def sign_in_at_once(logins: list[str], password: str, ip: str) -> list[object]:
    """Thread i signs in as logins[i] from `ip`; returns for each the user, None (checked,
    wrong) or the refusal (not checked)."""
    results: list[object] = [None] * THREADS
    start = threading.Barrier(THREADS)

    def run(i: int) -> None:
        request = RequestFactory().post("/en/login/", REMOTE_ADDR=ip)
        try:
            start.wait()
            results[i] = authenticate(request, username=logins[i], password=password)
        except TooManyAttempts as refusal:
            results[i] = refusal
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_forty_simultaneous_guesses_check_no_more_than_five_passwords(transactional_db):
    make_user(username="victim")
    results = sign_in_at_once(["victim"] * THREADS, "wrong guess", "10.5.0.1")
    checked = [r for r in results if not isinstance(r, TooManyAttempts)]
    assert checked == [None] * 5
    assert sorted(LoginThrottle.objects.values_list("failures", flat=True)) == [5, 5]


def test_forty_people_signing_in_at_once_behind_one_address_all_get_in(transactional_db):
    people = [make_user(username=f"clerk{n}") for n in range(THREADS)]
    results = sign_in_at_once([p.username for p in people], PASSWORD, "10.5.0.2")
    assert results == people
    assert list(LoginThrottle.objects.values_list("failures", flat=True)) == [0]
