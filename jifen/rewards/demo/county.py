"""清河县 (001 篇三): the county's love supermarket and each village's 爱心超市, shelves priced
2, 5, 10, 20, 30 and 50 points, a donated-goods area (捐赠专区) that opens to a resident
after a goods redemption in the month, an electric blanket sold out with households waiting
(highest balance served first), and the households' visits after each month's points are
posted; last quarter settled for the county store and 东坡村's."""

import random
from datetime import datetime, timedelta
from functools import partial

from jifen.accounts.models import User
from jifen.earning.demo.common import attempt
from jifen.earning.demo.county import REVIEWS, VILLAGES
from jifen.ledger.models import Account, AccountKind
from jifen.ledger.queries import summary_of
from jifen.lib.demo_steps import Event
from jifen.programmes.models import Household, Member, MemberStatus, Programme, RoleKind
from jifen.rewards import services
from jifen.rewards.demo.common import (
    Item,
    Shop,
    StoreSpec,
    affordable,
    cashier_account,
    expiry_runs,
    make_cashier,
    open_shop,
    redeem,
    settle_last_quarter,
    visit,
)
from jifen.rewards.models import Redemption, RewardArea
from jifen.rewards.models import RewardCategory as C
from jifen.rewards.models import RewardKind as K

AIXIN_CASHIER = ("aixin-cashier", "马桂兰")  # the villages' 爱心超市 counters
CODES = {"东坡村": "dongpo", "西坡村": "xipo", "南塬村": "nanyuan", "西河村": "xihe"}
CODES |= {"北岭社区": "beiling", "城关社区": "chengguan"}
COUNTY_STORE = StoreSpec(
    "county",
    "清河县爱心超市（县城店）",
    address="清河县人民路18号县民政局一楼",
    hours="周一至周六 8:30–17:30",
)
DONATED = {
    "area": RewardArea.DONATED,
    "description": "爱心人士捐款购置：当月在商品区兑换后可兑换。",
}
# (name, category, points, units at the county store, at a village's, more options)
SHELVES = [
    ("食盐（400克）", C.FOOD, 2, 300, 60, {}),
    ("肥皂", C.DAILY, 5, 200, 40, {}),
    ("牙膏", C.DAILY, 5, 200, 30, {}),
    ("毛巾", C.DAILY, 10, 150, 30, {}),
    ("洗衣粉（1公斤）", C.DAILY, 10, 150, 30, {}),
    ("挂面（2.5公斤）", C.FOOD, 20, 120, 20, {}),
    ("大米（10斤）", C.FOOD, 30, 100, 15, {}),
    ("食用油（5升）", C.FOOD, 50, 60, 10, {}),
    ("儿童书包", C.OTHER, 5, 40, 8, DONATED),
    ("保温杯", C.DAILY, 10, 40, 8, DONATED),
    ("棉衣（捐赠）", C.OTHER, 20, 30, 5, DONATED),
]
BLANKET = "电热毯"  # winter's scarce item: two units, then a waitlist by balance
AT_THE_VILLAGE_COUNTER = (80, 8, 5, 7)  # counter, later, cancel, expire (common.OUTCOMES)


def history(programme: Programme, staff: dict[str, User], seed: int, now: datetime) -> list[Event]:
    """The stores open before the first monthly review; households shop after each month's
    points are posted (the county's reviews: jifen.earning.demo.county)."""
    shop = Shop(programme, staff[RoleKind.ADMIN], random.Random(seed + 81), now)
    opened = now - timedelta(days=REVIEWS[0] + 8)
    events: list[Event] = [(opened, partial(_open, shop, staff))]
    for ago in REVIEWS:
        posted = (now - timedelta(days=ago - 7)).replace(hour=16, minute=0, second=0)
        if posted < now:
            events += _month(shop, programme, posted)
    events += _blanket(shop, now)
    events += expiry_runs(shop, opened.astimezone(shop.tz).date())
    events += settle_last_quarter(shop, ["county", "dongpo"])
    return events


