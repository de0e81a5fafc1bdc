"""Reads shaped for the activity pages: the console's list and roster, the check-in screen's
attendance, what closing will credit and what it did, and a resident's activities with their
points. Decisions stay with the services (jifen.earning.activities); these only say what to
show, e.g. whether a sign-up button reads “join the waitlist” (the service still decides)."""

from dataclasses import dataclass
from typing import TypeVar

from django.db.models import Count, Model, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from jifen.accounts.models import User
from jifen.earning import crediting
from jifen.earning.access import activities_for_member, activities_in_scope
from jifen.earning.activities import ACTIVITY_RULE_KINDS, plan_awards
from jifen.earning.daily import checkin_rule
from jifen.earning.models import (
    Activity,
    ActivityStatus,
    Attendance,
    Earning,
    EarningSettings,
    EarningSource,
    EarningStatus,
    Rule,
    SignUp,
    SignUpStatus,
)
from jifen.lib import clock
from jifen.lib.periods import local
from jifen.programmes.access import StaffScope
from jifen.programmes.models import Member, RoleKind

PAGE = 50
ATTENDANCE_SHOWN = 500  # the check-in screen's list; the count above it is always complete
DEFAULT_ROTATION_SECONDS = 30
ORGANIZER_KINDS = (RoleKind.ADMIN, RoleKind.ORGANIZER)


# The console


@dataclass(frozen=True)
class ActivityPage:
    """Activities with `signed_up`, `waiting` and `attended` counted; `next_cursor` is the
    public id to continue after."""

    items: list[Activity]
    next_cursor: str | None


def _count(model: type[Model], **filters: object) -> Coalesce:
    # A correlated count per activity: joining sign-ups and attendances in one query would
    # multiply the rows (sign-ups × attendances) and inflate both counts.
    counted = (
        model._default_manager.filter(activity=OuterRef("pk"), **filters)
        .order_by()
        .values("activity")
        .annotate(n=Count("*"))
        .values("n")
    )
    return Coalesce(Subquery(counted), 0)


def with_counts(rows: QuerySet[Activity]) -> QuerySet[Activity]:
    return rows.annotate(
        signed_up=_count(SignUp, status=SignUpStatus.CONFIRMED),
        waiting=_count(SignUp, status=SignUpStatus.WAITING),
        attended=_count(Attendance),
    )


def activity_page(
    scope: StaffScope,
    *,
    upcoming: bool,
    status: str = "",
    community: int | None = None,
    after: str = "",
) -> ActivityPage:
    """The activities the staff see: upcoming (not ended yet, soonest first) or past (latest
    first), PAGE at a time by keyset on (start, id) — never OFFSET."""
    now = clock.now()
    rows = activities_in_scope(scope).select_related("community", "rule")
    rows = rows.filter(ends_at__gte=now) if upcoming else rows.filter(ends_at__lt=now)
    if status:
        rows = rows.filter(status=status)
    if community:
        rows = rows.filter(community_id=community)
    # Looked up in the scope: a cursor must not reveal anything about other activities.
    last = activities_in_scope(scope).filter(public_id=after).values("starts_at", "id").first()
    if last is not None:
        op = "gt" if upcoming else "lt"
        rows = rows.filter(
            Q(**{f"starts_at__{op}": last["starts_at"]})
            | Q(starts_at=last["starts_at"], **{f"id__{op}": last["id"]})
        )
    order = ("starts_at", "id") if upcoming else ("-starts_at", "-id")
    items = list(with_counts(rows).order_by(*order)[: PAGE + 1])
    more = len(items) > PAGE
    return ActivityPage(items[:PAGE], items[PAGE - 1].public_id if more else None)


def activity_rules(scope: StaffScope) -> QuerySet[Rule]:
    """The rules an activity may use: the programme's active fixed, per-hour and range rules."""
    return Rule.objects.filter(
        programme=scope.programme, is_active=True, kind__in=ACTIVITY_RULE_KINDS
    ).order_by("category", "name")


