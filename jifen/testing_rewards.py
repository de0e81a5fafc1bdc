"""Test helpers for rewards: a store, a reward on its shelf, points to spend, and a world of
rewards objects for the API's tests."""

from dataclasses import dataclass
from datetime import date, timedelta
from itertools import count

from jifen.accounts.models import User
from jifen.ledger import services as ledger
from jifen.lib import clock
from jifen.lib.periods import local
from jifen.programmes.models import Member, Programme, RoleKind
from jifen.rewards import services
from jifen.rewards.models import (
    Handover,
    Redemption,
    Reward,
    RewardKind,
    RewardSettings,
    Settlement,
    Stock,
    Store,
    StoreCashier,
    WaitlistEntry,
)
from jifen.rewards.settlement import period_of
from jifen.testing import make_staff

_counter = count(1)
# Every rewards table, for the tests that check a request wrote nothing (or once).
REWARD_MODELS = (
    Store,
    StoreCashier,
    Reward,
    Stock,
    Redemption,
    WaitlistEntry,
    RewardSettings,
    Settlement,
)


def make_store(*, programme: Programme, code: str = "", name: str = "", **fields: object) -> Store:
    n = next(_counter)
    return services.save_store(
        programme=programme,
        actor=None,
        code=code or f"store-{n}",
        name=name or f"积分超市 {n}",
        **fields,  # type: ignore[arg-type]
    )


def make_reward(
    *,
    store: Store,
    name: str = "",
    points: int = 100,
    units: int | None = 10,
    kind: str = RewardKind.GOODS,
    **fields: object,
) -> Reward:
    """A reward offered at `store` with `units` on the shelf (None: unlimited)."""
    reward = services.save_reward(
        programme=store.programme,
        actor=None,
        name=name or f"大米 5kg {next(_counter)}",
        kind=kind,
        points=points,
        **fields,  # type: ignore[arg-type]
    )
    services.restock(
        reward=reward, store=store, actor=None, add=units or 0, unlimited=units is None
    )
    return reward


def give_points(member: Member, amount: int) -> None:
    ledger.award_points(member=member, amount=amount, reason="测试积分")


@dataclass(frozen=True)
class RewardsWorld:
    """A store of `member`'s community with its cashier, and `member`'s redemptions there."""

    store: Store  # code "store-east", of the member's community
    cashier: User  # the programme's cashier, at `store`
    rice: Reward  # 10 points, 5 units at `store`, collected with a code
    gone: Reward  # 10 points, none left at `store`, with a waitlist
    sold_out: Reward  # as `gone`, and nobody waits for it
    parcel: Reward  # 10 points, delivered
    code: Redemption  # the member's open code for rice
    spare_code: Redemption  # another open code of the member's for rice
    delivery: Redemption  # the member's open delivery of a parcel
    wait: WaitlistEntry  # the member waits for `gone`
    period: date  # the first day of the last settlement period, over and not settled


def make_rewards_world(*, member: Member) -> RewardsWorld:
    """The objects above; `member` needs 30 points."""
    programme = member.programme
    store = make_store(programme=programme, code="store-east", community=member.community)
    cashier = make_staff(programme=programme, kind=RoleKind.CASHIER, username="cashier")
    services.set_cashiers(store=store, users=[cashier], actor=None)
    rice = make_reward(store=store, name="大米 5kg", points=10, units=5)
    gone = make_reward(store=store, name="健身卡", points=10, units=0, waitlist=True)
    sold_out = make_reward(store=store, name="电影票", points=10, units=0, waitlist=True)
    parcel = make_reward(store=store, name="食用油", points=10, handover=Handover.DELIVERY)
    delivery = services.redeem(member=member, reward=parcel, address="3-2-301")
    today = local(clock.now(), programme.timezone).date()
    start, _end = period_of(programme, today)
    return RewardsWorld(
        store=store,
        cashier=cashier,
        rice=rice,
        gone=gone,
        sold_out=sold_out,
        parcel=parcel,
        code=services.redeem(member=member, reward=rice),
        spare_code=services.redeem(member=member, reward=rice),
        delivery=delivery,
        wait=services.join_waitlist(member=member, reward=gone),
        period=period_of(programme, start - timedelta(days=1))[0],
    )
