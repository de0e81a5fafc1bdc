"""Sign-ups and check-ins at an activity: staff sign residents up (or cancel), check them in
by member card, by phone number, by member or from the sign-up list, check them out or enter
their minutes, and show the activity's rotating code on a screen; a resident signs up and
checks in by scanning that code. Checking a resident in twice, by anyone, makes one check-in
(200 with `created: false`)."""

from datetime import datetime
from typing import Annotated, Any, Literal

from django.http import HttpResponse
from ninja import Field, Query, Router, Schema, Status

from jifen.api.activities import MyActivityOut, my_activity_json
from jifen.api.auth import ApiRequest
from jifen.api.earnings import Key, Limit, MemberRef, in_id_order, member_ref, once
from jifen.api.inputs import InputSchema, Int
from jifen.earning import services
from jifen.earning.access import access_activity, access_member_activity
from jifen.earning.activities import CheckIn
from jifen.earning.models import Activity, Attendance, EarningSettings, SignUp
from jifen.lib import clock
from jifen.programmes.access import access_member, access_programme, resident_member
from jifen.programmes.models import Member, Programme

router = Router(tags=["earning"])
PublicId = Annotated[str, Field(max_length=40, description="A member's public id.")]
Minutes = Annotated[Int, Field(ge=0, le=24 * 60)]
DEFAULT_ROTATION = 30  # seconds, as EarningSettings.checkin_rotation_seconds


class SignUpOut(Schema):
    member: MemberRef
    status: Literal["confirmed", "waiting", "cancelled"]
    priority: bool = Field(description="Ahead on the waitlist (the activity's priority points).")
    brought_by: str | None
    created_at: datetime


class SignUpPage(Schema):
    items: list[SignUpOut]
    next_cursor: str | None


class CancelledOut(Schema):
    promoted: SignUpOut | None = Field(description="Who moved up from the waitlist.")


class AttendanceOut(Schema):
    member: MemberRef
    method: str
    checked_in_at: datetime
    checked_out_at: datetime | None
    minutes: int | None


class AttendancePage(Schema):
    items: list[AttendanceOut]
    next_cursor: str | None


class CheckInOut(Schema):
    attendance: AttendanceOut
    created: bool = Field(description="False: checked in already; nothing changed.")


class RosterOut(Schema):
    checked_in: int = Field(description="Residents signed up and now checked in.")


class CodeOut(Schema):
    code: str = Field(description="Show it as a QR code; residents scan it to check in.")
    seconds: int = Field(description="A new code every this many seconds.")
    valid_until: datetime


class SignUpIn(InputSchema):
    member: PublicId
    brought_by: PublicId | None = Field(None, description="Who brought them (mentoring).")


class CheckInIn(InputSchema):
    member: PublicId
    method: Literal["name", "walk_in", "roster"] = "name"


class CardIn(InputSchema):
    token: str = Field(max_length=200, description="What the member card's QR code says.")


class PhoneIn(InputSchema):
    phone: str = Field(max_length=30)


class CheckOutIn(InputSchema):
    member: PublicId
    minutes: Minutes | None = Field(None, description="Enter the time by hand; else now.")


class ScannedCodeIn(InputSchema):
    checkin_code: str = Field(max_length=200, description="What the activity's QR code says.")


class PageQuery(InputSchema):
    cursor: str | None = Field(None, max_length=500)
    limit: Limit = 50


def signup_json(signup: SignUp) -> dict[str, Any]:
    return SignUpOut.model_validate(
        {
            "member": member_ref(signup.member),
            "status": signup.status,
            "priority": signup.priority,
            "brought_by": signup.brought_by.public_id if signup.brought_by else None,
            "created_at": signup.created_at,
        }
    ).model_dump(mode="json")


def attendance_json(attendance: Attendance) -> dict[str, Any]:
    return AttendanceOut.model_validate(
        {
            "member": member_ref(attendance.member),
            "method": attendance.method,
            "checked_in_at": attendance.checked_in_at,
            "checked_out_at": attendance.checked_out_at,
            "minutes": attendance.minutes,
        }
    ).model_dump(mode="json")


def _checked_in(found: CheckIn) -> tuple[int, Any]:
    body = {"attendance": attendance_json(found.attendance), "created": found.created}
    return (201 if found.created else 200), body


def rotation(programme: Programme) -> int:
    """Seconds between two check-in codes, as the programme's earning settings say."""
    seconds = (
        EarningSettings.objects.filter(programme=programme)
        .values_list("checkin_rotation_seconds", flat=True)
        .first()
    )
    return seconds or DEFAULT_ROTATION


# Staff.


