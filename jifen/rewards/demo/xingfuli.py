"""幸福里社区 (004): the community's points supermarket and its partner shops (the French
seed's partners, Beijing's shop discounts) with 004's catalogue, privileges that come with
points, and six months of redemptions: most verified at the counter, some collected later,
cancelled or left to expire, property-fee coupons delivered (one refused at the door), the
demo resident's open codes, and last quarter settled for the supermarket."""

import random
from datetime import date, datetime, timedelta
from functools import partial

from jifen.accounts.models import User
from jifen.earning.demo.town import WEEKS, history_start
from jifen.ledger.models import Account, AccountKind
from jifen.lib.demo_steps import Event
from jifen.programmes.demo import RESIDENT_PHONE
from jifen.programmes.models import Member, MemberStatus, Programme, RoleKind
from jifen.rewards import services
from jifen.rewards.demo.common import (
    DELIVERED,
    REFUSED,
    Basket,
    Item,
    Shop,
    StoreSpec,
    affordable,
    cashier_account,
    deliver,
    expiry_runs,
    make_cashier,
    open_shop,
    redeem,
    settle_last_quarter,
    visit,
)
from jifen.rewards.models import Handover, LimitPeriod, Perk, Redemption, StoreKind
from jifen.rewards.models import RewardCategory as C
from jifen.rewards.models import RewardKind as K

SHOP_CASHIER = ("shop-cashier", "周晓红")  # the partner shops' counter
P = StoreKind.PARTNER
STORES = [
    StoreSpec(
        "supermarket", "幸福里积分超市", address="幸福里东区3栋底商", hours="周二至周日 9:00–17:00"
    ),
    StoreSpec(
        "barber",
        "丝语理发店",
        P,
        address="幸福里西区南门临街12号",
        hours="每天 9:00–21:00",
        description="合作商户：积分兑换理发；积分达标的居民消费九折。",
    ),
    StoreSpec("gym", "活力健身房", P, address="幸福里东区会所二楼", hours="每天 6:30–22:00"),
    StoreSpec(
        "property",
        "幸福里物业服务中心",
        P,
        address="幸福里东区1栋一楼",
        hours="工作日 8:30–17:30",
        description="停车卡在服务中心领取；物业费优惠券由物业送券上门。",
    ),
    StoreSpec("bookshop", "书香书店", P, address="幸福里西区商业街5号", hours="每天 10:00–20:00"),
]
MONTH, YEAR = LimitPeriod.MONTH, LimitPeriod.YEAR
ITEMS = [  # 004's catalogue; the supermarket's everyday goods; a season for two gift boxes
    Item("大米5公斤", K.GOODS, C.FOOD, 100, {"supermarket": 150}, {"monthly_limit": 60}),
    Item("花生油1.8升", K.GOODS, C.FOOD, 80, {"supermarket": 80}),
    Item("洗衣液2公斤", K.GOODS, C.DAILY, 60, {"supermarket": 100}),
    Item("抽纸（一提）", K.GOODS, C.DAILY, 30, {"supermarket": 200}),
    Item("香皂（两块装）", K.GOODS, C.DAILY, 20, {"supermarket": 200}),
    Item("端午粽子礼盒", K.GOODS, C.FOOD, 80, {"supermarket": 60}, {"months": [6]}),
    Item("中秋月饼礼盒", K.GOODS, C.FOOD, 120, {"supermarket": 80}, {"months": [9, 10]}),
    Item("理发", K.SERVICE, C.SERVICE, 50, {"barber": None}),
    Item(
        "月度停车卡",
        K.SERVICE,
        C.HOUSING,
        200,
        {"property": None},
        {"member_limit": 1, "member_limit_period": MONTH, "monthly_limit": 20},
    ),
    Item(
        "物业费八折券",
        K.SERVICE,
        C.HOUSING,
        500,
        {"property": None},
        {"handover": Handover.DELIVERY, "description": "抵扣一个月物业费的20%，由物业送券上门。"},
    ),
    Item(
        "物业费九折券",
        K.SERVICE,
        C.HOUSING,
        300,
        {"property": None},
        {"handover": Handover.DELIVERY, "description": "抵扣一个月物业费的10%，由物业送券上门。"},
    ),
    Item("健身月卡", K.SERVICE, C.HEALTH, 500, {"gym": 15}),
    Item("书法培训课（4节）", K.SERVICE, C.COURSES, 200, {"bookshop": 12}),
    Item("老年人智能手机课", K.SERVICE, C.COURSES, 50, {"bookshop": None}),
    Item("《平凡的世界》", K.GOODS, C.BOOKS, 120, {"bookshop": 10}),
    Item("儿童绘本（任选一本）", K.GOODS, C.BOOKS, 60, {"bookshop": 30}),
    Item("剪纸文创礼盒", K.GOODS, C.BOOKS, 80, {"bookshop": 20}),
    Item(
        "年度社区之星",
        K.HONOUR,
        C.HONOUR,
        1000,
        {"supermarket": None},
        {
            "member_limit": 1,
            "member_limit_period": YEAR,
            "description": "在社区公示栏表彰并颁发证书，每人每年一次。",
        },
    ),
]
PRIVILEGES = [  # not spent: residents enjoy them while their points reach the threshold
    (
        "活动优先报名",
        Perk.PRIORITY_SIGNUP,
        {"min_balance": 800},
        "积分余额800分以上，出游等名额有限的活动优先报名。",
    ),
    ("代收快递", Perk.PARCELS, {"min_lifetime": 200}, "累计积分200分以上，物业服务中心代收快递。"),
    ("工具借用", Perk.TOOLS, {"min_lifetime": 300}, "累计积分300分以上，免费借用社区工具箱。"),
    ("活动室预约", Perk.ROOMS, {"min_lifetime": 500}, "累计积分500分以上，可预约社区活动室。"),
    (
        "合作商户九折",
        Perk.SHOP_DISCOUNT,
        {"min_lifetime": 100},
        "累计积分100分以上，在丝语理发店、活力健身房、书香书店消费享九折。",
    ),
]
VISITS_A_FORTNIGHT = {"supermarket": 5, "barber": 2, "bookshop": 1, "property": 1}
MOSTLY_AT_THE_COUNTER = (62, 18, 8, 12)  # counter, later, cancel, expire (common.OUTCOMES)
STAR = 1000  # the title's price: the dearer rewards spare those who can afford it
SAVING = 800  # everyday visits spare residents this rich: they save for a title or a card


