"""Console: a resident's points (award, request an adjustment, reverse) and the approvals
that reviewers decide."""

from django import forms
from django.contrib import messages
from django.core.validators import MaxValueValidator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from jifen.ledger import services
from jifen.ledger.access import access_approval, access_transaction, approvals_in_scope
from jifen.ledger.models import ApprovalStatus
from jifen.ledger.queries import award_ceiling, award_message, points_page
from jifen.lib.errors import DomainError
from jifen.lib.storable import parse_int
from jifen.programmes.access import access_member, access_programme
from jifen.web.common import (
    SignedInRequest,
    once_per_form,
    render_console,
    show_error,
    show_form_errors,
    show_refusal,
)


class AwardForm(forms.Form):
    amount = forms.IntegerField(label=_("Points"), min_value=1, max_value=100_000)
    reason = forms.CharField(label=_("Reason"), max_length=200)

    def __init__(self, *args: object, ceiling: int | None, **kwargs: object) -> None:
        """`ceiling`: the most the programme's caps let one award credit (award_ceiling)."""
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["amount"]
        if ceiling is not None and ceiling < field.max_value:  # type: ignore[attr-defined]
            field.max_value = ceiling  # type: ignore[attr-defined]
            field.validators.append(MaxValueValidator(ceiling))
            field.widget.attrs["max"] = ceiling
            field.help_text = _("At most %(max)s: the programme's smallest cap.") % {"max": ceiling}


class AdjustmentForm(forms.Form):
    amount = forms.IntegerField(
        label=_("Points (negative to take away)"), min_value=-100_000, max_value=100_000
    )
    reason = forms.CharField(label=_("Reason"), max_length=200)


class ReverseForm(forms.Form):
    reason = forms.CharField(label=_("Why it is reversed"), max_length=200)


def member_points(request: SignedInRequest, slug: str, public_id: str) -> HttpResponse:
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
            "award_form": AwardForm(ceiling=award_ceiling(scope.programme)),
            "adjust_form": AdjustmentForm(),
            "reverse_form": ReverseForm(),
        },
    )


@require_POST
@once_per_form
def award(request: SignedInRequest, slug: str, public_id: str) -> HttpResponse:
    scope = access_programme(request.user, slug, "award_points")
    member = access_member(scope, public_id)
    form = AwardForm(request.POST, ceiling=award_ceiling(scope.programme))
    if form.is_valid():
        try:
            result = services.award_points(
                member=member,
                actor=request.user,
                **form.cleaned_data,
            )
            messages.success(request, award_message(scope.programme, result))
        except DomainError as error:
            show_refusal(request, error)
    else:
        show_form_errors(request, form)
    return redirect("console-member-points", slug, public_id)


@require_POST
@once_per_form
def request_adjustment(request: SignedInRequest, slug: str, public_id: str) -> HttpResponse:
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
@once_per_form
def reverse(
    request: SignedInRequest, slug: str, public_id: str, transaction_id: str
) -> HttpResponse:
    scope = access_programme(request.user, slug, "reverse")
    member = access_member(scope, public_id)
    original = access_transaction(scope, transaction_id)
    if original.member_id != member.pk:  # the page of one resident reverses only theirs
        raise Http404
    form = ReverseForm(request.POST)
    if form.is_valid():
        try:
            services.reverse_transaction(
                original=original, actor=request.user, reason=form.cleaned_data["reason"]
            )
            messages.success(request, _("Reversed."))
        except DomainError as error:
            show_refusal(request, error)
    else:
        show_error(request, _("Give a reason."))
    return redirect("console-member-points", slug, public_id)


def approvals(request: SignedInRequest, slug: str) -> HttpResponse:
    scope = access_programme(request.user, slug, "review")
    pending = (
        approvals_in_scope(scope)
        .filter(status=ApprovalStatus.PENDING)
        .select_related("member", "requested_by")[:200]
    )
    return render_console(request, scope, "web/console/approvals.html", {"pending": pending})


@require_POST
@once_per_form
def decide(request: SignedInRequest, slug: str, approval_id: int) -> HttpResponse:
    scope = access_programme(request.user, slug, "review")
    approval = access_approval(scope, approval_id)
    decision = request.POST.get("decision")
    try:
        if decision == "approve":
            services.approve(approval=approval, actor=request.user)
            messages.success(request, _("Approved and recorded."))
        elif decision == "reject":
            services.reject(approval=approval, actor=request.user)
            messages.success(request, _("Rejected."))
        else:  # a decision is never assumed: only the two buttons decide
            show_error(request, _("Choose Approve or Reject."))
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
