"""Console: the cashier's counter (核销), made for a phone or a tablet at the till. The
cashier chooses their store (straight in when they work at one), the camera reads the
resident's code (static/jifen/scanner.js) or the cashier types it, and the answer comes in
large text: green with the item, quantity and the resident's masked name, or red with the
reason (used already, expired, another store's). Today's handovers are listed below.

With htmx the answer is a partial and today's list refreshes itself; without JavaScript the
form still works (POST, then the page again with the answer as a message)."""

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from jifen.earning.listings import masked
from jifen.lib.errors import DomainError
from jifen.programmes.access import StaffScope, access_programme
from jifen.rewards import codes, queries, services
from jifen.rewards.access import access_counter_store, counter_stores
from jifen.rewards.models import Redemption, Store
from jifen.web.common import SignedInRequest, once_per_form, render_console, show_error

PAGE = "web/console/counter.html"
CHANGED = "counter-changed"  # the event that makes today's list refresh at once
CODE_MAX = 100  # far above a code with its dashes; a scanner's junk is cut before any work


def _store(request: SignedInRequest, slug: str, code: str) -> tuple[StaffScope, Store]:
    scope = access_programme(request.user, slug, "handle_redemptions")
    return scope, access_counter_store(scope, code[:40])


def _render(
    request: SignedInRequest,
    scope: StaffScope,
    template: str,
    context: dict[str, Any],
    status: int = 200,
) -> HttpResponse:
    with timezone.override(scope.programme.timezone):
        return render_console(request, scope, template, context, status=status)


@require_GET
def counter_stores_page(request: SignedInRequest, slug: str) -> HttpResponse:
    """The stores whose counter the user works; one store: straight to its counter."""
    scope = access_programme(request.user, slug, "handle_redemptions")
    stores = list(counter_stores(scope).filter(is_active=True))
    if len(stores) == 1:
        return redirect("console-counter", slug, stores[0].code)
    return _render(request, scope, "web/console/counter_stores.html", {"stores": stores})


@never_cache
@require_GET
def counter(request: SignedInRequest, slug: str, store: str) -> HttpResponse:
    scope, found = _store(request, slug, store)
    return _render(request, scope, PAGE, {"store": found, "today": _today(found)})


@never_cache
@require_GET
def counter_today(request: SignedInRequest, slug: str, store: str) -> HttpResponse:
    """Today's handovers (polled every few seconds, and at once after each answer)."""
    scope, found = _store(request, slug, store)
    return _render(request, scope, PAGE + "#today", {"store": found, "today": _today(found)})


def _today(store: Store) -> list[tuple[Redemption, str]]:
    return [(r, masked(r.member.display_name)) for r in queries.today_at(store)]


@require_POST
@once_per_form
def counter_verify(request: SignedInRequest, slug: str, store: str) -> HttpResponse:
    """Hand over what the code was redeemed for: the code is used once, the points settle."""
    scope, found = _store(request, slug, store)
    code = request.POST.get("code", "")[:CODE_MAX]
    try:
        done = services.verify_code(store=found, code=code, actor=request.user)
    except DomainError as refusal:
        return _reply(request, scope, found, {"refusal": str(refusal)}, 422)
    name = masked(done.member.display_name)
    result = {"done": done, "name": name, "shown": codes.display(done.code)}
    return _reply(request, scope, found, result, 200)


def _reply(
    request: SignedInRequest,
    scope: StaffScope,
    store: Store,
    result: dict[str, Any],
    status: int,
) -> HttpResponse:
    if not request.htmx:  # without JavaScript: the counter again, with the answer on top
        if "refusal" in result:
            show_error(request, result["refusal"])
        else:
            messages.success(request, handed_over_text(result["done"], result["name"]))
        return redirect("console-counter", scope.programme.slug, store.code)
    context = {"store": store, **result}
    response = _render(request, scope, PAGE + "#result", context, status)
    response["HX-Trigger"] = CHANGED
    return response


def handed_over_text(done: Redemption, name: str) -> str:
    return _("Hand over %(quantity)s × %(reward)s to %(name)s.") % {
        "quantity": done.quantity,
        "reward": done.reward.name,
        "name": name,
    }


urlpatterns = [
    path("counter/", counter_stores_page, name="console-counter-stores"),
    path("counter/<str:store>/", counter, name="console-counter"),
    path("counter/<str:store>/today/", counter_today, name="console-counter-today"),
    path("counter/<str:store>/verify/", counter_verify, name="console-counter-verify"),
]