def organizer_choices(scope: StaffScope) -> list[tuple[int, str]]:
    """(user id, name) of the programme's administrators and organizers whom this staff
    member works beside: programme-wide ones, and those of the scope's communities."""
    roles = Q(roles__programme=scope.programme, roles__kind__in=ORGANIZER_KINDS)
    if scope.community_ids is not None:
        roles &= Q(roles__community__isnull=True) | Q(roles__community_id__in=scope.community_ids)
    users = User.objects.filter(roles).distinct().order_by("display_name", "username")
    return [(u.pk, str(u)) for u in users]


@dataclass(frozen=True)
class Roster:
    """Who signed up (confirmed, then the waitlist in the order it moves up) and who came."""

    confirmed: list[SignUp]
    waiting: list[SignUp]
    attendances: list[Attendance]

    @property
    def attended_ids(self) -> set[int]:
        return {a.member_id for a in self.attendances}


def roster(activity: Activity, scope: StaffScope) -> Roster:
    """The activity's people that the staff may see: at an activity for everyone, staff of
    one community see their own community's residents (the counts are of everyone)."""
    signups = list(
        _seen_by(scope, SignUp.objects.filter(activity=activity))
        .exclude(status=SignUpStatus.CANCELLED)
        .select_related("member__community", "member__household")
    )  # ordered as the waitlist moves up: priority first, then first come
    return Roster(
        [s for s in signups if s.status == SignUpStatus.CONFIRMED],
        [s for s in signups if s.status == SignUpStatus.WAITING],
        attendance(activity, scope),
    )


def attendance(
    activity: Activity, scope: StaffScope, *, limit: int = ATTENDANCE_SHOWN
) -> list[Attendance]:
    """Who is checked in, latest first (the check-in screen shows the newest on top)."""
    rows = _seen_by(scope, Attendance.objects.filter(activity=activity))
    rows = rows.select_related("member__community")
    return list(rows.order_by("-checked_in_at", "-id")[:limit])


R = TypeVar("R", SignUp, Attendance)


def _seen_by(scope: StaffScope, rows: QuerySet[R]) -> QuerySet[R]:
    if scope.community_ids is None:
        return rows
    return rows.filter(member__community_id__in=scope.community_ids)


def attendance_count(activity: Activity) -> int:
    return Attendance.objects.filter(activity=activity).count()


def is_signed_up(activity: Activity, member: Member) -> bool:
    """Signed up or on the waitlist: someone else is a walk-in."""
    return (
        SignUp.objects.filter(activity=activity, member=member)
        .exclude(status=SignUpStatus.CANCELLED)
        .exists()
    )


@dataclass(frozen=True)
class Credit:
    """What closing the activity gives (planned) or gave (recorded): to how many residents,
    how many points in all, and how many of those wait on public notice."""

    residents: int
    points: int
    on_notice: int = 0


def closing_preview(activity: Activity) -> Credit:
    """What closing now would credit, under the rule's current version (nothing is written)."""
    planned = plan_awards(activity, crediting.current_version(activity.rule))
    paid = [p for p in planned if p.points > 0]
    return Credit(len({p.member.pk for p in paid}), sum(p.points for p in paid))


def credited(activity: Activity) -> Credit:
    """What closing the activity recorded: its earnings, bonuses included."""
    totals = Earning.objects.filter(activity=activity).aggregate(
        residents=Count("member", distinct=True),
        points=Coalesce(Sum("points"), 0),
        on_notice=Count("id", filter=Q(status=EarningStatus.NOTICE)),
    )
    return Credit(totals["residents"], totals["points"], totals["on_notice"])


def rotation_seconds(activity: Activity) -> int:
    """How often the activity's check-in code changes (the programme's setting)."""
    seconds = (
        EarningSettings.objects.filter(programme_id=activity.programme_id)
        .values_list("checkin_rotation_seconds", flat=True)
        .first()
    )
    return seconds or DEFAULT_ROTATION_SECONDS


# The resident


@dataclass(frozen=True)
class Offer:
    """An activity a resident may join, and where they stand: `position` on the waitlist
    (1: next to move up); `places_left` None when there is no limit."""

    activity: Activity
    signup: SignUp | None
    position: int | None
    places_left: int | None

    @property
    def full(self) -> bool:
        """A new sign-up would wait."""
        return self.places_left == 0