def _open(shop: Shop, staff: dict[str, User]) -> None:
    village_stores = [
        StoreSpec(CODES[name], f"{name}爱心超市", village=name, hours="每周二、五 9:00–16:00")
        for name, _people, _households in VILLAGES
    ]
    items = [
        Item(
            name,
            K.GOODS,
            cat,
            points,
            {"county": county, **dict.fromkeys(CODES.values(), village)},
            more,
        )
        for name, cat, points, county, village, more in SHELVES
    ]
    items.append(Item(BLANKET, K.GOODS, C.DAILY, 30, {"county": 2}, {"waitlist": True}))
    open_shop(shop, [COUNTY_STORE, *village_stores], items)
    make_cashier(shop, staff[RoleKind.CASHIER], ["county"])
    make_cashier(shop, cashier_account(*AIXIN_CASHIER, like=shop.admin), list(CODES.values()))


def _month(shop: Shop, programme: Programme, posted: datetime) -> list[Event]:
    """Most households come within three weeks, mostly to their own village's store."""
    events: list[Event] = []
    heads: dict[int | None, Member] = {}  # each household's first member goes shopping
    members = Member.objects.filter(programme=programme, status=MemberStatus.ACTIVE)
    for member in members.select_related("community").order_by("household_id", "id"):
        heads.setdefault(member.household_id, member)
    for member in heads.values():
        if shop.rng.random() > 0.45:
            continue
        day = posted.astimezone(shop.tz).date() + timedelta(days=shop.rng.randint(1, 20))
        at = shop.at(day, shop.rng.randint(9, 15), shop.rng.randint(0, 59))
        code = "county" if shop.rng.random() < 0.2 else CODES[member.community.name]
        basket = partial(_shopping, shop, member.pk, code)
        events += visit(shop, at, basket, AT_THE_VILLAGE_COUNTER)
    return events


def _shopping(shop: Shop, member_id: int, code: str) -> list[Redemption]:
    """One or two goods the household's points cover, sometimes then a donated item."""
    member = Member.objects.select_related("programme", "community", "household").get(pk=member_id)
    left = summary_of(member).balance
    found: list[Redemption] = []
    for _ in range(shop.rng.randint(1, 2)):
        goods = [
            r for r in affordable(shop, code, left) if r.area == RewardArea.GOODS and not r.waitlist
        ]
        if not goods:
            break
        done = redeem(member, shop.rng.choice(goods), shop.stores[code])
        if done:
            found.append(done)
            left -= done.points
    donated = [r for r in affordable(shop, code, left) if r.area == RewardArea.DONATED]
    if found and donated and shop.rng.random() < 0.4:
        done = redeem(member, shop.rng.choice(donated), shop.stores[code])
        found += [done] if done else []
    return found


def _blanket(shop: Shop, now: datetime) -> list[Event]:
    """The two blankets go to households that can afford them as soon as the second month
    is posted; in the last weeks four more households join the waitlist."""
    posted = now - timedelta(days=REVIEWS[1] - 7)
    events: list[Event] = []
    for n in range(2):
        at = posted + timedelta(days=2 + n, hours=1)
        events += visit(shop, at, partial(_blanket_for, shop, 30), (1, 0, 0, 0))
    for n in range(4):
        at = now - timedelta(days=20 - n * 4, hours=2)
        events.append((at, partial(_wait, shop)))
    return [e for e in events if e[0] < now]


def _household_member(shop: Shop, points: int) -> Member | None:
    """A member of a household whose card holds at least `points`."""
    wallets = Account.objects.filter(
        programme=shop.programme, kind=AccountKind.HOUSEHOLD, balance__gte=points
    )
    homes = list(wallets.order_by("id").values_list("household_id", flat=True))
    if not homes:
        return None
    home = Household.objects.get(pk=shop.rng.choice(homes))
    return (
        Member.objects.select_related("programme", "community", "household")
        .filter(household=home, status=MemberStatus.ACTIVE)
        .order_by("id")
        .first()
    )


def _blanket_for(shop: Shop, points: int) -> list[Redemption]:
    member = _household_member(shop, points)
    found = redeem(member, shop.rewards[BLANKET], shop.stores["county"]) if member else None
    return [found] if found else []


def _wait(shop: Shop) -> None:
    member = _household_member(shop, 0)
    if member is not None:
        wait = partial(
            services.join_waitlist,
            member=member,
            reward=shop.rewards[BLANKET],
            store=shop.stores["county"],
        )
        attempt(wait)
