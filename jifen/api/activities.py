"""Activities: list, read, create, change, cancel and close (closing credits every attendee
once, through one bulk award, and answers how many were credited with how many points; closing
again credits nothing). The resident's list of the activities open to them is here too;
sign-ups and check-ins are in jifen.api.checkins."""

from datetime import datetime
from typing import Annotated, Any, Literal

from django.db.models import Count, Exists, IntegerField, OuterRef, QuerySet, Subquery
from django.http import Http404, HttpResponse
from ninja import Field, Query, Router, Schema, Status
from pydantic import model_validator

from jifen.api.auth import ApiRequest
from jifen.api.earnings import Key, Limit, Moment, newest_first, once
from jifen.api.inputs import Id, IdIn, InputSchema, Int
from jifen.earning import services
from jifen.earning.access import (
    access_activity,
    access_rule,
    activities_for_member,
    activities_in_scope,
)
from jifen.earning.models import (
    Activity,
    ActivityStatus,
    Attendance,
    Earning,
    EarningStatus,
    RuleCategory,
    SignUp,
    SignUpStatus,
)
from jifen.lib.errors import PermissionDenied
from jifen.programmes import errors as programme_errors
from jifen.programmes.access import (
    StaffScope,
    access_community,
    access_programme,
    resident_member,
)
from jifen.programmes.models import Community, Member

router = Router(tags=["earning"])

Capacity = Annotated[Int, Field(ge=1, le=100_000)]
PriorityPoints = Annotated[Int, Field(ge=1, le=10_000_000)]
Status_ = Literal["open", "closed", "cancelled"]


class CommunityRef(Schema):
    id: int
    name: str


class RuleRef(Schema):
    code: str
    name: str


class ActivityOut(Schema):
    public_id: str
    title: str
    description: str
    category: str
    community: CommunityRef | None = Field(description="None: for every community.")
    place: str
    starts_at: datetime
    ends_at: datetime
    capacity: int | None
    rule: RuleRef
    signup_opens_at: datetime | None
    signup_closes_at: datetime | None
    priority_points: int | None
    status: Status_
    closed_at: datetime | None
    signed_up: int
    waiting: int
    attended: int
    created_at: datetime


class ActivityPage(Schema):
    items: list[ActivityOut]
    next_cursor: str | None


class MyActivityOut(ActivityOut):
    signup: Literal["confirmed", "waiting", "cancelled"] | None
    checked_in: bool


class MyActivityPage(Schema):
    items: list[MyActivityOut]
    next_cursor: str | None


class ActivityIn(InputSchema):
    title: str = Field(min_length=1, max_length=120)
    description: str = Field("", max_length=2000)
    category: RuleCategory = RuleCategory.OTHER
    community_id: IdIn | None = Field(None, description="None: for every community.")
    place: str = Field("", max_length=200)
    starts_at: Moment
    ends_at: Moment
    capacity: Capacity | None = None
    rule: str = Field(max_length=40, description="The code of a fixed, per-hour or range rule.")
    signup_opens_at: Moment | None = None
    signup_closes_at: Moment | None = None
    priority_points: PriorityPoints | None = None


class ActivityPatch(InputSchema):
    """Only the fields sent change (`null` clears the community, capacity, sign-up times
    and priority points)."""

    title: str | None = Field(None, min_length=1, max_length=120)
    description: str | None = Field(None, max_length=2000)
    category: RuleCategory | None = None
    community_id: IdIn | None = None
    place: str | None = Field(None, max_length=200)
    starts_at: Moment | None = None
    ends_at: Moment | None = None
    capacity: Capacity | None = None
    rule: str | None = Field(None, max_length=40)
    signup_opens_at: Moment | None = None
    signup_closes_at: Moment | None = None
    priority_points: PriorityPoints | None = None

    @model_validator(mode="after")
    def _refuse_nulls(self) -> "ActivityPatch":
        nullable = {
            "community_id",
            "capacity",
            "signup_opens_at",
            "signup_closes_at",
            "priority_points",
        }
        for name in self.model_fields_set - nullable:
            if getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class ActivityFilters(InputSchema):
    status: Status_ | None = None
    community: Id | None = None
    cursor: str | None = Field(None, max_length=500)
    limit: Limit = 50


