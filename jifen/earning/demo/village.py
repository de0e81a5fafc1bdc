"""绿源村: garbage sorting by household (001 篇一, 篇五). The drop-off station's scale reads
each household's accuracy in the drop-off windows, volunteers record re-sorting on the
spot, and the WeChat group's photos are claims the clerk records; the reviewer decides on
an evening round. A week of it, with households reaching their 5 and 2 a day."""

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from jifen.accounts.models import User
from jifen.earning import services
from jifen.earning.demo.common import (
    RuleSpec,
    attempt,
    create_rules,
    drawn_photo,
    new_programme,
    offer_roles,
    settle,
)
from jifen.earning.models import Claim, DeviceKey, Rule
from jifen.earning.models import RuleCategory as C
from jifen.lib import clock, demo_steps
from jifen.lib.demo_steps import Event
from jifen.programmes import services as programmes
from jifen.programmes.models import Member, Programme, RoleKind

SLUG = "lvyuan"
DAYS = 7
STATION = "绿源村分类投放点智能称重箱"
BLURRED = "照片模糊，看不清分类情况"
PIAN_YI = {  # criterion 1 or 2 → 1, both → 2, 1, 2 and 3 → 4, shared photo → +1; 5 a day
    "criteria": [
        {"code": "c1", "label": "无明显四分类错误"},
        {"code": "c2", "label": "投放前后拍照（人、垃圾、垃圾桶）"},
        {"code": "c3", "label": "照片清晰、发原图"},
    ],
    "combos": [
        {"requires": ["c1"], "points": 1},
        {"requires": ["c2"], "points": 1},
        {"requires": ["c1", "c2"], "points": 2},
        {"requires": ["c1", "c2", "c3"], "points": 4},
    ],
    "extras": [{"code": "photo", "label": "分享到朋友圈并截图", "points": 1}],
    "caps": [{"scope": "household", "period": "day", "limit": 5}],
}
PIAN_WU = {  # accuracy ≥ 60/70/80 % → 1/2/3, re-sorted with a volunteer → 2; 2 a day
    "criteria": [{"code": "resorted", "label": "配合志愿者现场重新分类"}],
    "combos": [{"requires": ["resorted"], "points": 2}],
    "bands": {"measure": "accuracy", "steps": [[60, 1], [70, 2], [80, 3]]},
    "windows": [["07:00", "09:00"], ["18:30", "20:30"]],
    "caps": [{"scope": "household", "period": "day", "limit": 2}],
}
RULES = [
    RuleSpec(
        "sorting-photos",
        "垃圾分类拍照积分（篇一）",
        C.SORTING,
        "criteria",
        PIAN_YI,
        True,
        description="每天在群里晒出分类投放照片；每户每日积分不超过5分。",
    ),
    RuleSpec(
        "dropoff-sorting",
        "定时定点分类投放（篇五）",
        C.SORTING,
        "criteria",
        PIAN_WU,
        True,
        devices=True,
        description="投放时间：早上7:00至9:00，下午18:30至20:30；每户每日积分不超过2分。",
    ),
]


@dataclass
class Village:
    programme: Programme
    staff: dict[str, User]
    rules: dict[str, Rule]
    device: DeviceKey
    households: list[list[Member]]
    rng: random.Random
    tz: ZoneInfo

    def at(self, day: date, hour: int, minute: int) -> datetime:
        return datetime.combine(day, time(hour, minute), self.tz)


@demo_steps.register(order=30)
def sorting_village(*, programme: Programme, staff: dict[str, User], seed: int) -> None:
    """The village's programme, its 40 households, its two rules and the station's key,
    then a week of sorting, in date order."""
    rng = random.Random(seed + 30)
    admin = staff[RoleKind.ADMIN]
    about = (
        "绿源村垃圾分类积分兑换：一户一档，按户每天积分（拍照积分每户每日不超过5分，"
        "定时定点投放每户每日不超过2分），积分可在村便民超市兑换生活用品。"
    )
    village = new_programme(admin, "绿源村垃圾分类积分", SLUG, about)
    community = programmes.save_community(
        actor=admin, programme=village, name="绿源村", population=1260
    )
    offer_roles(village, staff, community)
    households = settle(rng, community, {"1组": 20, "2组": 20})
    tz = ZoneInfo(village.timezone)
    today = clock.now().astimezone(tz).date()
    with clock.at(datetime.combine(today - timedelta(days=DAYS + 2), time(9), tz)):
        rules = create_rules(village, RULES, admin)
        station = [rules["dropoff-sorting"]]
        key = services.create_device_key(
            programme=village, name=STATION, rules=station, actor=admin
        )
    place = Village(village, staff, rules, key.device, households, rng, tz)
    days = [today - timedelta(days=ago) for ago in range(DAYS, 0, -1)]
    demo_steps.play([e for day in days for e in _day(place, day)])


