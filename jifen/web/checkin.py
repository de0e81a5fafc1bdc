"""Console: the organizer's check-in screen, made for a phone at the door. A resident is
checked in by their member card (the camera reads it: static/jifen/scanner.js), by a typed
phone number, by name, or all who signed up at once; the activity's rotating code is shown
for residents to scan with their own phone. Someone who did not sign up is a walk-in.

With htmx each check-in answers with a partial in large text and the attendance list
refreshes itself; without JavaScript every form still works (POST, then the page again with
the answer as a message)."""

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import segno
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from jifen.earning import activity_listings as listings
from jifen.earning import errors, services
from jifen.earning.access import access_activity
from jifen.earning.activities import CheckIn
from jifen.earning.models import Activity, CheckInMethod
from jifen.lib.errors import DomainError, NotFound
from jifen.programmes.access import StaffScope, access_member, access_programme
from jifen.programmes.models import Member, MemberStatus
from jifen.programmes.queries import resident_page
from jifen.web.common import SignedInRequest, once_per_form, render_console, show_error

PAGE = "web/console/activity_checkin.html"
FOUND_SHOWN = 20  # names offered for one search: type more of the name for fewer
CHANGED = "attendance-changed"  # the event that makes the attendance list refresh at once


def _activity(request: SignedInRequest, slug: str, public_id: str) -> tuple[StaffScope, Activity]:
    scope = access_programme(request.user, slug, "check_in")
    activity = access_activity(scope, public_id)
    activity.programme = scope.programme
    return scope, activity


def _render(
    request: SignedInRequest,
    scope: StaffScope,
    template: str,
    context: dict[str, Any],
    status: int = 200,
) -> HttpResponse:
    with timezone.override(scope.programme.timezone):
        return render_console(request, scope, template, context, status=status)


# The screen and its parts


@never_cache
@require_GET
def checkin_screen(request: SignedInRequest, slug: str, public_id: str) -> HttpResponse:
    scope, activity = _activity(request, slug, public_id)
    text = request.GET.get("q", "")[:100].strip()
    context = {"activity": activity, "query": text, "found": _found(scope, text)}
    if request.htmx and not request.htmx.history_restore_request:
        return _render(request, scope, PAGE + "#search-results", context)
    context |= _attendance(activity, scope) | _code(request, activity)
    return _render(request, scope, PAGE, context)


def _found(scope: StaffScope, text: str) -> list[Member]:
    """Active residents whose name (or phone) matches: a search over the staff's scope."""
    if not text:
        return []
    return resident_page(scope, text=text, status=MemberStatus.ACTIVE).items[:FOUND_SHOWN]


@never_cache
@require_GET
def checkin_attendance(request: SignedInRequest, slug: str, public_id: str) -> HttpResponse:
    """The attendance list with its count (polled every few seconds)."""
    scope, activity = _activity(request, slug, public_id)
    context = {"activity": activity} | _attendance(activity, scope)
    return _render(request, scope, PAGE + "#attendance", context)


def _attendance(activity: Activity, scope: StaffScope) -> dict[str, Any]:
    return {
        "attendances": listings.attendance(activity, scope),
        "attendance_count": listings.attendance_count(activity),
    }


@never_cache  # the code changes every few seconds: no cache may keep an old one
@require_GET
def checkin_code(request: SignedInRequest, slug: str, public_id: str) -> HttpResponse:
    """The activity's rotating code, as a QR of the resident's check-in page."""
    scope, activity = _activity(request, slug, public_id)
    context = {"activity": activity} | _code(request, activity)
    return _render(request, scope, PAGE + "#code", context)


