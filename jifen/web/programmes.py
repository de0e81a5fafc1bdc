"""Console: overview, programme settings, communities, staff roles, audit log."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from jifen.audit.queries import PAGE, audit_page
from jifen.lib.errors import DomainError
from jifen.lib.storable import parse_int
from jifen.programmes import services
from jifen.programmes.access import StaffScope, access_community, access_programme, access_role
from jifen.programmes.models import Role, RoleOffer
from jifen.programmes.queries import (
    communities_with_counts,
    console_figures,
    pending_role_offers,
    staff_roles,
)
from jifen.web.common import (
    SignedInRequest,
    once_per_form,
    one_time_link,
    render_console,
    show_refusal,
)
from jifen.web.forms import CommunityForm, ProgrammeForm, RoleForm


def console(request: SignedInRequest, slug: str) -> HttpResponse:
    scope = access_programme(request.user, slug, "view_console")
    figures = console_figures(scope)
    return render_console(
        request, scope, "web/console/dashboard.html", {"figures": figures, "chart": figures.chart}
    )


@require_http_methods(["GET", "POST"])
@once_per_form
def programme_settings(request: SignedInRequest, slug: str) -> HttpResponse:
    scope = access_programme(request.user, slug, "manage_programme")
    programme = scope.programme
    form = ProgrammeForm(
        request.POST or None, initial={f: getattr(programme, f) for f in ProgrammeForm.base_fields}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_programme(
                actor=request.user, programme=programme, changes=form.cleaned_data
            )
        except ValidationError as error:
            # The service set the fields before checking them; show the stored settings.
            programme.refresh_from_db()
            form.add_error(None, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("console-settings", slug)
    status = 422 if request.method == "POST" else 200
    return render_console(
        request, scope, "web/console/settings.html", {"form": form}, status=status
    )


@require_http_methods(["GET", "POST"])
@once_per_form
def communities(
    request: SignedInRequest, slug: str, community_id: int | None = None
) -> HttpResponse:
    # Everyone in the console sees the list; only administrators add or edit.
    needs = "manage_programme" if request.method == "POST" or community_id else "view_console"
    scope = access_programme(request.user, slug, needs)
    community = access_community(scope, community_id) if community_id else None
    initial = {"name": community.name, "population": community.population} if community else None
    form = CommunityForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_community(
                actor=request.user,
                programme=scope.programme,
                community=community,
                **form.cleaned_data,
            )
        except DomainError as error:
            form.add_error("name", str(error))
        else:
            messages.success(request, _("Saved."))
            return redirect("console-communities", slug)
    listing = communities_with_counts(scope)
    return render_console(
        request,
        scope,
        "web/console/communities.html",
        {"communities": listing, "form": form, "editing": community},
        status=422 if request.method == "POST" else 200,
    )


@never_cache  # the answer to an offer holds its one-time link: no cache may keep it
@require_http_methods(["GET", "POST"])
@once_per_form
def roles(request: SignedInRequest, slug: str) -> HttpResponse:
    scope = access_programme(request.user, slug, "manage_programme")
    form = RoleForm(request.POST or None, communities=list(scope.communities()))
    if request.method == "POST" and form.is_valid():
        given = _give_role(request, scope, form)
        if isinstance(given, tuple):
            return _role_offer_page(request, scope, *given)
        if given is not None:
            messages.success(request, _("The role was given."))
            return redirect("console-roles", slug)
    return render_console(
        request,
        scope,
        "web/console/roles.html",
        {
            "roles": staff_roles(scope.programme),
            "offers": pending_role_offers(scope.programme),
            "form": form,
        },
        status=422 if request.method == "POST" else 200,
    )


def _give_role(
    request: SignedInRequest, scope: StaffScope, form: RoleForm
) -> Role | tuple[RoleOffer, str] | None:
    data = form.cleaned_data
    try:
        return services.give_role(
            actor=request.user,
            programme=scope.programme,
            login=data["login"],
            password=data["password"],
            kind=data["kind"],
            community=form.communities.get(data["community"]),
        )
    except DomainError as error:
        form.add_error(None, str(error))
    except ValidationError as error:
        form.add_error("password", error)
    return None


def _role_offer_page(
    request: HttpRequest, scope: StaffScope, offer: RoleOffer, secret: str
) -> HttpResponse:
    """The offer's one-time link and QR code, shown this once, for the administrator to give
    to the person."""
    link = one_time_link(request, scope.programme, "role-offer", secret)
    return render_console(request, scope, "web/console/role_offer.html", {"offer": offer, **link})


@require_POST
def withdraw_role_offer(request: SignedInRequest, slug: str) -> HttpResponse:
    scope = access_programme(request.user, slug, "manage_programme")
    offer = get_object_or_404(pending_role_offers(scope.programme), pk=_int(request.POST))
    services.withdraw_role_offer(actor=request.user, offer=offer)
    messages.success(request, _("The offer was withdrawn."))
    return redirect("console-roles", slug)


def _int(post: QueryDict) -> int:
    """The offer's id from the form; anything else matches nothing."""
    value = post.get("offer", "")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 19 else 0


@require_POST
@once_per_form
def revoke_role(request: SignedInRequest, slug: str, role_id: int) -> HttpResponse:
    scope = access_programme(request.user, slug, "manage_programme")
    role = access_role(scope, role_id)
    try:
        services.revoke_role(actor=request.user, role=role)
        messages.success(request, _("The role was taken away."))
    except DomainError as error:
        show_refusal(request, error)
    return redirect("console-roles", slug)


def audit(request: SignedInRequest, slug: str) -> HttpResponse:
    scope = access_programme(request.user, slug, "view_audit")
    action = request.GET.get("action", "").strip()
    entries = audit_page(scope.programme, before=_before(request), action=action)
    return render_console(
        request,
        scope,
        "web/console/audit.html",
        {
            "entries": entries,
            "action": action,
            "next_before": entries[-1].pk if len(entries) == PAGE else None,
        },
    )


def _before(request: SignedInRequest) -> int | None:
    """The keyset cursor from ?before=; anything that is not a plain number means none."""
    return parse_int(request.GET.get("before"), minimum=1)


urlpatterns = [
    path("", console, name="console"),
    path("settings/", programme_settings, name="console-settings"),
    path("communities/", communities, name="console-communities"),
    path("communities/<int:community_id>/", communities, name="console-community"),
    path("roles/", roles, name="console-roles"),
    path("roles/<int:role_id>/revoke/", revoke_role, name="console-role-revoke"),
    path("roles/offers/withdraw/", withdraw_role_offer, name="console-role-offer-withdraw"),
    path("audit/", audit, name="console-audit"),
]