def history(programme: Programme, staff: dict[str, User], seed: int, now: datetime) -> list[Event]:
    """The catalogue opens before the first week of history; then six months of visits."""
    shop = Shop(programme, staff[RoleKind.ADMIN], random.Random(seed + 80), now)
    start = history_start(programme)
    first = shop.today - timedelta(weeks=WEEKS)
    events: list[Event] = [(start, partial(_open, shop, staff))]
    events += _visits(shop, first)
    events += _big_tickets(shop)
    events += _resident_story(shop)
    events += expiry_runs(shop, first)
    events += settle_last_quarter(shop, ["supermarket"])
    return events


def _open(shop: Shop, staff: dict[str, User]) -> None:
    services.update_settings(
        programme=shop.programme,
        actor=shop.admin,
        code_days=7,
        delivery_working_days=7,
        refusal_penalty=2000,  # 篇二: refusing a delivered gift for personal reasons
        settlement_months=3,
        zones=[50, 100, 200, 300, 500, 1000],  # 004's prices
        donated_needs_goods=True,
    )
    privileges = [
        Item(name, K.PRIVILEGE, C.PRIVILEGE, 0, {}, {"perk": perk, "description": text, **gate})
        for name, perk, gate, text in PRIVILEGES
    ]
    open_shop(shop, STORES, ITEMS + privileges)
    make_cashier(shop, staff[RoleKind.CASHIER], ["supermarket"])
    partners = [s.code for s in STORES if s.kind == StoreKind.PARTNER]
    make_cashier(shop, cashier_account(*SHOP_CASHIER, like=shop.admin), partners)


