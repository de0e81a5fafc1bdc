"""幸福里's claims over six months: filed (staff file for residents without an account),
decided a day or two later by the reviewer, some refused with a reason and appealed;
accepted suggestions wait 3 days on the public notice board, where a neighbour may object;
green belts kept once a month. And what is waiting today: the reviewer's queue, awards on
notice (one objected to), an appeal nobody answered in time."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

from jifen.earning import services
from jifen.earning.demo.common import attempt, drawn_photo
from jifen.earning.demo.town import WEEKS, Town
from jifen.earning.models import Claim, Earning
from jifen.lib.demo_steps import Event
from jifen.programmes.models import Member, RoleKind


@dataclass(frozen=True)
class ClaimKind:
    rule: str
    per_week: float
    texts: tuple[str, ...]
    refusals: tuple[str, ...]
    photo: str | None = None  # what the drawn photo shows


CLAIMS = [
    ClaimKind(
        "litter-report",
        1.0,
        ("3栋楼下有人从窗户往外扔垃圾", "小花园长椅旁被丢弃大量外卖餐盒"),
        ("照片看不清乱扔垃圾的行为，无法核实", "经核实，该处垃圾为保洁员临时堆放"),
        "litter",
    ),
    ClaimKind(
        "suspicious-lead",
        0.3,
        ("深夜有陌生人在车棚反复查看电动车", "有人冒充燃气公司上门推销"),
        ("经派出所核实，不属于可疑情况",),
    ),
    ClaimKind(
        "elderly-company",
        1.0,
        ("陪5栋独居的王奶奶聊天", "陪刚出院的张大爷说说话"),
        ("陪伴时间与老人家属反映的不符",),
    ),
    ClaimKind(
        "elderly-shopping",
        1.0,
        ("帮行动不便的李爷爷买菜", "帮独居老人代买药品"),
        ("老人家属表示当天由家人代购",),
    ),
    ClaimKind(
        "sorting-guidance", 0.7, ("在东区投放点劝导居民分类投放",), ("当天已有督导志愿者登记",)
    ),
    ClaimKind(
        "creative-work",
        0.4,
        ("画了一幅《我们的幸福里》", "写了一篇社区故事《楼道里的灯》"),
        ("作品与社区无关",),
        "drawing",
    ),
    ClaimKind(
        "venue-materials",
        0.25,
        ("提供自家店面作为读书会场地", "为大扫除提供扫帚和垃圾袋"),
        ("物资已由物业提供",),
    ),
    ClaimKind(
        "organize-activity",
        0.25,
        ("组织中秋节邻里游园会", "组织社区亲子运动会"),
        ("该活动由居委会组织",),
    ),
    ClaimKind("reading-club", 0.25, ("组织本月社区读书会",), ("本月读书会已由他人登记",)),
    ClaimKind("safety-lecture", 0.15, ("组织防诈骗知识讲座",), ("讲座未举办",)),
    ClaimKind(
        "suggestion",
        0.5,
        (
            "建议设立“社区共享工具箱”，邻里免费借用常用工具",
            "建议在东门增设电动车充电桩，减少楼道充电",
            "建议每月第一个周六设为“旧物交换日”",
            "建议为独居老人建立“每日一问候”志愿者名单",
        ),
        ("感谢建议，经居民代表会议讨论暂不采纳", "与物业现有计划重复"),
    ),
]
LITTER, SHOPPING, SUGGESTION = CLAIMS[0], CLAIMS[3], CLAIMS[-1]
SUGGESTION_POINTS = [20, 30, 40, 50, 60, 80, 100]
BLURRED = "照片看不清乱扔垃圾的行为，无法核实"


@dataclass
class Case:
    """One claim's story: filed, decided, maybe appealed or objected to."""

    kind: ClaimKind
    member: Member
    at: datetime
    text: str
    claim: Claim | None = None
    appeal: Any = None


def claims(town: Town) -> list[Event]:
    events: list[Event] = []
    day = town.today - timedelta(weeks=WEEKS)
    while day < town.today:
        for kind in CLAIMS:
            if town.rng.random() < kind.per_week / 7:
                events += _case(town, kind, day)
        day += timedelta(days=1)
    return events + _on_notice_now(town) + _waiting_for_review(town) + _overdue_appeal(town)


