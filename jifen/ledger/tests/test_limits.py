"""Charging many awards at once (`charge_many`, one statement to create, lock and move all
their counters) gives exactly what charging them one after another (`charge`) gives: the
same grants, the same refusals and truncation codes, the same counters moved."""

from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import transaction
from django.db.transaction import TransactionManagementError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jifen.ledger import errors
from jifen.ledger.limits import Limit, Taken, charge, charge_many
from jifen.ledger.models import Counter, LedgerPolicy
from jifen.ledger.policy import award_limits
from jifen.lib.errors import DomainError
from jifen.testing import make_community, make_household, make_member, make_programme

AT = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)

caps = st.lists(
    st.fixed_dictionaries(
        {
            "scope": st.sampled_from(["member", "household"]),
            "period": st.sampled_from(["day", "week", "month", "year"]),
            "limit": st.integers(0, 30),
        }
    ),
    max_size=3,
)
policies: st.SearchStrategy[dict[str, Any]] = st.builds(
    dict,
    caps=caps,
    quotas_enabled=st.booleans(),
    quota_tiers=st.integers(0, 60).map(lambda q: [[None, q]]),
)
awards = st.lists(st.tuples(st.integers(0, 5), st.integers(1, 25)), max_size=12)


@pytest.fixture
def people(programme):
    """Six members: three of one household, one alone in another, two without a household
    in a second community."""
    east, west = make_community(programme=programme), make_community(programme=programme)
    big, small = make_household(community=east), make_household(community=east)
    return [
        *(make_member(community=east, household=big) for _ in range(3)),
        make_member(community=east, household=small),
        *(make_member(community=west) for _ in range(2)),
    ]


def one_by_one(programme, requests, truncate) -> list[tuple]:
    """`charge` for each request in its own savepoint, as a single award is charged."""
    results = []
    for limits, amount in requests:
        try:
            with transaction.atomic():
                results.append(outcome(charge(programme, limits, amount, truncate=truncate)))
        except DomainError as refusal:
            results.append((0, refusal.code, [], str(refusal)))
    return results


def outcome(taken: Taken) -> tuple:
    """What a request got, its charges named by counter key (ids differ between two runs)."""
    keys = {
        pk: (scope, period)
        for pk, scope, period in Counter.objects.values_list("pk", "scope", "period")
    }
    charges = sorted((*keys[pk], points) for pk, points in taken.charges)
    return (taken.granted, taken.truncated_by, charges, str(taken.refusal or ""))


def counters() -> dict[tuple[str, str], tuple[int, int]]:
    rows = Counter.objects.values_list("scope", "period", "used", "ceiling")
    return {(scope, period): (used, ceiling) for scope, period, used, ceiling in rows}


def requests_for(programme, people, policy: dict, picks) -> list[tuple[list[Limit], int]]:
    rules = LedgerPolicy(programme=programme, **policy)
    return [(award_limits(rules, people[who], AT), amount) for who, amount in picks]


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(earlier=policies, now=policies, before=awards, batch=awards, truncate=st.booleans())
def test_a_batch_gives_exactly_what_charging_one_after_another_gives(
    programme, people, earlier, now, before, batch, truncate
):
    with transaction.atomic():  # each example starts from no counters
        # Counters already used, under rules that may have changed since (mid-period).
        one_by_one(programme, requests_for(programme, people, earlier, before), truncate)
        requests = requests_for(programme, people, now, batch)
        with transaction.atomic():
            expected = one_by_one(programme, requests, truncate)
            expected_counters = counters()
            transaction.set_rollback(True)
        got = [outcome(t) for t in charge_many(programme, requests, truncate=truncate)]
        assert got == expected
        # A refused request's new counters stay, unused (one by one, its savepoint drops them).
        after = counters()
        assert {k: v for k, v in after.items() if v[0] > 0} == expected_counters
        assert all(after[k][0] == 0 for k in after.keys() - expected_counters.keys())
        transaction.set_rollback(True)


def test_a_refused_request_takes_nothing_and_the_next_one_has_its_share(programme):
    shared = Limit(
        "household:1:award", "2026-11-22", 8, lambda: errors.CapReached(limit=8, period="day")
    )
    taken = charge_many(programme, [([shared], 5), ([shared], 5), ([shared], 3)], truncate=False)
    assert [(t.granted, t.truncated_by) for t in taken] == [
        (5, None),
        (0, "cap_reached"),
        (3, None),
    ]
    assert isinstance(taken[1].refusal, errors.CapReached) and taken[1].charges == []
    assert Counter.objects.get().used == 8


def test_the_first_of_two_limits_leaving_the_same_says_why_an_award_was_cut(programme):
    cap = Limit("member:1:award", "2026-11", 4, lambda: errors.CapReached(limit=4, period="month"))
    quota = Limit("community:1:quota", "2026-11", 4, lambda: errors.QuotaExhausted(limit=4))
    taken = charge_many(programme, [([cap, quota], 6), ([quota, cap], 1)], truncate=True)
    assert [(t.granted, t.truncated_by) for t in taken] == [
        (4, "cap_reached"),
        (0, "quota_exhausted"),
    ]


def test_requests_without_limits_are_granted_in_full_and_move_nothing(programme):
    assert charge_many(programme, [([], 5), ([], 7)], truncate=False) == [
        Taken(5, None, []),
        Taken(7, None, []),
    ]
    assert not Counter.objects.exists()


def test_counters_are_charged_only_inside_a_transaction(transactional_db):
    programme = make_programme()
    cap = Limit("member:1:award", "2026-11", 4, lambda: errors.CapReached(limit=4, period="month"))
    with pytest.raises(TransactionManagementError):
        charge_many(programme, [([cap], 1)], truncate=True)
    assert not Counter.objects.exists()
