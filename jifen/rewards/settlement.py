"""Settlement: what a store handed out in a period (a quarter by default) — items, points,
their value in money at the programme's point value (1 point = 1 yuan in 篇三; never cashed
out to residents), bought and donated goods apart. It reads the ledger's settled holds: a
redemption counts in the period in which its hold settled. An administrator settles a period
once it is over; the row is then frozen (append-only) and `jifen verify` checks that it still
equals the ledger."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import Count, QuerySet, Sum, Value
from django.db.models.functions import Concat

from jifen.accounts.models import User
from jifen.audit.services import record as audit
from jifen.ledger.models import AccountKind, Posting, TransactionKind
from jifen.lib import clock
from jifen.lib.periods import local
from jifen.programmes.models import Programme
from jifen.rewards import errors
from jifen.rewards.catalogue import settings_of
from jifen.rewards.models import (
    Redemption,
    RedemptionStatus,
    RewardArea,
    Settlement,
    Store,
    reference_of,
)


@dataclass(frozen=True)
class Line:
    reward: str  # public id
    name: str
    area: str
    quantity: int
    points: int


@dataclass(frozen=True)
class Statement:
    store: Store
    starts_on: date
    ends_on: date
    lines: list[Line]
    point_value: Decimal
    settlement: Settlement | None  # None while the period is not settled

    @property
    def is_over(self) -> bool:
        """Whether the period has ended (in the programme's time zone): it may be settled."""
        return local(clock.now(), self.store.programme.timezone).date() > self.ends_on

    @property
    def items(self) -> int:
        return sum(x.quantity for x in self.lines)

    @property
    def points(self) -> int:
        return sum(x.points for x in self.lines)

    @property
    def money(self) -> Decimal:
        return (self.point_value * self.points).quantize(Decimal("0.01"))

    def _area(self, area: str) -> list[Line]:
        return [x for x in self.lines if x.area == area]

    @property
    def donated_items(self) -> int:
        return sum(x.quantity for x in self._area(RewardArea.DONATED))

    @property
    def donated_points(self) -> int:
        return sum(x.points for x in self._area(RewardArea.DONATED))

    @property
    def bought_items(self) -> int:
        return self.items - self.donated_items

    @property
    def bought_points(self) -> int:
        return self.points - self.donated_points


def period_of(programme: Programme, day: date) -> tuple[date, date]:
    """The settlement period containing `day`: its first and last day (calendar months from
    January, `settlement_months` long)."""
    months = settings_of(programme).settlement_months
    first = (day.month - 1) // months * months + 1
    start = date(day.year, first, 1)
    end_month = first + months
    end = date(day.year + (end_month > 12), (end_month - 1) % 12 + 1, 1) - timedelta(days=1)
    return start, end


def recent_periods(programme: Programme, count: int = 8) -> list[tuple[date, date]]:
    """The current period and those before it, newest first."""
    today = local(clock.now(), programme.timezone).date()
    periods = []
    start, end = period_of(programme, today)
    for _ in range(count):
        periods.append((start, end))
        start, end = period_of(programme, start - timedelta(days=1))
    return periods


def _bounds(programme: Programme, starts_on: date, ends_on: date) -> tuple[datetime, datetime]:
    tz = ZoneInfo(programme.timezone)
    return (
        datetime.combine(starts_on, time.min, tzinfo=tz),
        datetime.combine(ends_on + timedelta(days=1), time.min, tzinfo=tz),
    )


def _settled(store: Store, starts_on: date, ends_on: date) -> QuerySet[Redemption]:
    start, end = _bounds(store.programme, starts_on, ends_on)
    return Redemption.objects.filter(
        store=store,
        status=RedemptionStatus.FULFILLED,
        hold__final_transaction__created_at__gte=start,
        hold__final_transaction__created_at__lt=end,
    )


def compute(store: Store, starts_on: date, ends_on: date) -> list[Line]:
    rows = (
        _settled(store, starts_on, ends_on)
        .values("reward__public_id", "reward__name", "area")
        .annotate(quantity=Sum("quantity"), points=Sum("points"))
        .order_by("area", "reward__name", "reward__public_id")
    )
    return [
        Line(r["reward__public_id"], r["reward__name"], r["area"], r["quantity"], r["points"])
        for r in rows
    ]


def ledger_points(store: Store, starts_on: date, ends_on: date) -> tuple[int, int]:
    """What the ledger itself says the store's period redeemed: the points posted to
    redemption accounts by the settlements of its redemptions' holds, and how many."""
    start, end = _bounds(store.programme, starts_on, ends_on)
    refs = (
        Redemption.objects.filter(store=store)
        .annotate(ref=Concat(Value(reference_of("")), "public_id"))
        .values("ref")
    )
    found = Posting.objects.filter(
        transaction__programme_id=store.programme_id,
        transaction__kind=TransactionKind.SETTLE,
        transaction__created_at__gte=start,
        transaction__created_at__lt=end,
        transaction__reference__in=refs,
        account__kind=AccountKind.REDEMPTION,
    ).aggregate(points=Sum("amount"), count=Count("id"))
    return found["points"] or 0, found["count"]


def period_start(programme: Programme, text: str) -> date | None:
    """The day `text` names (2026-07-01) if a settlement period starts on it, else None."""
    try:
        day = date.fromisoformat(text[:10])
    except ValueError:
        return None
    if len(text) != 10 or period_of(programme, day)[0] != day:
        return None
    return day


def statement(store: Store, starts_on: date) -> Statement:
    """The store's statement for the period starting `starts_on`: frozen if settled, else
    as the ledger stands now."""
    start, end = period_of(store.programme, starts_on)
    settled = Settlement.objects.filter(store=store, starts_on=start).first()
    if settled is not None:
        lines = [Line(**x) for x in settled.lines]
        return Statement(store, start, settled.ends_on, lines, settled.point_value, settled)
    lines = compute(store, start, end)
    return Statement(store, start, end, lines, store.programme.point_value, None)


def settle(*, store: Store, starts_on: date, actor: User | None) -> Settlement:
    """Freeze the store's period once it is over. Raises PeriodNotOver, AlreadySettled."""
    programme = store.programme
    start, end = period_of(programme, starts_on)
    if local(clock.now(), programme.timezone).date() <= end:
        raise errors.PeriodNotOver(end=end.isoformat())
    lines = compute(store, start, end)
    found = Statement(store, start, end, lines, programme.point_value, None)
    try:
        with transaction.atomic():
            row = Settlement.objects.create(
                programme=programme,
                store=store,
                starts_on=start,
                ends_on=end,
                items=found.items,
                points=found.points,
                money=found.money,
                point_value=programme.point_value,
                donated_items=found.donated_items,
                donated_points=found.donated_points,
                lines=[x.__dict__ for x in lines],
                settled_by=actor,
            )
            audit(
                actor=actor,
                action="rewards.settle",
                target=row,
                programme=programme,
                data={"store": store.code, "start": start.isoformat(), "points": found.points},
            )
    except IntegrityError:
        raise errors.AlreadySettled(start=start.isoformat()) from None
    return row


def differences(programme: Programme) -> list[str]:
    """Every settled period whose frozen totals no longer equal the ledger's (for jifen
    verify): empty when all agree."""
    problems = []
    for row in Settlement.objects.filter(programme=programme).select_related("store"):
        points, count = ledger_points(row.store, row.starts_on, row.ends_on)
        lines = sum(x["points"] for x in row.lines)
        settled = _settled(row.store, row.starts_on, row.ends_on).count()
        if points != row.points or lines != row.points or count != settled:
            problems.append(
                f"settlement {row.public_id} ({row.store.code} {row.starts_on}): "
                f"{row.points} points frozen, {points} in the ledger"
            )
    return problems
