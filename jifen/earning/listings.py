"""Reads shaped for the claim, notice and appeal pages: a resident's claims and appeals and
what they may still appeal, the public notice board, and the reviewer's inbox. Decisions stay
with the services (jifen.earning.claims, jifen.earning.appeals); these only say what to show,
e.g. whether an appeal button belongs beside a claim (the service still checks it)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Q, QuerySet

from jifen.earning import crediting, rules
from jifen.earning.access import appeals_in_scope, claims_in_scope, earnings_in_scope
from jifen.earning.appeals import settings_of
from jifen.earning.models import (
    Activity,
    ActivityStatus,
    Appeal,
    AppealKind,
    AppealStatus,
    Claim,
    ClaimStatus,
    Earning,
    EarningStatus,
    Rule,
    RuleKind,
    SignUpStatus,
)
from jifen.lib import clock
from jifen.programmes.access import StaffScope
from jifen.programmes.models import Member

LIMIT = 100  # rows a page shows; the oldest waiting come first, so nothing waits unseen
ON_NOTICE = (EarningStatus.NOTICE, EarningStatus.OBJECTED)


def masked(name: str) -> str:
    """A name as the public board shows it: 王秀英 → 王*英, 李明 → 李*, Alice → A***e."""
    name = name.strip()
    if len(name) <= 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * min(len(name) - 2, 3) + name[-1]


def claimable_rules(member: Member) -> QuerySet[Rule]:
    """The rules a resident may claim under (the service checks eligibility and windows)."""
    return Rule.objects.filter(programme_id=member.programme_id, allows_claims=True, is_active=True)


def config_of_rule(rule: Rule) -> rules.RuleConfig:
    return crediting.config_of(crediting.current_version(rule))


@dataclass(frozen=True)
class Facts:
    """A claim's facts in words: the criteria's labels and the measured values."""

    criteria: list[str]
    measures: list[tuple[str, int]]
    range: tuple[int, int] | None  # a range rule's minimum and maximum


def facts_of(claim: Claim) -> Facts:
    config = crediting.config_of(claim.rule_version)
    labels = {c.code: c.label for c in config.criteria + config.extras}
    chosen = [labels.get(code, code) for code in claim.criteria]
    measures = sorted((str(k), int(v)) for k, v in claim.measures.items())
    span = (config.min, config.max) if config.kind == RuleKind.RANGE else None
    return Facts(chosen, measures, span)


# A resident's own pages.


@dataclass(frozen=True)
class MyClaim:
    claim: Claim
    earning: Earning | None
    appeal: str  # "claim" (a refused claim), "award" (its posted award), or ""
    appeal_until: datetime | None


def my_claims(member: Member) -> list[MyClaim]:
    """The resident's claims, newest first, each with its award and what they may appeal."""
    days = settings_of(member.programme).appeal_days
    waiting = set(
        Appeal.objects.filter(member=member, status=AppealStatus.OPEN).values_list(
            "claim_id", "earning_id"
        )
    )
    open_claims = {c for c, _ in waiting if c}
    open_earnings = {e for _, e in waiting if e}
    claims = (
        Claim.objects.filter(member=member)
        .select_related("rule")
        .prefetch_related("photos", "earnings")
        .order_by("-created_at", "-id")[:LIMIT]
    )
    rows = []
    for claim in claims:
        earning = next(iter(claim.earnings.all()), None)
        kind, until = "", None
        if claim.status == ClaimStatus.REJECTED and claim.pk not in open_claims:
            kind, until = "claim", _deadline(claim.decided_at, days)
        elif earning and earning.status == EarningStatus.POSTED and earning.pk not in open_earnings:
            kind, until = "award", _deadline(earning.posted_at, days)
        if until is None:
            kind = ""
        rows.append(MyClaim(claim, earning, kind, until))
    return rows


def _deadline(moment: datetime | None, days: int) -> datetime | None:
    """The end of the appeal window that `moment` opened, if it is still open."""
    if moment is None or clock.now() > moment + timedelta(days=days):
        return None
    return moment + timedelta(days=days)


def my_appeals(member: Member) -> QuerySet[Appeal]:
    """What the resident appealed or objected to, newest first."""
    return (
        Appeal.objects.filter(member=member)
        .select_related("earning__rule_version__rule", "claim__rule", "activity", "correction")
        .order_by("-created_at", "-id")[:LIMIT]
    )


def appealable_awards(member: Member) -> QuerySet[Earning]:
    """The resident's awards credited within the appeal window, not already appealed."""
    since = clock.now() - timedelta(days=settings_of(member.programme).appeal_days)
    return (
        Earning.objects.filter(member=member, status=EarningStatus.POSTED, posted_at__gte=since)
        .exclude(pk__in=_open(member, AppealKind.AWARD, "earning_id"))
        .select_related("rule_version__rule", "activity")
        .order_by("-posted_at", "-id")[:LIMIT]
    )


def took_part_in(member: Member) -> QuerySet[Activity]:
    """Activities of the programme that the resident attended or had a place at."""
    took_part = Q(attendances__member=member) | Q(
        signups__member=member, signups__status=SignUpStatus.CONFIRMED
    )
    return Activity.objects.filter(programme_id=member.programme_id).filter(took_part).distinct()


def missing_awards(member: Member) -> QuerySet[Activity]:
    """Activities closed within the appeal window that the resident took part in, without an
    award of theirs (nor an appeal about it waiting)."""
    since = clock.now() - timedelta(days=settings_of(member.programme).appeal_days)
    return (
        took_part_in(member)
        .filter(status=ActivityStatus.CLOSED, closed_at__gte=since)
        .exclude(earnings__member=member)
        .exclude(pk__in=_open(member, AppealKind.MISSING, "activity_id"))
        .order_by("-closed_at", "-id")[:LIMIT]
    )


