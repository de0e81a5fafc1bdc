"""Console: the programme's catalogue of rewards (the list, adding and changing one), its
stock at each store (units received and left, adding units, which serves the waitlist,
making a shelf unlimited, taking a reward off a store), the stores with their cashiers, and
the redemption settings. All of it is programme-wide ("manage_catalogue"): a village's
administrator does not change what the whole county redeems."""

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from jifen.accounts.models import User
from jifen.lib.errors import DomainError
from jifen.programmes.access import StaffScope, access_programme
from jifen.programmes.models import RoleKind
from jifen.rewards import services
from jifen.rewards.access import access_reward, access_stock, access_store, rewards_of
from jifen.rewards.models import Reward, Store, StoreCashier
from jifen.rewards.queries import stock_left
from jifen.web.common import SignedInRequest, once_per_form, render_console
from jifen.web.reward_forms import (
    CashiersForm,
    RewardFilter,
    RewardForm,
    RewardSettingsForm,
    StockForm,
    StoreForm,
)

CAN = "manage_catalogue"
LISTED = 500  # a catalogue is a few hundred items at most; the list shows them all


@require_GET
def reward_list(request: SignedInRequest, slug: str) -> HttpResponse:
    scope = access_programme(request.user, slug, CAN)
    filters = RewardFilter(request.GET)
    rows = rewards_of(scope).filter(**filters.filters()).order_by("area", "points", "name")
    context = {"rows": rows[:LISTED], "filters": filters}
    template = "web/console/rewards.html"
    if request.htmx and not request.htmx.history_restore_request:
        template += "#results"
    return render_console(request, scope, template, context)


@require_http_methods(["GET", "POST"])
@once_per_form
def reward_new(request: SignedInRequest, slug: str) -> HttpResponse:
    scope = access_programme(request.user, slug, CAN)
    return _reward_form(request, scope, None, {})


@require_http_methods(["GET", "POST"])
@once_per_form
def reward_edit(request: SignedInRequest, slug: str, reward: str) -> HttpResponse:
    scope = access_programme(request.user, slug, CAN)
    found = access_reward(scope, reward[:12])
    return _reward_form(request, scope, found, RewardForm.initial_for(found))


def _reward_form(
    request: SignedInRequest, scope: StaffScope, reward: Reward | None, initial: dict[str, Any]
) -> HttpResponse:
    data = request.POST if request.method == "POST" else None
    communities = list(scope.programme.communities.order_by("name"))
    form = RewardForm(data, request.FILES or None, initial=initial, communities=communities)
    if data is not None and form.is_valid():
        try:
            saved = services.save_reward(
                programme=scope.programme, actor=request.user, reward=reward, **form.reward_fields()
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("“%(name)s” was saved.") % {"name": saved.name})
            return redirect("console-reward-stock", scope.programme.slug, saved.public_id)
    status = 422 if data is not None else 200
    context = {"form": form, "reward": reward}
    return render_console(request, scope, "web/console/reward_form.html", context, status=status)


# Stock


@require_http_methods(["GET", "POST"])
@once_per_form
def reward_stock(request: SignedInRequest, slug: str, reward: str) -> HttpResponse:
    """The reward's shelves; POST adds units at a store (or makes its shelf unlimited)."""
    scope = access_programme(request.user, slug, CAN)
    return _stock_page(request, scope, access_reward(scope, reward[:12]))


def _stock_page(request: SignedInRequest, scope: StaffScope, reward: Reward) -> HttpResponse:
    stores = list(Store.objects.filter(programme=scope.programme).order_by("kind", "name"))
    form = StockForm(request.POST or None, stores=stores, initial={"add": 0})
    if form.is_bound and form.is_valid():
        try:
            _stock, served = services.restock(
                reward=reward,
                store=form.chosen_store(),
                actor=request.user,
                add=form.cleaned_data["add"],
                unlimited=form.cleaned_data["unlimited"],
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _restocked(len(served)))
            return redirect("console-reward-stock", scope.programme.slug, reward.public_id)
    shelves = list(reward.stocks.select_related("store").order_by("store__kind", "store__name"))
    left = stock_left(shelves)
    context = {"reward": reward, "form": form, "shelves": [(s, left[s.pk]) for s in shelves]}
    status = 422 if form.is_bound else 200
    return render_console(request, scope, "web/console/reward_stock.html", context, status=status)


def _restocked(served: int) -> str:
    if not served:
        return _("The stock was updated.")
    return ngettext(
        "The stock was updated; %(count)s waiting resident was served.",
        "The stock was updated; %(count)s waiting residents were served.",
        served,
    ) % {"count": served}


@require_http_methods(["GET", "POST"])
@once_per_form
def stock_remove(request: SignedInRequest, slug: str, reward: str, store: str) -> HttpResponse:
    """GET asks to confirm; POST stops offering the reward at the store."""
    scope = access_programme(request.user, slug, CAN)
    stock = access_stock(scope, access_reward(scope, reward[:12]), store[:40])
    if request.method == "GET":
        context = {"stock": stock}
        return render_console(request, scope, "web/console/stock_remove.html", context)
    services.remove_stock(stock=stock, actor=request.user)
    messages.success(
        request,
        _("“%(reward)s” is no longer offered at %(store)s.")
        % {"reward": stock.reward.name, "store": stock.store.name},
    )
    return redirect("console-reward-stock", slug, stock.reward.public_id)


