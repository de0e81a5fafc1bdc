"""KPIs of activities and the people who run them, for one staff scope: participation per
activity, under-subscribed activities with a suggested point change, each organizer's
assessment, and the members who have stopped earning."""

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, TypedDict

from django.db.models import Count, F, Max, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from jifen.earning.models import (
    Activity,
    ActivityStatus,
    Earning,
    EarningStatus,
    RuleVersion,
    SignUpStatus,
)
from jifen.earning.rules import RuleConfig, parse
from jifen.insights import metrics
from jifen.insights.kpis import months_of
from jifen.ledger.models import TransactionKind
from jifen.lib import clock
from jifen.lib.periods import local
from jifen.programmes.access import StaffScope, in_scope
from jifen.programmes.models import MemberStatus

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

INACTIVE_DAYS = 90
INACTIVE_SHOWN = 200


class Counted(TypedDict):
    signed: int
    attended: int


def _activities(scope: StaffScope) -> "QuerySet[WithAnnotations[Activity, Counted]]":
    """The scope's activities that were not cancelled, with their confirmed sign-ups and
    attendees counted."""
    rows = in_scope(scope, Activity.objects.all(), "community").exclude(
        status=ActivityStatus.CANCELLED
    )
    return rows.select_related("rule").annotate(
        signed=Count("signups", filter=Q(signups__status=SignUpStatus.CONFIRMED), distinct=True),
        attended=Count("attendances", distinct=True),
    )


def _configs(activities: Sequence[Activity]) -> dict[int, RuleConfig]:
    """Each activity's rule's current configuration, by rule id (one query)."""
    rules = {a.rule_id: a.rule for a in activities}
    versions = RuleVersion.objects.filter(rule_id__in=rules).values_list(
        "rule_id", "number", "config"
    )
    return {
        rule_id: parse(rules[rule_id].kind, config)
        for rule_id, number, config in versions
        if number == rules[rule_id].version
    }


def _eligible_counter(scope: StaffScope) -> Counter[tuple[int, bool, bool, bool]]:
    """Active members by (community, elderly, child, new resident): one small table from
    which each activity's eligible residents are counted without a query of its own."""
    rows = (
        scope.members()
        .filter(status=MemberStatus.ACTIVE)
        .values_list("community_id", "is_elderly", "is_child", "is_new_resident")
        .annotate(n=Count("id"))
        .order_by()
    )
    return Counter({(c, e, k, r): n for c, e, k, r, n in rows})


def _eligible(
    activity: Activity, config: RuleConfig | None, table: Counter[tuple[int, bool, bool, bool]]
) -> int:
    """Active residents who may join: of the activity's community (any, if it has none),
    of the rule's communities and groups (any, if it names none)."""
    total = 0
    for (community, elderly, child, newcomer), n in table.items():
        if activity.community_id and community != activity.community_id:
            continue
        if config and config.communities and community not in config.communities:
            continue
        flags = {"elderly": elderly, "child": child, "new_resident": newcomer}
        if config and config.groups and not any(flags[g] for g in config.groups if g in flags):
            continue
        total += n
    return total


@dataclass(frozen=True)
class ActivityParticipation:
    activity: str
    title: str
    starts_on: date
    signups: int
    attendees: int
    eligible: int
    of_signups: float | None
    of_eligible: float | None
    points: int


def participation(scope: StaffScope) -> list[ActivityParticipation]:
    """Activities that started in the last 12 months up to now: attendees over confirmed
    sign-ups (target 70 %) and over the residents eligible for them; points credited."""
    start, now = months_of(scope)[0].start, clock.now()
    found = list(
        _activities(scope)
        .filter(starts_at__gte=start, starts_at__lte=now)
        .order_by("starts_at", "id")
    )
    configs, table = _configs(found), _eligible_counter(scope)
    points = _points_by_activity(found)
    tz = scope.programme.timezone
    return [
        ActivityParticipation(
            a.public_id,
            a.title,
            local(a.starts_at, tz).date(),
            a.signed,
            a.attended,
            eligible := _eligible(a, configs.get(a.rule_id), table),
            metrics.rate(a.attended, a.signed),
            metrics.rate(a.attended, eligible),
            points.get(a.pk, 0),
        )
        for a in found
    ]


