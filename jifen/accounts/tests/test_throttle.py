"""Login throttling: per (account, address) and per address, growing waits, counted in the
database before the password is checked."""

import pytest
import time_machine
from django.utils import translation

from jifen.accounts.models import LoginThrottle
from jifen.accounts.throttle import (
    TooManyAttempts,
    attempt_succeeded,
    forget_old_failures,
    normalise_login,
    reserve_attempt,
)

NOON = "2026-03-01 12:00:00+08:00"


@pytest.fixture(autouse=True)
def limits(settings, db):
    settings.LOGIN_FREE_FAILURES = 3
    settings.LOGIN_ADDRESS_FREE_FAILURES = 10
    settings.LOGIN_FIRST_DELAY_SECONDS = 4
    settings.LOGIN_MAX_DELAY_SECONDS = 60
    settings.LOGIN_WINDOW_SECONDS = 600


@pytest.fixture
def clock():
    with time_machine.travel(NOON, tick=False) as traveller:
        yield traveller


def fail(login: str, ip: str | None, times: int = 1) -> None:
    """Attempts that then fail: reserved, never given back."""
    for _ in range(times):
        reserve_attempt(login, ip)


def wait_asked(login: str, ip: str | None) -> int:
    with pytest.raises(TooManyAttempts) as refused:
        reserve_attempt(login, ip)
    return refused.value.retry_after


def test_the_free_failures_cost_nothing(clock):
    fail("alice", "10.0.0.1", 3)
    assert wait_asked("alice", "10.0.0.1") == 4


def test_the_wait_doubles_with_each_failure_up_to_the_ceiling(clock):
    fail("alice", "10.0.0.1", 3)
    waits = []
    for _ in range(6):
        waits.append(wait_asked("alice", "10.0.0.1"))
        clock.shift(waits[-1])
        fail("alice", "10.0.0.1")
    assert waits == [4, 8, 16, 32, 60, 60]


def test_a_refused_attempt_is_not_counted(clock):
    fail("alice", "10.0.0.1", 3)
    for _ in range(5):
        wait_asked("alice", "10.0.0.1")
    clock.shift(4)
    fail("alice", "10.0.0.1")
    assert wait_asked("alice", "10.0.0.1") == 8


def test_failures_from_other_addresses_never_make_the_owner_wait(clock):
    for n in range(100):
        try:
            reserve_attempt("13800138000", f"10.9.{n % 20}.1")
        except TooManyAttempts:
            pass
    reserve_attempt("138 0013 8000", "192.168.1.20")


def test_one_accounts_typos_do_not_make_another_account_behind_the_address_wait(clock):
    fail("alice", "10.0.0.1", 3)
    wait_asked("alice", "10.0.0.1")
    reserve_attempt("bob", "10.0.0.1")


def test_the_address_waits_once_it_fails_too_often_over_all_accounts(clock):
    for n in range(10):
        fail(f"user{n}", "10.0.0.1")
    assert wait_asked("someone-else", "10.0.0.1") == 4
    reserve_attempt("someone-else", "10.0.0.2")


def test_a_success_forgets_the_pair_but_not_the_address(clock):
    fail("alice", "10.0.0.1", 2)
    attempt_succeeded(reserve_attempt("alice", "10.0.0.1"))
    fail("alice", "10.0.0.1", 3)  # the pair starts again from nothing
    assert LoginThrottle.objects.count() == 2
    fail("carol", "10.0.0.1", 3)
    fail("dave", "10.0.0.1", 2)  # 2 + 3 + 3 + 2 failures from this address: its 10 free
    assert wait_asked("erin", "10.0.0.1") == 4


def test_a_success_gives_the_address_back_only_its_own_attempt(clock):
    for n in range(3):
        fail(f"guess{n}", "10.0.0.1", 3)
    for _ in range(5):
        attempt_succeeded(reserve_attempt("own-account", "10.0.0.1"))
    fail("guess9", "10.0.0.1")
    assert wait_asked("guess10", "10.0.0.1") == 4


def test_a_refusal_by_the_pair_does_not_count_against_the_address(clock):
    fail("alice", "10.0.0.1", 3)
    for _ in range(20):
        wait_asked("alice", "10.0.0.1")
    for n in range(7):
        fail(f"user{n}", "10.0.0.1")
    assert wait_asked("user8", "10.0.0.1") == 4


def test_failures_within_the_window_still_count(clock):
    fail("alice", "10.0.0.1", 3)
    clock.shift(4 + 599)
    fail("alice", "10.0.0.1")
    assert wait_asked("alice", "10.0.0.1") == 8


def test_failures_are_forgotten_a_window_after_the_wait_ends(clock):
    fail("alice", "10.0.0.1", 3)
    clock.shift(4 + 600)
    fail("alice", "10.0.0.1", 3)
    assert wait_asked("alice", "10.0.0.1") == 4


def test_every_spelling_of_a_phone_number_is_one_account(clock):
    for login in ("138 0013 8000", "+86 138-0013-8000", "13800138000"):
        fail(login, "10.0.0.1")
    assert wait_asked("0086 13800138000", "10.0.0.1") == 4


def test_usernames_are_normalised_by_trimming_and_case():
    assert normalise_login("  Alice ") == normalise_login("alice")
    assert normalise_login("+86 13800138000") == "13800138000"


def test_an_ipv6_client_counts_by_its_network(clock):
    for n in range(10):
        fail(f"user{n}", f"2001:db8:1:2::{n + 1:x}")
    assert wait_asked("another", "2001:db8:1:2:ffff::1") == 4
    reserve_attempt("another", "2001:db8:1:3::1")


def test_an_unknown_address_is_counted_as_one(clock):
    fail("alice", None, 3)
    assert wait_asked("alice", "") == 4


def test_nothing_stored_names_the_phone_or_the_address(clock):
    fail("13800138000", "10.0.0.1")
    stored = " ".join(f"{row.digest} {row.token}" for row in LoginThrottle.objects.all())
    assert LoginThrottle.objects.count() == 2
    assert "13800138000" not in stored and "10.0.0.1" not in stored


def test_old_keys_are_deleted_and_recent_ones_kept(clock):
    fail("alice", "10.0.0.1", 3)
    clock.shift(700)
    fail("bob", "10.0.0.2")
    assert forget_old_failures() == 2
    assert LoginThrottle.objects.count() == 2


def test_the_wait_is_told_in_seconds_or_minutes_in_the_users_language():
    with translation.override("en"):
        assert str(TooManyAttempts(retry_after=4)) == (
            "Too many failed attempts; try again in 4 seconds."
        )
        assert str(TooManyAttempts(retry_after=1)) == (
            "Too many failed attempts; try again in 1 second."
        )
        minutes = TooManyAttempts(retry_after=900)
    assert str(minutes) == "Too many failed attempts; try again in 15 minutes."
    assert (minutes.code, minutes.status, minutes.params) == (
        "too_many_attempts",
        429,
        {"minutes": 15},
    )
