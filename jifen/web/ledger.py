"""Console: a resident's points (award, request an adjustment, reverse) and the approvals
that reviewers decide."""

import secrets

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from jifen.ledger import services
from jifen.ledger.models import Approval, ApprovalStatus, Transaction
from jifen.ledger.queries import award_message, points_page
from jifen.lib.errors import DomainError
from jifen.lib.storable import parse_int
from jifen.programmes.access import access_member, access_programme
from jifen.web.common import render_console, show_form_errors, show_refusal


class AwardForm(forms.Form):
    amount = forms.IntegerField(label=_("Points"), min_value=1, max_value=100_000)
    reason = forms.CharField(label=_("Reason"), max_length=200)
    # The page's one-time key (see member_points); as long as a transaction may store.
    nonce = forms.CharField(required=False, max_length=100, widget=forms.HiddenInput)


class AdjustmentForm(forms.Form):
    amount = forms.IntegerField(
        label=_("Points (negative to take away)"), min_value=-100_000, max_value=100_000
    )
    reason = forms.CharField(label=_("Reason"), max_length=200)


class ReverseForm(forms.Form):
    reason = forms.CharField(label=_("Why it is reversed"), max_length=200)


def member_points(request: HttpRequest, slug: str, public_id: str) -> HttpResponse:
    scope = access_programme(request.user, slug, "view_ledger")
    member = access_member(scope, public_id)
    before = parse_int(request.GET.get("before"), minimum=1)
    return render_console(
        request,
        scope,
        "web/console/member_points.html",
        {
            "member": member,
            "page": points_page(member, before=before),
            "award_form": AwardForm(),
            "adjust_form": AdjustmentForm(),
            "reverse_form": ReverseForm(),
            # One key per rendered form: a double-clicked or resent award is paid once.
            "nonce": secrets.token_urlsafe(16),
        },
    )


@require_POST
def award(request: HttpRequest, slug: str, public_id: str) -> HttpResponse:
    scope = access_programme(request.user, slug, "award_points")
    member = access_member(scope, public_id)
    form = AwardForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            result = services.award_points(
                member=member,
                actor=request.user,
                amount=data["amount"],
                reason=data["reason"],
                idempotency_key=data["nonce"] or None,
            )
            messages.success(request, award_message(scope.programme, result))
        except DomainError as error:
            show_refusal(request, error)
    else:
        show_form_errors(request, form)
    return redirect("console-member-points", slug, public_id)


@require_POST
def request_adjustment(request: HttpRequest, slug: str, public_id: str) -> HttpResponse:
    scope = access_programme(request.user, slug, "request_changes")
    form = AdjustmentForm(request.POST)
    if form.is_valid():
        try:
            services.request_approval(
                kind="adjust",
                member=access_member(scope, public_id),
                actor=request.user,
                **form.cleaned_data,
            )
            messages.success(request, _("Requested: a reviewer must approve it."))
        except DomainError as error:
            show_refusal(request, error)
    else:
        show_form_errors(request, form)
    return redirect("console-member-points", slug, public_id)


@require_POST
def reverse(request: HttpRequest, slug: str, public_id: str, transaction_id: str) -> HttpResponse:
    scope = access_programme(request.user, slug, "reverse")
    member = access_member(scope, public_id)
    original = Transaction.objects.filter(
        programme=scope.programme, member=member, public_id=transaction_id
    ).first()
    form = ReverseForm(request.POST)
    if original is None:
        raise Http404
    if form.is_valid():
        try:
            services.reverse_transaction(
                original=original, actor=request.user, reason=form.cleaned_data["reason"]
            )
            messages.success(request, _("Reversed."))
        except DomainError as error:
            show_refusal(request, error)
    else:
        messages.error(request, _("Give a reason."))
    return redirect("console-member-points", slug, public_id)


def approvals(request: HttpRequest, slug: str) -> HttpResponse:
    scope = access_programme(request.user, slug, "review")
    pending = Approval.objects.filter(
        programme=scope.programme, status=ApprovalStatus.PENDING, member__in=scope.members()
    ).select_related("member", "requested_by")[:200]
    return render_console(request, scope, "web/console/approvals.html", {"pending": pending})


@require_POST
def decide(request: HttpRequest, slug: str, approval_id: int) -> HttpResponse:
    scope = access_programme(request.user, slug, "review")
    approval = Approval.objects.filter(
        pk=approval_id, programme=scope.programme, member__in=scope.members()
    ).first()
    decision = request.POST.get("decision")
    if approval is None:
        raise Http404
    try:
        if decision == "approve":
            services.approve(approval=approval, actor=request.user)
            messages.success(request, _("Approved and recorded."))
        elif decision == "reject":
            services.reject(approval=approval, actor=request.user)
            messages.success(request, _("Rejected."))
        else:  # a decision is never assumed: only the two buttons decide
            messages.error(request, _("Choose Approve or Reject."))
    except DomainError as error:
        show_refusal(request, error)
    return redirect("console-approvals", slug)


urlpatterns = [
    path("residents/<str:public_id>/points/", member_points, name="console-member-points"),
    path("residents/<str:public_id>/points/award/", award, name="console-award"),
    path("residents/<str:public_id>/points/adjust/", request_adjustment, name="console-adjust"),
    path(
        "residents/<str:public_id>/points/<str:transaction_id>/reverse/",
        reverse,
        name="console-reverse",
    ),
    path("approvals/", approvals, name="console-approvals"),
    path("approvals/<int:approval_id>/", decide, name="console-approval-decide"),
]