def _day(v: Village, day: date) -> list[Event]:
    events: list[Event] = []
    for n, household in enumerate(v.households):
        who = v.rng.choice(household[:2])
        if v.rng.random() < 0.6:
            events += _drop_off(v, day, n, who)
        if v.rng.random() < 0.35:
            events += _photos(v, day, who)
    return events


def _drop_off(v: Village, day: date, n: int, who: Member) -> list[Event]:
    """The scale reads the accuracy (07:00–09:00; some come back 18:30–20:30, when the
    household's 2 a day may be used up). Below 60 % a volunteer has them re-sort: 2."""
    accuracy = max(30, min(98, round(v.rng.gauss(74, 13))))
    morning = v.at(day, 7, 0) + timedelta(minutes=v.rng.randint(0, 110))
    events: list[Event] = [(morning, partial(_weigh, v, who, f"{day}-{n}-am", accuracy))]
    if accuracy < 60:
        events += _claim(v, morning + timedelta(minutes=5), who, ["resorted"])
    if v.rng.random() < 0.25:
        evening = v.at(day, 18, 30) + timedelta(minutes=v.rng.randint(0, 115))
        again = max(30, min(98, round(v.rng.gauss(78, 10))))
        events.append((evening, partial(_weigh, v, who, f"{day}-{n}-pm", again)))
    return events


def _weigh(v: Village, member: Member, key: str, accuracy: int) -> None:
    """Refused once the household's 2 points are used up today (the screen says so)."""
    rule, measures = v.rules["dropoff-sorting"], {"accuracy": accuracy}
    drop = partial(
        services.post_event, device=v.device, key=key, member=member, rule=rule, measures=measures
    )
    attempt(drop)


def _photos(v: Village, day: date, who: Member) -> list[Event]:
    """Photos shared in the group; some households send a second when their day is
    already worth 4 or 5."""
    events: list[Event] = []
    at = v.at(day, v.rng.randint(8, 19), v.rng.randint(0, 59))
    for _ in range(2 if v.rng.random() < 0.3 else 1):
        met = v.rng.choice([["c1"], ["c2"], ["c1", "c2"], ["c1", "c2", "c3"], ["c1", "c2", "c3"]])
        met += ["photo"] if v.rng.random() < 0.4 else []
        events += _claim(v, at, who, met)
        at += timedelta(minutes=v.rng.randint(20, 120))
    return events


def _claim(v: Village, at: datetime, member: Member, met: list[str]) -> list[Event]:
    """Filed by the clerk (the volunteer's re-sort on the spot, or the group's photo) and
    reviewed on the evening round at 21:30, in the order filed."""
    holder: dict[str, Claim] = {}
    night = max(at.replace(hour=21, minute=30), at + timedelta(minutes=10))
    return [(at, partial(_file, v, member, met, holder)), (night, partial(_review, v, holder))]


def _file(v: Village, member: Member, met: list[str], holder: dict[str, Claim]) -> None:
    resorted = met == ["resorted"]
    text = "未分类投放，在志愿者指导下现场重新分类" if resorted else "群内晒图：分类投放照片"
    text += "，已转发朋友圈" if "photo" in met else ""
    photos = [drawn_photo(v.rng, "bins")] if not resorted and v.rng.random() < 0.2 else []
    holder["claim"] = services.submit_claim(
        member=member,
        rule=v.rules["dropoff-sorting" if resorted else "sorting-photos"],
        actor=v.staff[RoleKind.ORGANIZER],
        description=text,
        criteria=met,
        photos=photos,
    )


def _review(v: Village, holder: dict[str, Claim]) -> None:
    """Approved, or refused: a blurred photo, or the household's day is full (the cap)."""
    claim, reviewer = holder["claim"], v.staff[RoleKind.REVIEWER]
    if v.rng.random() < 0.08:
        services.reject_claim(claim=claim, actor=reviewer, reason=BLURRED)
    elif attempt(lambda: services.approve_claim(claim=claim, actor=reviewer)) is None:
        cap = "5" if claim.rule.code == "sorting-photos" else "2"
        services.reject_claim(claim=claim, actor=reviewer, reason=f"本户今日积分已达{cap}分上限")
