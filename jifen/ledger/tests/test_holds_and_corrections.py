from datetime import UTC, datetime

import pytest
import time_machine

from jifen.ledger import errors
from jifen.ledger.accounts import system_account
from jifen.ledger.models import AccountKind, Counter, Lot, TransactionKind
from jifen.ledger.queries import expiring_soon, summary_of
from jifen.ledger.services import (
    Limit,
    approve,
    award_points,
    charge_penalty,
    donate_points,
    expire_lots,
    hold_points,
    reject,
    release_hold,
    request_approval,
    reverse_transaction,
    settle_hold,
    transfer_points,
)
from jifen.ledger.tests.helpers import ledger_state
from jifen.programmes.models import ProgrammeWalletLevel, RoleKind
from jifen.testing import make_household, make_member, make_staff


@pytest.fixture
def rich(member):
    award_points(member=member, amount=100, reason="义诊")
    return member


@pytest.fixture
def reviewer(programme):
    return make_staff(programme=programme, kind=RoleKind.REVIEWER)


def test_a_hold_takes_points_aside_and_a_settlement_spends_them(rich):
    hold = hold_points(member=rich, amount=30, reference="大米5公斤")
    assert summary_of(rich).balance == 70
    settle_hold(hold=hold)
    assert summary_of(rich).balance == 70
    assert system_account(rich.community, AccountKind.REDEMPTION).balance == 30


def _shelf(ceiling: int = 2) -> Limit:
    return Limit("stock:test", "all", ceiling, lambda: errors.CapReached(limit=2, period="-"))


def test_a_hold_uses_its_counters_and_only_a_release_gives_them_back(rich):
    first = hold_points(member=rich, amount=10, reference="a", limits=[_shelf()], units=1)
    second = hold_points(member=rich, amount=10, reference="b", limits=[_shelf()], units=1)
    with pytest.raises(errors.CapReached):
        hold_points(member=rich, amount=10, reference="c", limits=[_shelf()], units=1)
    assert summary_of(rich).balance == 80  # the refused hold took nothing
    settle_hold(hold=first)
    release_hold(hold=second)
    assert Counter.objects.get(scope="stock:test").used == 1


def test_a_penalty_takes_what_the_balance_allows_and_never_more(rich):
    taken = charge_penalty(member=rich, amount=2000, reason="拒收")
    assert taken is not None and taken.kind == TransactionKind.PENALTY
    assert summary_of(rich).balance == 0
    assert charge_penalty(member=rich, amount=2000, reason="拒收") is None
    assert system_account(rich.community, AccountKind.PENALTY).postings.count() == 1


def test_a_release_gives_the_points_back_into_their_own_lots(rich):
    lot = Lot.objects.get()
    hold = hold_points(member=rich, amount=30, reference="x")
    release_hold(hold=hold)
    assert summary_of(rich).balance == 100
    assert Lot.objects.get() == lot and Lot.objects.get().remaining == 100


@pytest.mark.parametrize(
    ("first", "second"),
    [(settle_hold, release_hold), (release_hold, settle_hold), (release_hold, release_hold)],
)
def test_a_hold_closes_exactly_once(rich, first, second):
    hold = hold_points(member=rich, amount=30, reference="x")
    first(hold=hold)
    before = ledger_state()
    with pytest.raises(errors.HoldNotOpen):
        second(hold=hold)
    assert ledger_state() == before


def test_a_hold_beyond_the_balance_is_refused(rich):
    before = ledger_state()
    with pytest.raises(errors.InsufficientPoints):
        hold_points(member=rich, amount=101, reference="x")
    assert ledger_state() == before


def test_a_donation_goes_to_the_community_fund(rich):
    donate_points(member=rich, amount=40)
    assert summary_of(rich).balance == 60
    assert system_account(rich.community, AccountKind.FUND).balance == 40


