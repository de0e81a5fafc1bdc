"""Redemptions through the services: the hold and the counters move together, a code is
verified once, cancelling and expiry give everything back once, and every refusal writes
nothing."""

from datetime import timedelta

import pytest
import time_machine

from jifen.idempotency.services import IdempotencyConflict
from jifen.ledger.errors import InsufficientPoints
from jifen.ledger.models import Hold, HoldStatus, Transaction, TransactionKind
from jifen.ledger.queries import summary_of
from jifen.lib import clock
from jifen.programmes.models import RoleKind
from jifen.rewards import codes, errors, services
from jifen.rewards.models import (
    Handover,
    LimitPeriod,
    Perk,
    Redemption,
    RedemptionStatus,
    RefusalReason,
    RewardArea,
    RewardKind,
    Stock,
)
from jifen.rewards.privileges import enjoys
from jifen.rewards.queries import catalogue, offer
from jifen.rewards.redeeming import available
from jifen.testing import make_member, make_staff
from jifen.testing_rewards import give_points, make_reward, make_store


@pytest.fixture
def store(programme):
    return make_store(programme=programme, code="county", name="县积分超市")


@pytest.fixture
def rice(store):
    return make_reward(store=store, name="大米 5kg", points=100, units=3)


def _writes():
    return (Transaction.objects.count(), Redemption.objects.count(), Hold.objects.count())


def test_codes_have_a_check_character_that_catches_typos():
    code = codes.new_code()
    assert codes.is_valid(code) and len(code) == 9
    assert codes.normalize(codes.display(code).lower()) == code
    for i in range(9):
        for other in codes.ALPHABET:
            if other != code[i]:
                assert not codes.is_valid(code[:i] + other + code[i + 1 :])
    for i in range(8):
        swapped = code[:i] + code[i + 1] + code[i] + code[i + 2 :]
        assert swapped == code or not codes.is_valid(swapped)


def test_redeem_holds_points_and_stock_then_the_counter_settles_it(community, store, rice):
    member = make_member(community=community, name="王秀英")
    give_points(member, 250)
    redemption = services.redeem(member=member, reward=rice, actor=None)
    assert redemption.status == RedemptionStatus.OPEN and codes.is_valid(redemption.code)
    assert summary_of(member).balance == 150
    assert available(Stock.objects.get(reward=rice, store=store)) == 2
    cashier = make_staff(programme=store.programme, kind=RoleKind.CASHIER)
    services.set_cashiers(store=store, users=[cashier], actor=None)
    done = services.verify_code(store=store, code=codes.display(redemption.code), actor=cashier)
    assert done.status == RedemptionStatus.FULFILLED
    hold = Hold.objects.get(pk=redemption.hold_id)
    assert hold.status == HoldStatus.SETTLED
    assert hold.final_transaction.kind == TransactionKind.SETTLE
    assert summary_of(member).balance == 150
    with pytest.raises(errors.CodeUsed):
        services.verify_code(store=store, code=redemption.code, actor=cashier)
    assert available(Stock.objects.get(reward=rice, store=store)) == 2


def test_cancel_gives_points_and_stock_back_once(community, store, rice):
    member = make_member(community=community)
    give_points(member, 100)
    redemption = services.redeem(member=member, reward=rice)
    services.cancel(redemption=redemption, actor=None)
    assert summary_of(member).balance == 100
    assert available(Stock.objects.get(reward=rice)) == 3
    with pytest.raises(errors.NotCancellable):
        services.cancel(redemption=redemption, actor=None)
    assert summary_of(member).balance == 100
    with pytest.raises(errors.CodeCancelled):
        services.verify_code(store=store, code=redemption.code, actor=None)


def test_codes_expire_after_the_programme_s_days_and_release_once(community, store, rice):
    member = make_member(community=community)
    give_points(member, 100)
    redemption = services.redeem(member=member, reward=rice)
    with time_machine.travel(clock.now() + timedelta(days=8)):
        with pytest.raises(errors.CodeExpired):
            services.verify_code(store=store, code=redemption.code, actor=None)
        assert services.expire_due() == 1
        assert services.expire_due() == 0
    redemption.refresh_from_db()
    assert redemption.status == RedemptionStatus.EXPIRED
    assert summary_of(member).balance == 100
    assert available(Stock.objects.get(reward=rice)) == 3


def test_refusals_write_nothing(programme, community, store, rice):
    member = make_member(community=community)
    give_points(member, 150)
    other = make_store(programme=programme, code="village", name="村爱心超市")
    before = _writes()
    with pytest.raises(errors.NotAtStore):
        services.redeem(member=member, reward=rice, store=other)
    summer = make_reward(store=store, name="西瓜", points=10, months=[7, 8])
    with time_machine.travel("2026-12-03 10:00 +0800"):
        with pytest.raises(errors.OutOfSeason):
            services.redeem(member=member, reward=summer)
    gym = make_reward(store=store, name="健身卡", points=500)
    with pytest.raises(InsufficientPoints):
        services.redeem(member=member, reward=gym)
    with pytest.raises(errors.QuantityInvalid):
        services.redeem(member=member, reward=rice, quantity=2**63)
    parking = make_reward(store=store, name="月停车卡", points=20, member_limit=1)
    before = _writes()
    services.redeem(member=member, reward=parking)
    with pytest.raises(errors.MemberLimitReached):
        services.redeem(member=member, reward=parking)
    assert _writes()[1] == before[1] + 1
    redemption = Redemption.objects.get(reward=parking)
    with pytest.raises(errors.CodeOfAnotherStore):
        services.verify_code(store=other, code=redemption.code, actor=None)
    with pytest.raises(errors.CodeMistyped):
        services.verify_code(store=store, code="ABC\x00\ud800", actor=None)
    assert summary_of(member).balance == 130