def _visits(shop: Shop, first: date) -> list[Event]:
    events: list[Event] = []
    for fortnight in range(WEEKS // 2):
        for code, count in VISITS_A_FORTNIGHT.items():
            for _ in range(count):
                day = first + timedelta(days=fortnight * 14 + shop.rng.randint(1, 14))
                at = shop.at(day, shop.rng.randint(9, 16), shop.rng.randint(0, 59))
                basket = partial(_anyone, shop, code)
                events += visit(shop, at, basket, MOSTLY_AT_THE_COUNTER)
    return events


def _anyone(shop: Shop, code: str) -> list[Redemption]:
    """One of the store's rewards, for a resident whose balance covers it."""
    choices = affordable(shop, code, 10**9)
    if not choices:
        return []
    reward = shop.rng.choice(choices)
    member = _with_balance(shop, reward.points)
    found = redeem(member, reward, shop.stores[code]) if member else None
    return [found] if found else []


def _with_balance(
    shop: Shop, points: int, below: int | None = SAVING, *, housed: bool = False
) -> Member | None:
    """A resident (not the demo resident, whose story is told apart) whose balance covers
    `points`, below `below` when there is one: those saving up keep their points for the
    dearer rewards. `housed`: only residents of a household (a delivery needs its address)."""
    wallets = (
        Account.objects.filter(
            programme=shop.programme,
            kind=AccountKind.MEMBER,
            balance__gte=points,
            member__status=MemberStatus.ACTIVE,
        )
        .exclude(member__phone=RESIDENT_PHONE)
        .order_by("id")
    )
    if housed:
        wallets = wallets.filter(member__household__isnull=False)
    near = wallets.filter(balance__lt=below) if below else wallets
    ids = list(near.values_list("member_id", flat=True)) or list(
        wallets.values_list("member_id", flat=True)
    )
    if not ids:
        return None
    return Member.objects.select_related("programme", "community", "household").get(
        pk=shop.rng.choice(ids)
    )


ORDERS = [  # (days ago, coupon, what became of it)
    *[(ago, "物业费九折券", DELIVERED) for ago in (150, 100, 80, 33)],
    *[(ago, "物业费八折券", DELIVERED) for ago in (125, 62, 20)],
    (14, "物业费九折券", (("notified", 1),)),  # past its 7 working days: overdue
    (2, "物业费八折券", DELIVERED),  # on its way
]


def _big_tickets(shop: Shop) -> list[Event]:
    """Property-fee coupons delivered (one refused for personal reasons, one overdue, one on
    its way), gym cards, and this year's 社区之星."""
    events: list[Event] = []
    for ago, coupon, steps in ORDERS:
        at = shop.at(shop.today - timedelta(days=ago), 10, 30)
        events += deliver(shop, at, partial(_order, shop, coupon), steps)
    # The refused order: on the first of these days on which a resident of a household has
    # the points (balances run low between paydays, and which day depends on the calendar).
    refused: list[Redemption] = []
    for ago in range(47, 19, -2):
        at = shop.at(shop.today - timedelta(days=ago), 11, 0)
        events += deliver(shop, at, partial(_order_once, shop, "物业费九折券", refused), REFUSED)
    for ago in range(160, 0, -30):
        at = shop.at(shop.today - timedelta(days=ago), 18, 15)
        events += visit(shop, at, partial(_named, shop, "健身月卡", "gym"), (9, 1, 0, 0))
    star = shop.at(shop.today - timedelta(days=12), 15)
    events += visit(shop, star, partial(_named, shop, "年度社区之星", "supermarket"), (0, 1, 0, 0))
    return events


def _order(shop: Shop, name: str) -> list[Redemption]:
    reward = shop.rewards[name]
    member = _with_balance(shop, reward.points, below=STAR, housed=True)
    if member is None or member.household is None:
        return []
    address = f"{member.community.name}{member.household.label}"
    found = redeem(member, reward, shop.stores["property"], address)
    return [found] if found else []


def _order_once(shop: Shop, name: str, done: list[Redemption]) -> list[Redemption]:
    """An order unless one of its group was placed already (`done` keeps it)."""
    if done:
        return []
    found = _order(shop, name)
    done.extend(found)
    return found


def _named(shop: Shop, name: str, code: str) -> list[Redemption]:
    reward = shop.rewards[name]
    member = _with_balance(shop, reward.points, below=STAR if reward.points < STAR else None)
    found = redeem(member, reward, shop.stores[code]) if member else None
    return [found] if found else []


def _resident_story(shop: Shop) -> list[Event]:
    """The demo resident: rice and a parking card collected, a haircut cancelled, and two
    codes open now: rice to collect at the supermarket, a haircut at the barber's."""
    me = Member.objects.select_related("programme", "community", "household").get(
        programme=shop.programme, phone=RESIDENT_PHONE
    )
    today = shop.today

    def mine(name: str, code: str) -> Basket:
        return partial(_for, me, shop, name, code)

    plan: list[tuple[int, int, str, str, tuple[int, ...]]] = [  # days ago, hour, what, where
        (62, 10, "大米5公斤", "supermarket", (1, 0, 0, 0)),
        (35, 9, "月度停车卡", "property", (1, 0, 0, 0)),
        (21, 19, "理发", "barber", (0, 0, 1, 0)),
        (1, 16, "大米5公斤", "supermarket", (0, 0, 0, 1)),
    ]
    events: list[Event] = []
    for ago, hour, name, code, weights in plan:
        events += visit(shop, shop.at(today - timedelta(days=ago), hour), mine(name, code), weights)
    soon = min(shop.now - timedelta(minutes=30), shop.at(today, 8))
    events += visit(shop, soon, mine("理发", "barber"), (0, 0, 0, 1))
    return events


def _for(member: Member, shop: Shop, name: str, code: str) -> list[Redemption]:
    found = redeem(member, shop.rewards[name], shop.stores[code])
    return [found] if found else []
