"""The demo's points: a ledger policy with real caps, then six months of activities,
donations, a grant, redemptions, a few reversals and last year's expiry, written through the
real services at past dates, in the order of those dates."""

import random
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from django.db import transaction

from jifen.accounts.models import User
from jifen.ledger import services
from jifen.ledger.models import Transaction, TransactionKind
from jifen.ledger.services import bulk_award, expire_lots
from jifen.lib import clock, demo_steps
from jifen.lib.errors import DomainError
from jifen.programmes.models import Member, Programme, RoleKind

# (what, points) — the rules of 004: patrol 10, cleaning 20 per 2 h, free clinic 50, …
ACTIVITIES = [
    ("社区巡逻（2小时）", 10),
    ("垃圾分类指导", 5),
    ("社区清洁（2小时）", 20),
    ("义诊", 50),
    ("组织读书会", 40),
    ("参加文艺演出", 20),
    ("陪伴老人（1小时）", 15),
    ("安全讲座", 50),
    ("为老人代购", 10),
    ("参加文化活动", 10),
    ("绿化带养护（每月）", 50),
    ("辅导功课（1小时）", 30),
]
REWARDS = [("大米5公斤", 100), ("理发", 50), ("月度停车卡", 200)]
WEEKS = 26


# A neighbourhood programme (004): no village quotas (those are the county's, 001 篇三).
# 100 a day per resident: the largest single activity is worth 50 (free clinic, safety
# lecture), so two of them; 200 a day per household, two residents' worth. 1,000 a month
# per resident: the annual "community star" title costs 1,000, never earned in one month.
# (The documents' 5 and 2 a day per household are for garbage-sorting points, a rule of
# their own, and the 20 a month for the county card.)
POLICY = services.PolicySettings(
    caps=(
        services.Cap("member", "day", 100),
        services.Cap("household", "day", 200),
        services.Cap("member", "month", 1000),
    ),
)


@demo_steps.register(order=5)
def real_caps(*, programme: Programme, staff: dict[str, User], seed: int) -> None:
    services.update_policy(actor=staff[RoleKind.ADMIN], programme=programme, settings=POLICY)


@demo_steps.register(order=10)
def six_months_of_points(*, programme: Programme, staff: dict[str, User], seed: int) -> None:
    """Everything is written in the order of its date, as it would have happened: each
    entry's balance follows from the one before it."""
    rng = random.Random(seed + 10)
    members = list(
        Member.objects.active()
        .filter(programme=programme)
        .select_related("community", "household", "programme")
        .order_by("id")
    )
    # A few residents do most of the work (the Matthew effect the programme must watch).
    weights = [rng.paretovariate(1.2) for _ in members]
    tz = ZoneInfo(programme.timezone)
    today = clock.now().astimezone(tz).date()
    events = _last_december(programme, members, weights, rng, tz, today)
    for week in range(WEEKS, 0, -1):
        for slot in range(2):
            day = today - timedelta(weeks=week, days=-slot * 3)
            at = datetime.combine(day, time(10), tz)
            events.append((at, partial(_activity, programme, members, weights, rng)))
    events += _everyday_life(programme, members, staff, rng, tz, today)
    for at, event in sorted(events, key=lambda e: e[0]):
        with clock.at(at):
            event()


Event = tuple[datetime, Callable[[], object]]  # what it returns is not read


def _activity(
    programme: Programme, members: list[Member], weights: list[float], rng: random.Random
) -> None:
    what, points = rng.choice(ACTIVITIES)
    people = {m.pk: m for m in rng.choices(members, weights, k=rng.randint(15, 60))}
    with transaction.atomic():
        bulk_award(programme=programme, reason=what, awards=[(m, points) for m in people.values()])


def _last_december(
    programme: Programme,
    members: list[Member],
    weights: list[float],
    rng: random.Random,
    tz: ZoneInfo,
    today: date,
) -> list[Event]:
    """Points earned last December, cleared at the end of that year by the expiry run."""
    return [
        (
            datetime(today.year - 1, 12, 14, 10, tzinfo=tz),
            partial(_activity, programme, members, weights, rng),
        ),
        (datetime(today.year, 1, 1, 0, 30, tzinfo=tz), partial(expire_lots, programme=programme)),
    ]


def _everyday_life(
    programme: Programme,
    members: list[Member],
    staff: dict[str, User],
    rng: random.Random,
    tz: ZoneInfo,
    today: date,
) -> list[Event]:
    """Redemptions, donations to the fund, one grant, a few reversed mistakes, and the award
    the demo resident sees as today's feedback."""
    events: list[Event] = [
        (datetime.combine(today - timedelta(days=day), time(15), tz), partial(_shop, members, rng))
        for day in range(WEEKS * 7, 0, -3)
    ]
    events.append(
        (
            datetime.combine(today - timedelta(days=20), time(11), tz),
            partial(_grant_and_reverse, programme, members, staff, rng),
        )
    )
    resident = next(m for m in members if m.phone == "13800138000")
    events.append(
        (
            clock.now() - timedelta(hours=1),
            partial(services.award_points, member=resident, amount=10, reason="社区巡逻（2小时）"),
        )
    )
    return events


def _shop(members: list[Member], rng: random.Random) -> None:
    member = rng.choice(members)
    reward, price = rng.choice(REWARDS)
    donor, gift = rng.choice(members), rng.choice([5, 10, 20])
    _try(
        lambda: services.settle_hold(
            hold=services.hold_points(member=member, amount=price, reference=reward)
        )
    )
    _try(lambda: services.donate_points(member=donor, amount=gift))


def _grant_and_reverse(
    programme: Programme, members: list[Member], staff: dict[str, User], rng: random.Random
) -> None:
    _grant(members[3], staff)
    _reverse_some(programme, staff, rng)


def _grant(member: Member, staff: dict[str, User]) -> None:
    approval = services.request_approval(
        kind="grant", member=member, amount=30, reason="困难家庭帮扶", actor=staff[RoleKind.ADMIN]
    )
    _try(lambda: services.approve(approval=approval, actor=staff[RoleKind.REVIEWER]))


def _reverse_some(programme: Programme, staff: dict[str, User], rng: random.Random) -> None:
    awards = list(
        Transaction.objects.filter(programme=programme, kind=TransactionKind.AWARD).order_by("-id")[
            :200
        ]
    )
    for original in rng.sample(awards, 3):
        _try(
            partial(
                services.reverse_transaction,
                original=original,
                reason="重复录入",
                actor=staff[RoleKind.ADMIN],
            )
        )


def _try(action: Callable[[], object]) -> None:
    try:
        with transaction.atomic():
            action()
    except DomainError:  # not enough points for this one: a real resident would be told so
        pass