@router.get("/programmes/{slug}/activities/{activity_id}/signups", response=SignUpPage)
def list_signups(
    request: ApiRequest, slug: str, activity_id: str, page: Query[PageQuery]
) -> dict[str, Any]:
    """Sign-ups in the order they came (the waitlist's order is by priority, then this)."""
    scope = access_programme(request.auth, slug, "view_console")
    activity = access_activity(scope, activity_id)
    rows = SignUp.objects.filter(activity=activity).select_related("member", "brought_by")
    found, cursor = in_id_order(rows, page.cursor, page.limit)
    return {"items": [signup_json(s) for s in found], "next_cursor": cursor}


@router.post(
    "/programmes/{slug}/activities/{activity_id}/signups", response={200: SignUpOut, 201: SignUpOut}
)
def sign_up(
    request: ApiRequest,
    response: HttpResponse,
    slug: str,
    activity_id: str,
    body: SignUpIn,
    key: Key = None,
) -> Status[Any]:
    """Sign a resident up (on the waitlist when the activity is full)."""
    scope = access_programme(request.auth, slug, "check_in")
    activity = access_activity(scope, activity_id)
    member = access_member(scope, body.member)
    brought_by = access_member(scope, body.brought_by) if body.brought_by else None

    def perform() -> tuple[int, Any]:
        signup = services.sign_up(
            activity=activity, member=member, actor=request.auth, brought_by=brought_by
        )
        return 201, signup_json(signup)

    return once(request, response, scope.programme, key, body, perform)


@router.post(
    "/programmes/{slug}/activities/{activity_id}/signups/{member}/cancel",
    response={200: CancelledOut},
)
def cancel_sign_up(
    request: ApiRequest,
    response: HttpResponse,
    slug: str,
    activity_id: str,
    member: str,
    key: Key = None,
) -> Status[Any]:
    """Cancel a resident's sign-up; the first on the waitlist takes the place."""
    scope = access_programme(request.auth, slug, "check_in")
    activity = access_activity(scope, activity_id)
    resident = access_member(scope, member)

    def perform() -> tuple[int, Any]:
        promoted = services.cancel_sign_up(activity=activity, member=resident)
        return 200, {"promoted": signup_json(promoted) if promoted else None}

    return once(request, response, scope.programme, key, None, perform)


@router.get("/programmes/{slug}/activities/{activity_id}/attendances", response=AttendancePage)
def list_attendances(
    request: ApiRequest, slug: str, activity_id: str, page: Query[PageQuery]
) -> dict[str, Any]:
    """Who was checked in, in the order they came."""
    scope = access_programme(request.auth, slug, "view_console")
    activity = access_activity(scope, activity_id)
    rows = Attendance.objects.filter(activity=activity).select_related("member")
    found, cursor = in_id_order(rows, page.cursor, page.limit)
    return {"items": [attendance_json(a) for a in found], "next_cursor": cursor}


