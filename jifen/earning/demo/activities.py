"""幸福里's activities: four a week for six months (opened, signed up for, held with
check-ins by every method, closed so that everyone is credited at once), the patrol that
ended an hour ago, today's sorting duty open for check-in, and the coming week's."""

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

from jifen.accounts.models import User
from jifen.earning import services
from jifen.earning.demo.common import attempt
from jifen.earning.demo.town import WEEKS, Town
from jifen.earning.models import Activity, CheckInMethod, SignUp, SignUpStatus
from jifen.ledger.queries import summary_of
from jifen.lib import clock
from jifen.lib.demo_steps import Event
from jifen.programmes.cardtokens import card_token
from jifen.programmes.models import Member, RoleKind

PLACES = ["社区活动中心", "东区广场", "西区小花园", "党群服务中心二楼", "社区卫生服务站"]


@dataclass(frozen=True)
class Kind:
    """A kind of activity the community holds."""

    rule: str
    titles: tuple[str, ...]
    hour: int
    hours: int
    size: tuple[int, int]
    who: str  # "adult", "elderly", "family" (adults, some with a child), "anyone"
    community: int | None = None  # 0 东区, 1 西区, None: everyone
    capacity: int | None = None


KINDS = {
    "night-patrol": Kind("night-patrol", ("东区夜间巡逻",), 19, 2, (6, 12), "adult", 0),
    "patrol": Kind("patrol", ("西区治安巡逻", "西区平安巡逻"), 15, 2, (6, 12), "adult", 1),
    "late-night": Kind("late-night-patrol", ("东区深夜巡逻",), 23, 2, (4, 8), "adult", 0),
    "clean-east": Kind(
        "clean-up", ("东区亲子大扫除", "东区楼道清洁日"), 9, 2, (18, 36), "family", 0
    ),
    "clean-west": Kind(
        "clean-up", ("西区亲子大扫除", "西区公共区域大扫除"), 9, 2, (14, 28), "family", 1
    ),
    "sorting": Kind("sorting-guidance-hourly", ("东区投放点分类督导",), 7, 2, (4, 10), "adult", 0),
    "clinic": Kind("free-clinic", ("社区义诊", "老年人健康义诊"), 9, 3, (2, 5), "adult", None, 4),
    "haircut": Kind(
        "elderly-service", ("为老人义务理发", "老人家电义务维修"), 9, 2, (3, 6), "adult"
    ),
    "tutoring": Kind("tutoring", ("周末义务辅导功课",), 9, 2, (3, 6), "adult"),
    "culture": Kind(
        "culture", ("社区读书分享会", "书法交流会", "露天电影放映"), 15, 2, (18, 40), "family"
    ),
    "elderly": Kind(
        "elderly-activity", ("老年人健身操", "老年人茶话会"), 15, 2, (12, 28), "elderly", None, 30
    ),
    "show": Kind("show", ("社区文艺演出", "广场舞展演"), 15, 2, (8, 16), "anyone"),
}
SATURDAYS = ["clean-east", "sorting", "clinic", "clean-west", "haircut", "tutoring"]
SUNDAYS = ["culture", "elderly", "show", "culture"]
HOURLY = {"clean-up", "sorting-guidance-hourly", "tutoring"}


@dataclass
class Plan:
    """One activity's story: opened with its sign-ups, then held and closed."""

    kind: Kind
    title: str
    starts_at: datetime
    opened_at: datetime
    roster: bool = False  # checked in from the sign-up list at once
    appeal: bool = False  # a no-show says they came
    resident: bool = False  # the demo resident takes part
    priority_points: int | None = None
    activity: Activity | None = None
    no_shows: list[Member] = field(default_factory=list)
    walk_ins: list[Member] = field(default_factory=list)

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(hours=self.kind.hours)


def weekly_activities(town: Town) -> list[Event]:
    """Four activities a week (a late-night patrol once a month), and one last December."""
    monday = town.today - timedelta(days=town.today.weekday())
    plans = []
    for week in range(WEEKS, 0, -1):
        start = monday - timedelta(weeks=week)
        slots = [(1, "night-patrol"), (3, "patrol"), (5, SATURDAYS[week % 6])]
        slots += [(6, SUNDAYS[week % 4])] + ([(4, "late-night")] if week % 4 == 0 else [])
        plans += [_plan(town, KINDS[name], start + timedelta(days=d)) for d, name in slots]
    december = date(town.today.year - 1, 12, 20)
    plans.append(_plan(town, KINDS["clean-east"], december, title="迎新年社区大扫除"))
    return [e for p in plans for e in _events(town, p)]


