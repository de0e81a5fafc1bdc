"""The resident's rewards, phone-first: the catalogue by the supermarket's price shelves
(zones), category and area, what they can afford and why an item cannot be redeemed now;
an item's page with its stores and stock, redeeming and the waitlist; their codes as a big
QR code (full screen, or printed for a resident without a phone), deliveries, history and
waits. Staff acting on behalf of a resident (代办) redeem here as that resident: the
redemption records who did it."""

from typing import Any

import segno
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect
from django_htmx.middleware import HtmxDetails

from jifen.ledger.queries import summary_of
from jifen.lib.errors import DomainError
from jifen.lib.images import photo_response
from jifen.lib.storable import BIGINT_MAX, parse_int
from jifen.programmes.models import Member
from jifen.rewards import codes, queries, services
from jifen.rewards.access import access_own_redemption, access_own_wait, resident_reward
from jifen.rewards.catalogue import MAX_QUANTITY
from jifen.rewards.models import (
    Handover,
    Redemption,
    RedemptionStatus,
    Reward,
    RewardArea,
    RewardCategory,
)
from jifen.web.common import FORM_KEY, once_per_form, show_refusal
from jifen.web.me import current_member

PAGES = "web/rewards/"


class HtmxRequest(HttpRequest):
    """A request through the htmx middleware, which adds `htmx` to every request."""

    htmx: HtmxDetails


ID_LENGTH = 12  # a public id; anything longer names nothing


