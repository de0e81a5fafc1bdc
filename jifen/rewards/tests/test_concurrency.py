"""Many redemptions at once on PostgreSQL (SQLite serialises writers, so there is nothing to
prove there): a rush on a shelf of 100 units makes exactly 100 codes, balances and stock never
go below zero, per-resident and monthly limits hold, the rush's refusals take no lock, a code
is verified once however many cashiers scan it, and a hold raced by cancelling and expiry (or
by a cashier) is closed once.

The CI server allows 100 connections, fewer than a rush of 1,000 attempts would need at once:
WORKERS threads, each with its own connection, are released together and take the attempts in
turn, each attempt its own transaction, so that WORKERS of them run truly at once."""

from collections import Counter as Tally
from collections.abc import Callable
from datetime import timedelta

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from jifen.ledger.models import Account, Counter, Hold, HoldStatus, Transaction, TransactionKind
from jifen.ledger.queries import summary_of
from jifen.ledger.services import bulk_award
from jifen.lib import clock
from jifen.lib.errors import DomainError
from jifen.programmes.models import Community, Member
from jifen.rewards import codes, errors, services
from jifen.rewards.models import Redemption, RedemptionStatus, Reward, Stock, Store
from jifen.rewards.redeeming import available, stock_scope
from jifen.testing import at_once, make_community, make_member, make_programme
from jifen.testing_rewards import give_points, make_reward, make_store

WORKERS = 50

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="concurrency is proven on PostgreSQL"
    ),
]


def rush(work: Callable[[int], object], attempts: int) -> list[object]:
    """work(i) for every i below `attempts`, from WORKERS threads released together, each
    attempt its own transaction; returns each result, or the DomainError it raised (None
    where a thread died: a deadlock, an integrity error)."""
    results: list[object] = [None] * attempts

    def worker(n: int) -> None:
        for i in range(n, attempts, WORKERS):
            try:
                results[i] = work(i)
            except DomainError as refusal:
                results[i] = refusal

    at_once(worker, threads=WORKERS)
    return results


def residents(community: Community, count: int, points: int) -> list[Member]:
    """`count` residents with `points` each (one bulk award through the ledger)."""
    people = [make_member(community=community) for _ in range(count)]
    with transaction.atomic():
        bulk_award(
            programme=community.programme, reason="种子积分", awards=[(m, points) for m in people]
        )
    return people


def made(results: list[object]) -> list[Redemption]:
    assert None not in results  # every attempt ended in a redemption or a refusal
    return [r for r in results if isinstance(r, Redemption)]


def refusals(results: list[object]) -> set[str]:
    return {r.code for r in results if isinstance(r, DomainError)}


def used(scope: str) -> Counter:
    return Counter.objects.get(scope=scope)


@pytest.fixture
def world(transactional_db) -> tuple[Community, Store]:
    programme = make_programme(slug="xingfuli", name="幸福里社区")
    community = make_community(programme=programme, name="东区")
    return community, make_store(programme=programme, code="county", name="县积分超市")


def test_a_thousand_attempts_on_a_hundred_units_make_exactly_a_hundred_codes(world):
    community, store = world
    rice = make_reward(store=store, name="大米 5kg", points=100, units=100)
    people = residents(community, 200, points=150)  # each can afford one bag
    results = rush(lambda i: services.redeem(member=people[i % 200], reward=rice), 1000)
    codes_made = {r.code for r in made(results)}
    assert len(codes_made) == 100 == Redemption.objects.filter(reward=rice).count()
    assert all(codes.is_valid(code) for code in codes_made)
    assert refusals(results) <= {"out_of_stock", "insufficient_points"}
    stock = Stock.objects.select_related("store").get(reward=rice)
    counter = used(stock_scope(stock))
    assert counter.used == counter.ceiling == stock.quantity == 100 and available(stock) == 0
    assert not Account.objects.filter(balance__lt=0).exists()
    bought = Tally(r.member_id for r in made(results))
    assert max(bought.values()) == 1
    assert all(summary_of(m).balance == 150 - 100 * bought[m.pk] for m in people)


def test_the_rush_s_refusals_take_no_lock(world):
    community, store = world
    rice = make_reward(store=store, name="大米 5kg", points=100, units=1)
    first, second = residents(community, 2, points=150)
    services.redeem(member=first, reward=rice)
    member = Member.objects.select_related("programme", "community", "household").get(pk=second.pk)
    reward = Reward.objects.select_related("programme").get(pk=rice.pk)  # as a request has them
    with CaptureQueriesContext(connection) as queries, pytest.raises(errors.OutOfStock):
        services.redeem(member=member, reward=reward)
    assert len(queries) == 2  # the reward's communities; the stock with its counter's reading
    assert not any("FOR UPDATE" in q["sql"] for q in queries.captured_queries)


