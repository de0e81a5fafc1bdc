"""The demo programme 幸福里社区, built by `jifen demo` (and by `make run` on an empty
database). Seeded, so the same residents, households and phones appear every time.

Later features add their own step to `build_demo` (activities, awards, rewards, …); each
step is a small function that calls the same services as the web and the API.
"""

import hashlib
import os
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jifen.accounts.models import User
from jifen.audit.services import record
from jifen.lib import demo_steps
from jifen.lib.phones import normalise_phone
from jifen.programmes import services
from jifen.programmes.models import (
    Community,
    Household,
    Member,
    MemberStatus,
    Programme,
    RoleKind,
)

SLUG = "xingfuli"
SEED = 2026
DEFAULT_PASSWORD = "jifen-demo-2026"
RESIDENT_PHONE = "13800138000"  # the demo resident signs in with this phone number
# (role, username, display name); the organizer is limited to the first community.
STAFF = [
    (RoleKind.ADMIN, "admin", "李建华"),
    (RoleKind.ORGANIZER, "organizer", "张伟"),
    (RoleKind.REVIEWER, "reviewer", "刘秀兰"),
    (RoleKind.CASHIER, "cashier", "赵敏"),
    (RoleKind.AUDITOR, "auditor", "孙立新"),
]
COMMUNITIES = [  # (name, population, households, buildings)
    ("幸福里东区", 4200, 180, 15),
    ("幸福里西区", 2800, 120, 10),
]
RESIDENTS = 800
TAGS = ["志愿服务", "垃圾分类", "文艺", "体育", "读书", "助老", "环保"]
DESCRIPTION = (
    "幸福里社区积分制管理：居民参加志愿服务、垃圾分类、文明劝导等公益活动获得积分，"
    "积分可在社区积分超市兑换生活用品和服务。每一笔积分公开透明，人人可查。"
)

# Surnames roughly by frequency; given names by generation, since names date people.
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢"
    "宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
)
GIVEN = {  # (generation, sex): given names
    ("old", "m"): "建国 建华 国强 志强 德明 永福 福生 振华 保国 长海 文斌 春生 金山",
    ("old", "f"): "秀英 桂英 秀兰 玉兰 淑珍 凤英 玉珍 桂兰 秀珍 丽华 素芬 美兰 玉梅",
    ("mid", "m"): "伟 强 磊 军 勇 涛 斌 杰 鹏 明 超 刚 辉 海涛 志刚 建军 晓东 立新",
    ("mid", "f"): "芳 娜 敏 静 丽 艳 娟 霞 燕 玲 丽娟 红梅 晓燕 海燕 秀芳 雪梅 婷",
    ("new", "m"): "浩然 子轩 宇轩 俊杰 浩宇 博文 一鸣 子豪 宇航 睿 泽宇 天佑 思远",
    ("new", "f"): "欣怡 梓涵 子涵 诗涵 雨桐 可馨 思琪 佳怡 一诺 梦瑶 若曦 雨欣 心怡",
}
PHONE_PREFIXES = "138 139 137 136 135 150 151 152 158 159 186 187 188 131 132 177 189".split()


@dataclass(frozen=True)
class PersonPlan:
    name: str
    age: int
    phone: str
    tags: tuple[str, ...]
    status: str


@dataclass(frozen=True)
class HouseholdPlan:
    community: int  # index into COMMUNITIES
    building: str
    unit: str
    room: str
    joined_days_ago: int
    is_new: bool
    people: tuple[PersonPlan, ...]


@dataclass(frozen=True)
class Login:
    login: str
    password: str
    role: str
    note: str = ""


@dataclass
class Demo:
    programme: Programme
    households: int
    members: int
    logins: list[Login] = field(default_factory=list)


def demo_password() -> str:
    """JIFEN_DEMO_PASSWORD, or the documented default."""
    return os.environ.get("JIFEN_DEMO_PASSWORD") or DEFAULT_PASSWORD


def demo_exists() -> bool:
    return Programme.objects.filter(slug=SLUG).exists()


def demo_logins(password: str) -> list[Login]:
    """The accounts the demo creates, for printing."""
    east = COMMUNITIES[0][0]
    logins = [
        Login(username, password, str(kind.label), east if kind == RoleKind.ORGANIZER else "")
        for kind, username, _name in STAFF
    ]
    logins += [  # the accounts other apps' demos make (a store's cashier)
        Login(login, password, str(RoleKind(kind).label), note)
        for login, kind, note in demo_steps.logins()
    ]
    return [*logins, Login(RESIDENT_PHONE, password, str(RoleKind.RESIDENT.label))]


def format_logins(logins: list[Login]) -> str:
    """A plain-text table (role last: CJK labels would break the column alignment)."""
    rows = [(_("Login"), _("Password"), _("Role"))]
    rows += [(x.login, x.password, f"{x.role} {x.note}".strip()) for x in logins]
    return "\n".join(f"  {a:<14} {b:<18} {c}" for a, b, c in rows)


