"""The resident's activity pages, phone-first: what they may join (sign up, cancel, join the
waitlist), their own activities with the points each earned, checking in with the code on
the organizer's screen, and the daily check-in on the home page.

Staff acting on behalf of a resident (代办) sign them up and cancel as them (recorded with
the staff member as actor); the daily check-in is the resident's own, never done for them."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jifen.accounts.models import User
from jifen.earning import activity_listings as listings
from jifen.earning import services
from jifen.earning.access import access_member_activity
from jifen.earning.models import SignUpStatus
from jifen.insights.recommend import recommend
from jifen.ledger.queries import award_message
from jifen.lib.errors import DomainError
from jifen.programmes.access import resident_member
from jifen.programmes.models import Member
from jifen.web.common import once_per_form, show_refusal
from jifen.web.me import current_member


def _render(
    request: HttpRequest,
    member: Member,
    template: str,
    context: dict[str, object],
    status: int = 200,
) -> HttpResponse:
    with timezone.override(member.programme.timezone):
        return render(
            request,
            template,
            {"member": member, "programme": member.programme, **context},
            status=status,
        )


@login_required
@require_GET
def activity_list(request: HttpRequest, slug: str) -> HttpResponse:
    """Upcoming activities the resident may join, and where they stand in each."""
    member = current_member(request, slug)
    offers = listings.upcoming_for(member)
    context = {"offers": offers, "recommended": recommend(member, offers)}
    return _render(request, member, "web/activities.html", context)


@login_required
@require_GET
def my_activities(request: HttpRequest, slug: str) -> HttpResponse:
    member = current_member(request, slug)
    rows = listings.my_activities(member)
    return _render(request, member, "web/my_activities.html", {"rows": rows})


@login_required
@require_POST
@once_per_form
def sign_up(request: HttpRequest, slug: str, public_id: str) -> HttpResponse:
    member = current_member(request, slug)
    activity = access_member_activity(member, public_id)
    try:
        signup = services.sign_up(activity=activity, member=member, actor=_actor(request))
    except DomainError as error:
        show_refusal(request, error)
    else:
        if signup.status == SignUpStatus.WAITING:
            messages.success(request, _("You are on the waitlist: you move up when a place frees."))
        else:
            messages.success(request, _("You are signed up."))
    return redirect("resident-activities", slug)


@login_required
@require_POST
@once_per_form
def cancel_sign_up(request: HttpRequest, slug: str, public_id: str) -> HttpResponse:
    member = current_member(request, slug)
    activity = access_member_activity(member, public_id)
    try:
        services.cancel_sign_up(activity=activity, member=member)
        messages.success(request, _("Your sign-up is cancelled."))
    except DomainError as error:
        show_refusal(request, error)
    return redirect("resident-activities", slug)


def _actor(request: HttpRequest) -> User:
    """Who signs up: the resident, or the staff member acting on their behalf."""
    assert isinstance(request.user, User)  # login_required let only accounts in
    return request.user


@never_cache  # the page carries the code of one moment
@login_required
@require_http_methods(["GET", "POST"])
@once_per_form
def code_checkin(request: HttpRequest, slug: str, public_id: str) -> HttpResponse:
    """Opened from the QR on the organizer's screen (the phone's own camera app opens the
    link): a big button confirms, so that a link opened by accident checks nobody in."""
    member = current_member(request, slug)
    activity = access_member_activity(member, public_id)
    activity.programme = member.programme
    source = request.POST if request.method == "POST" else request.GET
    context: dict[str, object] = {"activity": activity, "code": source.get("code", "")[:100]}
    if request.method == "GET":
        return _render(request, member, "web/activity_checkin.html", context)
    try:
        seconds = listings.rotation_seconds(activity)
        context["checkin"] = services.check_in_code(
            activity=activity, member=member, code=str(context["code"]), seconds=seconds
        )
    except DomainError as error:
        context["refusal"] = str(error)
        return _render(request, member, "web/activity_checkin.html", context, status=422)
    return _render(request, member, "web/activity_checkin.html", context)


@login_required
@require_POST
@once_per_form
def daily_checkin(request: HttpRequest, slug: str) -> HttpResponse:
    """Today's check-in: the points it gave, or that it was done already. The resident's own
    membership only: staff acting on behalf do not check in for anyone."""
    member = resident_member(request.user, slug)
    try:
        outcome = services.daily_checkin(member=member)
    except DomainError as error:
        show_refusal(request, error)
    else:
        if outcome.award is not None:
            messages.success(request, award_message(member.programme, outcome.award))
        else:
            messages.success(request, _("Checked in for today."))
    return redirect("resident-home", slug)


urlpatterns = [
    path("activities/", activity_list, name="resident-activities"),
    path("activities/mine/", my_activities, name="resident-my-activities"),
    path("activities/<str:public_id>/signup/", sign_up, name="resident-activity-signup"),
    path("activities/<str:public_id>/cancel/", cancel_sign_up, name="resident-activity-cancel"),
    path("activities/<str:public_id>/checkin/", code_checkin, name="resident-activity-checkin"),
    path("checkin/", daily_checkin, name="resident-daily-checkin"),
]