def test_a_per_resident_limit_holds_when_the_same_residents_try_many_times(world):
    community, store = world
    parking = make_reward(store=store, name="月停车卡", points=20, units=None, member_limit=1)
    people = residents(community, 50, points=1000)
    results = rush(lambda i: services.redeem(member=people[i % 50], reward=parking), 1000)
    assert Tally(r.member_id for r in made(results)) == {m.pk: 1 for m in people}
    assert refusals(results) == {"member_limit_reached"}
    assert all(summary_of(m).balance == 980 for m in people)
    mine = Counter.objects.filter(scope__startswith=f"reward:{parking.pk}:member:")
    assert sorted(c.used for c in mine) == [1] * 50


def test_a_monthly_limit_holds_across_residents(world):
    community, store = world
    haircut = make_reward(store=store, name="理发", points=50, units=None, monthly_limit=30)
    people = residents(community, 100, points=1000)
    results = rush(lambda i: services.redeem(member=people[i % 100], reward=haircut), 500)
    assert len(made(results)) == 30 == Redemption.objects.filter(reward=haircut).count()
    assert refusals(results) == {"monthly_limit_reached"}
    counter = used(f"reward:{haircut.pk}")
    assert counter.used == counter.ceiling == 30
    assert sum(summary_of(m).balance for m in people) == 100 * 1000 - 30 * 50


def redeemed(world: tuple[Community, Store], reward: Reward) -> Redemption:
    member = make_member(community=world[0])
    give_points(member, 100)
    return services.redeem(member=member, reward=reward)


def test_ten_cashiers_verifying_one_code_at_once_hand_it_over_once(world):
    _, store = world
    rice = make_reward(store=store, name="大米 5kg", points=100, units=3)
    redemption = redeemed(world, rice)
    results = at_once(
        lambda i: services.verify_code(store=store, code=redemption.code, actor=None), threads=10
    )
    assert sum(isinstance(r, Redemption) for r in results) == 1
    assert refusals(results) == {"code_used"} and None not in results
    settled = Transaction.objects.filter(
        kind=TransactionKind.SETTLE, reference=redemption.reference
    )
    assert settled.count() == 1
    assert Hold.objects.get(pk=redemption.hold_id).status == HoldStatus.SETTLED
    assert summary_of(redemption.member).balance == 0 and available(stock_of(rice)) == 2


def stock_of(reward: Reward) -> Stock:
    return Stock.objects.select_related("store").get(reward=reward)


def test_cancel_and_expiry_racing_release_the_hold_once(world):
    _, store = world
    rice = make_reward(store=store, name="大米 5kg", points=100, units=3, member_limit=1)
    handed = redeemed(world, rice)  # its unit stays used: a second release would show
    services.verify_code(store=store, code=handed.code, actor=None)
    redemption = redeemed(world, rice)

    def work(i: int) -> object:
        if i % 2:
            return services.cancel(redemption=redemption, actor=None)
        return services.expire_due()

    with time_machine.travel(clock.now() + timedelta(days=8)):
        results = at_once(work, threads=10)
    cancelled = sum(isinstance(r, Redemption) for r in results)
    expired = sum(r for r in results if isinstance(r, int))
    assert cancelled + expired == 1 and refusals(results) <= {"not_cancellable"}
    redemption.refresh_from_db()
    assert redemption.status in (RedemptionStatus.CANCELLED, RedemptionStatus.EXPIRED)
    released = Transaction.objects.filter(kind=TransactionKind.RELEASE)
    assert released.get().reference == redemption.reference
    assert summary_of(redemption.member).balance == 100
    assert available(stock_of(rice)) == 2 and used(stock_scope(stock_of(rice))).used == 1
    assert used(f"reward:{rice.pk}:member:{redemption.member_id}").used == 0


def test_a_cashier_and_a_cancel_racing_on_one_code_end_in_one_of_them(world):
    _, store = world
    rice = make_reward(store=store, name="大米 5kg", points=100, units=3)
    redemption = redeemed(world, rice)

    def work(i: int) -> object:
        if i % 2:
            return services.cancel(redemption=redemption, actor=None)
        return services.verify_code(store=store, code=redemption.code, actor=None)

    results = at_once(work, threads=10)
    assert sum(isinstance(r, Redemption) for r in results) == 1 and None not in results
    redemption.refresh_from_db()
    closing = Transaction.objects.filter(reference=redemption.reference).exclude(
        kind=TransactionKind.HOLD
    )
    assert closing.count() == 1
    back = 100 if redemption.status == RedemptionStatus.CANCELLED else 0
    assert summary_of(redemption.member).balance == back
