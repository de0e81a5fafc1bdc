"""Console: what each store handed out in a period (a quarter by default) — items, points,
their money at the programme's point value, bought and donated goods apart — as a page, a
PDF and an XLSX; and marking a period settled, after a confirmation, which freezes it.
Administrators and auditors see every store in their scope, a cashier their own stores
("view_settlements"); only a programme-wide administrator settles ("settle")."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from jifen.lib.errors import DomainError
from jifen.programmes.access import access_programme
from jifen.rewards import exports, services
from jifen.rewards.access import access_statement, settlement_stores
from jifen.rewards.settlement import Statement, recent_periods, statement
from jifen.web.common import SignedInRequest, once_per_form, render_console, show_refusal

CAN = "view_settlements"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@require_GET
def settlement_list(request: SignedInRequest, slug: str) -> HttpResponse:
    """Every store's statement for one period (`?period=` its first day; the current one)."""
    scope = access_programme(request.user, slug, CAN)
    periods = recent_periods(scope.programme)
    chosen = request.GET.get("period", "")[:10]
    start = next((p for p in periods if p[0].isoformat() == chosen), periods[0])[0]
    stores = settlement_stores(scope).select_related("programme").order_by("kind", "name")
    context = {
        "periods": periods,
        "start": start,
        "statements": [statement(store, start) for store in stores],
    }
    with timezone.override(scope.programme.timezone):
        return render_console(request, scope, "web/console/settlements.html", context)


@require_GET
def settlement_page(
    request: SignedInRequest, slug: str, store: str, starts_on: str
) -> HttpResponse:
    scope = access_programme(request.user, slug, CAN)
    found = access_statement(scope, store, starts_on)
    context = {"statement": found, "over": found.is_over}
    with timezone.override(scope.programme.timezone):
        return render_console(request, scope, "web/console/settlement.html", context)


@require_http_methods(["GET", "POST"])
@once_per_form
def settlement_settle(
    request: SignedInRequest, slug: str, store: str, starts_on: str
) -> HttpResponse:
    """GET asks to confirm, with the totals to be frozen; POST settles, once."""
    scope = access_programme(request.user, slug, "settle")
    found = access_statement(scope, store, starts_on)
    if request.method == "GET":
        context = {"statement": found, "over": found.is_over}
        return render_console(request, scope, "web/console/settlement_settle.html", context)
    try:
        services.settle(store=found.store, starts_on=found.starts_on, actor=request.user)
    except DomainError as error:
        show_refusal(request, error)
    else:
        messages.success(request, _("The period is settled: its totals can no longer change."))
    return redirect("console-settlement", slug, found.store.code, found.starts_on.isoformat())


@require_GET
def settlement_pdf(request: SignedInRequest, slug: str, store: str, starts_on: str) -> HttpResponse:
    scope = access_programme(request.user, slug, CAN)
    found = access_statement(scope, store, starts_on)
    return _download(exports.statement_pdf(found), "application/pdf", _name(found, "pdf"))


@require_GET
def settlement_xlsx(
    request: SignedInRequest, slug: str, store: str, starts_on: str
) -> HttpResponse:
    scope = access_programme(request.user, slug, CAN)
    found = access_statement(scope, store, starts_on)
    return _download(exports.statement_xlsx(found), XLSX, _name(found, "xlsx"))


def _name(found: Statement, extension: str) -> str:
    return f"settlement-{found.store.code}-{found.starts_on.isoformat()}.{extension}"


def _download(content: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


PERIOD = "settlements/<str:store>/<str:starts_on>/"
urlpatterns = [
    path("settlements/", settlement_list, name="console-settlements"),
    path(PERIOD, settlement_page, name="console-settlement"),
    path(PERIOD + "settle/", settlement_settle, name="console-settlement-settle"),
    path(PERIOD + "pdf/", settlement_pdf, name="console-settlement-pdf"),
    path(PERIOD + "xlsx/", settlement_xlsx, name="console-settlement-xlsx"),
]
