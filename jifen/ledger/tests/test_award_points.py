from datetime import UTC, datetime

import pytest
import time_machine

from jifen.idempotency.services import IdempotencyConflict
from jifen.ledger import errors
from jifen.ledger.models import Account, AccountKind, Counter, Lot, Transaction
from jifen.ledger.policy import quota_for
from jifen.ledger.queries import summary_of
from jifen.ledger.services import award_points
from jifen.ledger.tests.helpers import ledger_state
from jifen.programmes.errors import InactiveMember
from jifen.programmes.models import MemberStatus, ProgrammeWalletLevel
from jifen.testing import make_household, make_member


def test_an_award_moves_points_from_the_community_issuance_to_the_wallet(member):
    result = award_points(member=member, amount=5, reason="垃圾分类指导")
    assert (result.awarded, result.balance, result.truncated) == (5, 5, False)
    legs = sorted(result.transaction.postings.values_list("account__kind", "amount"))
    assert legs == [("issuance", -5), ("member", 5)]
    assert summary_of(member).lifetime_earned == 5


def test_the_feedback_balance_is_the_running_total(member):
    award_points(member=member, amount=245, reason="累计")
    assert award_points(member=member, amount=5, reason="巡逻").balance == 250


@pytest.mark.parametrize("amount", [0, -3, 2.5, True])
def test_a_non_positive_or_fractional_amount_is_refused(member, amount):
    before = ledger_state()
    with pytest.raises(errors.AmountNotPositive):
        award_points(member=member, amount=amount, reason="x")
    assert ledger_state() == before


def test_a_reason_is_required(member):
    with pytest.raises(errors.ReasonRequired):
        award_points(member=member, amount=5, reason="  ")


def test_an_inactive_member_earns_nothing(member):
    member.status = MemberStatus.LEFT
    member.save()
    before = ledger_state()
    with pytest.raises(InactiveMember):
        award_points(member=member, amount=5, reason="x")
    assert ledger_state() == before


def test_a_member_cap_truncates_and_says_so(member, policy):
    policy.caps = [{"scope": "member", "period": "day", "limit": 5}]
    policy.save()
    assert award_points(member=member, amount=4, reason="a").awarded == 4
    result = award_points(member=member, amount=4, reason="b")
    assert (result.awarded, result.requested, result.truncated) == (1, 4, True)
    assert result.truncated_by == "cap_reached"
    before = ledger_state()
    with pytest.raises(errors.CapReached):
        award_points(member=member, amount=1, reason="c")
    assert ledger_state() == before


def test_a_cap_that_refuses_changes_nothing(member, policy):
    policy.caps = [{"scope": "member", "period": "day", "limit": 5}]
    policy.when_capped = "refuse"
    policy.save()
    award_points(member=member, amount=4, reason="a")
    before = ledger_state()
    with pytest.raises(errors.CapReached):
        award_points(member=member, amount=2, reason="b")
    assert ledger_state() == before


def test_the_household_daily_cap_of_the_garbage_rules_counts_every_member(community, policy):
    policy.caps = [{"scope": "household", "period": "day", "limit": 2}]  # 001 篇五
    policy.save()
    home = make_household(community=community)
    first = make_member(community=community, household=home)
    second = make_member(community=community, household=home)
    award_points(member=first, amount=1, reason="分类准确率60%")
    assert award_points(member=second, amount=3, reason="分类准确率80%").awarded == 1


def test_caps_are_per_day_in_the_programme_timezone(member, policy):
    policy.caps = [{"scope": "member", "period": "day", "limit": 5}]
    policy.save()
    with time_machine.travel(datetime(2026, 3, 1, 15, 30, tzinfo=UTC)):  # 23:30 in Shanghai
        award_points(member=member, amount=5, reason="a")
    with time_machine.travel(datetime(2026, 3, 1, 16, 30, tzinfo=UTC)):  # 00:30 next day
        assert award_points(member=member, amount=5, reason="b").awarded == 5


@pytest.mark.parametrize(
    ("population", "quota"),
    [
        (2999, 250),
        (3000, 250),
        (3001, 500),
        (6000, 500),
        (6001, 750),
        (9000, 750),
        (9001, 1000),
        (12000, 1000),
        (12001, 1500),
        (80000, 1500),
    ],
)
def test_the_county_quota_table_of_the_love_supermarket(population, quota):
    assert quota_for(population) == quota


def test_a_village_cannot_award_beyond_its_monthly_quota(community, member, policy):
    policy.quotas_enabled = True
    policy.save()
    community.population = 2800  # → 250 a month
    community.save()
    award_points(member=member, amount=240, reason="a")
    result = award_points(member=member, amount=20, reason="b")
    assert (result.awarded, result.truncated_by) == (10, "quota_exhausted")
    with pytest.raises(errors.QuotaExhausted):
        award_points(member=member, amount=1, reason="c")


def test_the_same_idempotency_key_returns_the_first_award(member):
    first = award_points(member=member, amount=5, reason="x", idempotency_key="k")
    again = award_points(member=member, amount=5, reason="x", idempotency_key="k")
    assert again.transaction.pk == first.transaction.pk
    assert Transaction.objects.count() == 1 and summary_of(member).balance == 5