def test_out_of_stock_and_monthly_limits(community, store):
    a, b = make_member(community=community), make_member(community=community)
    give_points(a, 500)
    give_points(b, 500)
    haircut = make_reward(store=store, name="理发", points=50, units=None, monthly_limit=2)
    services.redeem(member=a, reward=haircut)
    services.redeem(member=b, reward=haircut)
    with pytest.raises(errors.MonthlyLimitReached):
        services.redeem(member=a, reward=haircut)
    books = make_reward(store=store, name="图书", points=20, units=1)
    services.redeem(member=a, reward=books)
    with pytest.raises(errors.OutOfStock):
        services.redeem(member=b, reward=books)


def test_donated_area_opens_after_a_goods_redemption(community, store, rice):
    member = make_member(community=community)
    give_points(member, 300)
    oil = make_reward(store=store, name="捐赠食用油", points=30, area=RewardArea.DONATED)
    with pytest.raises(errors.DonatedAreaClosed):
        services.redeem(member=member, reward=oil)
    assert offer(member, oil).refusal
    services.redeem(member=member, reward=rice)
    services.redeem(member=member, reward=oil)
    assert [o.reward.name for o in catalogue(member, area=RewardArea.DONATED)] == ["捐赠食用油"]


def test_privileges_are_enjoyed_not_spent(programme, community, store):
    member = make_member(community=community)
    services.save_reward(
        programme=programme,
        actor=None,
        name="出游优先报名",
        kind=RewardKind.PRIVILEGE,
        points=0,
        perk=Perk.PRIORITY_SIGNUP,
        min_balance=800,
    )
    give_points(member, 799)
    assert not enjoys(member, Perk.PRIORITY_SIGNUP)
    give_points(member, 1)
    assert enjoys(member, Perk.PRIORITY_SIGNUP)


def test_a_privilege_of_one_community_is_not_enjoyed_in_another(
    programme, community, other_community
):
    east, west = make_member(community=community), make_member(community=other_community)
    services.save_reward(
        programme=programme,
        actor=None,
        name="活动室预约",
        kind=RewardKind.PRIVILEGE,
        points=0,
        perk=Perk.ROOMS,
        min_lifetime=100,
        communities=[community],
    )
    give_points(east, 100)
    give_points(west, 100)
    assert enjoys(east, Perk.ROOMS) and not enjoys(west, Perk.ROOMS)
    assert not enjoys(east, Perk.PRIORITY_SIGNUP)


def test_delivery_steps_and_a_refusal_penalty_never_below_zero(community, store):
    member = make_member(community=community)
    give_points(member, 600)
    coupon = make_reward(
        store=store, name="物业费8折券", points=500, handover=Handover.DELIVERY, units=None
    )
    with pytest.raises(errors.AddressRequired):
        services.redeem(member=member, reward=coupon)
    order = services.redeem(member=member, reward=coupon, address="3栋2单元301")
    assert order.step == "ordered" and order.due_at is not None
    services.advance(redemption=order, step="notified", actor=None)
    with pytest.raises(errors.StepNotAllowed):
        services.advance(redemption=order, step="ordered", actor=None)
    services.refuse(redemption=order, reason=RefusalReason.PERSONAL, actor=None)
    order.refresh_from_db()
    assert order.status == RedemptionStatus.REFUSED and order.penalty_due == 2000
    assert summary_of(member).balance == 0  # 600 back, then the penalty takes what there is
    assert order.penalty_transaction.kind == TransactionKind.PENALTY


def test_waitlist_serves_higher_balances_first(community, store):
    rich, poor = make_member(community=community), make_member(community=community)
    give_points(rich, 900)
    give_points(poor, 300)
    lamp = make_reward(store=store, name="台灯", points=100, units=0, waitlist=True)
    services.join_waitlist(member=poor, reward=lamp)
    services.join_waitlist(member=rich, reward=lamp)
    _stock, served = services.restock(reward=lamp, store=store, actor=None, add=1)
    assert [r.member for r in served] == [rich]


def test_idempotent_redeem_returns_the_first(community, store, rice):
    member = make_member(community=community)
    give_points(member, 300)
    first = services.redeem(member=member, reward=rice, idempotency_key="k1")
    again = services.redeem(member=member, reward=rice, idempotency_key="k1")
    assert first.pk == again.pk and summary_of(member).balance == 200
    with pytest.raises(IdempotencyConflict):
        services.redeem(member=member, reward=rice, quantity=2, idempotency_key="k1")


def test_a_retry_gets_its_redemption_back_after_the_last_points_went(community, store, rice):
    member = make_member(community=community)
    give_points(member, 100)
    first = services.redeem(member=member, reward=rice, idempotency_key="form-1")
    assert summary_of(member).balance == 0
    again = services.redeem(member=member, reward=rice, idempotency_key="form-1")
    assert again.pk == first.pk and Redemption.objects.count() == 1


def test_member_limit_per_year(community, store):
    member = make_member(community=community)
    give_points(member, 5000)
    star = make_reward(
        store=store,
        name="社区之星",
        points=1000,
        units=None,
        kind=RewardKind.HONOUR,
        member_limit=1,
        member_limit_period=LimitPeriod.YEAR,
    )
    services.redeem(member=member, reward=star)
    with pytest.raises(errors.MemberLimitReached):
        services.redeem(member=member, reward=star)
