"""What the demo's stores share: a catalogue opened from a table, cashiers' accounts, and a
resident's visit to a store as dated events: redeemed, then verified at the counter there
and then, collected days later, cancelled, or left uncollected for the worker to expire."""

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from jifen.accounts.models import User
from jifen.earning.demo.common import attempt
from jifen.lib.demo_steps import Event
from jifen.programmes.models import Member, Programme, RoleKind
from jifen.programmes.services import accept_role_offer, grant_role
from jifen.programmes.staff import offer_role
from jifen.rewards import services
from jifen.rewards.models import Handover, Redemption, Reward, RewardKind, Store, StoreKind
from jifen.rewards.settlement import period_of

# What becomes of a code: verified at the counter as it is redeemed (the cashier helps with
# the phone), collected a day or more later, cancelled, or never collected.
OUTCOMES = ("counter", "later", "cancel", "expire")


@dataclass(frozen=True)
class StoreSpec:
    code: str
    name: str
    kind: str = StoreKind.SUPERMARKET
    village: str = ""  # a village's own store: the community's name
    address: str = ""
    hours: str = ""
    description: str = ""


@dataclass(frozen=True)
class Item:
    name: str
    kind: str
    category: str
    points: int
    stock: dict[str, int | None]  # store code → units on its shelf (None: no limit)
    options: dict[str, Any] = field(default_factory=dict)  # save_reward's other arguments


@dataclass
class Shop:
    """A programme's stores and catalogue once opened, and one random source for all its
    visits (they run in date order, so the draws are the same for the same seed)."""

    programme: Programme
    admin: User
    rng: random.Random
    now: datetime  # when the demo is built: what comes later has not happened yet
    stores: dict[str, Store] = field(default_factory=dict)
    rewards: dict[str, Reward] = field(default_factory=dict)
    shelves: dict[str, list[Reward]] = field(default_factory=dict)  # store code → its rewards
    cashiers: dict[str, User] = field(default_factory=dict)  # store code → who verifies

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.programme.timezone)

    @property
    def today(self) -> date:
        return self.now.astimezone(self.tz).date()

    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(day, time(hour, minute), self.tz)


def open_shop(shop: Shop, stores: list[StoreSpec], items: list[Item]) -> None:
    """The stores, then each reward with its units on each store's shelf."""
    communities = {c.name: c for c in shop.programme.communities.all()}
    for s in stores:
        shop.stores[s.code] = services.save_store(
            programme=shop.programme,
            actor=shop.admin,
            code=s.code,
            name=s.name,
            kind=s.kind,
            community=communities[s.village] if s.village else None,
            address=s.address,
            opening_hours=s.hours,
            description=s.description,
        )
    for item in items:
        reward = services.save_reward(
            programme=shop.programme,
            actor=shop.admin,
            name=item.name,
            kind=item.kind,
            category=item.category,
            points=item.points,
            **item.options,
        )
        shop.rewards[item.name] = reward
        for code, units in item.stock.items():
            store = shop.stores[code]
            services.restock(
                reward=reward,
                store=store,
                actor=shop.admin,
                add=units or 0,
                unlimited=units is None,
            )
            shop.shelves.setdefault(code, []).append(reward)


def cashier_account(username: str, name: str, like: User) -> User:
    """A new staff account with the demo's password (`like`'s hash: hashing is slow on
    purpose). Raises ValueError when the username is taken, as the demo's staff do."""
    if User.objects.filter(username=username).exists():
        raise ValueError(f"usernames already taken: {username}")
    user = User(username=username, display_name=name, password=like.password)
    user.save()
    return user


def make_cashier(shop: Shop, user: User, codes: list[str]) -> None:
    """`user` takes the programme's cashier role if they have not (by consent when the
    account is already someone's elsewhere) and works the counters of the stores `codes`."""
    programme, admin = shop.programme, shop.admin
    if user.roles.filter(programme=programme, kind=RoleKind.CASHIER).exists():
        pass  # 幸福里's cashier has had the role from the start
    elif user.roles.exists():
        _offer, secret = offer_role(
            actor=admin,
            programme=programme,
            user=user,
            login=user.username,
            kind=RoleKind.CASHIER,
        )
        accept_role_offer(secret=secret, user=user)
    else:
        grant_role(actor=admin, programme=programme, user=user, kind=RoleKind.CASHIER)
    for code in codes:
        services.set_cashiers(store=shop.stores[code], users=[user], actor=admin)
        shop.cashiers[code] = user


