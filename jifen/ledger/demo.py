"""The demo's points: six months of activities, donations, a grant, redemptions, a few
reversals and last year's expiry, written through the real services at past dates."""

import random
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction

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


@demo_steps.register(order=10)
def six_months_of_points(*, programme: Programme, staff: dict, seed: int) -> None:  # type: ignore[type-arg]
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
    _last_december(programme, members, weights, rng, tz, today)
    for week in range(WEEKS, 0, -1):
        for slot in range(2):
            day = today - timedelta(weeks=week, days=-slot * 3)
            _activity(programme, members, weights, rng, datetime.combine(day, time(10), tz))
    _everyday_life(programme, members, staff, rng, tz, today)


def _activity(programme, members, weights, rng, at) -> None:  # type: ignore[no-untyped-def]
    what, points = rng.choice(ACTIVITIES)
    people = {m.pk: m for m in rng.choices(members, weights, k=rng.randint(15, 60))}
    with clock.at(at), transaction.atomic():
        bulk_award(programme=programme, reason=what, awards=[(m, points) for m in people.values()])


def _last_december(programme, members, weights, rng, tz, today) -> None:  # type: ignore[no-untyped-def]
    """Points earned last December, cleared at the end of that year by the expiry run."""
    december = datetime(today.year - 1, 12, 14, 10, tzinfo=tz)
    _activity(programme, members, weights, rng, december)
    with clock.at(datetime(today.year, 1, 1, 0, 30, tzinfo=tz)):
        expire_lots(programme=programme)


def _everyday_life(programme, members, staff, rng, tz, today) -> None:  # type: ignore[no-untyped-def]
    """Redemptions, donations to the fund, one grant, a few reversed mistakes."""
    for day in range(WEEKS * 7, 0, -3):
        at = datetime.combine(today - timedelta(days=day), time(15), tz)
        member = rng.choice(members)
        reward, price = rng.choice(REWARDS)
        donor, gift = rng.choice(members), rng.choice([5, 10, 20])
        with clock.at(at):
            _try(
                lambda m=member, p=price, r=reward: services.settle_hold(
                    hold=services.hold_points(member=m, amount=p, reference=r)
                )
            )
            _try(lambda d=donor, g=gift: services.donate_points(member=d, amount=g))
    with clock.at(datetime.combine(today - timedelta(days=20), time(11), tz)):
        _grant(members[3], staff)
        _reverse_some(programme, staff, rng)
    resident = next(m for m in members if m.phone == "13800138000")
    with clock.at(clock.now() - timedelta(hours=1)):  # the feedback the resident sees today
        services.award_points(member=resident, amount=10, reason="社区巡逻（2小时）")


def _grant(member: Member, staff: dict) -> None:  # type: ignore[type-arg]
    approval = services.request_approval(
        kind="grant", member=member, amount=30, reason="困难家庭帮扶", actor=staff[RoleKind.ADMIN]
    )
    _try(lambda: services.approve(approval=approval, actor=staff[RoleKind.REVIEWER]))


def _reverse_some(programme: Programme, staff: dict, rng: random.Random) -> None:  # type: ignore[type-arg]
    awards = list(
        Transaction.objects.filter(programme=programme, kind=TransactionKind.AWARD).order_by("-id")[
            :200
        ]
    )
    for original in rng.sample(awards, 3):
        _try(
            lambda o=original: services.reverse_transaction(
                original=o, reason="重复录入", actor=staff[RoleKind.ADMIN]
            )
        )


def _try(action) -> None:  # type: ignore[no-untyped-def]
    try:
        with transaction.atomic():
            action()
    except DomainError:  # not enough points for this one: a real resident would be told so
        pass