def test_a_grant_from_the_fund_needs_a_reviewer_other_than_its_author(
    rich, neighbour, admin, reviewer
):
    donate_points(member=rich, amount=40)
    approval = request_approval(
        kind="grant", member=neighbour, amount=25, reason="困难家庭", actor=admin
    )
    with pytest.raises(errors.SelfApproval):
        approve(approval=approval, actor=admin)
    approve(approval=approval, actor=reviewer)
    assert summary_of(neighbour).balance == 25
    with pytest.raises(errors.AlreadyDecided):
        approve(approval=approval, actor=reviewer)


def test_a_grant_larger_than_the_fund_is_refused_and_changes_nothing(neighbour, admin, reviewer):
    approval = request_approval(kind="grant", member=neighbour, amount=25, reason="x", actor=admin)
    before = ledger_state()
    with pytest.raises(errors.FundInsufficient):
        approve(approval=approval, actor=reviewer)
    assert ledger_state() == before


def test_someone_without_the_reviewer_role_cannot_approve(rich, programme, admin):
    approval = request_approval(kind="adjust", member=rich, amount=10, reason="补录", actor=admin)
    with pytest.raises(errors.NotAReviewer):
        approve(approval=approval, actor=make_staff(programme=programme, kind=RoleKind.CASHIER))


def test_a_reviewer_cannot_approve_points_for_themselves(rich, admin, reviewer):
    rich.user = reviewer
    rich.save()
    approval = request_approval(kind="adjust", member=rich, amount=10, reason="x", actor=admin)
    with pytest.raises(errors.SelfApproval):
        approve(approval=approval, actor=reviewer)


def test_adjustments_both_ways_and_a_rejection(rich, admin, reviewer):
    approve(
        approval=request_approval(
            kind="adjust", member=rich, amount=10, reason="补录", actor=admin
        ),
        actor=reviewer,
    )
    approve(
        approval=request_approval(
            kind="adjust", member=rich, amount=-30, reason="误录", actor=admin
        ),
        actor=reviewer,
    )
    rejected = request_approval(kind="adjust", member=rich, amount=-5, reason="x", actor=admin)
    reject(approval=rejected, actor=reviewer)
    assert summary_of(rich).balance == 80


def test_a_reversal_negates_the_original_once(rich, admin):
    award = award_points(member=rich, amount=20, reason="巡逻").transaction
    reversal = reverse_transaction(original=award, reason="重复录入", actor=admin)
    assert reversal.reverses == award and reversal.kind == TransactionKind.REVERSE
    assert summary_of(rich).balance == 100 and summary_of(rich).lifetime_earned == 100
    with pytest.raises(errors.AlreadyReversed):
        reverse_transaction(original=award, reason="again", actor=admin)
    with pytest.raises(errors.NotReversible):
        reverse_transaction(original=reversal, reason="undo", actor=admin)


def test_points_already_spent_cannot_be_reversed(member, admin):
    award = award_points(member=member, amount=20, reason="x").transaction
    settle_hold(hold=hold_points(member=member, amount=15, reference="r"))
    before = ledger_state()
    with pytest.raises(errors.InsufficientPoints):
        reverse_transaction(original=award, reason="y", actor=admin)
    assert ledger_state() == before


def test_a_spend_takes_the_oldest_points_first(member):
    with time_machine.travel(datetime(2025, 6, 1, tzinfo=UTC)):
        award_points(member=member, amount=10, reason="old")
    with time_machine.travel(datetime(2026, 2, 1, tzinfo=UTC)):
        award_points(member=member, amount=10, reason="new")
        hold_points(member=member, amount=12, reference="r")
    assert list(Lot.objects.order_by("id").values_list("remaining", flat=True)) == [0, 8]


