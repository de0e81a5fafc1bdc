"""The resident's own pages, phone-first. Staff acting on behalf of a resident (代办) see
them as that resident."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.safestring import mark_safe

from jifen.earning.activity_listings import daily_checkin_due
from jifen.ledger.queries import latest_award, points_page, summary_of
from jifen.lib.storable import parse_int
from jifen.programmes.access import access_member, access_programme, resident_member
from jifen.programmes.cardtokens import card_qr_svg
from jifen.programmes.models import Member
from jifen.web.common import ACTING_FOR_SESSION_KEY


def acting_for(request: HttpRequest) -> Member | None:
    """The member this staff user acts on behalf of, as started from the console, if they
    still may manage that member (roles and scope are checked again on every request)."""
    acting = getattr(request, "session", {}).get(ACTING_FOR_SESSION_KEY)
    if not isinstance(acting, dict):
        return None
    try:
        scope = access_programme(request.user, str(acting.get("programme", "")), "manage_members")
        member = access_member(scope, str(acting.get("member", "")))
    except Http404:
        return None
    member.programme = scope.programme
    return member


def current_member(request: HttpRequest, slug: str) -> Member:
    """The member whose resident pages these are: the one acted for in this programme, else
    the signed-in user's own membership. 404 when neither exists."""
    member = acting_for(request)
    if member is not None and member.programme.slug == slug:
        return member
    return resident_member(request.user, slug)


@login_required
def resident_home(request: HttpRequest, slug: str) -> HttpResponse:
    member = current_member(request, slug)
    # segno writes the SVG from our own signed token: nothing user-typed reaches it.
    qr = mark_safe(card_qr_svg(member, scale=8))
    return render(
        request,
        "web/resident_home.html",
        {
            "member": member,
            "programme": member.programme,
            "card_qr": qr,
            "points": summary_of(member),
            "latest_award": latest_award(member),
            "daily_checkin_due": daily_checkin_due(member),
        },
    )


@login_required
def my_points(request: HttpRequest, slug: str) -> HttpResponse:
    """Balance, lifetime earnings, what expires soon, and the history with proofs."""
    member = current_member(request, slug)
    page = points_page(member, before=parse_int(request.GET.get("before"), minimum=1))
    return render(
        request,
        "web/resident_points.html",
        {"member": member, "programme": member.programme, "page": page},
    )


urlpatterns = [
    path("", resident_home, name="resident-home"),
    path("points/", my_points, name="resident-points"),
]
