"""The demo's points: a ledger policy with real caps, then six months of history written
through the real services at past dates, in the order of those dates: what residents earned
and spent (the earning app's activities, claims and check-ins, the rewards app's
redemptions, given as dated events), donations, a grant, a few reversals and last year's
expiry."""

import random
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from django.db import transaction

from jifen.accounts.models import User
from jifen.ledger import services
from jifen.ledger.models import Transaction, TransactionKind
from jifen.ledger.services import expire_lots
from jifen.lib import clock, demo_steps
from jifen.lib.demo_steps import Event
from jifen.lib.errors import DomainError
from jifen.programmes.models import Member, Programme, RoleKind

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
    entry's balance follows from the one before it. What residents earned and spent comes
    from the other apps' demo events (activities, claims, check-ins: jifen.earning.demo;
    redemptions: jifen.rewards.demo), played together with these."""
    rng = random.Random(seed + 10)
    members = list(
        Member.objects.active()
        .filter(programme=programme)
        .select_related("community", "household", "programme")
        .order_by("id")
    )
    tz = ZoneInfo(programme.timezone)
    today = clock.now().astimezone(tz).date()
    # Points earned last December (the earning events include some) are cleared at the end
    # of that year by the expiry run.
    expiry = datetime(today.year, 1, 1, 0, 30, tzinfo=tz)
    events: list[Event] = [(expiry, partial(expire_lots, programme=programme))]
    events += _everyday_life(programme, members, staff, rng, tz, today)
    events += demo_steps.events(programme=programme, staff=staff, seed=seed)
    demo_steps.play(events)


def _everyday_life(
    programme: Programme,
    members: list[Member],
    staff: dict[str, User],
    rng: random.Random,
    tz: ZoneInfo,
    today: date,
) -> list[Event]:
    """Donations to the fund, one grant and a few reversed mistakes."""
    events: list[Event] = [
        (
            datetime.combine(today - timedelta(days=day), time(15), tz),
            partial(_donate, members, rng),
        )
        for day in range(WEEKS * 7, 0, -3)
    ]
    events.append(
        (
            datetime.combine(today - timedelta(days=20), time(11), tz),
            partial(_grant_and_reverse, programme, members, staff, rng),
        )
    )
    return events


def _donate(members: list[Member], rng: random.Random) -> None:
    donor, gift = rng.choice(members), rng.choice([5, 10, 20])
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
