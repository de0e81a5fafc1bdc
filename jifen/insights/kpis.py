"""The programme's KPIs, read in SQL for one staff scope (a community-limited role counts only
its communities). Each function returns frozen rows; jifen.insights.tables names their
columns for the pages and the exports, the API returns them as they are.

Words used throughout: a member is *active* in a period when an award (a ledger transaction
of kind "award") credited them in it; months and years are the programme's local calendar."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, TypedDict
from zoneinfo import ZoneInfo

from django.db.models import Case, Count, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce, TruncMonth

from jifen.insights import metrics
from jifen.insights.periods import Span, last_months, last_years
from jifen.ledger.models import WALLETS, Account, AccountKind, Posting, TransactionKind
from jifen.lib import clock
from jifen.lib.periods import local
from jifen.programmes.access import StaffScope

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


def today_of(scope: StaffScope) -> date:
    return local(clock.now(), scope.programme.timezone).date()


def months_of(scope: StaffScope, count: int = 12) -> list[Span]:
    return last_months(today_of(scope), scope.programme.timezone, count)


# Earned points per member and month: growth, activity, Matthew effect all read this.


def earned_by_month(scope: StaffScope, start: datetime, end: datetime) -> dict[str, dict[int, int]]:
    """{"2026-05": {member id: points credited by awards that month}} for the scope's members."""
    tz = ZoneInfo(scope.programme.timezone)
    rows = (
        Posting.objects.filter(
            transaction__programme=scope.programme,
            transaction__kind=TransactionKind.AWARD,
            transaction__member__in=scope.members(),
            transaction__created_at__gte=start,
            transaction__created_at__lt=end,
            account__kind__in=WALLETS,
        )
        .annotate(month=TruncMonth("transaction__created_at", tzinfo=tz))
        .values("month", "transaction__member_id")
        .annotate(points=Sum("amount"))
    )
    out: dict[str, dict[int, int]] = defaultdict(dict)
    for row in rows:
        month = row["month"].astimezone(tz)
        out[f"{month.year}-{month.month:02d}"][row["transaction__member_id"]] = row["points"]
    return out


def _joined_before(scope: StaffScope, spans: list[Span]) -> list[int]:
    """Members who had joined by the end of each span (joined_on before its end)."""
    joined = list(scope.members().values_list("joined_on", flat=True))
    return [sum(1 for day in joined if day < span.end.date()) for span in spans]


@dataclass(frozen=True)
class GrowthMonth:
    month: str
    new: int
    members: int
    target: int | None  # none without members at the start to grow from


def member_growth(scope: StaffScope) -> list[GrowthMonth]:
    """Members who joined each month and the members at its end, against the target of
    +20 % a year compounded from the members at the start of the first month (no target when
    there were none: nothing grows from zero by a percentage)."""
    spans = months_of(scope)
    first = spans[0].start.date()
    baseline = scope.members().filter(joined_on__lt=first).count()
    totals = _joined_before(scope, spans)
    rows, before = [], baseline
    for n, (span, total) in enumerate(zip(spans, totals, strict=True), start=1):
        target = metrics.growth_target(baseline, n) if baseline else None
        rows.append(GrowthMonth(span.label, total - before, total, target))
        before = total
    return rows


@dataclass(frozen=True)
class PeopleMonth:
    month: str
    new: int
    active: int
    lost: int


def people(scope: StaffScope) -> list[PeopleMonth]:
    """Per month: members who joined (new), members credited by an award (active), and members
    active the month before but not this month (lost)."""
    spans = months_of(scope, 13)  # one more, for the first month's "lost"
    earned = earned_by_month(scope, spans[0].start, spans[-1].end)
    totals = _joined_before(scope, spans)
    rows = []
    for n in range(1, len(spans)):
        now, before = set(earned.get(spans[n].label, {})), set(earned.get(spans[n - 1].label, {}))
        rows.append(
            PeopleMonth(spans[n].label, totals[n] - totals[n - 1], len(now), len(before - now))
        )
    return rows


@dataclass(frozen=True)
class MatthewMonth:
    month: str
    earners: int
    members: int
    points: int
    gini: float | None
    top10_share: float | None


def matthew(scope: StaffScope) -> list[MatthewMonth]:
    """Per month, how evenly the points earned spread over the members who had joined by its
    end (those who earned nothing count as 0): the Gini coefficient and the top 10 %'s share."""
    spans = months_of(scope)
    earned = earned_by_month(scope, spans[0].start, spans[-1].end)
    rows = []
    for span, population in zip(spans, _joined_before(scope, spans), strict=True):
        points = list(earned.get(span.label, {}).values())
        values = metrics.with_zeros(points, population)
        rows.append(
            MatthewMonth(
                span.label,
                len(points),
                population,
                sum(points),
                metrics.gini(values),
                metrics.top_share(values),
            )
        )
    return rows


@dataclass(frozen=True)
class RetentionYear:
    year: str
    active_before: int
    retained: int
    rate: float | None