# Stores


@require_GET
def store_list(request: SignedInRequest, slug: str) -> HttpResponse:
    scope = access_programme(request.user, slug, CAN)
    rows = (
        Store.objects.filter(programme=scope.programme)
        .select_related("community")
        .prefetch_related("cashiers__user")
        .order_by("kind", "name")
    )
    return render_console(request, scope, "web/console/stores.html", {"rows": rows})


@require_http_methods(["GET", "POST"])
@once_per_form
def store_new(request: SignedInRequest, slug: str) -> HttpResponse:
    scope = access_programme(request.user, slug, CAN)
    return _store_form(request, scope, None)


@require_http_methods(["GET", "POST"])
@once_per_form
def store_edit(request: SignedInRequest, slug: str, store: str) -> HttpResponse:
    scope = access_programme(request.user, slug, CAN)
    return _store_form(request, scope, access_store(scope, store[:40]))


def _store_form(request: SignedInRequest, scope: StaffScope, store: Store | None) -> HttpResponse:
    data = request.POST if request.method == "POST" else None
    communities = list(scope.programme.communities.order_by("name"))
    initial = StoreForm.initial_for(store) if store else {}
    form = StoreForm(data, initial=initial, communities=communities)
    if data is not None and form.is_valid():
        try:
            saved = services.save_store(
                programme=scope.programme, actor=request.user, store=store, **form.store_fields()
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("“%(name)s” was saved.") % {"name": saved.name})
            return redirect("console-store", scope.programme.slug, saved.code)
    context = {"form": form, "store": store, "cashiers": _cashiers_form(scope, store)}
    status = 422 if data is not None else 200
    return render_console(request, scope, "web/console/store_form.html", context, status=status)


def _cashiers_form(scope: StaffScope, store: Store | None, data: Any = None) -> CashiersForm | None:
    if store is None:
        return None
    offered = list(
        User.objects.filter(roles__programme=scope.programme, roles__kind=RoleKind.CASHIER)
        .distinct()
        .order_by("username")
    )
    current = list(StoreCashier.objects.filter(store=store).values_list("user_id", flat=True))
    return CashiersForm(data, offered=offered, initial={"cashiers": current})


@require_http_methods(["GET", "POST"])
@once_per_form
def store_cashiers(request: SignedInRequest, slug: str, store: str) -> HttpResponse:
    """POST chooses the store's cashiers; GET is the store's page."""
    scope = access_programme(request.user, slug, CAN)
    found = access_store(scope, store[:40])
    if request.method == "GET":
        return redirect("console-store", slug, found.code)
    form = _cashiers_form(scope, found, request.POST)
    assert form is not None  # a store was found
    if form.is_valid():
        try:
            services.set_cashiers(store=found, users=form.chosen(), actor=request.user)
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The cashiers were saved."))
            return redirect("console-store", slug, found.code)
    communities = list(scope.programme.communities.order_by("name"))
    store_form = StoreForm(initial=StoreForm.initial_for(found), communities=communities)
    context = {"form": store_form, "store": found, "cashiers": form}
    return render_console(request, scope, "web/console/store_form.html", context, status=422)


# Settings


@require_http_methods(["GET", "POST"])
@once_per_form
def reward_settings(request: SignedInRequest, slug: str) -> HttpResponse:
    scope = access_programme(request.user, slug, CAN)
    initial = RewardSettingsForm.initial_for(services.settings_of(scope.programme))
    form = RewardSettingsForm(request.POST or None, initial=initial)
    if form.is_bound and form.is_valid():
        try:
            services.update_settings(
                programme=scope.programme, actor=request.user, **form.cleaned_data
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Saved."))
            return redirect("console-reward-settings", slug)
    status = 422 if form.is_bound else 200
    return render_console(
        request, scope, "web/console/reward_settings.html", {"form": form}, status=status
    )


urlpatterns = [
    path("catalogue/", reward_list, name="console-rewards"),
    path("catalogue/new/", reward_new, name="console-reward-new"),
    path("catalogue/<str:reward>/", reward_edit, name="console-reward"),
    path("catalogue/<str:reward>/stock/", reward_stock, name="console-reward-stock"),
    path(
        "catalogue/<str:reward>/stock/<str:store>/remove/",
        stock_remove,
        name="console-stock-remove",
    ),
    path("stores/", store_list, name="console-stores"),
    path("stores/new/", store_new, name="console-store-new"),
    path("stores/<str:store>/", store_edit, name="console-store"),
    path("stores/<str:store>/cashiers/", store_cashiers, name="console-store-cashiers"),
    path("redemption-settings/", reward_settings, name="console-reward-settings"),
]