@router.get("/programmes/{slug}/activities/{activity_id}/checkin-code", response=CodeOut)
def show_code(request: ApiRequest, slug: str, activity_id: str) -> dict[str, Any]:
    """The activity's check-in code now, for the organizer's screen: renewed every `seconds`
    (a code is accepted for one period more)."""
    scope = access_programme(request.auth, slug, "check_in")
    activity = access_activity(scope, activity_id)
    seconds = rotation(scope.programme)
    now = clock.now()
    slot_ends = (int(now.timestamp()) // seconds + 2) * seconds
    return {
        "code": services.checkin_code(activity, now, seconds=seconds),
        "seconds": seconds,
        "valid_until": datetime.fromtimestamp(slot_ends, tz=now.tzinfo),
    }


CHECKED_IN = {200: CheckInOut, 201: CheckInOut}


@router.post("/programmes/{slug}/activities/{activity_id}/checkins", response=CHECKED_IN)
def check_in(
    request: ApiRequest,
    response: HttpResponse,
    slug: str,
    activity_id: str,
    body: CheckInIn,
    key: Key = None,
) -> Status[Any]:
    """Check a resident in who was found by name (or came without signing up)."""
    scope = access_programme(request.auth, slug, "check_in")
    activity = access_activity(scope, activity_id)
    member = access_member(scope, body.member)

    def perform() -> tuple[int, Any]:
        return _checked_in(
            services.check_in(
                activity=activity, member=member, method=body.method, actor=request.auth
            )
        )

    return once(request, response, scope.programme, key, body, perform)


@router.post("/programmes/{slug}/activities/{activity_id}/checkins/card", response=CHECKED_IN)
def check_in_card(
    request: ApiRequest,
    response: HttpResponse,
    slug: str,
    activity_id: str,
    body: CardIn,
    key: Key = None,
) -> Status[Any]:
    """Check in the resident whose member card was scanned (from an hour before the start
    until the end)."""
    scope = access_programme(request.auth, slug, "check_in")
    activity = access_activity(scope, activity_id)

    def perform() -> tuple[int, Any]:
        return _checked_in(
            services.check_in_card(activity=activity, token=body.token, actor=request.auth)
        )

    return once(request, response, scope.programme, key, body, perform)


@router.post("/programmes/{slug}/activities/{activity_id}/checkins/phone", response=CHECKED_IN)
def check_in_phone(
    request: ApiRequest,
    response: HttpResponse,
    slug: str,
    activity_id: str,
    body: PhoneIn,
    key: Key = None,
) -> Status[Any]:
    """Check in a resident by their phone number (without a card or a phone to scan with)."""
    scope = access_programme(request.auth, slug, "check_in")
    activity = access_activity(scope, activity_id)

    def perform() -> tuple[int, Any]:
        found = services.find_by_phone(scope.programme, body.phone)
        member = access_member(scope, found.public_id)  # staff of other communities: 404
        return _checked_in(
            services.check_in(activity=activity, member=member, method="phone", actor=request.auth)
        )

    return once(request, response, scope.programme, key, body, perform)


@router.post(
    "/programmes/{slug}/activities/{activity_id}/checkins/roster", response={200: RosterOut}
)
def check_in_roster(
    request: ApiRequest, response: HttpResponse, slug: str, activity_id: str, key: Key = None
) -> Status[Any]:
    """Check in everyone signed up (not those on the waitlist)."""
    scope = access_programme(request.auth, slug, "check_in")
    activity = access_activity(scope, activity_id)

    def perform() -> tuple[int, Any]:
        new = services.check_in_roster(activity=activity, actor=request.auth)
        return 200, {"checked_in": new}

    return once(request, response, scope.programme, key, None, perform)


@router.post("/programmes/{slug}/activities/{activity_id}/checkouts", response={200: AttendanceOut})
def check_out(
    request: ApiRequest,
    response: HttpResponse,
    slug: str,
    activity_id: str,
    body: CheckOutIn,
    key: Key = None,
) -> Status[Any]:
    """Check a resident out now (per-hour rules count from check-in to check-out), or set
    their minutes by hand."""
    scope = access_programme(request.auth, slug, "check_in")
    activity = access_activity(scope, activity_id)
    member = access_member(scope, body.member)

    def perform() -> tuple[int, Any]:
        attendance = services.check_out(activity=activity, member=member, minutes=body.minutes)
        return 200, attendance_json(attendance)

    return once(request, response, scope.programme, key, body, perform)


# The resident.


def _mine(request: ApiRequest, slug: str, activity_id: str) -> tuple[Member, Activity]:
    member = resident_member(request.auth, slug)
    return member, access_member_activity(member, activity_id)


@router.post("/programmes/{slug}/me/activities/{activity_id}/signup", response={201: MyActivityOut})
def sign_me_up(
    request: ApiRequest, response: HttpResponse, slug: str, activity_id: str, key: Key = None
) -> Status[Any]:
    """Sign up (on the waitlist when the activity is full)."""
    member, activity = _mine(request, slug, activity_id)

    def perform() -> tuple[int, Any]:
        services.sign_up(activity=activity, member=member, actor=request.auth)
        return 201, my_activity_json(activity, member)

    return once(request, response, member.programme, key, None, perform)


@router.post(
    "/programmes/{slug}/me/activities/{activity_id}/signup/cancel", response={200: MyActivityOut}
)
def cancel_my_sign_up(
    request: ApiRequest, response: HttpResponse, slug: str, activity_id: str, key: Key = None
) -> Status[Any]:
    member, activity = _mine(request, slug, activity_id)

    def perform() -> tuple[int, Any]:
        services.cancel_sign_up(activity=activity, member=member)
        return 200, my_activity_json(activity, member)

    return once(request, response, member.programme, key, None, perform)


@router.post("/programmes/{slug}/me/activities/{activity_id}/checkin", response=CHECKED_IN)
def check_me_in(
    request: ApiRequest,
    response: HttpResponse,
    slug: str,
    activity_id: str,
    body: ScannedCodeIn,
    key: Key = None,
) -> Status[Any]:
    """Check in by scanning the code on the organizer's screen (it changes every few
    seconds: an old one is refused with `code_expired`)."""
    member, activity = _mine(request, slug, activity_id)

    def perform() -> tuple[int, Any]:
        found = services.check_in_code(
            activity=activity,
            member=member,
            code=body.checkin_code,
            seconds=rotation(member.programme),
        )
        return _checked_in(found)

    return once(request, response, member.programme, key, body, perform)
