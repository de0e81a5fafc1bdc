"""Console: residents, households, invitations, acting on a resident's behalf (代办)."""

import segno
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from jifen.lib.errors import DomainError
from jifen.lib.phones import mask_phone
from jifen.programmes import member_queries, services
from jifen.programmes.access import access_household, access_member, access_programme
from jifen.programmes.models import Invitation, Member, MemberStatus
from jifen.web.common import ACTING_FOR_SESSION_KEY, render_console, show_refusal
from jifen.web.forms import MemberForm


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def resident_list(request: HttpRequest, slug: str) -> HttpResponse:
    scope = access_programme(request.user, slug, "view_members")
    page = member_queries.resident_page(
        scope, text=request.GET.get("q", ""), community=_int(request.GET.get("community")),
        status=request.GET.get("status", ""), after=_int(request.GET.get("after")))
    show_phone = scope.can("manage_members")
    rows = [(m, m.phone if show_phone else mask_phone(m.phone) if m.phone else "")
            for m in page.items]
    template = "web/console/residents.html#results" if request.htmx else \
        "web/console/residents.html"
    return render_console(request, scope, template, {
        "rows": rows, "page": page, "communities": scope.communities(),
        "statuses": MemberStatus.choices, "query": request.GET})


def resident_detail(request: HttpRequest, slug: str, public_id: str) -> HttpResponse:
    scope = access_programme(request.user, slug, "view_members")
    member = access_member(scope, public_id)
    return render_console(request, scope, "web/console/resident.html", {
        "member": member, "phone": member.phone if scope.can("manage_members")
        else mask_phone(member.phone) if member.phone else "",
        "housemates": member_queries.household_members(member.household),
        "history": member_queries.member_history(member),
        "has_account": member.user_id is not None and member.user.has_usable_password(),
        "open_invitation": member.invitations.filter(used_at__isnull=True,
                                                     revoked_at__isnull=True).first()})


@require_http_methods(["GET", "POST"])
def resident_form(request: HttpRequest, slug: str, public_id: str | None = None) -> HttpResponse:
    scope = access_programme(request.user, slug, "manage_members")
    member = access_member(scope, public_id) if public_id else None
    form = MemberForm(request.POST or None, communities=list(scope.communities()),
                      initial=MemberForm.initial_for(member) if member else None)
    if request.method == "POST" and form.is_valid():
        try:
            member = _save_member(request, scope, form, member)
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Saved."))
            return redirect("console-resident", slug, member.public_id)
    status = 422 if request.method == "POST" else 200
    return render_console(request, scope, "web/console/resident_form.html",
                          {"form": form, "member": member}, status=status)


@transaction.atomic
def _save_member(request, scope, form, member):  # type: ignore[no-untyped-def]
    """Household and member in one transaction: a refused member leaves no new household."""
    community = form.communities[form.cleaned_data["community"]]
    address = form.address_parts()
    household = services.find_or_create_household(
        programme=scope.programme, community=community, address=address
    ) if any(address.values()) else None
    data = form.member_data(household)
    if member is None:
        return services.create_member(actor=request.user, programme=scope.programme, data=data)
    return services.update_member(actor=request.user, member=member, data=data)


@require_POST
def invite(request: HttpRequest, slug: str, public_id: str) -> HttpResponse:
    """A fresh one-time link; "reset" also locks the current password out first."""
    scope = access_programme(request.user, slug, "manage_members")
    member = access_member(scope, public_id)
    action = services.reset_access if request.POST.get("reset") else services.create_invitation
    try:
        invitation, token = action(actor=request.user, member=member)
    except DomainError as error:
        show_refusal(request, error)
        return redirect("console-resident", slug, public_id)
    link = request.build_absolute_uri(reverse("invitation", args=[token]))
    return render_console(request, scope, "web/console/invitation.html", {
        "member": member, "invitation": invitation, "link": link,
        "qr": segno.make(link, error="m").svg_inline(scale=5, border=2)})


