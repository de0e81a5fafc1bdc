"""The resident's appeals and the public notice board (公示), phone-first.

A resident appeals an award of theirs, a refused claim, or an activity they took part in
that gave them nothing, within the programme's appeal days; the page lists what they may
still appeal. The notice board shows the programme's awards on notice, names masked, and
takes objections: any member may object to any award on notice (that is what the notice is
for), so the award objected to is named in the form, not in the address."""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from jifen.earning import listings, services
from jifen.earning.models import Appeal, Claim, Earning
from jifen.lib.errors import DomainError
from jifen.programmes.access import found
from jifen.programmes.models import Member
from jifen.web.claims import resident_page
from jifen.web.common import once_per_form, show_form_errors, show_refusal
from jifen.web.me import current_member


class AppealForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class ObjectionForm(forms.Form):
    earning = forms.CharField(max_length=16, widget=forms.HiddenInput)
    reason = forms.CharField(
        label=gettext_lazy("Why you object"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


@login_required
def my_appeals(request: HttpRequest, slug: str) -> HttpResponse:
    member = current_member(request, slug)
    context = {
        "appeals": listings.my_appeals(member),
        "awards": listings.appealable_awards(member),
        "missing": listings.missing_awards(member),
    }
    return resident_page(request, member, "my_appeals.html", context)


@login_required
@require_http_methods(["GET", "POST"])
@once_per_form
def appeal_award(request: HttpRequest, slug: str, public_id: str) -> HttpResponse:
    member = current_member(request, slug)
    earning = found(
        Earning.objects.filter(member=member).select_related("rule_version__rule"),
        public_id=public_id,
    )

    def perform(reason: str) -> Appeal:
        return services.appeal_award(earning=earning, member=member, reason=reason)

    return _appeal(request, member, "award", earning, perform)


@login_required
@require_http_methods(["GET", "POST"])
@once_per_form
def appeal_claim(request: HttpRequest, slug: str, public_id: str) -> HttpResponse:
    member = current_member(request, slug)
    claim = found(Claim.objects.filter(member=member).select_related("rule"), public_id=public_id)

    def perform(reason: str) -> Appeal:
        return services.appeal_refused_claim(claim=claim, member=member, reason=reason)

    return _appeal(request, member, "claim", claim, perform)


@login_required
@require_http_methods(["GET", "POST"])
@once_per_form
def appeal_missing(request: HttpRequest, slug: str, public_id: str) -> HttpResponse:
    """An activity the resident took part in (anyone else's gets a 404) but got nothing for."""
    member = current_member(request, slug)
    activity = found(listings.took_part_in(member), public_id=public_id)

    def perform(reason: str) -> Appeal:
        return services.appeal_missing(activity=activity, member=member, reason=reason)

    return _appeal(request, member, "missing", activity, perform)


def _appeal(
    request: HttpRequest,
    member: Member,
    kind: str,
    about: Model,
    perform: Callable[[str], Appeal],
) -> HttpResponse:
    form = AppealForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            appeal = perform(form.cleaned_data["reason"])
        except DomainError as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, _("Your appeal was sent. %(due)s") % {"due": _due(appeal)})
            return redirect("resident-appeals", member.programme.slug)
    context: dict[str, Any] = {"form": form, "kind": kind, "about": about}
    status = 422 if form.is_bound else 200
    return resident_page(request, member, "appeal_form.html", context, status=status)


def _due(appeal: Appeal) -> str:
    when = date_format(timezone.localtime(appeal.due_at), "Y-m-d H:i")
    return _("It will be answered by %(when)s.") % {"when": when}


@login_required
@require_http_methods(["GET", "POST"])
@once_per_form
def notices(request: HttpRequest, slug: str) -> HttpResponse:
    """The notice board; a POST objects to one of its awards."""
    member = current_member(request, slug)
    if request.method == "GET":
        board = listings.notice_board(member)
        return resident_page(request, member, "notices.html", {"board": board})
    form = ObjectionForm(request.POST)
    if not form.is_valid():
        show_form_errors(request, form)
        return redirect("resident-notices", slug)
    earning = found(listings.on_notice(member), public_id=form.cleaned_data["earning"])
    try:
        appeal = services.object_to(
            earning=earning, member=member, reason=form.cleaned_data["reason"]
        )
        messages.success(request, _("Your objection was recorded. %(due)s") % {"due": _due(appeal)})
    except DomainError as refusal:
        show_refusal(request, refusal)
    return redirect("resident-notices", slug)


urlpatterns = [
    path("appeals/", my_appeals, name="resident-appeals"),
    path("appeals/award/<str:public_id>/", appeal_award, name="resident-appeal-award"),
    path("appeals/claim/<str:public_id>/", appeal_claim, name="resident-appeal-claim"),
    path("appeals/activity/<str:public_id>/", appeal_missing, name="resident-appeal-missing"),
    path("notices/", notices, name="resident-notices"),
]
