"""Console: residents, households, invitations, acting on a resident's behalf (代办).

Every view starts with `access_programme` and then `access_member` / `access_household`, so
staff of another programme, or of another community, get the same 404 as for a missing page.
"""

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jifen.lib.errors import DomainError
from jifen.lib.phones import mask_phone
from jifen.lib.storable import parse_int
from jifen.programmes import queries, services
from jifen.programmes.access import (
    StaffScope,
    access_household,
    access_invitation,
    access_member,
    access_programme,
)
from jifen.programmes.models import Household, Member, MemberStatus
from jifen.web.common import (
    ACTING_FOR_SESSION_KEY,
    SignedInRequest,
    once_per_form,
    one_time_link,
    render_console,
    show_refusal,
)
from jifen.web.forms import MemberForm
from jifen.web.me import acting_for


def _int(value: str | None) -> int | None:
    """A row id from the query string; anything else means none."""
    return parse_int(value, minimum=1)


def _phone_for(scope: StaffScope, phone: str) -> str:
    """The phone as this staff member may see it: whole for managers, else masked."""
    if not phone or scope.can("manage_members"):
        return phone
    return mask_phone(phone)


def _wants_partial(request: SignedInRequest) -> bool:
    # htmx asks for the whole page when it restores history it no longer has cached.
    return bool(request.htmx) and not request.htmx.history_restore_request


# Residents


@require_GET
def resident_list(request: SignedInRequest, slug: str) -> HttpResponse:
    scope = access_programme(request.user, slug, "view_members")
    page = queries.resident_page(
        scope,
        text=request.GET.get("q", "")[:100],
        community=_int(request.GET.get("community")),
        status=request.GET.get("status", ""),
        after=_int(request.GET.get("after")),
    )
    rows = [(m, _phone_for(scope, m.phone)) for m in page.items]
    template = "web/console/residents.html"
    context = {
        "rows": rows,
        "page": page,
        "communities": scope.communities(),
        "statuses": MemberStatus.choices,
        "query": request.GET,
    }
    if _wants_partial(request):
        template += "#results"
    return render_console(request, scope, template, context)


@require_GET
def resident_detail(request: SignedInRequest, slug: str, public_id: str) -> HttpResponse:
    scope = access_programme(request.user, slug, "view_members")
    member = access_member(scope, public_id)
    return render_console(
        request,
        scope,
        "web/console/resident.html",
        {
            "member": member,
            "phone": _phone_for(scope, member.phone),
            "housemates": queries.household_members(member.household),
            "history": queries.member_history(member),
            "account": queries.account_status(member),
        },
    )


@require_http_methods(["GET", "POST"])
@once_per_form
def resident_new(request: SignedInRequest, slug: str) -> HttpResponse:
    scope = access_programme(request.user, slug, "manage_members")
    initial = _initial_household(scope, request.GET.get("household", ""))
    return _member_form(request, scope, None, initial)


@require_http_methods(["GET", "POST"])
@once_per_form
def resident_edit(request: SignedInRequest, slug: str, public_id: str) -> HttpResponse:
    scope = access_programme(request.user, slug, "manage_members")
    member = access_member(scope, public_id)
    return _member_form(request, scope, member, MemberForm.initial_for(member))


def _initial_household(scope: StaffScope, public_id: str) -> dict[str, Any]:
    """“Add a resident to this household” arrives with the household already chosen."""
    try:
        household = access_household(scope, public_id)
    except Http404:
        return {}
    return {"household": public_id, "community": household.community_id}


def _member_form(
    request: SignedInRequest, scope: StaffScope, member: Member | None, initial: dict[str, Any]
) -> HttpResponse:
    form = MemberForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        communities=list(scope.communities()),
        households=queries.household_choices(scope),
    )
    if request.method == "POST" and form.is_valid():
        try:
            member = _save_member(request, scope, form, member)
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Saved."))
            return redirect("console-resident", scope.programme.slug, member.public_id)
    status = 422 if request.method == "POST" else 200
    context = {"form": form, "member": member}
    return render_console(request, scope, "web/console/resident_form.html", context, status=status)


@transaction.atomic
def _save_member(
    request: SignedInRequest, scope: StaffScope, form: MemberForm, member: Member | None
) -> Member:
    """Household and member in one transaction: a refused member leaves no new household."""
    data = form.member_data(_household_for(scope, form))
    if member is None:
        return services.create_member(actor=request.user, programme=scope.programme, data=data)
    return services.update_member(actor=request.user, member=member, data=data)


def _household_for(scope: StaffScope, form: MemberForm) -> Household | None:
    """The chosen household, the one at the typed address (found or created), or none."""
    if form.cleaned_data["household"]:
        return access_household(scope, form.cleaned_data["household"])
    address = form.address_parts()
    if not any(address.values()):
        return None
    return services.find_or_create_household(
        programme=scope.programme, community=form.community_chosen(), address=address
    )


# Invitations and access


@never_cache  # the page holds a one-time secret: no cache may keep it
@require_POST
def invite(request: SignedInRequest, slug: str, public_id: str) -> HttpResponse:
    scope = access_programme(request.user, slug, "manage_members")
    member = access_member(scope, public_id)
    return _invitation_page(request, scope, member, services.create_invitation)