class ClosedOut(Schema):
    activity: ActivityOut
    credited: int = Field(description="Attendees whose points were credited.")
    points: int = Field(description="The points credited to them.")
    on_notice: int = Field(description="Attendees whose points wait out the public notice.")
    notice_points: int
    already_closed: bool = Field(description="Closed before: nothing was credited now.")


def _count(model: type[SignUp] | type[Attendance], **where: Any) -> Subquery:
    rows = model.objects.filter(activity=OuterRef("pk"), **where)
    counted = rows.order_by().values("activity").annotate(n=Count("id")).values("n")
    return Subquery(counted, output_field=IntegerField())


def with_counts(rows: QuerySet[Activity]) -> QuerySet[Activity]:
    """Activities with their rule and community, and how many signed up, wait and came."""
    return rows.select_related("rule", "community").annotate(
        n_signed_up=_count(SignUp, status=SignUpStatus.CONFIRMED),
        n_waiting=_count(SignUp, status=SignUpStatus.WAITING),
        n_attended=_count(Attendance),
    )


def activity_json(activity: Activity) -> dict[str, Any]:
    """An activity as the API shows it, JSON-ready; counted anew unless `with_counts` did."""
    if not hasattr(activity, "n_attended"):
        activity = with_counts(Activity.objects.filter(pk=activity.pk)).get()
    return ActivityOut.model_validate(_fields(activity)).model_dump(mode="json")


def _fields(activity: Any) -> dict[str, Any]:
    names = set(ActivityOut.model_fields) - {"signed_up", "waiting", "attended", "rule"}
    return {
        **{name: getattr(activity, name) for name in names},
        "rule": {"code": activity.rule.code, "name": activity.rule.name},
        "signed_up": activity.n_signed_up or 0,
        "waiting": activity.n_waiting or 0,
        "attended": activity.n_attended or 0,
    }


def _community(scope: StaffScope, community_id: int | None) -> Community | None:
    """A community the caller works in; none (for everyone) only for programme-wide staff."""
    if community_id is None:
        if scope.community_ids is not None:
            raise PermissionDenied()
        return None
    try:
        return access_community(scope, community_id)
    except Http404:
        raise programme_errors.CommunityNotInProgramme(name=str(community_id)) from None


def _apply(scope: StaffScope, activity: Activity, changes: dict[str, Any]) -> Activity:
    """`activity` with the fields present in `changes` (a parsed body) set."""
    plain = set(changes) - {"community_id", "rule"}
    for name in plain:
        setattr(activity, name, changes[name])
    if "community_id" in changes:
        activity.community = _community(scope, changes["community_id"])
    if "rule" in changes:
        activity.rule = access_rule(scope, changes["rule"])
    return activity


@router.get("/programmes/{slug}/activities", response=ActivityPage)
def list_activities(
    request: ApiRequest, slug: str, filters: Query[ActivityFilters]
) -> dict[str, Any]:
    """Activities, the latest start first."""
    scope = access_programme(request.auth, slug, "view_console")
    rows = activities_in_scope(scope)
    if filters.status is not None:
        rows = rows.filter(status=filters.status)
    if filters.community is not None:
        rows = rows.filter(community_id=filters.community)
    page, cursor = newest_first(with_counts(rows), filters.cursor, filters.limit, "starts_at")
    return {"items": [activity_json(a) for a in page], "next_cursor": cursor}


@router.get("/programmes/{slug}/activities/{activity_id}", response=ActivityOut)
def get_activity(request: ApiRequest, slug: str, activity_id: str) -> dict[str, Any]:
    scope = access_programme(request.auth, slug, "view_console")
    return activity_json(access_activity(scope, activity_id))


@router.post("/programmes/{slug}/activities", response={201: ActivityOut})
def create_activity(
    request: ApiRequest, response: HttpResponse, slug: str, body: ActivityIn, key: Key = None
) -> Status[Any]:
    scope = access_programme(request.auth, slug, "manage_activities")

    def perform() -> tuple[int, Any]:
        activity = _apply(scope, Activity(programme=scope.programme), body.model_dump())
        saved = services.save_activity(activity=activity, actor=request.auth)
        return 201, activity_json(saved)

    return once(request, response, scope.programme, key, body, perform)