def _case(town: Town, kind: ClaimKind, day: date) -> list[Event]:
    members = town.pick(1, day, lambda m: not m.is_child and town.age(m) >= 16)
    if not members:
        return []
    at = town.at(day, town.rng.randint(8, 20), town.rng.randint(0, 59))
    case = Case(kind, members[0], at, town.rng.choice(kind.texts))
    decided = at + timedelta(days=town.rng.randint(1, 2), hours=town.rng.randint(0, 5))
    events: list[Event] = [(at, partial(file, town, case))]
    if town.rng.random() < 0.75:
        events.append((decided, partial(approve, town, case)))
        events += _after_approval(town, case, decided)
    else:
        events.append((decided, partial(refuse, town, case, town.rng.choice(kind.refusals))))
        if town.rng.random() < 0.45:
            events += _appeal(town, case, decided, _appeal_refusal)
    return [e for e in events if e[0] < town.now]  # what has not happened yet stays pending


def file(town: Town, case: Case) -> None:
    kind, member = case.kind, case.member
    minutes = {"minutes": town.rng.choice([60, 60, 90, 120])}
    photos = [drawn_photo(town.rng, kind.photo)] if kind.photo and town.rng.random() < 0.7 else []
    case.claim = services.submit_claim(
        member=member,
        rule=town.rules[kind.rule],
        actor=member.user or town.staff[RoleKind.ADMIN],  # 代办: staff file for them
        description=case.text,
        measures=minutes if kind.rule == "elderly-company" else {},
        photos=photos,
        occurred_at=case.at - timedelta(hours=town.rng.randint(1, 20)),
    )


def approve(town: Town, case: Case) -> object:
    if case.claim is None:
        return None
    points = None
    if case.kind.rule == "suggestion":  # 004's example: the shared toolbox, 80
        points = 80 if "工具箱" in case.text else town.rng.choice(SUGGESTION_POINTS)
    return services.approve_claim(claim=case.claim, actor=town.reviewer, points=points)


def refuse(town: Town, case: Case, reason: str) -> None:
    if case.claim is not None:
        services.reject_claim(claim=case.claim, actor=town.reviewer, reason=reason)


def _after_approval(town: Town, case: Case, decided: datetime) -> list[Event]:
    """A suggestion's award waits 3 days on the notice board, now and then objected to; an
    hourly award is sometimes appealed as too small."""
    if case.kind.rule == "suggestion":
        ends = decided + timedelta(days=3, minutes=10)  # the worker's job posts it then
        events: list[Event] = [(ends, partial(services.post_due_notices, programme=town.programme))]
        if town.rng.random() < 0.3:
            objected = decided + timedelta(hours=20)
            upheld = town.rng.random() < 0.3
            events += [
                (objected, partial(_object, town, case)),
                (objected + timedelta(days=1), partial(answer, town, case, upheld)),
            ]
        return events
    if case.kind.rule == "elderly-company" and town.rng.random() < 0.3:
        return _appeal(town, case, decided, _appeal_award)
    return []


def _appeal(
    town: Town, case: Case, decided: datetime, appeal: Callable[[Case], None]
) -> list[Event]:
    appealed = decided + timedelta(days=1, hours=town.rng.randint(0, 6))
    answered = appealed + timedelta(days=town.rng.randint(1, 2), hours=2)
    return [
        (appealed, partial(appeal, case)),
        (answered, partial(answer, town, case, town.rng.random() < 0.5)),
    ]


def appeal_refusal(case: Case, reason: str) -> None:
    if case.claim is not None:
        case.appeal = services.appeal_refused_claim(
            claim=case.claim, member=case.member, reason=reason
        )


def _appeal_refusal(case: Case) -> None:
    appeal_refusal(case, "我有现场照片和邻居可以作证，请再核实一下")


def _appeal_award(case: Case) -> None:
    earning = Earning.objects.filter(claim=case.claim).first()
    if earning is not None:
        reason = "实际陪伴了2个小时，只记了1小时"
        case.appeal = services.appeal_award(earning=earning, member=case.member, reason=reason)