def _code(request: SignedInRequest, activity: Activity) -> dict[str, Any]:
    """The QR holds an absolute link, so that a phone's own camera app opens the page; in
    the programme's language, since residents open it, not the organizer."""
    seconds = listings.rotation_seconds(activity)
    code = services.checkin_code(activity, seconds=seconds)
    with translation.override(activity.programme.default_language):
        page = reverse(
            "resident-activity-checkin", args=[activity.programme.slug, activity.public_id]
        )
    link = request.build_absolute_uri(page) + "?" + urlencode({"code": code})
    # segno draws our own link (a signed code, no user input), so the SVG is safe as it is.
    qr = mark_safe(segno.make(link, error="m").svg_inline(scale=4, border=2))
    # Shown again well before it expires (a code is accepted for its slot and the next).
    return {"code_qr": qr, "code_link": link, "refresh": min(max(seconds // 2, 10), 30)}


# Checking in


@require_POST
@once_per_form
def checkin_card(request: SignedInRequest, slug: str, public_id: str) -> HttpResponse:
    scope, activity = _activity(request, slug, public_id)
    token = request.POST.get("token", "")
    return _answer(
        request,
        scope,
        activity,
        lambda: services.check_in_card(activity=activity, token=token, actor=request.user),
    )


@require_POST
@once_per_form
def checkin_phone(request: SignedInRequest, slug: str, public_id: str) -> HttpResponse:
    scope, activity = _activity(request, slug, public_id)
    phone = request.POST.get("phone", "")[:30]

    def attempt() -> CheckIn:
        found = services.find_by_phone(scope.programme, phone)
        # Another community's resident is answered as an unknown number.
        member = _in_scope(scope, found.public_id, errors.NoSuchResident())
        return _check_in(request, activity, member, CheckInMethod.PHONE)

    return _answer(request, scope, activity, attempt)


def _in_scope(scope: StaffScope, public_id: str, refusal: DomainError) -> Member:
    """The resident, if this staff member may see them; else the refusal."""
    try:
        return access_member(scope, public_id)
    except Http404:
        raise refusal from None


@require_POST
@once_per_form
def checkin_member(request: SignedInRequest, slug: str, public_id: str) -> HttpResponse:
    """A resident chosen from the name search."""
    scope, activity = _activity(request, slug, public_id)
    chosen = request.POST.get("member", "")[:16]

    def attempt() -> CheckIn:
        member = _in_scope(scope, chosen, NotFound())
        return _check_in(request, activity, member, CheckInMethod.NAME)

    return _answer(request, scope, activity, attempt)


def _check_in(request: SignedInRequest, activity: Activity, member: Member, method: str) -> CheckIn:
    """Found by phone or name: a walk-in when they did not sign up."""
    if not listings.is_signed_up(activity, member):
        method = CheckInMethod.WALK_IN
    return services.check_in(activity=activity, member=member, method=method, actor=request.user)


@require_POST
@once_per_form
def checkin_roster(request: SignedInRequest, slug: str, public_id: str) -> HttpResponse:
    """Everyone signed up (not the waitlist) marked as attended."""
    scope, activity = _activity(request, slug, public_id)
    try:
        new = services.check_in_roster(activity=activity, actor=request.user)
    except DomainError as error:
        return _reply(request, scope, activity, {"refusal": str(error)}, status=422)
    text = ngettext(
        "%(n)s more resident marked as attended.", "%(n)s more residents marked as attended.", new
    ) % {"n": new}
    return _reply(request, scope, activity, {"roster_message": text})


def _answer(
    request: SignedInRequest,
    scope: StaffScope,
    activity: Activity,
    attempt: Callable[[], CheckIn],
) -> HttpResponse:
    """The check-in's outcome, or its refusal (422: nothing was written)."""
    try:
        done = attempt()
    except DomainError as error:
        return _reply(request, scope, activity, {"refusal": str(error)}, status=422)
    return _reply(request, scope, activity, {"checkin": done})


def _reply(
    request: SignedInRequest,
    scope: StaffScope,
    activity: Activity,
    result: dict[str, Any],
    status: int = 200,
) -> HttpResponse:
    if not request.htmx:  # without JavaScript: the screen again, with the answer on top
        _as_message(request, result)
        return redirect("console-activity-checkin", scope.programme.slug, activity.public_id)
    response = _render(request, scope, PAGE + "#result", {"activity": activity, **result}, status)
    response["HX-Trigger"] = CHANGED
    return response


def _as_message(request: SignedInRequest, result: dict[str, Any]) -> None:
    if "refusal" in result:
        show_error(request, result["refusal"])
    elif "roster_message" in result:
        messages.success(request, result["roster_message"])
    else:
        messages.success(request, checked_in_text(result["checkin"]))


def checked_in_text(done: CheckIn) -> str:
    name = done.attendance.member.display_name
    if done.created:
        return _("%(name)s: checked in.") % {"name": name}
    return _("%(name)s was checked in already.") % {"name": name}


urlpatterns = [
    path("activities/<str:public_id>/checkin/", checkin_screen, name="console-activity-checkin"),
    path(
        "activities/<str:public_id>/checkin/attendance/",
        checkin_attendance,
        name="console-checkin-attendance",
    ),
    path("activities/<str:public_id>/checkin/code/", checkin_code, name="console-checkin-code"),
    path("activities/<str:public_id>/checkin/card/", checkin_card, name="console-checkin-card"),
    path("activities/<str:public_id>/checkin/phone/", checkin_phone, name="console-checkin-phone"),
    path(
        "activities/<str:public_id>/checkin/member/",
        checkin_member,
        name="console-checkin-member",
    ),
    path(
        "activities/<str:public_id>/checkin/roster/",
        checkin_roster,
        name="console-checkin-roster",
    ),
]