@router.patch("/programmes/{slug}/activities/{activity_id}", response={200: ActivityOut})
def update_activity(
    request: ApiRequest,
    response: HttpResponse,
    slug: str,
    activity_id: str,
    body: ActivityPatch,
    key: Key = None,
) -> Status[Any]:
    """Change the fields sent, while the activity is open."""
    scope = access_programme(request.auth, slug, "manage_activities")
    activity = access_activity(scope, activity_id)

    def perform() -> tuple[int, Any]:
        changed = _apply(scope, activity, body.model_dump(exclude_unset=True))
        saved = services.save_activity(activity=changed, actor=request.auth)
        return 200, activity_json(saved)

    return once(request, response, scope.programme, key, body, perform)


@router.post("/programmes/{slug}/activities/{activity_id}/cancel", response={200: ActivityOut})
def cancel_activity(
    request: ApiRequest, response: HttpResponse, slug: str, activity_id: str, key: Key = None
) -> Status[Any]:
    scope = access_programme(request.auth, slug, "manage_activities")
    activity = access_activity(scope, activity_id)

    def perform() -> tuple[int, Any]:
        cancelled = services.cancel_activity(activity=activity, actor=request.auth)
        return 200, activity_json(cancelled)

    return once(request, response, scope.programme, key, None, perform)


@router.post("/programmes/{slug}/activities/{activity_id}/close", response={200: ClosedOut})
def close_activity(
    request: ApiRequest, response: HttpResponse, slug: str, activity_id: str, key: Key = None
) -> Status[Any]:
    """Close the activity and credit every attendee, exactly once: closing it again (or twice
    at the same moment) credits nothing and says `already_closed`."""
    scope = access_programme(request.auth, slug, "manage_activities")
    activity = access_activity(scope, activity_id)

    def perform() -> tuple[int, Any]:
        closed = services.close_activity(activity=activity, actor=request.auth)
        return 200, _closed_json(closed.activity, closed.earnings, closed.already)

    return once(request, response, scope.programme, key, None, perform)


def _closed_json(activity: Activity, earnings: list[Earning], already: bool) -> dict[str, Any]:
    posted = [e for e in earnings if e.status == EarningStatus.POSTED]
    waiting = [e for e in earnings if e.status in (EarningStatus.NOTICE, EarningStatus.OBJECTED)]
    return {
        "activity": activity_json(activity),
        "credited": len(posted),
        "points": sum(e.credited or 0 for e in posted),
        "on_notice": len(waiting),
        "notice_points": sum(e.points for e in waiting),
        "already_closed": already,
    }


class MyActivityFilters(InputSchema):
    open_only: bool = Field(True, description="Only activities still open.")
    cursor: str | None = Field(None, max_length=500)
    limit: Limit = 50


@router.get("/programmes/{slug}/me/activities", response=MyActivityPage)
def my_activities(
    request: ApiRequest, slug: str, filters: Query[MyActivityFilters]
) -> dict[str, Any]:
    """The activities open to the resident (their community's and those for everyone), the
    latest start first, with their sign-up and whether they were checked in."""
    member = resident_member(request.auth, slug)
    rows = activities_for_member(member)
    if filters.open_only:
        rows = rows.filter(status=ActivityStatus.OPEN)
    page, cursor = newest_first(
        for_member(rows, member), filters.cursor, filters.limit, "starts_at"
    )
    return {"items": [_mine(a) for a in page], "next_cursor": cursor}


def for_member(rows: QuerySet[Activity], member: Member) -> QuerySet[Activity]:
    """`rows` with their counts, and the member's sign-up and check-in."""
    mine = SignUp.objects.filter(activity=OuterRef("pk"), member=member).values("status")[:1]
    came = Attendance.objects.filter(activity=OuterRef("pk"), member=member)
    return with_counts(rows).annotate(my_signup=Subquery(mine), came=Exists(came))


def my_activity_json(activity: Activity, member: Member) -> dict[str, Any]:
    """An activity as the resident sees it (their sign-up and check-in), JSON-ready."""
    return _mine(for_member(Activity.objects.filter(pk=activity.pk), member).get())


def _mine(activity: Any) -> dict[str, Any]:
    fields = {**_fields(activity), "signup": activity.my_signup, "checked_in": activity.came}
    return MyActivityOut.model_validate(fields).model_dump(mode="json")
