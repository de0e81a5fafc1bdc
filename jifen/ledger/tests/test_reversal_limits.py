"""A reversed award gives its cap and quota usage back, to the periods it was charged in."""

from datetime import UTC, datetime

import pytest
import time_machine

from jifen.ledger import errors
from jifen.ledger.models import Counter, Transaction
from jifen.ledger.services import (
    award_points,
    bulk_award,
    donate_points,
    reverse_transaction,
)
from jifen.testing import make_household, make_member

# 10:00 in Shanghai on 30 and 31 March, then 1 April.
MARCH_30 = datetime(2026, 3, 30, 2, 0, tzinfo=UTC)
MARCH_31 = datetime(2026, 3, 31, 2, 0, tzinfo=UTC)
APRIL_1 = datetime(2026, 4, 1, 2, 0, tzinfo=UTC)


@pytest.fixture
def daily_cap(policy):
    policy.caps = [{"scope": "member", "period": "day", "limit": 5}]
    policy.save()
    return policy


@pytest.fixture
def quota(policy, community):
    policy.quotas_enabled = True
    policy.save()
    community.population = 2800  # → 250 a month
    community.save()
    return policy


def used() -> dict[str, int]:
    return dict(Counter.objects.values_list("period", "used"))


def test_a_reversed_award_frees_the_cap_for_a_new_award(member, admin, daily_cap):
    with time_machine.travel(MARCH_30):
        mistake = award_points(member=member, amount=5, reason="录错了")
        with pytest.raises(errors.CapReached):
            award_points(member=member, amount=1, reason="x")
        reverse_transaction(original=mistake.transaction, reason="录错了", actor=admin)
        assert used() == {"2026-03-30": 0}
        assert award_points(member=member, amount=5, reason="正确").awarded == 5
        assert used() == {"2026-03-30": 5}


def test_a_reversal_on_a_later_day_gives_back_to_the_day_of_the_award(member, admin, daily_cap):
    with time_machine.travel(MARCH_30):
        mistake = award_points(member=member, amount=4, reason="a")
    with time_machine.travel(MARCH_31):
        award_points(member=member, amount=3, reason="b")
        reverse_transaction(original=mistake.transaction, reason="录错了", actor=admin)
        assert used() == {"2026-03-30": 0, "2026-03-31": 3}
        assert award_points(member=member, amount=5, reason="c").awarded == 2


def test_a_reversed_award_frees_the_community_quota(member, admin, quota):
    with time_machine.travel(MARCH_30):
        mistake = award_points(member=member, amount=250, reason="a")
        with pytest.raises(errors.QuotaExhausted):
            award_points(member=member, amount=1, reason="b")
        reverse_transaction(original=mistake.transaction, reason="录错了", actor=admin)
        assert award_points(member=member, amount=250, reason="c").awarded == 250


def test_a_reversal_next_month_gives_back_to_the_month_of_the_award(member, admin, quota):
    with time_machine.travel(MARCH_31):
        mistake = award_points(member=member, amount=200, reason="a")
    with time_machine.travel(APRIL_1):
        award_points(member=member, amount=240, reason="b")
        reverse_transaction(original=mistake.transaction, reason="录错了", actor=admin)
        assert used() == {"2026-03": 0, "2026-04": 240}
        assert award_points(member=member, amount=20, reason="c").awarded == 10


def test_a_truncated_award_gives_back_only_what_it_used(member, admin, daily_cap):
    with time_machine.travel(MARCH_30):
        award_points(member=member, amount=3, reason="a")
        cut = award_points(member=member, amount=4, reason="b")
        assert cut.awarded == 2
        reverse_transaction(original=cut.transaction, reason="录错了", actor=admin)
        assert used() == {"2026-03-30": 3}


def test_a_counter_never_goes_below_zero(member, admin, daily_cap):
    with time_machine.travel(MARCH_30):
        mistake = award_points(member=member, amount=5, reason="a")
        Counter.objects.update(used=2)
        reverse_transaction(original=mistake.transaction, reason="录错了", actor=admin)
        assert used() == {"2026-03-30": 0}


def test_reversing_what_used_no_counter_moves_none(member, admin, daily_cap):
    with time_machine.travel(MARCH_30):
        award_points(member=member, amount=5, reason="a")
        donation = donate_points(member=member, amount=2)
        reverse_transaction(original=donation, reason="录错了", actor=admin)
        assert used() == {"2026-03-30": 5}


def test_a_refused_reversal_gives_nothing_back(member, admin, daily_cap):
    with time_machine.travel(MARCH_30):
        award = award_points(member=member, amount=5, reason="a")
        donate_points(member=member, amount=3)  # the points are spent: no reversal
        with pytest.raises(errors.InsufficientPoints):
            reverse_transaction(original=award.transaction, reason="录错了", actor=admin)
        assert used() == {"2026-03-30": 5}


def test_a_reversed_bulk_award_frees_each_members_cap(member, neighbour, admin, daily_cap):
    with time_machine.travel(MARCH_30):
        results = bulk_award(
            programme=member.programme, awards=[(member, 5), (neighbour, 3)], reason="清扫"
        )
        mine = Transaction.objects.get(pk=results[0].transaction.pk)
        assert mine.charged and Transaction.objects.get(pk=results[1].transaction.pk).charged
        reverse_transaction(original=mine, reason="录错了", actor=admin)
        assert award_points(member=member, amount=5, reason="正确").awarded == 5
        assert award_points(member=neighbour, amount=3, reason="x").awarded == 2  # 3 still used


def test_reversing_one_award_of_a_bulk_award_gives_back_exactly_its_charges(
    community, admin, policy
):
    policy.caps = [
        {"scope": "member", "period": "day", "limit": 5},
        {"scope": "household", "period": "day", "limit": 12},
    ]
    policy.quotas_enabled = True
    policy.save()
    home = make_household(community=community)
    a, b, c = (make_member(community=community, household=home) for _ in range(3))
    with time_machine.travel(MARCH_30):
        results = bulk_award(
            programme=community.programme, awards=[(a, 5), (b, 4), (c, 5)], reason="x"
        )
        assert [r.awarded for r in results] == [5, 4, 3]
        middle = Transaction.objects.get(pk=results[1].transaction.pk)
        assert middle.charged is not None
        counters = {(x.scope, x.period): x.pk for x in Counter.objects.all()}
        assert sorted(middle.charged) == sorted(
            [counters[key], 4]
            for key in [
                (f"member:{b.pk}:award", "2026-03-30"),
                (f"household:{home.pk}:award", "2026-03-30"),
                (f"community:{community.pk}:quota", "2026-03"),
            ]
        )
        before = dict(Counter.objects.values_list("pk", "used"))
        reverse_transaction(original=middle, reason="录错了", actor=admin)
        after = dict(Counter.objects.values_list("pk", "used"))
        assert after == {pk: used - dict(middle.charged).get(pk, 0) for pk, used in before.items()}