def upcoming_for(member: Member) -> list[Offer]:
    """Open activities of the resident's community, and those for everyone, that have not
    ended, soonest first."""
    rows = (
        with_counts(activities_for_member(member))
        .filter(status=ActivityStatus.OPEN, ends_at__gte=clock.now())
        .select_related("community")
        .order_by("starts_at", "id")[:PAGE]
    )
    activities = list(rows)
    mine = _signups_of(member, activities)
    positions = _positions(member, [s.activity_id for s in mine.values() if _waiting(s)])
    return [Offer(a, mine.get(a.pk), positions.get(a.pk), _places_left(a)) for a in activities]


def _places_left(activity: Activity) -> int | None:
    if activity.capacity is None:
        return None
    taken: int = getattr(activity, "signed_up")  # noqa: B009 (annotated by with_counts)
    return max(0, activity.capacity - taken)


def _waiting(signup: SignUp) -> bool:
    return signup.status == SignUpStatus.WAITING


def _signups_of(member: Member, activities: list[Activity]) -> dict[int, SignUp]:
    rows = SignUp.objects.filter(member=member, activity__in=activities).exclude(
        status=SignUpStatus.CANCELLED
    )
    return {s.activity_id: s for s in rows}


def _positions(member: Member, activity_ids: list[int]) -> dict[int, int]:
    """The member's place on each waitlist, counted in the order it moves up."""
    if not activity_ids:
        return {}
    waiting = SignUp.objects.filter(activity_id__in=activity_ids, status=SignUpStatus.WAITING)
    places: dict[int, int] = {}
    seen: dict[int, int] = {}
    for activity_id, member_id in waiting.values_list("activity_id", "member_id"):
        seen[activity_id] = seen.get(activity_id, 0) + 1
        if member_id == member.pk:
            places[activity_id] = seen[activity_id]
    return places


@dataclass(frozen=True)
class MyActivity:
    """One of the resident's activities: signed up or not, attended or not, and the points
    it earned them (`pending`: those still on public notice)."""

    activity: Activity
    signup: SignUp | None
    attended: bool
    points: int
    pending: int


def my_activities(member: Member, *, limit: int = 100) -> list[MyActivity]:
    """Activities the resident signed up for or attended, latest first."""
    took_part = Q(signups__member=member) & ~Q(signups__status=SignUpStatus.CANCELLED)
    took_part |= Q(attendances__member=member)
    ids = (
        Activity.objects.filter(programme_id=member.programme_id)
        .filter(took_part)
        .values("id")
        .distinct()
    )
    activities = list(
        Activity.objects.filter(id__in=ids)
        .select_related("community")
        .order_by("-starts_at")[:limit]
    )
    signups = _signups_of(member, activities)
    came = set(
        Attendance.objects.filter(member=member, activity__in=activities).values_list(
            "activity_id", flat=True
        )
    )
    points = _points_by_activity(member, activities)
    return [
        MyActivity(a, signups.get(a.pk), a.pk in came, *points.get(a.pk, (0, 0)))
        for a in activities
    ]


def _points_by_activity(member: Member, activities: list[Activity]) -> dict[int, tuple[int, int]]:
    """(points earned, of which on notice) per activity, bonuses included; an award a cap
    cut counts what the ledger credited."""
    rows = (
        Earning.objects.filter(member=member, activity__in=activities)
        .exclude(status=EarningStatus.CANCELLED)
        .values("activity_id")
        .annotate(
            earned=Coalesce(Sum(Coalesce("credited", "points")), 0),
            pending=Coalesce(Sum("points", filter=Q(status=EarningStatus.NOTICE)), 0),
        )
    )
    return {r["activity_id"]: (r["earned"], r["pending"]) for r in rows}


def daily_checkin_due(member: Member) -> bool | None:
    """Whether the resident's daily check-in is still to do today; None when the programme
    has no daily check-in."""
    if checkin_rule(member) is None:
        return None
    return not checked_in_today(member)


def checked_in_today(member: Member) -> bool:
    """Whether the resident has done today's daily check-in (the programme's day)."""
    tz = member.programme.timezone
    midnight = local(clock.now(), tz).replace(hour=0, minute=0, second=0, microsecond=0)
    return Earning.objects.filter(
        member=member, source=EarningSource.CHECKIN, created_at__gte=midnight
    ).exists()