class RedeemForm(forms.Form):
    """Where to collect (when several stores have it), how many, and where to deliver."""

    store = forms.ChoiceField(label=_("Where to collect"), required=False)
    quantity = forms.IntegerField(
        label=_("Quantity"),
        min_value=1,
        max_value=MAX_QUANTITY,
        initial=1,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    address = forms.CharField(label=_("Delivery address"), max_length=200, required=False)

    def __init__(self, *args: Any, offer: queries.Offer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stores = {shelf.stock.store.code: shelf.stock.store for shelf in offer.shelves}
        field = self.fields["store"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(code, store.name) for code, store in self.stores.items()]
        field.required = len(self.stores) > 1
        if offer.reward.handover != Handover.DELIVERY:
            del self.fields["address"]
        else:
            self.fields["address"].required = True

    def chosen_store(self) -> Any:
        return self.stores.get(self.cleaned_data.get("store") or "")


def _page(
    request: HttpRequest,
    member: Member,
    template: str,
    context: dict[str, Any],
    *,
    status: int = 200,
) -> HttpResponse:
    context = {"member": member, "programme": member.programme, **context}
    with timezone.override(member.programme.timezone):
        return render(request, PAGES + template, context, status=status)


def _filters(request: HttpRequest) -> dict[str, Any]:
    """The catalogue's filters from the query string; anything unknown means "all"."""
    category = request.GET.get("category", "")
    area = request.GET.get("area", "")
    return {
        "zone": parse_int(request.GET.get("zone"), minimum=0, maximum=10**9),
        "category": category if category in RewardCategory.values else "",
        "area": area if area in RewardArea.values else "",
        "affordable_only": request.GET.get("affordable") == "1",
    }


@login_required
@require_GET
def catalogue(request: HtmxRequest, slug: str) -> HttpResponse:
    member = current_member(request, slug)
    filters = _filters(request)
    points = summary_of(member)
    context = {
        "offers": queries.catalogue(member, **filters),
        "filters": filters,
        "zones": services.settings_of(member.programme).zones or [],
        "categories": [c for c in RewardCategory.choices if c[0] != RewardCategory.PRIVILEGE],
        "areas": RewardArea.choices,
        "points": points,
        "privileges": queries.privileges_of(member, points),
    }
    if request.htmx and not request.htmx.history_restore_request:
        return _page(request, member, "catalogue.html#offers", context)
    return _page(request, member, "catalogue.html", context)


def _reward(member: Member, reward_id: str) -> Reward:
    reward = resident_reward(member, reward_id[:ID_LENGTH])
    reward.programme = member.programme
    return reward


def _item(
    request: HtmxRequest, member: Member, reward: Reward, form: RedeemForm | None, status: int
) -> HttpResponse:
    offer = queries.offer(member, reward)
    waiting = {w.store_id for w in queries.my_waits(member) if w.reward_id == reward.pk}
    context = {
        "offer": offer,
        "reward": reward,
        "form": form or RedeemForm(offer=offer),
        "waitlist_open": reward.waitlist and not offer.in_stock and not offer.refusal,
        "waiting": bool(waiting),
        "points": summary_of(member),
    }
    if request.htmx and status != 200:
        return _page(request, member, "item.html#redeem", context, status=status)
    return _page(request, member, "item.html", context, status=status)


@login_required
@require_GET
def item(request: HtmxRequest, slug: str, reward: str) -> HttpResponse:
    member = current_member(request, slug)
    return _item(request, member, _reward(member, reward), None, 200)


@login_required
@require_http_methods(["GET", "POST"])
@once_per_form
def redeem(request: HtmxRequest, slug: str, reward: str) -> HttpResponse:
    """Redeem through the form; its one-time key is the redemption's idempotency key, so a
    form sent twice (a double tap, a retry on a poor connection) is one redemption. Through
    htmx the browser is told to open the code's page; a GET (where a resent form's answer
    sends it) is the item's page."""
    member = current_member(request, slug)
    found = _reward(member, reward)
    if request.method == "GET":
        return redirect("resident-reward", slug, found.public_id)
    form = RedeemForm(request.POST, offer=queries.offer(member, found))
    done = _redeemed(request, member, found, form)
    if done is None:
        return _item(request, member, found, form, 422)
    messages.success(request, _("Redeemed: show this code at the counter."))
    code_page = reverse("resident-redemption", args=[slug, done.public_id])
    if request.htmx:
        return HttpResponseClientRedirect(code_page)
    return redirect(code_page)


def _redeemed(
    request: HttpRequest, member: Member, reward: Reward, form: RedeemForm
) -> Redemption | None:
    if not form.is_valid():
        return None
    key = request.POST.get(FORM_KEY, "")[:100]
    try:
        return services.redeem(
            member=member,
            reward=reward,
            store=form.chosen_store(),
            quantity=form.cleaned_data["quantity"],
            actor=request.user if request.user.is_authenticated else None,
            address=form.cleaned_data.get("address", ""),
            idempotency_key=f"web-redeem:{key}" if key else None,
        )
    except DomainError as refusal:
        form.add_error(None, str(refusal))
        return None


@login_required
@require_POST
@once_per_form
def join_waitlist(request: HttpRequest, slug: str, reward: str) -> HttpResponse:
    member = current_member(request, slug)
    found = _reward(member, reward)
    stores = {s.stock.store.code: s.stock.store for s in queries.offer(member, found).shelves}
    try:
        services.join_waitlist(
            member=member, reward=found, store=stores.get(request.POST.get("store", ""))
        )
        messages.success(request, _("You are on the waitlist: when stock comes in, it is yours."))
    except DomainError as refusal:
        show_refusal(request, refusal)
    return redirect("resident-reward", slug, found.public_id)


@login_required
@require_GET
def reward_image(request: HttpRequest, slug: str, reward: str) -> FileResponse:
    """A reward's picture, for the programme's residents (it shows no one)."""
    found = _reward(current_member(request, slug), reward)
    if not found.image:
        raise Http404
    return photo_response(found.image)


# The resident's codes, deliveries, history and waits


def code_qr(redemption: Redemption, *, scale: int) -> SafeString:
    """The code's QR: the nine characters the counter's scanner reads; a full QR code, since
    segno.make would draw so short a text as a Micro QR, which scanners do not read. segno
    draws our own code (of the codes alphabet), so the SVG is safe as it is."""
    qr = segno.make_qr(redemption.code, error="m")
    return mark_safe(qr.svg_inline(scale=scale, border=3))


@login_required
@require_GET
def my_redemptions(request: HttpRequest, slug: str) -> HttpResponse:
    member = current_member(request, slug)
    rows = queries.my_redemptions(member)
    open_codes = [
        (r, code_qr(r, scale=5), codes.display(r.code))
        for r in rows
        if r.status == RedemptionStatus.OPEN and r.handover == Handover.PICKUP
    ]
    context = {
        "open_codes": open_codes,
        "deliveries": [r for r in rows if r.handover == Handover.DELIVERY],
        "history": [r for r in rows if r.status != RedemptionStatus.OPEN],
        "waits": queries.my_waits(member),
    }
    return _page(request, member, "my_redemptions.html", context)


def _code_page(request: HttpRequest, slug: str, public_id: str, template: str) -> HttpResponse:
    member = current_member(request, slug)
    found = access_own_redemption(member, public_id[:ID_LENGTH])
    context = {
        "redemption": found,
        "shown": codes.display(found.code),
        "qr": code_qr(found, scale=10),
    }
    return _page(request, member, template, context)


@login_required
@require_GET
def redemption(request: HttpRequest, slug: str, public_id: str) -> HttpResponse:
    """One code, full screen: the QR across the phone's width, the code in large type."""
    return _code_page(request, slug, public_id, "code.html")


@login_required
@require_GET
def redemption_print(request: HttpRequest, slug: str, public_id: str) -> HttpResponse:
    """One code on paper, for a resident without a phone (the page's print style)."""
    return _code_page(request, slug, public_id, "code_print.html")


@login_required
@require_POST
@once_per_form
def cancel(request: HttpRequest, slug: str, public_id: str) -> HttpResponse:
    member = current_member(request, slug)
    found = access_own_redemption(member, public_id[:ID_LENGTH])
    try:
        services.cancel(
            redemption=found, actor=request.user if request.user.is_authenticated else None
        )
        messages.success(request, _("Cancelled: the points are back in your balance."))
    except DomainError as refusal:
        show_refusal(request, refusal)
    return redirect("resident-redemptions", slug)


@login_required
@require_POST
@once_per_form
def leave_waitlist(request: HttpRequest, slug: str, entry_id: int) -> HttpResponse:
    member = current_member(request, slug)
    if entry_id > BIGINT_MAX:
        raise Http404
    services.leave_waitlist(entry=access_own_wait(member, entry_id))
    messages.success(request, _("You left the waitlist."))
    return redirect("resident-redemptions", slug)


urlpatterns = [
    path("rewards/", catalogue, name="resident-rewards"),
    path("rewards/<str:reward>/", item, name="resident-reward"),
    path("rewards/<str:reward>/redeem/", redeem, name="resident-reward-redeem"),
    path("rewards/<str:reward>/waitlist/", join_waitlist, name="resident-reward-waitlist"),
    path("rewards/<str:reward>/image/", reward_image, name="resident-reward-image"),
    path("redemptions/", my_redemptions, name="resident-redemptions"),
    path("redemptions/<str:public_id>/", redemption, name="resident-redemption"),
    path("redemptions/<str:public_id>/print/", redemption_print, name="resident-redemption-print"),
    path("redemptions/<str:public_id>/cancel/", cancel, name="resident-redemption-cancel"),
    path("waitlist/<int:entry_id>/leave/", leave_waitlist, name="resident-wait-leave"),
]