def _plan(town: Town, kind: Kind, day: date, title: str = "") -> Plan:
    start = town.at(day, kind.hour)
    return Plan(
        kind=kind,
        title=title or town.rng.choice(kind.titles),
        starts_at=start,
        opened_at=start - timedelta(days=town.rng.randint(4, 9), hours=town.rng.randint(1, 8)),
        roster=town.rng.random() < 0.2,
        appeal=town.rng.random() < 0.12,
        resident=town.rng.random() < 0.3,
    )


def _events(town: Town, plan: Plan) -> list[Event]:
    closed_at = plan.ends_at + timedelta(minutes=town.rng.randint(15, 50))
    events: list[Event] = [
        (plan.opened_at, partial(_open, town, plan)),
        (closed_at, partial(_hold_and_close, town, plan)),
    ]
    if plan.appeal:
        appealed_at = closed_at + timedelta(days=1, hours=2)
        holder: dict[str, Any] = {}
        events += [
            (appealed_at, partial(_appeal_missing, plan, holder)),
            (appealed_at + timedelta(days=2), partial(_answer_missing, town, holder)),
        ]
    return events


def _organizer(town: Town, kind: Kind) -> User:
    """The organizer runs the east's activities (their role is limited to it)."""
    return town.staff[RoleKind.ORGANIZER if kind.community == 0 else RoleKind.ADMIN]


def _fits(town: Town, kind: Kind) -> Callable[[Member], bool]:
    community = town.communities[kind.community].pk if kind.community is not None else None

    def fits(m: Member) -> bool:
        if community is not None and m.community_id != community:
            return False
        if kind.who == "elderly":
            return m.is_elderly
        if kind.who == "anyone":
            return town.age(m) >= 8
        return town.adult(m) and town.age(m) < 75

    return fits