def _points_by_activity(activities: Sequence[Activity]) -> dict[int, int]:
    rows = (
        Earning.objects.filter(activity__in=activities, status=EarningStatus.POSTED)
        .values("activity_id")
        .annotate(points=Sum(Coalesce("credited", "points")))
        .order_by()
    )
    return {row["activity_id"]: row["points"] for row in rows}


@dataclass(frozen=True)
class Undersubscribed:
    activity: str
    title: str
    starts_on: date
    capacity: int
    signups: int
    fill: float
    points: int | None
    raise_percent: int
    suggested_points: int | None


def undersubscribed(scope: StaffScope) -> list[Undersubscribed]:
    """Open activities still to come whose confirmed sign-ups fill less than 70 % of their
    capacity, with the raise metrics.suggested_raise gives (+20 %, or +50 % under 35 %) and,
    for a fixed-points rule, the points it would then give."""
    found = [
        a
        for a in _activities(scope).filter(
            status=ActivityStatus.OPEN, starts_at__gt=clock.now(), capacity__gt=0
        )
        if metrics.suggested_raise(a.signed, a.capacity or 0)
    ]
    configs, tz = _configs(found), scope.programme.timezone
    rows = []
    for a in sorted(found, key=lambda a: (a.starts_at, a.pk)):
        percent, config = metrics.suggested_raise(a.signed, a.capacity or 0), configs.get(a.rule_id)
        points = config.points if config and config.kind == "fixed" else None
        suggested = metrics.raised_points(points, percent) if points else None
        fill = a.signed / (a.capacity or 1)
        rows.append(
            Undersubscribed(
                a.public_id,
                a.title,
                local(a.starts_at, tz).date(),
                a.capacity or 0,
                a.signed,
                fill,
                points,
                percent,
                suggested,
            )
        )
    return rows


@dataclass(frozen=True)
class OrganizerRow:
    organizer: str
    activities: int
    signups: int
    attendees: int
    rate: float | None
    points: int


def organizers(
    scope: StaffScope, rows: list[ActivityParticipation] | None = None
) -> list[OrganizerRow]:
    """Per organizer, over the activities of `participation`: how many they ran, their
    sign-ups and attendees, attendees over sign-ups, and the points credited at them."""
    rows = participation(scope) if rows is None else rows
    by_id = {row.activity: row for row in rows}
    through = Activity.organizers.through.objects.filter(activity__public_id__in=by_id)
    pairs = through.values_list("activity__public_id", "user__display_name", "user__username")
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for activity, display_name, username in pairs:
        row, total = by_id[activity], totals[display_name or username]
        for i, n in enumerate((1, row.signups, row.attendees, row.points)):
            total[i] += n
    return [
        OrganizerRow(name, n, signed, came, metrics.rate(came, signed), points)
        for name, (n, signed, came, points) in sorted(totals.items())
    ]


@dataclass(frozen=True)
class InactiveMemberRow:
    member: str
    name: str
    community: str
    joined_on: date
    last_earned: date | None


def inactive_members(scope: StaffScope, days: int = INACTIVE_DAYS) -> list[InactiveMemberRow]:
    """Active members with no award in the last `days` days (or none ever), longest silent
    first; at most INACTIVE_SHOWN of them."""
    cutoff, tz = clock.now() - timedelta(days=days), scope.programme.timezone
    members = (
        scope.members()
        .filter(status=MemberStatus.ACTIVE)
        .annotate(
            last=Max("transactions__created_at", filter=Q(transactions__kind=TransactionKind.AWARD))
        )
        .filter(Q(last__lt=cutoff) | Q(last__isnull=True))
        .order_by(F("last").asc(nulls_first=True), "id")
        .values_list("public_id", "display_name", "community__name", "joined_on", "last")
    )
    return [
        InactiveMemberRow(public_id, name, community, joined_on, _day(last, tz))
        for public_id, name, community, joined_on, last in members[:INACTIVE_SHOWN]
    ]


def _day(moment: datetime | None, tz: str) -> date | None:
    return local(moment, tz).date() if moment else None
