"""The public notice board (公示榜) of a month: its awards by community and rule, the awards on
public notice now and the month's objections, and each community's quota used and left.
Members are named only through jifen.recognition.names; no phone number is read."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.db.models import QuerySet

from jifen.earning.listings import ON_NOTICE
from jifen.earning.models import Appeal as AppealRow
from jifen.earning.models import AppealKind, AppealStatus, Earning, EarningStatus
from jifen.ledger.models import Counter
from jifen.ledger.queries import community_quota, policy_of
from jifen.lib import clock
from jifen.lib.periods import local
from jifen.programmes.models import Community, Programme
from jifen.recognition.names import public_names

NAMES_PER_LINE = 50  # names listed under one rule of one community; the count says the rest
LIMIT = 200  # notices and objections listed


@dataclass
class Line:
    """One rule's awards in one community during the month."""

    rule: str
    count: int = 0
    points: int = 0
    names: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class CommunityAwards:
    community: str
    lines: list[Line]
    points: int


@dataclass(frozen=True)
class Notice:
    name: str
    community: str
    rule: str
    points: int
    ends_at: datetime | None
    objected: bool


@dataclass(frozen=True)
class Objection:
    subject: str
    rule: str
    status: str  # an AppealStatus value
    status_label: str
    created_at: datetime


@dataclass(frozen=True)
class Quota:
    community: str
    ceiling: int
    used: int

    @property
    def left(self) -> int:
        return max(0, self.ceiling - self.used)


@dataclass(frozen=True)
class Board:
    programme: Programme
    month: date  # its first day
    awards: list[CommunityAwards]
    notices: list[Notice]
    objections: list[Objection]
    quotas: list[Quota] | None  # None when the programme has no community quotas

    @property
    def total_points(self) -> int:
        return sum(c.points for c in self.awards)


def current_month(programme: Programme) -> date:
    return local(clock.now(), programme.timezone).date().replace(day=1)


def month_bounds(programme: Programme, month: date) -> tuple[datetime, datetime]:
    tz = ZoneInfo(programme.timezone)
    following = shift(month, 1)
    return (
        datetime(month.year, month.month, 1, tzinfo=tz),
        datetime(following.year, following.month, 1, tzinfo=tz),
    )


def board_of(programme: Programme, month: date) -> Board:
    """The board of `month` (any day of it)."""
    month = month.replace(day=1)
    start, end = month_bounds(programme, month)
    earnings = list(_posted(programme, start, end))
    notices = list(_on_notice(programme))
    objections = list(_objections(programme, start, end))
    people = [e.member for e in earnings + notices] + [a.subject for a in objections]
    names = public_names(programme, {m.pk: m for m in people}.values())
    return Board(
        programme,
        month,
        _by_community(earnings, names),
        [_notice(e, names) for e in notices],
        [_objection(a, names) for a in objections],
        quotas_of(programme, month),
    )


def _posted(programme: Programme, start: datetime, end: datetime) -> QuerySet[Earning]:
    return (
        Earning.objects.filter(
            programme=programme,
            status=EarningStatus.POSTED,
            posted_at__gte=start,
            posted_at__lt=end,
        )
        .select_related("member__community", "rule_version__rule")
        .order_by("member__community__name", "rule_version__rule__name", "posted_at", "id")
    )


def _on_notice(programme: Programme) -> QuerySet[Earning]:
    return (
        Earning.objects.filter(
            programme=programme, status__in=ON_NOTICE, notice_ends_at__gt=clock.now()
        )
        .select_related("member__community", "rule_version__rule")
        .order_by("notice_ends_at", "id")[:LIMIT]
    )


def _objections(programme: Programme, start: datetime, end: datetime) -> QuerySet[AppealRow]:
    return (
        AppealRow.objects.filter(
            programme=programme,
            kind=AppealKind.OBJECTION,
            created_at__gte=start,
            created_at__lt=end,
        )
        .select_related("subject", "earning__rule_version__rule")
        .order_by("created_at", "id")[:LIMIT]
    )


def _by_community(earnings: list[Earning], names: dict[int, str]) -> list[CommunityAwards]:
    grouped: dict[str, dict[str, Line]] = defaultdict(dict)
    for e in earnings:
        rule = e.rule_version.rule.name
        line = grouped[e.member.community.name].setdefault(rule, Line(rule))
        line.count += 1
        line.points += e.credited if e.credited is not None else e.points
        if len(line.names) < NAMES_PER_LINE:
            line.names.append(names[e.member.pk])
    return [
        CommunityAwards(name, list(lines.values()), sum(x.points for x in lines.values()))
        for name, lines in grouped.items()
    ]


def _notice(e: Earning, names: dict[int, str]) -> Notice:
    return Notice(
        names[e.member.pk],
        e.member.community.name,
        e.rule_version.rule.name,
        e.points,
        e.notice_ends_at,
        e.status == EarningStatus.OBJECTED,
    )


def _objection(a: AppealRow, names: dict[int, str]) -> Objection:
    rule = a.earning.rule_version.rule.name if a.earning else ""
    return Objection(
        names[a.subject.pk], rule, a.status, str(AppealStatus(a.status).label), a.created_at
    )


def quotas_of(programme: Programme, month: date) -> list[Quota] | None:
    """Each community's quota for `month` and what it used: the limit an award that month
    meets (the ledger's own reading of the policy) and that limit's counter."""
    policy = policy_of(programme)
    if not policy.quotas_enabled:
        return None
    at = month_bounds(programme, month)[0]
    communities = Community.objects.filter(programme=programme).order_by("name", "pk")
    limits = {c.name: community_quota(policy, c, at) for c in communities}
    used = dict(
        Counter.objects.filter(
            programme=programme,
            scope__in=[x.scope for x in limits.values()],
            period__in={x.period for x in limits.values()},
        ).values_list("scope", "used")
    )
    return [Quota(name, x.ceiling, used.get(x.scope, 0)) for name, x in limits.items()]


def shift(month: date, months: int) -> date:
    """The first day of the month `months` after (or before) `month`."""
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)