def _open(town: Town, plan: Plan) -> None:
    """The organizer creates the activity; residents sign up over the following days."""
    kind, rule = plan.kind, town.rules[plan.kind.rule]
    organizer = _organizer(town, kind)
    activity = Activity(
        programme=town.programme,
        title=plan.title,
        category=rule.category,
        community=town.communities[kind.community] if kind.community is not None else None,
        place=town.rng.choice(PLACES),
        starts_at=plan.starts_at,
        ends_at=plan.ends_at,
        capacity=kind.capacity,
        rule=rule,
        signup_closes_at=plan.starts_at - timedelta(hours=1),
        priority_points=plan.priority_points,
    )
    plan.activity = services.save_activity(
        activity=activity, actor=organizer, organizers=[organizer]
    )
    people = _people(town, plan)
    walk_ins = len(people) // 10 if len(people) > 5 else 0
    plan.walk_ins, signing = people[:walk_ins], people[walk_ins:]
    _sign_up(town, plan, signing)
    shows = [m for m in signing if m.pk != town.resident.pk]
    plan.no_shows = town.rng.sample(shows, k=len(shows) // 10)
    if kind.rule == "culture":
        _bring_a_newcomer(town, plan)


def _people(town: Town, plan: Plan) -> list[Member]:
    kind, day = plan.kind, plan.starts_at.date()
    fits = _fits(town, kind)
    people = town.pick(town.rng.randint(*kind.size), day, fits)
    if kind.who == "family":  # parent and child together: doubled under clean-up and culture
        for adult in list(people):
            young = town.children.get(adult.household_id or 0, [])
            if young and town.rng.random() < 0.35:
                people.append(town.rng.choice(young))
    if kind.rule in ("patrol", "clean-up", "culture"):  # a new resident's first time: doubled
        people += town.pick(1, day, lambda m: m.is_new_resident and fits(m))
    if plan.resident and fits(town.resident):
        people.append(town.resident)
    return list({m.pk: m for m in people}.values())


def _sign_up(town: Town, plan: Plan, people: list[Member]) -> None:
    """Over the days before (never after now); when the waitlist is not empty, someone
    gives up their place and the first waiting moves up."""
    activity = plan.activity
    assert activity is not None
    last = min(plan.starts_at - timedelta(hours=2), town.now - timedelta(hours=1))
    span = (last - plan.opened_at).total_seconds()
    moments = sorted(plan.opened_at + timedelta(seconds=town.rng.random() * span) for _ in people)
    for member, moment in zip(people, moments, strict=True):
        with clock.at(moment):
            services.sign_up(activity=activity, member=member, actor=member.user)
    if SignUp.objects.filter(activity=activity, status=SignUpStatus.WAITING).exists():
        confirmed = SignUp.objects.filter(activity=activity, status=SignUpStatus.CONFIRMED)
        leaving = confirmed.select_related("member").first()
        assert leaving is not None
        with clock.at(moments[-1] + timedelta(minutes=30)):
            services.cancel_sign_up(activity=activity, member=leaving.member)


def _bring_a_newcomer(town: Town, plan: Plan) -> None:
    """A resident with many points brings one with few (both get the mentoring bonus)."""
    assert plan.activity is not None
    signed = SignUp.objects.filter(activity=plan.activity, status=SignUpStatus.CONFIRMED)
    seniors = [s.member for s in signed.select_related("member") if s.member not in plan.no_shows]
    senior = next((m for m in seniors if summary_of(m).lifetime_earned >= 300), None)
    juniors = town.pick(6, plan.starts_at.date(), _fits(town, plan.kind))
    junior = next(
        (m for m in juniors if m not in seniors and summary_of(m).lifetime_earned < 50), None
    )
    if senior is not None and junior is not None:
        with clock.at(min(plan.starts_at - timedelta(hours=3), town.now)):
            services.sign_up(activity=plan.activity, member=junior, brought_by=senior)


def _hold_and_close(town: Town, plan: Plan) -> None:
    """Check-ins as residents arrive (or the whole list at once), check-outs, then closing
    credits everyone at once."""
    activity = plan.activity
    assert activity is not None
    organizer = _organizer(town, plan.kind)
    signed = SignUp.objects.filter(activity=activity, status=SignUpStatus.CONFIRMED)
    attending = [s.member for s in signed.select_related("member__community", "member__household")]
    if plan.roster:  # the organizer ticks the whole list (the no-shows too, by mistake)
        with clock.at(plan.starts_at + timedelta(minutes=5)):
            services.check_in_roster(activity=activity, actor=organizer)
    else:
        attending = [m for m in attending if m not in plan.no_shows]
        for member in attending:
            check_in(town, activity, member, organizer)
    for member in plan.walk_ins:
        with clock.at(plan.starts_at + timedelta(minutes=town.rng.randint(0, 30))):
            walk_in = CheckInMethod.WALK_IN
            services.check_in(activity=activity, member=member, method=walk_in, actor=organizer)
    if plan.kind.rule in HOURLY:
        _check_out_some(town, plan, attending + plan.walk_ins)
    services.close_activity(activity=activity, actor=organizer)


def check_in(town: Town, activity: Activity, member: Member, actor: User | None) -> None:
    """The organizer scans a card, the resident scans the activity's code, or the organizer
    types a phone number or finds a name, or the resident uses the kiosk."""
    moment = activity.starts_at + timedelta(minutes=town.rng.randint(-20, 25))
    r, method = town.rng.random(), CheckInMethod.NAME
    with clock.at(moment):
        if r < 0.35:
            services.check_in_card(activity=activity, token=card_token(member), actor=actor)
            return
        if r < 0.6:
            code = services.checkin_code(activity)
            services.check_in_code(activity=activity, member=member, code=code)
            return
        if r < 0.75 and member.phone:
            member, method = (
                services.find_by_phone(town.programme, member.phone),
                CheckInMethod.PHONE,
            )
        elif r < 0.8:
            method, actor = CheckInMethod.DEVICE, None
        services.check_in(activity=activity, member=member, method=method, actor=actor)


def _check_out_some(town: Town, plan: Plan, people: list[Member]) -> None:
    """Per-hour rules: some stay longer (the organizer types their minutes), some leave
    early (not at a clean-up: its unit is 2 hours, leaving early would earn nothing)."""
    assert plan.activity is not None
    for member in people:
        r = town.rng.random()
        if r < 0.2:
            minutes = town.rng.choice([180, 240])
            services.check_out(activity=plan.activity, member=member, minutes=minutes)
        elif r < 0.35 and plan.kind.rule != "clean-up":
            with clock.at(plan.ends_at - timedelta(minutes=town.rng.randint(20, 50))):
                services.check_out(activity=plan.activity, member=member)


def _appeal_missing(plan: Plan, holder: dict[str, Any]) -> None:
    activity = plan.activity
    if activity is None or not plan.no_shows:
        return
    member, reason = plan.no_shows[0], "我当天参加了，但签到时手机没电了"
    holder["appeal"] = attempt(
        lambda: services.appeal_missing(activity=activity, member=member, reason=reason)
    )


def _answer_missing(town: Town, holder: dict[str, Any]) -> None:
    if holder.get("appeal") is None:
        return
    uphold = town.rng.random() < 0.4
    answer = (
        "经组织者核实，您确实参加了，已补记积分。"
        if uphold
        else "签到记录和现场照片中都没有您，组织者也未见到您；如有其他证明请再联系我们。"
    )
    services.answer_appeal(
        appeal=holder["appeal"], actor=town.reviewer, uphold=uphold, answer=answer
    )


def today_and_upcoming(town: Town) -> list[Event]:
    """A patrol that ended an hour ago (the resident's latest points), today's sorting duty
    open for check-in, and the coming days' activities with sign-ups and a waitlist."""
    home = [c.pk for c in town.communities].index(town.resident.community_id)
    start = town.now.replace(minute=town.now.minute // 10 * 10, second=0, microsecond=0)
    patrol = Kind("patrol", ("社区治安巡逻",), 0, 2, (5, 9), "adult", home)
    morning = Plan(patrol, "社区治安巡逻", start - timedelta(hours=3), start - timedelta(days=4))
    duty = Kind("sorting-guidance-hourly", ("垃圾分类督导",), 0, 4, (8, 12), "adult", home)
    today = Plan(duty, "今日垃圾分类督导", start - timedelta(minutes=40), start - timedelta(days=2))
    morning.resident = today.resident = True
    events: list[Event] = [
        (morning.opened_at, partial(_open, town, morning)),
        (town.now - timedelta(minutes=50), partial(_hold_and_close, town, morning)),
        (today.opened_at, partial(_open, town, today)),
        (town.now - timedelta(minutes=3), partial(_first_arrivals, town, today)),
    ]
    events += [(p.opened_at, partial(_open, town, p)) for p in _upcoming(town, home, start)]
    return [*events, (town.now - timedelta(hours=1), partial(_joins_the_waitlist, town))]


FAMILY_DAY = "周末亲子社区大扫除"


def _upcoming(town: Town, home: int, start: datetime) -> list[Plan]:
    family_day = replace(KINDS[("clean-east", "clean-west")[home]], size=(32, 36), capacity=30)
    rows = [  # (kind, title, days ahead)
        (KINDS["night-patrol"], "东区夜间巡逻", 2),
        (KINDS["clinic"], "义诊：老年人健康体检", 3),
        (family_day, FAMILY_DAY, 5),
        (KINDS["culture"], "社区读书分享会", 6),
        (KINDS["elderly"], "重阳节老年人茶话会", 9),
    ]
    plans = []
    for kind, title, ahead in rows:
        day = start.astimezone(town.tz).date() + timedelta(days=ahead)
        plan = Plan(kind, title, town.at(day, kind.hour), start - timedelta(days=ahead + 2))
        plan.resident = kind.rule == "culture"
        plan.priority_points = 800 if kind is family_day else None  # ≥ 800: first on the waitlist
        plans.append(plan)
    return plans


def _first_arrivals(town: Town, plan: Plan) -> None:
    """Today's duty has begun: a few volunteers are checked in, the resident not yet."""
    assert plan.activity is not None
    signed = SignUp.objects.filter(activity=plan.activity, status=SignUpStatus.CONFIRMED)
    here = [s.member for s in signed.select_related("member") if s.member_id != town.resident.pk]
    for member in here[:5]:
        check_in(town, plan.activity, member, _organizer(town, plan.kind))


def _joins_the_waitlist(town: Town) -> None:
    full = Activity.objects.get(programme=town.programme, title=FAMILY_DAY)
    services.sign_up(activity=full, member=town.resident, actor=town.resident.user)
