"""Many writers at once on PostgreSQL (SQLite serialises writers, so there is nothing to
prove there): no negative wallet, no cap or quota overshoot, no lost update, and a retried
idempotency key makes exactly one transaction."""

import random
from collections import defaultdict
from collections.abc import Callable

import pytest
from django.db import connection

from jifen.ledger.accounts import policy_of
from jifen.ledger.models import Counter, Hold, HoldStatus, Transaction
from jifen.ledger.queries import summary_of
from jifen.ledger.services import (
    AwardResult,
    award_points,
    bulk_award,
    hold_points,
    release_hold,
    reverse_transaction,
    settle_hold,
)
from jifen.lib.errors import DomainError
from jifen.programmes.models import RoleKind
from jifen.testing import (
    at_once,
    make_community,
    make_household,
    make_member,
    make_programme,
    make_staff,
)

THREADS = 32

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrency is proven on PostgreSQL"
)


def hammer(work: Callable[[int], object]) -> list[object]:
    """Run work(i) in THREADS threads released together; return results or refusals."""
    return at_once(work, threads=THREADS)


@pytest.fixture
def world(transactional_db):
    programme = make_programme()
    community = make_community(programme=programme, population=2000)  # quota 250 a month
    home = make_household(community=community)
    members = [make_member(community=community, household=home) for _ in range(2)]
    return programme, community, members


def test_concurrent_spending_never_overdraws_and_loses_nothing(world):
    _, _, (member, _) = world
    award_points(member=member, amount=100, reason="seed")
    results = hammer(lambda i: hold_points(member=member, amount=7, reference=f"r{i}"))
    holds = [r for r in results if isinstance(r, Hold)]
    assert len(holds) == 14  # 14 × 7 = 98 ≤ 100 < 15 × 7
    assert summary_of(member).balance == 100 - 7 * len(holds) == 2


def test_concurrent_awards_and_spends_add_up_exactly(world):
    _, _, (member, _) = world
    award_points(member=member, amount=50, reason="seed")

    def work(i):
        if i % 2:
            return award_points(member=member, amount=3, reason="r")
        return hold_points(member=member, amount=4, reference=f"r{i}")

    results = hammer(work)
    awarded = sum(r.awarded for r in results if hasattr(r, "awarded"))
    held = sum(r.amount for r in results if isinstance(r, Hold))
    assert summary_of(member).balance == 50 + awarded - held >= 0


def test_a_household_cap_is_never_overshot(world):
    programme, _, members = world
    policy = policy_of(programme)
    policy.caps = [{"scope": "household", "period": "day", "limit": 40}]
    policy.save()
    results = hammer(lambda i: award_points(member=members[i % 2], amount=3, reason="r"))
    total = sum(r.awarded for r in results if hasattr(r, "awarded"))
    assert total == 40
    assert Counter.objects.get(scope__startswith="household").used == 40


def test_a_community_quota_is_never_overshot(world):
    programme, community, _ = world
    policy = policy_of(programme)
    policy.quotas_enabled = True
    policy.save()
    people = [make_member(community=community) for _ in range(8)]
    results = hammer(lambda i: award_points(member=people[i % 8], amount=10, reason="r"))
    assert sum(r.awarded for r in results if hasattr(r, "awarded")) == 250


def test_a_retried_idempotency_key_makes_one_transaction(world):
    _, _, (member, _) = world
    results = hammer(
        lambda i: award_points(member=member, amount=5, reason="r", idempotency_key="retry-me")
    )
    awards = [r for r in results if isinstance(r, AwardResult)]
    assert len(awards) == len(results)  # none refused
    assert {r.transaction.pk for r in awards} == {Transaction.objects.get().pk}
    assert summary_of(member).balance == 5


def test_a_hold_is_settled_or_released_once_under_a_race(world):
    _, _, (member, _) = world
    award_points(member=member, amount=10, reason="seed")
    hold = hold_points(member=member, amount=10, reference="x")
    results = hammer(lambda i: (settle_hold if i % 2 else release_hold)(hold=hold))
    assert sum(isinstance(r, Transaction) for r in results) == 1
    hold.refresh_from_db()
    expected = 0 if hold.status == HoldStatus.SETTLED else 10
    assert summary_of(member).balance == expected


def test_reversals_racing_awards_keep_a_cap_exact(world):
    programme, _, members = world
    policy = policy_of(programme)
    policy.caps = [{"scope": "household", "period": "day", "limit": 40}]
    policy.save()
    mistakes = [award_points(member=members[0], amount=10, reason="seed") for _ in range(4)]
    admin = make_staff(programme=programme, kind=RoleKind.ADMIN)

    def work(i):
        if i < len(mistakes):
            return reverse_transaction(original=mistakes[i].transaction, reason="r", actor=admin)
        return award_points(member=members[i % 2], amount=3, reason="r")

    results = hammer(work)
    assert all(isinstance(r, Transaction) for r in results[: len(mistakes)])
    awarded = sum(r.awarded for r in results if hasattr(r, "awarded"))
    assert Counter.objects.get(scope__startswith="household").used == awarded <= 40


def test_a_transaction_reversed_by_many_at_once_is_reversed_once(world):
    programme, _, (member, _) = world
    admin = make_staff(programme=programme, kind=RoleKind.ADMIN)
    original = award_points(member=member, amount=9, reason="录错了").transaction
    results = hammer(
        lambda i: reverse_transaction(original=original, reason=f"撤销 {i}", actor=admin)
    )
    reversals = [r for r in results if isinstance(r, Transaction)]
    refusals = {r.code for r in results if isinstance(r, DomainError)}
    assert len(reversals) == 1 and refusals == {"already_reversed"}
    assert summary_of(member).balance == 0


def test_bulk_and_single_awards_on_shared_counters_never_overshoot_nor_deadlock(world):
    programme, community, _ = world
    policy = policy_of(programme)
    policy.caps = [
        {"scope": "member", "period": "day", "limit": 12},
        {"scope": "household", "period": "day", "limit": 20},
    ]
    policy.quotas_enabled = True
    policy.quota_tiers = [[None, 60]]  # tighter than the households' 4 × 20: it binds
    policy.save()
    homes = [make_household(community=community) for _ in range(4)]
    people = [make_member(community=community, household=homes[i // 2]) for i in range(8)]

    def work(i):
        if i % 2:
            return award_points(member=people[i % 8], amount=4, reason="r")
        # Each bulk award lists the members in another order: the locks must not follow it.
        order = random.Random(i).sample(people, len(people))
        return bulk_award(programme=programme, reason="r", awards=[(m, 3) for m in order])

    results = hammer(work)
    assert None not in results  # no thread died (a deadlock or a guard would raise)
    awarded = {m.pk: summary_of(m).balance for m in people}
    assert sum(awarded.values()) == 60
    charged: dict[int, int] = defaultdict(int)
    for charges in Transaction.objects.exclude(charged=None).values_list("charged", flat=True):
        assert charges is not None
        for pk, points in charges:
            charged[pk] += points
    counters = list(Counter.objects.all())
    assert all(c.used == charged[c.pk] <= c.ceiling for c in counters)
    used = {c.scope: c.used for c in counters}
    assert used == {
        f"community:{community.pk}:quota": 60,
        **{f"member:{m.pk}:award": awarded[m.pk] for m in people},
        **{
            f"household:{h.pk}:award": sum(awarded[m.pk] for m in people if m.household == h)
            for h in homes
        },
    }