Basket = Callable[[], list[Redemption]]  # what a visit redeems, chosen when it happens


def visit(shop: Shop, at: datetime, basket: Basket, weights: tuple[int, ...]) -> list[Event]:
    """A visit at `at` that redeems `basket`, then one of OUTCOMES (by `weights`) for every
    code of it; what would come after the demo's moment has not happened (the code is open)."""
    holder: list[Redemption] = []
    events: list[Event] = [(at, partial(_fill, holder, basket))]
    outcome = shop.rng.choices(OUTCOMES, weights)[0]
    if outcome == "counter":
        events.append(
            (at + timedelta(minutes=shop.rng.randint(2, 15)), partial(_verify, shop, holder))
        )
    elif outcome == "later":
        later = at + timedelta(hours=shop.rng.randint(20, 110))
        events.append((later, partial(_verify, shop, holder)))
    elif outcome == "cancel":
        events.append((at + timedelta(hours=shop.rng.randint(1, 40)), partial(_cancel, holder)))
    return [e for e in events if e[0] < shop.now]


def _fill(holder: list[Redemption], basket: Basket) -> None:
    holder += basket()


def _verify(shop: Shop, holder: list[Redemption]) -> None:
    for r in holder:
        cashier = shop.cashiers[r.store.code]
        attempt(partial(services.verify_code, store=r.store, code=r.code, actor=cashier))


def _cancel(holder: list[Redemption]) -> None:
    for r in holder:
        attempt(partial(services.cancel, redemption=r, actor=r.member.user))


def redeem(member: Member, reward: Reward, store: Store, address: str = "") -> Redemption | None:
    """The redemption, or None when it is refused (a limit, the season, too few points)."""
    return attempt(
        partial(services.redeem, member=member, reward=reward, store=store, address=address)
    )


def affordable(shop: Shop, code: str, points: int) -> list[Reward]:
    """The store's rewards collected with a code that cost at most `points`."""
    return [
        r
        for r in shop.shelves.get(code, [])
        if r.handover == Handover.PICKUP and r.points <= points and r.kind != RewardKind.PRIVILEGE
    ]


DELIVERED = (("notified", 1), ("shipped", 3), ("delivered", 5))  # (step, days after ordering)
REFUSED = (("notified", 1), ("shipped", 3), ("refused", 5))  # at the door, personal reasons


def deliver(
    shop: Shop, at: datetime, basket: Basket, steps: tuple[tuple[str, int], ...] = DELIVERED
) -> list[Event]:
    """A delivered order and its steps: by default the resident is told the next day, it is
    sent two days later and handed over two days after that."""
    holder: list[Redemption] = []
    events: list[Event] = [(at, partial(_fill, holder, basket))]
    for step, days in steps:
        events.append((at + timedelta(days=days, hours=2), partial(_step, shop, holder, step)))
    return [e for e in events if e[0] < shop.now]


def _step(shop: Shop, holder: list[Redemption], step: str) -> None:
    for r in holder:
        actor = shop.cashiers[r.store.code]
        if step == "refused":
            attempt(partial(services.refuse, redemption=r, reason="personal", actor=actor))
        else:
            attempt(partial(services.advance, redemption=r, step=step, actor=actor))


def expiry_runs(shop: Shop, first: date) -> list[Event]:
    """The worker's expiry of uncollected codes, each night from `first` to today."""
    days = (shop.today - first).days
    return [
        (shop.at(first + timedelta(days=n), 0, 20), services.expire_due) for n in range(1, days + 1)
    ]


def settle_last_quarter(shop: Shop, codes: list[str]) -> list[Event]:
    """The administrator settles the stores' last quarter a few days after it ended."""
    current, _end = period_of(shop.programme, shop.today)
    start, end = period_of(shop.programme, current - timedelta(days=1))
    when = min(shop.at(end + timedelta(days=4), 10), shop.now)

    def settle() -> None:
        for code in codes:
            services.settle(store=shop.stores[code], starts_on=start, actor=shop.admin)

    return [(when, settle)]