def test_the_expiry_job_clears_last_years_points(member):
    with time_machine.travel(datetime(2025, 6, 1, tzinfo=UTC)):
        award_points(member=member, amount=10, reason="old")
    with time_machine.travel(datetime(2026, 2, 1, tzinfo=UTC)):
        award_points(member=member, amount=7, reason="new")
        assert expire_lots(programme=member.programme) == 1
        assert expire_lots(programme=member.programme) == 0
    assert summary_of(member).balance == 7 and summary_of(member).lifetime_earned == 17
    assert system_account(member.community, AccountKind.EXPIRY).postings.get().amount == 10


def test_members_whose_points_expire_within_30_days_are_listed(member, neighbour):
    with time_machine.travel(datetime(2026, 3, 1, tzinfo=UTC)):
        award_points(member=member, amount=10, reason="x")
    with time_machine.travel(datetime(2026, 12, 10, tzinfo=UTC)):
        soon = expiring_soon(member.programme)
    assert [(e.member, e.points) for e in soon] == [(member, 10)]


def test_transfers_are_refused_unless_the_programme_allows_them(rich, neighbour, policy):
    before = ledger_state()
    with pytest.raises(errors.TransfersNotAllowed):
        transfer_points(sender=rich, recipient=neighbour, amount=5)
    assert ledger_state() == before
    policy.transfers_allowed = True
    policy.save()
    transfer_points(sender=rich, recipient=neighbour, amount=5)
    assert summary_of(neighbour).balance == 5 and summary_of(neighbour).lifetime_earned == 0


@pytest.mark.parametrize("close", [None, settle_hold, release_hold])
def test_the_movements_of_a_hold_cannot_be_reversed(rich, admin, close):
    hold = hold_points(member=rich, amount=30, reference="x")
    tx = hold.hold_transaction
    if close is not None:
        tx = close(hold=hold)
    before = ledger_state()
    with pytest.raises(errors.NotReversible):
        reverse_transaction(original=tx, reason="oops", actor=admin)
    assert ledger_state() == before


def test_a_grant_is_not_earned_and_its_reversal_returns_it_to_the_fund(
    rich, neighbour, admin, reviewer
):
    donate_points(member=rich, amount=40)
    approval = request_approval(
        kind="grant", member=neighbour, amount=25, reason="困难", actor=admin
    )
    grant = approve(approval=approval, actor=reviewer)
    assert (summary_of(neighbour).balance, summary_of(neighbour).lifetime_earned) == (25, 0)
    reverse_transaction(original=grant, reason="重复", actor=admin)
    assert (summary_of(neighbour).balance, summary_of(neighbour).lifetime_earned) == (0, 0)
    assert system_account(rich.community, AccountKind.FUND).balance == 40


def test_household_wallets_with_points_expiring_soon_are_listed(programme, community):
    programme.wallet_level = ProgrammeWalletLevel.HOUSEHOLD
    programme.save()
    home = make_household(community=community)
    with time_machine.travel(datetime(2026, 3, 1, tzinfo=UTC)):
        award_points(member=make_member(community=community, household=home), amount=9, reason="x")
    with time_machine.travel(datetime(2026, 12, 10, tzinfo=UTC)):
        soon = expiring_soon(programme)
    assert [(e.household, e.member, e.points) for e in soon] == [(home, None, 9)]
    assert soon[0].first_expiry == datetime(2026, 12, 31, 16, 0, tzinfo=UTC)


def test_an_expired_lot_whose_points_are_on_hold_is_cleared_only_after_a_release(member):
    with time_machine.travel(datetime(2025, 6, 1, tzinfo=UTC)):
        award_points(member=member, amount=10, reason="old")
        hold = hold_points(member=member, amount=4, reference="r")
    with time_machine.travel(datetime(2026, 2, 1, tzinfo=UTC)):
        expire_lots(programme=member.programme)
        assert summary_of(member).balance == 0
        release_hold(hold=hold)
        assert summary_of(member).balance == 4
        expire_lots(programme=member.programme)
    assert summary_of(member).balance == 0 and summary_of(member).lifetime_earned == 10