def test_the_same_key_for_another_request_is_a_conflict(member):
    award_points(member=member, amount=5, reason="x", idempotency_key="k")
    before = ledger_state()
    with pytest.raises(IdempotencyConflict):
        award_points(member=member, amount=6, reason="x", idempotency_key="k")
    assert ledger_state() == before


def test_a_household_programme_credits_the_household_wallet(programme, community):
    programme.wallet_level = ProgrammeWalletLevel.HOUSEHOLD
    programme.save()
    home = make_household(community=community)
    a, b = (
        make_member(community=community, household=home),
        make_member(community=community, household=home),
    )
    award_points(member=a, amount=5, reason="x")
    assert award_points(member=b, amount=3, reason="y").balance == 8
    assert Account.objects.get(kind=AccountKind.HOUSEHOLD).balance == 8
    assert summary_of(a).lifetime_earned == 5 and summary_of(b).lifetime_earned == 3


def test_points_earned_this_year_expire_at_its_end(member):
    with time_machine.travel(datetime(2026, 5, 1, tzinfo=UTC)):
        award_points(member=member, amount=5, reason="x")
    assert Lot.objects.get().expires_at == datetime(2026, 12, 31, 16, 0, tzinfo=UTC)


def test_rolling_validity_counts_months_from_earning(member, policy):
    policy.expiry_mode, policy.rolling_months = "rolling", 6
    policy.save()
    with time_machine.travel(datetime(2026, 8, 31, 4, tzinfo=UTC)):
        award_points(member=member, amount=5, reason="x")
    expires_at = Lot.objects.get().expires_at
    assert expires_at is not None and expires_at.date().isoformat() == "2027-02-28"


def test_minutes_of_service_are_a_second_asset(member):
    award_points(member=member, amount=120, reason="陪伴老人", asset="minutes")
    assert summary_of(member, "minutes").balance == 120 and summary_of(member).balance == 0


def test_a_bulk_award_credits_every_attendee_in_one_call(community, member, neighbour):
    from jifen.ledger.services import bulk_award

    award_points(member=member, amount=10, reason="before")
    results = bulk_award(
        programme=member.programme, reason="社区清洁", awards=[(member, 20), (neighbour, 20)]
    )
    assert [(r.awarded, r.balance) for r in results] == [(20, 30), (20, 20)]
    assert summary_of(neighbour).lifetime_earned == 20
    again = bulk_award(
        programme=member.programme,
        reason="社区清洁",
        idempotency_key="close-7",
        awards=[(member, 5), (neighbour, 5)],
    )
    replay = bulk_award(
        programme=member.programme,
        reason="社区清洁",
        idempotency_key="close-7",
        awards=[(member, 5), (neighbour, 5)],
    )
    assert [r.transaction.pk for r in replay] == [r.transaction.pk for r in again]
    assert summary_of(member).balance == 35


def test_a_bulk_award_respects_each_members_cap(member, neighbour, policy):
    from jifen.ledger.services import bulk_award

    policy.caps = [{"scope": "member", "period": "day", "limit": 5}]
    policy.save()
    award_points(member=member, amount=5, reason="full")
    results = bulk_award(
        programme=member.programme, reason="x", awards=[(member, 3), (neighbour, 3)]
    )
    assert [r.awarded for r in results] == [0, 3]


def test_the_tightest_of_several_limits_truncates_and_every_counter_moves(member, policy):
    policy.caps = [
        {"scope": "member", "period": "day", "limit": 10},
        {"scope": "member", "period": "month", "limit": 6},
    ]
    policy.save()
    with time_machine.travel(datetime(2026, 11, 22, 2, 0, tzinfo=UTC)):
        result = award_points(member=member, amount=8, reason="a")
    assert (result.awarded, result.truncated_by) == (6, "cap_reached")
    assert sorted(Counter.objects.values_list("period", "used", "ceiling")) == [
        ("2026-11", 6, 6),
        ("2026-11-22", 6, 10),
    ]


@pytest.mark.parametrize(("new_limit", "awarded"), [(5, 0), (12, 4)])
def test_a_cap_changed_mid_period_applies_to_the_next_award(member, policy, new_limit, awarded):
    policy.caps = [{"scope": "member", "period": "day", "limit": 10}]
    policy.save()
    award_points(member=member, amount=8, reason="a")
    policy.caps = [{"scope": "member", "period": "day", "limit": new_limit}]
    policy.save()
    try:
        assert award_points(member=member, amount=4, reason="b").awarded == awarded
    except errors.CapReached:
        assert awarded == 0
    assert Counter.objects.get().used == 8 + awarded


def test_a_bulk_award_refuses_a_member_listed_twice_and_changes_nothing(member, neighbour):
    from jifen.ledger.services import bulk_award

    before = ledger_state()
    with pytest.raises(errors.DuplicateAward):
        bulk_award(
            programme=member.programme,
            reason="x",
            awards=[(member, 5), (neighbour, 5), (member, 7)],
        )
    assert ledger_state() == before
