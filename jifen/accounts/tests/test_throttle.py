"""Login throttling: per login and per address, in the cache, lifted by time or success."""

import pytest
import time_machine
from django.core.cache import cache
from django.utils import translation

from jifen.accounts.throttle import (
    TooManyAttempts,
    check_allowed,
    normalise_login,
    record_failure,
    record_success,
)


@pytest.fixture(autouse=True)
def empty_cache(settings, db):  # db: so the database cache works here too
    settings.LOGIN_FAILURE_LIMIT = 3
    settings.LOGIN_LOCKOUT_SECONDS = 600
    cache.clear()
    yield
    cache.clear()


def fail(login: str, ip: str | None, times: int) -> None:
    for _ in range(times):
        record_failure(login, ip)


def test_allows_a_login_below_the_limit():
    fail("alice", "10.0.0.1", 2)
    check_allowed("alice", "10.0.0.1")


def test_locks_the_login_once_the_limit_is_reached():
    fail("alice", "10.0.0.1", 3)
    with pytest.raises(TooManyAttempts) as refused:
        check_allowed("alice", "10.0.0.2")
    assert refused.value.code == "too_many_attempts"
    assert refused.value.status == 429
    assert refused.value.retry_after == 600


def test_locks_the_address_whatever_login_it_tries_next():
    for n in range(3):
        record_failure(f"user{n}", "10.0.0.9")
    with pytest.raises(TooManyAttempts):
        check_allowed("someone-else", "10.0.0.9")
    check_allowed("someone-else", "10.0.0.10")


def test_counts_every_spelling_of_a_phone_number_as_one_login():
    record_failure("138 0013 8000", None)
    record_failure("+86 138-0013-8000", None)
    record_failure("13800138000", None)
    with pytest.raises(TooManyAttempts):
        check_allowed("0086 13800138000", None)


def test_normalises_usernames_by_trimming_and_case():
    assert normalise_login("  Alice ") == normalise_login("alice")
    assert normalise_login("+86 13800138000") == "13800138000"


def test_success_clears_the_login_counter():
    fail("alice", "10.0.0.1", 2)
    record_success("alice")
    fail("alice", "10.0.0.2", 2)
    check_allowed("alice", "10.0.0.3")


def test_success_keeps_the_address_counter():
    fail("victim", "10.0.0.1", 2)
    record_success("guessers-own-account")
    record_failure("victim2", "10.0.0.1")
    with pytest.raises(TooManyAttempts):
        check_allowed("guessers-own-account", "10.0.0.1")


def test_lifts_the_lock_after_the_lockout_window():
    with time_machine.travel("2026-03-01 10:00:00+08:00", tick=False) as clock:
        fail("alice", "10.0.0.1", 3)
        clock.shift(599)
        with pytest.raises(TooManyAttempts):
            check_allowed("alice", "10.0.0.1")
        clock.shift(2)
        check_allowed("alice", "10.0.0.1")


def test_forgets_failures_further_apart_than_the_window():
    with time_machine.travel("2026-03-01 10:00:00+08:00", tick=False) as clock:
        fail("alice", None, 2)
        clock.shift(601)
        fail("alice", None, 2)
        check_allowed("alice", None)


def test_tells_the_minutes_left_in_the_users_language():
    fail("alice", None, 3)
    with translation.override("en"), pytest.raises(TooManyAttempts) as refused:
        check_allowed("alice", None)
    assert str(refused.value) == "Too many failed attempts; try again in 10 minutes."
    assert refused.value.params == {"minutes": 10}


def test_says_one_minute_in_the_singular():
    with translation.override("en"):
        refusal = TooManyAttempts(retry_after=30)
    assert str(refusal) == "Too many failed attempts; try again in 1 minute."


def test_never_puts_the_phone_number_in_a_cache_key():
    record_failure("13800138000", "10.0.0.1")
    keys = list(cache._cache)  # locmem's store: the keys the database cache would hold
    assert keys and not any("13800138000" in key for key in keys)
