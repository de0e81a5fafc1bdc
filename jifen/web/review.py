"""Console: the reviewers' one inbox — claims waiting for a decision, awards on public
notice, objections and appeals by due date (the overdue first) — and the claims' photos.

Every view starts with `access_programme` and looks objects up through the earning app's
`access_*` helpers, so staff of another programme or community get a 404. Nobody decides
their own or their household's claim or appeal: the services refuse it (OwnClaim), and the
inbox says so beside such a row instead of offering its buttons."""

from typing import Any

from django import forms
from django.contrib import messages
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from jifen.earning import listings, rules, services
from jifen.earning.access import access_appeal, access_claim, access_claim_photo
from jifen.earning.crediting import Outcome
from jifen.lib.errors import DomainError
from jifen.programmes.access import access_programme
from jifen.web.claims import photo_response
from jifen.web.common import (
    SignedInRequest,
    once_per_form,
    render_console,
    show_error,
    show_form_errors,
    show_refusal,
)

Span = tuple[int, int] | None


class PointsForm(forms.Form):
    """Points a reviewer gives: within a range rule's minimum and maximum when it has one
    (required then), else any whole number the rules allow (optional)."""

    points = forms.IntegerField(
        label=gettext_lazy("Points"), required=False, min_value=0, max_value=rules.MAX_RULE_POINTS
    )

    def __init__(self, *args: Any, span: Span, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if span is not None:
            self.fields["points"] = forms.IntegerField(
                label=gettext_lazy("Points"), min_value=span[0], max_value=span[1]
            )


class RejectForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Why it is refused"), max_length=200)


class AnswerForm(PointsForm):
    """Uphold or dismiss; upholding an appeal of an award, or one under a range rule, needs
    the points (dismissing never does)."""

    decision = forms.ChoiceField(
        choices=[("uphold", gettext_lazy("Uphold")), ("dismiss", gettext_lazy("Dismiss"))]
    )
    answer = forms.CharField(label=gettext_lazy("Answer"), max_length=500)

    def __init__(self, *args: Any, span: Span, needs_points: bool, **kwargs: Any) -> None:
        super().__init__(*args, span=span, **kwargs)
        self.fields["points"].required = False
        self.needs_points = needs_points

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upheld = data.get("decision") == "uphold"
        if upheld and self.needs_points and data.get("points") is None:
            self.add_error("points", _("Give the points to credit when upholding."))
        return data


@require_GET
def inbox(request: SignedInRequest, slug: str) -> HttpResponse:
    scope = access_programme(request.user, slug, "review")
    return render_console(
        request, scope, "web/console/review.html", {"inbox": listings.inbox(scope)}
    )


@require_POST
@once_per_form
def approve(request: SignedInRequest, slug: str, public_id: str) -> HttpResponse:
    scope = access_programme(request.user, slug, "review")
    claim = access_claim(scope, public_id)
    form = PointsForm(request.POST, span=listings.facts_of(claim).range)
    if not form.is_valid():
        show_form_errors(request, form)
        return _back(slug, "claims")
    try:
        outcome = services.approve_claim(
            claim=claim, actor=request.user, points=form.cleaned_data["points"]
        )
        messages.success(request, _approved(outcome))
    except DomainError as refusal:
        show_refusal(request, refusal)
    return _back(slug, "claims")


def _approved(outcome: Outcome) -> str:
    earning = outcome.earning
    if outcome.on_notice and earning.notice_ends_at is not None:
        until = date_format(timezone.localtime(earning.notice_ends_at), "Y-m-d H:i")
        return _("Approved: %(points)s points, on public notice until %(until)s.") % {
            "points": earning.points,
            "until": until,
        }
    credited = outcome.award.awarded if outcome.award else earning.credited or 0
    return _("Approved: %(points)s points credited.") % {"points": credited}


@require_POST
@once_per_form
def reject(request: SignedInRequest, slug: str, public_id: str) -> HttpResponse:
    scope = access_programme(request.user, slug, "review")
    claim = access_claim(scope, public_id)
    form = RejectForm(request.POST)
    if not form.is_valid():
        show_error(request, _("Give the reason for refusing."))
        return _back(slug, "claims")
    try:
        services.reject_claim(claim=claim, actor=request.user, reason=form.cleaned_data["reason"])
        messages.success(request, _("Refused; the resident sees the reason and may appeal."))
    except DomainError as refusal:
        show_refusal(request, refusal)
    return _back(slug, "claims")


@require_POST
@once_per_form
def answer(request: SignedInRequest, slug: str, public_id: str) -> HttpResponse:
    scope = access_programme(request.user, slug, "review")
    appeal = access_appeal(scope, public_id)
    row = listings.open_appeal(appeal)
    form = AnswerForm(request.POST, span=row.range, needs_points=row.needs_points)
    if not form.is_valid():
        show_form_errors(request, form)
        return _back(slug, "appeals")
    data = form.cleaned_data
    try:
        services.answer_appeal(
            appeal=appeal,
            actor=request.user,
            uphold=data["decision"] == "uphold",
            answer=data["answer"],
            points=data["points"],
        )
        done = _("Upheld and corrected.") if data["decision"] == "uphold" else _("Dismissed.")
        messages.success(request, done)
    except DomainError as refusal:
        show_refusal(request, refusal)
    return _back(slug, "appeals")


def _back(slug: str, section: str) -> HttpResponse:
    return redirect(reverse("console-review", args=[slug]) + f"#{section}")


@require_GET
def photo(request: SignedInRequest, slug: str, public_id: str) -> FileResponse:
    """A claim's photo, for the programme's staff who may see its resident."""
    scope = access_programme(request.user, slug, "view_members")
    return photo_response(access_claim_photo(scope, public_id))


urlpatterns = [
    path("review/", inbox, name="console-review"),
    path("review/claims/<str:public_id>/approve/", approve, name="console-claim-approve"),
    path("review/claims/<str:public_id>/reject/", reject, name="console-claim-reject"),
    path("review/appeals/<str:public_id>/answer/", answer, name="console-appeal-answer"),
    path("claims/photos/<str:public_id>/", photo, name="console-claim-photo"),
]
