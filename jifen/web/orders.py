"""Console: redemptions ("orders") as the staff member sees them (a cashier: their stores'),
filtered by status, store, hand-over and overdue deliveries; one order with its delivery
steps, a refusal with its reason (and the penalty due beside what the balance allowed), and
cancelling it. Administrators and cashiers ("handle_redemptions")."""

from typing import Any

from django.contrib import messages
from django.db.models import QuerySet, Sum
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from jifen.ledger.models import AccountKind, Posting
from jifen.lib.errors import DomainError
from jifen.programmes.access import StaffScope, access_programme
from jifen.rewards import queries, services
from jifen.rewards.access import access_redemption, counter_stores, redemptions_in_scope
from jifen.rewards.delivery import ORDER
from jifen.rewards.models import DeliveryStep, Handover, Redemption, RedemptionStatus
from jifen.web.common import SignedInRequest, once_per_form, render_console, show_refusal
from jifen.web.reward_forms import OrderFilter, RefuseForm

CAN = "handle_redemptions"
LISTED = 200  # the newest (or most overdue) first; filters narrow the rest


@require_GET
def order_list(request: SignedInRequest, slug: str) -> HttpResponse:
    scope = access_programme(request.user, slug, CAN)
    stores = list(counter_stores(scope).order_by("kind", "name"))
    filters = OrderFilter(request.GET, stores=stores)
    rows = _filtered(redemptions_in_scope(scope), filters)
    context = {"rows": rows[:LISTED], "filters": filters, "listed": LISTED}
    template = "web/console/orders.html"
    if request.htmx and not request.htmx.history_restore_request:
        template += "#results"
    with timezone.override(scope.programme.timezone):
        return render_console(request, scope, template, context)


def _filtered(rows: QuerySet[Redemption], filters: OrderFilter) -> QuerySet[Redemption]:
    status, store = filters.value("status") or "", filters.value("store") or ""
    if store:
        rows = rows.filter(store__code=store)
    if filters.value("handover") == Handover.DELIVERY or filters.value("overdue"):
        return queries.orders(rows, status=status, overdue=bool(filters.value("overdue")))
    if filters.value("handover"):
        rows = rows.filter(handover=filters.value("handover"))
    if status:
        rows = rows.filter(status=status)
    return rows.select_related("member", "reward", "store").order_by("-created_at", "-id")


@require_http_methods(["GET", "POST"])
@once_per_form
def order_page(request: SignedInRequest, slug: str, public_id: str) -> HttpResponse:
    """One order; POST takes a delivery step (`step`), refuses it (`reason`) or cancels it."""
    scope = access_programme(request.user, slug, CAN)
    redemption = access_redemption(scope, public_id)
    refuse_form = RefuseForm(request.POST if request.POST.get("action") == "refuse" else None)
    if request.method == "POST":
        if _acted(request, redemption, refuse_form):
            return redirect("console-order", slug, redemption.public_id)
    return _page(request, scope, redemption, refuse_form)


def _acted(request: SignedInRequest, redemption: Redemption, refuse_form: RefuseForm) -> bool:
    """Whether the POST did what it asked; else its refusal is a message (or on the form)."""
    action = request.POST.get("action", "")
    try:
        if action == "advance":
            services.advance(
                redemption=redemption, step=request.POST.get("step", "")[:10], actor=request.user
            )
        elif action == "refuse":
            if not refuse_form.is_valid():
                return False
            reason = refuse_form.cleaned_data["reason"]
            services.refuse(redemption=redemption, reason=reason, actor=request.user)
        elif action == "cancel":
            services.cancel(redemption=redemption, actor=request.user)
        else:
            return True  # nothing asked: the page again
    except DomainError as error:
        show_refusal(request, error)
        return True
    messages.success(request, _("Saved."))
    return True


def _page(
    request: SignedInRequest, scope: StaffScope, redemption: Redemption, refuse_form: RefuseForm
) -> HttpResponse:
    context: dict[str, Any] = {
        "order": redemption,
        "steps": _next_steps(redemption),
        "refuse_form": refuse_form,
        "penalty_taken": _penalty_taken(redemption),
        "open": redemption.status == RedemptionStatus.OPEN,
        "delivery": redemption.handover == Handover.DELIVERY,
    }
    status = 422 if request.method == "POST" else 200
    with timezone.override(scope.programme.timezone):
        return render_console(request, scope, "web/console/order.html", context, status=status)


def _next_steps(redemption: Redemption) -> list[tuple[str, str]]:
    """The delivery steps the order may still take (forward only), for its buttons."""
    if redemption.handover != Handover.DELIVERY or redemption.status != RedemptionStatus.OPEN:
        return []
    current = ORDER.index(DeliveryStep(redemption.step)) if redemption.step in ORDER else 0
    return [(step.value, str(step.label)) for step in ORDER[current + 1 :]]


def _penalty_taken(redemption: Redemption) -> int:
    """What the refusal's penalty took from the resident (less than due when the balance
    was lower; the ledger's own posting says)."""
    if redemption.penalty_transaction_id is None:
        return 0
    taken = Posting.objects.filter(
        transaction_id=redemption.penalty_transaction_id, account__kind=AccountKind.PENALTY
    ).aggregate(points=Sum("amount"))["points"]
    return taken or 0


urlpatterns = [
    path("orders/", order_list, name="console-orders"),
    path("orders/<str:public_id>/", order_page, name="console-order"),
]