@transaction.atomic
def build_demo(*, seed: int = SEED, password: str) -> Demo:
    """Create 幸福里社区 with its communities, households, residents and staff accounts.
    The caller checks `demo_exists()` first; raises SlugTaken if it exists."""
    rng = random.Random(seed)
    staff = _create_staff(password=password)
    admin = staff[RoleKind.ADMIN]
    programme = _create_programme(admin=admin)
    communities = _create_communities(admin=admin, programme=programme)
    _grant_roles(admin=admin, programme=programme, staff=staff, east=communities[0])
    plans = plan_households(rng)
    members = _create_households(programme=programme, communities=communities, plans=plans)
    _invite_resident(admin=admin, programme=programme, password=password)
    for step in demo_steps.steps():  # points, history, the signed log, … (later apps)
        step(programme=programme, staff=staff, seed=seed)
    record(
        actor=admin,
        programme=programme,
        action="demo.create",
        target=programme,
        data={"seed": seed, "households": len(plans), "members": members},
    )
    return Demo(programme, len(plans), members, demo_logins(password))


def _create_staff(*, password: str) -> dict[str, User]:
    taken = User.objects.filter(username__in=[u for _k, u, _n in STAFF]).values_list(
        "username", flat=True
    )
    if taken:
        raise ValueError(f"usernames already taken: {', '.join(sorted(taken))}")
    hashed = make_password(password)  # hashing is slow on purpose: do it once, not per account
    users: dict[str, User] = {
        kind: User(username=username, display_name=name, password=hashed)
        for kind, username, name in STAFF
    }
    for user in users.values():
        user.save()
    return users


def _create_programme(*, admin: User) -> Programme:
    return services.create_programme(
        actor=admin,
        name="幸福里社区",
        slug=SLUG,
        description=DESCRIPTION,
        default_language="zh-hans",
        timezone="Asia/Shanghai",
        currency_name="积分",
        point_value=Decimal("1.00"),
        money_currency="CNY",
    )


def _create_communities(*, admin: User, programme: Programme) -> list[Community]:
    return [
        services.save_community(actor=admin, programme=programme, name=name, population=population)
        for name, population, _households, _buildings in COMMUNITIES
    ]


def _grant_roles(
    *, admin: User, programme: Programme, staff: dict[str, User], east: Community
) -> None:
    for kind, user in staff.items():
        if kind != RoleKind.ADMIN:  # create_programme made the admin already
            services.grant_role(
                actor=admin,
                programme=programme,
                user=user,
                kind=kind,
                community=east if kind == RoleKind.ORGANIZER else None,
            )


def plan_households(rng: random.Random) -> list[HouseholdPlan]:
    """Every household and resident of the demo, from the seed alone (no database)."""
    sizes = _household_sizes(rng)
    phones = _phone_source(rng)
    plans: list[HouseholdPlan] = []
    for index, (_name, _population, count, buildings) in enumerate(COMMUNITIES):
        for building, unit, room in _addresses(rng, count, buildings):
            is_new = rng.random() < 0.08
            plans.append(
                HouseholdPlan(
                    community=index,
                    building=building,
                    unit=unit,
                    room=room,
                    is_new=is_new,
                    joined_days_ago=rng.randint(5, 170) if is_new else rng.randint(200, 2500),
                    people=_family(rng, sizes[len(plans)], phones),
                )
            )
    return _with_resident_phone(plans)


def _household_sizes(rng: random.Random) -> list[int]:
    count = sum(c[2] for c in COMMUNITIES)
    sizes = rng.choices([1, 2, 3, 4, 5], weights=[12, 30, 30, 18, 10], k=count)
    while sum(sizes) != RESIDENTS:  # nudge random households until the total is exact
        i = rng.randrange(count)
        step = 1 if sum(sizes) < RESIDENTS else -1
        if 1 <= sizes[i] + step <= 6:
            sizes[i] += step
    return sizes


def _addresses(rng: random.Random, count: int, buildings: int) -> list[tuple[str, str, str]]:
    every = [
        (f"{b}栋", f"{u}单元", f"{floor}0{door}")
        for b in range(1, buildings + 1)
        for u in (1, 2)
        for floor in range(1, 7)
        for door in (1, 2)
    ]
    return sorted(rng.sample(every, count), key=lambda a: (int(a[0][:-1]), a[1], a[2]))


def _phone_source(rng: random.Random) -> Callable[[], str]:
    used = {RESIDENT_PHONE}

    def next_phone() -> str:
        while (phone := rng.choice(PHONE_PREFIXES) + f"{rng.randrange(10**8):08d}") in used:
            pass
        used.add(phone)
        return normalise_phone(phone)  # the same rule the import and the console apply

    return next_phone