def retention(scope: StaffScope) -> list[RetentionYear]:
    """Per year: members active the year before, how many of them are active again this year,
    and the rate (target 60 %). The current year counts until today."""
    years = last_years(today_of(scope), scope.programme.timezone, 4)
    active = [_active_between(scope, span.start, span.end) for span in years]
    rows = []
    for n in range(1, len(years)):
        kept = metrics.retained(active[n - 1], active[n])
        rows.append(
            RetentionYear(
                years[n].label, len(active[n - 1]), kept, metrics.rate(kept, len(active[n - 1]))
            )
        )
    return rows


def _active_between(scope: StaffScope, start: datetime, end: datetime) -> set[int]:
    return set(
        scope.members()
        .filter(
            transactions__kind=TransactionKind.AWARD,
            transactions__created_at__gte=start,
            transactions__created_at__lt=end,
        )
        .values_list("id", flat=True)
    )


@dataclass(frozen=True)
class FlowMonth:
    month: str
    issued: int
    redeemed: int
    expired: int
    donated: int


# Where each flow is read: the wallets' side of an award; the system account that receives
# a settled redemption, an expiry or a donation (a released hold never reaches them).
_FLOWS = {
    "issued": Q(transaction__kind=TransactionKind.AWARD, account__kind__in=WALLETS),
    "redeemed": Q(account__kind=AccountKind.REDEMPTION, amount__gt=0),
    "expired": Q(account__kind=AccountKind.EXPIRY, amount__gt=0),
    "donated": Q(transaction__kind=TransactionKind.DONATE, account__kind=AccountKind.FUND),
}
_COMMUNITY = ("account__community", "account__member__community", "account__household__community")


def flows(scope: StaffScope) -> list[FlowMonth]:
    """Points issued (awards credited to wallets), redeemed (settled into redemptions),
    expired and donated (to the community fund), per month."""
    spans = months_of(scope)
    tz = ZoneInfo(scope.programme.timezone)
    postings = Posting.objects.filter(
        transaction__programme=scope.programme,
        transaction__created_at__gte=spans[0].start,
        transaction__created_at__lt=spans[-1].end,
    )
    sums = (
        _in_communities(scope, postings)
        .annotate(month=TruncMonth("transaction__created_at", tzinfo=tz))
        .values("month")
        .annotate(**{name: Sum("amount", filter=q, default=0) for name, q in _FLOWS.items()})
    )
    found = {_label(row["month"], tz): row for row in sums}
    empty = dict.fromkeys(_FLOWS, 0)
    return [FlowMonth(s.label, **{k: found.get(s.label, empty)[k] for k in _FLOWS}) for s in spans]


def _in_communities(scope: StaffScope, postings: QuerySet[Posting]) -> QuerySet[Posting]:
    if scope.community_ids is None:
        return postings
    community = Coalesce(*_COMMUNITY)
    return postings.annotate(owner_community=community).filter(
        owner_community__in=scope.community_ids
    )


def _label(moment: datetime, tz: ZoneInfo) -> str:
    moment = moment.astimezone(tz)
    return f"{moment.year}-{moment.month:02d}"


class Owned(TypedDict):
    owner_community: int


def wallets(scope: StaffScope) -> "QuerySet[WithAnnotations[Account, Owned]]":
    """The points wallets (members' and households') of the scope's communities."""
    accounts = Account.objects.filter(
        programme=scope.programme, kind__in=WALLETS, asset="points"
    ).annotate(owner_community=Coalesce("member__community", "household__community"))
    if scope.community_ids is not None:
        accounts = accounts.filter(owner_community__in=scope.community_ids)
    return accounts


@dataclass(frozen=True)
class LiabilityRow:
    community: str
    points: int
    money: Decimal


def liability(scope: StaffScope) -> list[LiabilityRow]:
    """Points in wallets now, per community, and their value: points × the point value."""
    value = scope.programme.point_value
    names = dict(scope.communities().values_list("id", "name"))
    sums = wallets(scope).values("owner_community").annotate(points=Sum("balance")).order_by()
    rows = [
        LiabilityRow(names.get(r["owner_community"], ""), r["points"], r["points"] * value)
        for r in sums
    ]
    return sorted(rows, key=lambda row: row.community)


@dataclass(frozen=True)
class BucketRow:
    bucket: str
    wallets: int
    points: int


def buckets(scope: StaffScope) -> list[BucketRow]:
    """How many wallets hold a balance in each of 篇二's buckets now, and their points."""
    found = {
        row["bucket"]: row
        for row in wallets(scope)
        .annotate(bucket=_bucket_case())
        .values("bucket")
        .annotate(n=Count("id"), points=Sum("balance"))
        .order_by()
    }
    empty = {"n": 0, "points": 0}
    return [
        BucketRow(label, found.get(i, empty)["n"], found.get(i, empty)["points"])
        for i, (label, _, _) in enumerate(metrics.BUCKETS)
    ]


def _bucket_case() -> Case:
    """metrics.bucket_of in SQL: the first bucket whose highest balance is not below it."""
    whens = [
        When(balance__lte=high, then=Value(i))
        for i, (_, _, high) in enumerate(metrics.BUCKETS)
        if high is not None
    ]
    return Case(*whens, default=Value(len(metrics.BUCKETS) - 1))