def _object(town: Town, case: Case) -> None:
    earning = Earning.objects.filter(claim=case.claim).first()
    others = town.pick(1, town.today, lambda m: m.pk != case.member.pk and town.adult(m))
    if earning is not None and others:
        reason = "这个建议是居民代表会议上大家一起提出的，不是他一个人的"
        case.appeal = services.object_to(earning=earning, member=others[0], reason=reason)


ANSWERS = {  # kind: (upheld, dismissed)
    "objection": ("经核实异议属实，撤销本次积分", "经核实建议确为本人提出，维持原评定"),
    "award": ("经核实按2小时补记", "老人家属确认陪伴1小时，维持原记录"),
    "refused_claim": ("工作人员现场核实属实，补记积分", "复核后仍无法核实，维持原决定"),
}


def answer(town: Town, case: Case, uphold: bool) -> None:
    appeal = case.appeal
    if appeal is None:
        return
    services.answer_appeal(
        appeal=appeal,
        actor=town.staff[RoleKind.ADMIN],
        uphold=uphold,
        answer=ANSWERS[appeal.kind][0 if uphold else 1],
        points=30 if uphold and appeal.kind == "award" else None,  # 2 hours of 15
    )


def _on_notice_now(town: Town) -> list[Event]:
    """Two accepted suggestions on the public notice board today, one objected to."""
    events: list[Event] = []
    for days, text in ((4, "建议在小区入口设置失物招领架"), (3, "建议在东区设立社区共享冰箱")):
        case = Case(SUGGESTION, town.one(town.today), town.now - timedelta(days=days), text)
        decided = town.now - timedelta(days=days - 2, hours=3)
        events += [(case.at, partial(file, town, case)), (decided, partial(approve, town, case))]
    events.append((town.now - timedelta(hours=5), partial(_object, town, case)))
    return events


def _waiting_for_review(town: Town) -> list[Event]:
    """The reviewer's queue today: claims filed since yesterday."""
    events: list[Event] = []
    for kind, hours in ((CLAIMS[0], 5), (CLAIMS[2], 20), (CLAIMS[5], 28)):
        case = Case(kind, town.one(town.today), town.now - timedelta(hours=hours), kind.texts[0])
        events.append((case.at, partial(file, town, case)))
    return events


def _overdue_appeal(town: Town) -> list[Event]:
    """An appeal of a refused claim that nobody answered within 3 working days."""
    case = Case(
        LITTER, town.one(town.today), town.now - timedelta(days=12), "垃圾房门口有人乱丢家具"
    )
    refused = case.at + timedelta(days=1)
    return [
        (case.at, partial(file, town, case)),
        (refused, partial(refuse, town, case, BLURRED)),
        (refused + timedelta(days=1), partial(_appeal_refusal, case)),
    ]


GREEN_BELT = ClaimKind("green-belt", 0, ("本月绿化带除草、浇水、修剪",), (), "green")


def green_belts(town: Town) -> list[Event]:
    """Four residents each keep a green belt: 50 points a month, claimed once a month; in
    the third month one claims twice and the rule's cap refuses the second."""
    start = town.today - timedelta(weeks=WEEKS)
    keepers = town.pick(4, start, lambda m: town.age(m) >= 30)
    events: list[Event] = []
    month, months = start.replace(day=1), 0
    while (day := month.replace(day=26)) < town.today:
        months += 1
        cases = [
            Case(GREEN_BELT, k, town.at(day, 17, n * 7), GREEN_BELT.texts[0])
            for n, k in enumerate(keepers)
        ]
        if months == 3:
            cases.append(Case(GREEN_BELT, keepers[0], town.at(day, 19), "又养护了一次"))
        for case in cases:
            events += [(case.at, partial(file, town, case))]
            events += [(case.at + timedelta(hours=16), partial(_approve_green, town, case))]
        month = (month + timedelta(days=32)).replace(day=1)
    return [e for e in events if e[0] < town.now]


def _approve_green(town: Town, case: Case) -> None:
    if attempt(lambda: approve(town, case)) is None:
        refuse(town, case, "本月已记录绿化带养护（每月一次）")