def _family(rng: random.Random, size: int, phones: Callable[[], str]) -> tuple[PersonPlan, ...]:
    """A head of household, a spouse, then children, grandchildren or an elderly parent."""
    head_age = rng.randint(65, 88) if rng.random() < 0.22 else rng.randint(28, 64)
    surname, gender = rng.choice(SURNAMES), rng.choice("mf")
    ages = [head_age, max(22, head_age + rng.randint(-4, 4))][:size]
    while len(ages) < size:
        ages.append(_relative_age(rng, head_age))
    people = []
    for i, age in enumerate(ages):
        own_surname = rng.choice(SURNAMES) if i == 1 else surname  # spouses keep their name
        sex = (
            ("f" if gender == "m" else "m") if i == 1 else (gender if i == 0 else rng.choice("mf"))
        )
        people.append(_person(rng, own_surname + _given(rng, age, sex), age, phones))
    return tuple(people)


def _relative_age(rng: random.Random, head_age: int) -> int:
    if head_age < 50:
        return rng.randint(0, head_age - 22) if rng.random() < 0.8 else rng.randint(65, 90)
    if head_age < 65:
        return rng.choice(
            [rng.randint(18, head_age - 22), rng.randint(0, 12), rng.randint(head_age + 20, 95)]
        )
    return rng.choice([rng.randint(30, head_age - 22), rng.randint(3, 17)])


def _given(rng: random.Random, age: int, sex: str) -> str:
    generation = "old" if age >= 60 else "mid" if age >= 20 else "new"
    return rng.choice(GIVEN[generation, sex].split())


def _person(rng: random.Random, name: str, age: int, phones: Callable[[], str]) -> PersonPlan:
    # Young children and some of the very old have no phone: staff act for them (代办).
    has_phone = age >= 14 and not (age >= 75 and rng.random() < 0.5)
    tags = tuple(sorted(rng.sample(TAGS, k=rng.choice([0, 1, 1, 2, 2, 3])))) if age >= 10 else ()
    status = MemberStatus.INACTIVE if rng.random() < 0.02 else MemberStatus.ACTIVE
    return PersonPlan(
        name=name, age=age, phone=phones() if has_phone else "", tags=tags, status=str(status)
    )


def _with_resident_phone(plans: list[HouseholdPlan]) -> list[HouseholdPlan]:
    """Give the demo resident's number to the first working-age, active head of household."""
    for i, plan in enumerate(plans):
        head = plan.people[0]
        if 25 <= head.age < 60 and head.status == MemberStatus.ACTIVE and head.phone:
            person = PersonPlan(head.name, head.age, RESIDENT_PHONE, head.tags, head.status)
            plans[i] = HouseholdPlan(**{**plan.__dict__, "people": (person, *plan.people[1:])})
            return plans
    raise AssertionError("the demo has no working-age head of household")


def _create_households(
    *, programme: Programme, communities: list[Community], plans: list[HouseholdPlan]
) -> int:
    """Bulk inserts: 800 residents one service call at a time would take far longer."""
    households = Household.objects.bulk_create(
        [
            Household(
                programme=programme,
                community=communities[p.community],
                building=p.building,
                unit=p.unit,
                room=p.room,
            )
            for p in plans
        ]
    )
    today, year = timezone.localdate(), timezone.localdate().year
    members = Member.objects.bulk_create(
        [
            Member(
                programme=programme,
                community=h.community,
                household=h,
                display_name=x.name,
                phone=x.phone,
                joined_on=today - timedelta(days=p.joined_days_ago),
                birth_year=year - x.age,
                is_elderly=x.age >= 65,
                is_child=x.age < 18,
                is_new_resident=p.is_new,
                interest_tags=list(x.tags),
                status=x.status,
            )
            for h, p in zip(households, plans, strict=True)
            for x in p.people
        ]
    )
    first = 0  # each household's people are consecutive; the first of them is its head
    for household, plan in zip(households, plans, strict=True):
        household.head, first = members[first], first + len(plan.people)
    Household.objects.bulk_update(households, ["head"])
    return len(members)


def _invite_resident(*, admin: User, programme: Programme, password: str) -> None:
    """The demo resident is a real member who accepted an invitation, as anyone would."""
    member = Member.objects.get(programme=programme, phone=RESIDENT_PHONE)
    _invitation, token = services.create_invitation(actor=admin, member=member)
    services.accept_invitation(token=token, password=password)


def plan_digest(plans: list[HouseholdPlan], year: int) -> str:
    """A fingerprint of who lives where, to show that a seed always gives the same demo."""
    rows = [
        f"{COMMUNITIES[p.community][0]}|{p.building}-{p.unit}-{p.room}|{x.name}|{x.phone}|"
        f"{year - x.age}"
        for p in plans
        for x in p.people
    ]
    return hashlib.sha256("\n".join(rows).encode()).hexdigest()