def _open(member: Member, kind: str, column: str) -> QuerySet[Appeal]:
    """The ids in `column` of the member's open appeals of `kind` (never NULL: a NULL would
    make the NOT IN that uses them exclude every row)."""
    rows = Appeal.objects.filter(member=member, kind=kind, status=AppealStatus.OPEN)
    return rows.filter(**{f"{column}__isnull": False}).values(column)


@dataclass(frozen=True)
class Notice:
    """An award on the public board: the name masked, never the phone."""

    earning: Earning
    name: str
    rule: str
    points: int
    ends_at: datetime | None
    objected: bool


def on_notice(member: Member) -> QuerySet[Earning]:
    """The programme's awards that may be objected to now."""
    return Earning.objects.filter(
        programme_id=member.programme_id, status__in=ON_NOTICE, notice_ends_at__gt=clock.now()
    )


def notice_board(member: Member) -> list[Notice]:
    """The programme's awards on public notice now, ending soonest first."""
    earnings = (
        on_notice(member)
        .select_related("member", "rule_version__rule")
        .order_by("notice_ends_at", "id")[: LIMIT * 2]
    )
    return [
        Notice(
            e,
            masked(e.member.display_name),
            e.rule_version.rule.name,
            e.points,
            e.notice_ends_at,
            e.status == EarningStatus.OBJECTED,
        )
        for e in earnings
    ]


# The reviewer's inbox.


@dataclass(frozen=True)
class WaitingClaim:
    claim: Claim
    facts: Facts
    own: bool  # the reviewer's own or their household's: someone else decides


@dataclass(frozen=True)
class OpenAppeal:
    appeal: Appeal
    overdue: bool
    own: bool
    range: tuple[int, int] | None  # the points an upheld appeal may give, for a range rule
    needs_points: bool  # upholding it needs the points (an award's, a range rule's)


@dataclass(frozen=True)
class Inbox:
    claims: list[WaitingClaim]
    notices: QuerySet[Earning]
    appeals: list[OpenAppeal]
    overdue: int


def inbox(scope: StaffScope) -> Inbox:
    """What waits for the reviewers of `scope`: claims oldest first, notices ending soonest,
    open appeals and objections by due date (the overdue ones are the first)."""
    mine = _own_households(scope)
    claims = (
        claims_in_scope(scope)
        .filter(status=ClaimStatus.SUBMITTED)
        .select_related("member", "rule", "rule_version__rule")
        .prefetch_related("photos")
        .order_by("created_at", "id")[:LIMIT]
    )
    waiting = [WaitingClaim(c, facts_of(c), _is_own(c.member, mine)) for c in claims]
    appeals = [open_appeal(a, mine) for a in _open_appeals(scope)]
    return Inbox(waiting, running_notices(scope), appeals, sum(a.overdue for a in appeals))


def running_notices(scope: StaffScope) -> QuerySet[Earning]:
    objections = Count(
        "appeals",
        filter=Q(appeals__kind=AppealKind.OBJECTION, appeals__status=AppealStatus.OPEN),
    )
    return (
        earnings_in_scope(scope)
        .filter(status__in=ON_NOTICE)
        .annotate(objections=objections)
        .select_related("member", "rule_version__rule")
        .order_by("notice_ends_at", "id")[:LIMIT]
    )


def _open_appeals(scope: StaffScope) -> QuerySet[Appeal]:
    return (
        appeals_in_scope(scope)
        .filter(status=AppealStatus.OPEN)
        .select_related(
            "member",
            "subject",
            "earning__rule_version__rule",
            "claim__rule",
            "claim__rule_version__rule",
            "activity__rule",
        )
        .order_by("due_at", "id")[:LIMIT]
    )


def open_appeal(appeal: Appeal, mine: tuple[set[int], set[int]] = (set(), set())) -> OpenAppeal:
    """An open appeal as the inbox shows it (`mine`: the reviewer's memberships and
    households, for `own`)."""
    span = open_appeal_range(appeal)
    needs = appeal.kind == AppealKind.AWARD or (
        appeal.kind == AppealKind.REFUSED_CLAIM and span is not None
    )
    own = _is_own(appeal.subject, mine) or _is_own(appeal.member, mine)
    return OpenAppeal(appeal, appeal.due_at < clock.now(), own, span, needs)


def open_appeal_range(appeal: Appeal) -> tuple[int, int] | None:
    """The points an upheld appeal may give when its rule is a range rule, else None."""
    if appeal.kind == AppealKind.REFUSED_CLAIM and appeal.claim is not None:
        return facts_of(appeal.claim).range
    if appeal.kind == AppealKind.MISSING and appeal.activity is not None:
        config = config_of_rule(appeal.activity.rule)
        return (config.min, config.max) if config.kind == RuleKind.RANGE else None
    return None


def _own_households(scope: StaffScope) -> tuple[set[int], set[int]]:
    """The reviewer's memberships in the programme and their households."""
    rows = Member.objects.filter(programme=scope.programme, user_id=scope.user_id)
    pairs = list(rows.values_list("pk", "household_id"))
    return {pk for pk, _ in pairs}, {h for _, h in pairs if h}


def _is_own(member: Member, mine: tuple[set[int], set[int]]) -> bool:
    members, households = mine
    return member.pk in members or (
        member.household_id is not None and member.household_id in households
    )
