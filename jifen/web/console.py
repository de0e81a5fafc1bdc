"""Console: overview, programme settings, communities, staff roles, audit log."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from jifen.audit.queries import audit_page
from jifen.lib.errors import DomainError
from jifen.programmes import services
from jifen.programmes.access import access_community, access_programme
from jifen.programmes.models import MemberStatus, Role
from jifen.programmes.staff import staff_account
from jifen.web.common import render_console, show_refusal
from jifen.web.forms_console import CommunityForm, ProgrammeForm, RoleForm


def console(request: HttpRequest, slug: str) -> HttpResponse:
    scope = access_programme(request.user, slug, "view_console")
    communities = list(
        scope.communities().annotate(
            residents=Count("members", filter=Q(members__status=MemberStatus.ACTIVE)),
            households_count=Count("households", distinct=True),
        )
    )
    figures = {
        "communities": len(communities),
        "households": sum(c.households_count for c in communities),
        "residents": sum(c.residents for c in communities),
        "staff": Role.objects.filter(programme=scope.programme).values("user").distinct().count(),
    }
    chart = {
        "names": [c.name for c in communities],
        "residents": [c.residents for c in communities],
    }
    return render_console(
        request, scope, "web/console/dashboard.html", {"figures": figures, "chart": chart}
    )


@require_http_methods(["GET", "POST"])
def programme_settings(request: HttpRequest, slug: str) -> HttpResponse:
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
            form.add_error(None, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("console-settings", slug)
    status = 422 if request.method == "POST" else 200
    return render_console(
        request, scope, "web/console/settings.html", {"form": form}, status=status
    )


@require_http_methods(["GET", "POST"])
def communities(request: HttpRequest, slug: str, community_id: int | None = None) -> HttpResponse:
    scope = access_programme(request.user, slug, "view_console")
    community = access_community(scope, community_id) if community_id else None
    initial = {"name": community.name, "population": community.population} if community else None
    form = CommunityForm(request.POST or None, initial=initial)
    if request.method == "POST":
        scope = access_programme(request.user, slug, "manage_programme")
        if form.is_valid():
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
    listing = scope.communities().annotate(
        residents=Count("members", filter=Q(members__status=MemberStatus.ACTIVE))
    )
    return render_console(
        request,
        scope,
        "web/console/communities.html",
        {"communities": listing, "form": form, "editing": community},
        status=422 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "POST"])
def roles(request: HttpRequest, slug: str) -> HttpResponse:
    scope = access_programme(request.user, slug, "manage_programme")
    form = RoleForm(request.POST or None, communities=list(scope.communities()))
    if request.method == "POST" and form.is_valid():
        if _grant(request, scope, form):
            messages.success(request, _("The role was given."))
            return redirect("console-roles", slug)
    listing = (
        Role.objects.filter(programme=scope.programme)
        .exclude(kind="resident")
        .select_related("user", "community")
        .order_by("user__username", "kind")
    )
    return render_console(
        request,
        scope,
        "web/console/roles.html",
        {"roles": listing, "form": form},
        status=422 if request.method == "POST" else 200,
    )


def _grant(request: HttpRequest, scope, form: RoleForm) -> bool:  # type: ignore[no-untyped-def]
    data = form.cleaned_data
    try:
        user = staff_account(
            actor=request.user,
            programme=scope.programme,
            login=data["login"],
            password=data["password"],
        )
        services.grant_role(
            actor=request.user,
            programme=scope.programme,
            user=user,
            kind=data["kind"],
            community=form.communities.get(data["community"]),
        )
    except DomainError as error:
        form.add_error(None, str(error))
        return False
    except ValidationError as error:
        form.add_error("password", error)
        return False
    return True


@require_POST
def revoke_role(request: HttpRequest, slug: str, role_id: int) -> HttpResponse:
    scope = access_programme(request.user, slug, "manage_programme")
    role = Role.objects.filter(pk=role_id, programme=scope.programme).first()
    if role is not None:
        try:
            services.revoke_role(actor=request.user, role=role)
            messages.success(request, _("The role was taken away."))
        except DomainError as error:
            show_refusal(request, error)
    return redirect("console-roles", slug)


def audit(request: HttpRequest, slug: str) -> HttpResponse:
    scope = access_programme(request.user, slug, "view_audit")
    before = request.GET.get("before", "")
    entries = audit_page(
        scope.programme,
        before=int(before) if before.isdigit() else None,
        action=request.GET.get("action", "").strip(),
    )
    return render_console(
        request,
        scope,
        "web/console/audit.html",
        {
            "entries": entries,
            "action": request.GET.get("action", ""),
            "next_before": entries[-1].pk if len(entries) == 50 else None,
        },
    )


urlpatterns = [
    path("", console, name="console"),
    path("settings/", programme_settings, name="console-settings"),
    path("communities/", communities, name="console-communities"),
    path("communities/<int:community_id>/", communities, name="console-community"),
    path("roles/", roles, name="console-roles"),
    path("roles/<int:role_id>/revoke/", revoke_role, name="console-role-revoke"),
    path("audit/", audit, name="console-audit"),
]