@never_cache
@require_POST
def reset_access(request: SignedInRequest, slug: str, public_id: str) -> HttpResponse:
    """Lock the resident's current password out, then show a fresh invitation."""
    scope = access_programme(request.user, slug, "manage_members")
    member = access_member(scope, public_id)
    return _invitation_page(request, scope, member, services.reset_access)


def _invitation_page(
    request: HttpRequest, scope: StaffScope, member: Member, action: Any
) -> HttpResponse:
    try:
        invitation, token = action(actor=request.user, member=member)
    except DomainError as error:
        show_refusal(request, error)
        return redirect("console-resident", scope.programme.slug, member.public_id)
    link = one_time_link(request, scope.programme, "invitation", token)
    return render_console(
        request,
        scope,
        "web/console/invitation.html",
        {"member": member, "invitation": invitation, **link},
    )


@require_GET
def invitation_list(request: SignedInRequest, slug: str) -> HttpResponse:
    scope = access_programme(request.user, slug, "manage_members")
    invitations = queries.open_invitations(scope)
    return render_console(
        request, scope, "web/console/invitations.html", {"invitations": invitations}
    )


@require_POST
@once_per_form
def revoke_invitation(request: SignedInRequest, slug: str, invitation_id: int) -> HttpResponse:
    scope = access_programme(request.user, slug, "manage_members")
    invitation = access_invitation(scope, invitation_id)
    services.revoke_invitation(actor=request.user, invitation=invitation)
    messages.success(request, _("The invitation link no longer works."))
    return redirect("console-invitations", slug)


@require_POST
@once_per_form
def revoke_card(request: SignedInRequest, slug: str, public_id: str) -> HttpResponse:
    scope = access_programme(request.user, slug, "manage_members")
    services.revoke_card(actor=request.user, member=access_member(scope, public_id))
    messages.success(request, _("Every card printed so far is void; print a new one."))
    return redirect("console-resident", slug, public_id)


# Acting on behalf of a resident (代办)


@require_POST
@once_per_form
def act_for(request: SignedInRequest, slug: str, public_id: str) -> HttpResponse:
    scope = access_programme(request.user, slug, "manage_members")
    member = access_member(scope, public_id)
    _stop_acting(request)  # one resident at a time: the previous 代办 ends, on the record
    services.start_acting_for(actor=request.user, member=member)
    request.session[ACTING_FOR_SESSION_KEY] = {"programme": slug, "member": public_id}
    return redirect("resident-home", slug)


@require_POST
def act_stop(request: SignedInRequest, slug: str) -> HttpResponse:
    access_programme(request.user, slug, "manage_members")
    member = _stop_acting(request)
    if member is None:
        return redirect("console-residents", slug)
    return redirect("console-resident", member.programme.slug, member.public_id)


def _stop_acting(request: SignedInRequest) -> Member | None:
    """End the current 代办, if any, and record it. `acting_for` checks access again."""
    member = acting_for(request)
    request.session.pop(ACTING_FOR_SESSION_KEY, None)
    if member is not None:
        services.stop_acting_for(actor=request.user, member=member)
    return member


# Households


@require_GET
def household_list(request: SignedInRequest, slug: str) -> HttpResponse:
    scope = access_programme(request.user, slug, "view_members")
    page = queries.household_page(
        scope, community=_int(request.GET.get("community")), after=_int(request.GET.get("after"))
    )
    return render_console(
        request,
        scope,
        "web/console/households.html",
        {
            "page": page,
            "communities": scope.communities(),
            "query": request.GET,
        },
    )


@require_GET
def household_detail(request: SignedInRequest, slug: str, public_id: str) -> HttpResponse:
    scope = access_programme(request.user, slug, "view_members")
    household = access_household(scope, public_id)
    return render_console(
        request,
        scope,
        "web/console/household.html",
        {
            "household": household,
            "members": queries.household_members(household),
        },
    )


@require_POST
@once_per_form
def set_household_head(request: SignedInRequest, slug: str, public_id: str) -> HttpResponse:
    scope = access_programme(request.user, slug, "manage_members")
    household = access_household(scope, public_id)
    head = access_member(scope, request.POST.get("head", ""))
    try:
        services.set_household_head(actor=request.user, household=household, member=head)
    except DomainError as error:
        show_refusal(request, error)
    else:
        messages.success(request, _("Saved."))
    return redirect("console-household", slug, public_id)


urlpatterns = [
    path("residents/", resident_list, name="console-residents"),
    path("residents/new/", resident_new, name="console-resident-new"),
    path("residents/<str:public_id>/", resident_detail, name="console-resident"),
    path("residents/<str:public_id>/edit/", resident_edit, name="console-resident-edit"),
    path("residents/<str:public_id>/invite/", invite, name="console-invite"),
    path("residents/<str:public_id>/reset-access/", reset_access, name="console-reset-access"),
    path("residents/<str:public_id>/revoke-card/", revoke_card, name="console-revoke-card"),
    path("residents/<str:public_id>/act-for/", act_for, name="console-act-for"),
    path("act-stop/", act_stop, name="console-act-stop"),
    path("invitations/", invitation_list, name="console-invitations"),
    path(
        "invitations/<int:invitation_id>/revoke/",
        revoke_invitation,
        name="console-invitation-revoke",
    ),
    path("households/", household_list, name="console-households"),
    path("households/<str:public_id>/", household_detail, name="console-household"),
    path("households/<str:public_id>/head/", set_household_head, name="console-household-head"),
]