def invitation_list(request: HttpRequest, slug: str) -> HttpResponse:
    scope = access_programme(request.user, slug, "manage_members")
    return render_console(request, scope, "web/console/invitations.html",
                          {"invitations": member_queries.open_invitations(scope)})


@require_POST
def revoke_invitation(request: HttpRequest, slug: str, invitation_id: int) -> HttpResponse:
    scope = access_programme(request.user, slug, "manage_members")
    invitation = Invitation.objects.filter(pk=invitation_id, member__in=scope.members()).first()
    if invitation is not None:
        services.revoke_invitation(actor=request.user, invitation=invitation)
        messages.success(request, _("The invitation link no longer works."))
    return redirect("console-invitations", slug)


@require_POST
def revoke_card(request: HttpRequest, slug: str, public_id: str) -> HttpResponse:
    scope = access_programme(request.user, slug, "manage_members")
    services.revoke_card(actor=request.user, member=access_member(scope, public_id))
    messages.success(request, _("Every card printed so far is void; print a new one."))
    return redirect("console-resident", slug, public_id)


@require_POST
def act_for(request: HttpRequest, slug: str, public_id: str) -> HttpResponse:
    scope = access_programme(request.user, slug, "manage_members")
    member = access_member(scope, public_id)
    services.start_acting_for(actor=request.user, member=member)
    request.session[ACTING_FOR_SESSION_KEY] = {"programme": slug, "member": public_id}
    return redirect("resident-home", slug)


@require_POST
def act_stop(request: HttpRequest, slug: str) -> HttpResponse:
    scope = access_programme(request.user, slug, "manage_members")
    acting = request.session.pop(ACTING_FOR_SESSION_KEY, None) or {}
    member = Member.objects.filter(programme=scope.programme,
                                   public_id=acting.get("member", "")).first()
    if member is None:
        return redirect("console-residents", slug)
    services.stop_acting_for(actor=request.user, member=member)
    return redirect("console-resident", slug, member.public_id)


def household_list(request: HttpRequest, slug: str) -> HttpResponse:
    scope = access_programme(request.user, slug, "view_members")
    page = member_queries.household_page(scope, after=_int(request.GET.get("after")))
    return render_console(request, scope, "web/console/households.html", {"page": page})


@require_http_methods(["GET", "POST"])
def household_detail(request: HttpRequest, slug: str, public_id: str) -> HttpResponse:
    scope = access_programme(request.user, slug, "view_members")
    household = access_household(scope, public_id)
    if request.method == "POST":
        scope = access_programme(request.user, slug, "manage_members")
        head = household.members.filter(public_id=request.POST.get("head", "")).first()
        if head is not None:
            services.set_household_head(actor=request.user, household=household, member=head)
            messages.success(request, _("Saved."))
        return redirect("console-household", slug, public_id)
    return render_console(request, scope, "web/console/household.html", {
        "household": household, "members": member_queries.household_members(household)})


urlpatterns = [
    path("residents/", resident_list, name="console-residents"),
    path("residents/new/", resident_form, name="console-resident-new"),
    path("residents/<str:public_id>/", resident_detail, name="console-resident"),
    path("residents/<str:public_id>/edit/", resident_form, name="console-resident-edit"),
    path("residents/<str:public_id>/invite/", invite, name="console-invite"),
    path("residents/<str:public_id>/revoke-card/", revoke_card, name="console-revoke-card"),
    path("residents/<str:public_id>/act-for/", act_for, name="console-act-for"),
    path("act-stop/", act_stop, name="console-act-stop"),
    path("invitations/", invitation_list, name="console-invitations"),
    path("invitations/<int:invitation_id>/revoke/", revoke_invitation,
         name="console-invitation-revoke"),
    path("households/", household_list, name="console-households"),
    path("households/<str:public_id>/", household_detail, name="console-household"),
]
