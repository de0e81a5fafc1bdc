"""Objections and appeals. Anyone in the programme may object to an award on public notice
(it then waits for the answer); a resident may appeal an award, a refused claim or an activity
they attended without being credited, within the programme's appeal days; reviewers answer
within its working days (`overdue=true` lists those past their deadline). Staff may record an
objection or an appeal for a resident who asked them to."""

from datetime import datetime
from typing import Annotated, Any, Literal

from django.db.models import Q, QuerySet
from django.http import HttpResponse
from ninja import Field, Query, Router, Schema, Status
from pydantic import StrictBool

from jifen.api.auth import ApiRequest
from jifen.api.earnings import Key, Limit, MemberRef, Reason, member_ref, once
from jifen.api.errors import InvalidCursor
from jifen.api.inputs import InputSchema, Int
from jifen.api.pagination import decode_cursor, encode_cursor
from jifen.earning import rules, services
from jifen.earning.access import (
    access_activity,
    access_appeal,
    access_claim,
    access_earning,
    access_member_activity,
    access_notice,
    access_own_claim,
    access_own_earning,
    appeals_in_scope,
)
from jifen.earning.models import Appeal, AppealStatus
from jifen.lib import clock
from jifen.programmes.access import access_member, access_programme, resident_member

router = Router(tags=["earning"])
About = Literal["award", "refused_claim", "missing", "objection"]


class AppealOut(Schema):
    public_id: str
    about: About
    member: MemberRef = Field(description="Who appeals or objects.")
    subject: MemberRef = Field(description="Whose points are in question.")
    earning: str | None
    claim: str | None
    activity: str | None
    reason: str
    status: Literal["open", "upheld", "dismissed"]
    due_at: datetime
    overdue: bool
    answer: str
    answered_at: datetime | None
    correction: str | None = Field(description="The ledger transaction that corrected it.")
    created_at: datetime


class AppealPage(Schema):
    items: list[AppealOut]
    next_cursor: str | None


class AppealReasonIn(InputSchema):
    reason: Reason


class ForMemberIn(InputSchema):
    member: str = Field(max_length=40, description="The resident who objects or appeals.")
    reason: Reason


class AnswerIn(InputSchema):
    uphold: StrictBool
    answer: str = Field(min_length=1, max_length=500)
    points: Annotated[Int, Field(ge=0, le=rules.MAX_RULE_POINTS)] | None = Field(
        None,
        description="Upholding an award's appeal: the right points; a range rule's: the "
        "points chosen.",
    )


class AppealFilters(InputSchema):
    status: Literal["open", "upheld", "dismissed"] | None = None
    about: About | None = None
    overdue: bool = Field(False, description="Only open appeals past their deadline.")
    cursor: str | None = Field(None, max_length=500)
    limit: Limit = 50


class PageQuery(InputSchema):
    cursor: str | None = Field(None, max_length=500)
    limit: Limit = 50


def appeal_json(appeal: Appeal) -> dict[str, Any]:
    """An appeal, JSON-ready."""
    return AppealOut.model_validate(
        {
            **{name: getattr(appeal, name) for name in _PLAIN},
            "about": appeal.kind,
            "member": member_ref(appeal.member),
            "subject": member_ref(appeal.subject),
            "earning": appeal.earning.public_id if appeal.earning else None,
            "claim": appeal.claim.public_id if appeal.claim else None,
            "activity": appeal.activity.public_id if appeal.activity else None,
            "overdue": appeal.status == AppealStatus.OPEN and appeal.due_at < clock.now(),
            "correction": appeal.correction.public_id if appeal.correction else None,
        }
    ).model_dump(mode="json")


_PLAIN = ("public_id", "reason", "status", "due_at", "answer", "answered_at", "created_at")


def _due_first(rows: QuerySet[Appeal], cursor: str | None, limit: int) -> dict[str, Any]:
    """A page of appeals, the first due first, after `cursor`."""
    rows = rows.select_related(
        "member", "subject", "earning", "claim", "activity", "correction"
    ).order_by("due_at", "id")
    if cursor:
        moment, pk = decode_cursor(cursor, str, int)
        try:
            due = datetime.fromisoformat(moment)
        except ValueError:
            raise InvalidCursor() from None
        rows = rows.filter(Q(due_at__gt=due) | Q(due_at=due, id__gt=pk))
    page = list(rows[: limit + 1])
    last = page[limit - 1] if len(page) > limit else None
    return {
        "items": [appeal_json(a) for a in page[:limit]],
        "next_cursor": encode_cursor(last.due_at.isoformat(), last.pk) if last else None,
    }


# Staff.


@router.get("/programmes/{slug}/appeals", response=AppealPage)
def list_appeals(request: ApiRequest, slug: str, filters: Query[AppealFilters]) -> dict[str, Any]:
    """Objections and appeals, the first due first."""
    scope = access_programme(request.auth, slug, "view_console")
    rows = appeals_in_scope(scope)
    if filters.status is not None:
        rows = rows.filter(status=filters.status)
    if filters.about is not None:
        rows = rows.filter(kind=filters.about)
    if filters.overdue:
        rows = rows.filter(status=AppealStatus.OPEN, due_at__lt=clock.now())
    return _due_first(rows, filters.cursor, filters.limit)


@router.get("/programmes/{slug}/appeals/{appeal_id}", response=AppealOut)
def get_appeal(request: ApiRequest, slug: str, appeal_id: str) -> dict[str, Any]:
    scope = access_programme(request.auth, slug, "view_console")
    return appeal_json(access_appeal(scope, appeal_id))


@router.post("/programmes/{slug}/appeals/{appeal_id}/answer", response={200: AppealOut})
def answer_appeal(
    request: ApiRequest,
    response: HttpResponse,
    slug: str,
    appeal_id: str,
    body: AnswerIn,
    key: Key = None,
) -> Status[Any]:
    """Uphold (the ledger is corrected and the correction linked) or dismiss, with an
    answer the resident reads."""
    scope = access_programme(request.auth, slug, "review")
    appeal = access_appeal(scope, appeal_id)

    def perform() -> tuple[int, Any]:
        answered = services.answer_appeal(
            appeal=appeal,
            actor=request.auth,
            uphold=body.uphold,
            answer=body.answer,
            points=body.points,
        )
        return 200, appeal_json(answered)

    return once(request, response, scope.programme, key, body, perform)


CREATED = {201: AppealOut}


@router.post("/programmes/{slug}/earnings/{earning_id}/objections", response=CREATED)
def object_for(
    request: ApiRequest,
    response: HttpResponse,
    slug: str,
    earning_id: str,
    body: ForMemberIn,
    key: Key = None,
) -> Status[Any]:
    """Record a resident's objection to an award on public notice."""
    scope = access_programme(request.auth, slug, "check_in")
    earning = access_earning(scope, earning_id)
    member = access_member(scope, body.member)

    def perform() -> tuple[int, Any]:
        made = services.object_to(earning=earning, member=member, reason=body.reason)
        return 201, appeal_json(made)

    return once(request, response, scope.programme, key, body, perform)


@router.post("/programmes/{slug}/earnings/{earning_id}/appeals", response=CREATED)
def appeal_award_for(
    request: ApiRequest,
    response: HttpResponse,
    slug: str,
    earning_id: str,
    body: AppealReasonIn,
    key: Key = None,
) -> Status[Any]:
    """Record the appeal of the resident whose award it is (too few points, the wrong rule)."""
    scope = access_programme(request.auth, slug, "check_in")
    earning = access_earning(scope, earning_id)

    def perform() -> tuple[int, Any]:
        made = services.appeal_award(earning=earning, member=earning.member, reason=body.reason)
        return 201, appeal_json(made)

    return once(request, response, scope.programme, key, body, perform)


@router.post("/programmes/{slug}/claims/{claim_id}/appeals", response=CREATED)
def appeal_claim_for(
    request: ApiRequest,
    response: HttpResponse,
    slug: str,
    claim_id: str,
    body: AppealReasonIn,
    key: Key = None,
) -> Status[Any]:
    """Record the appeal of a resident whose claim was refused."""
    scope = access_programme(request.auth, slug, "check_in")
    claim = access_claim(scope, claim_id)

    def perform() -> tuple[int, Any]:
        made = services.appeal_refused_claim(claim=claim, member=claim.member, reason=body.reason)
        return 201, appeal_json(made)

    return once(request, response, scope.programme, key, body, perform)


@router.post("/programmes/{slug}/activities/{activity_id}/appeals", response=CREATED)
def appeal_missing_for(
    request: ApiRequest,
    response: HttpResponse,
    slug: str,
    activity_id: str,
    body: ForMemberIn,
    key: Key = None,
) -> Status[Any]:
    """Record the appeal of a resident who took part in a closed activity but was not
    credited."""
    scope = access_programme(request.auth, slug, "check_in")
    activity = access_activity(scope, activity_id)
    member = access_member(scope, body.member)

    def perform() -> tuple[int, Any]:
        made = services.appeal_missing(activity=activity, member=member, reason=body.reason)
        return 201, appeal_json(made)

    return once(request, response, scope.programme, key, body, perform)


# The resident.


@router.get("/programmes/{slug}/me/appeals", response=AppealPage)
def my_appeals(request: ApiRequest, slug: str, page: Query[PageQuery]) -> dict[str, Any]:
    """The resident's own objections and appeals, the first due first."""
    member = resident_member(request.auth, slug)
    return _due_first(Appeal.objects.filter(member=member), page.cursor, page.limit)


@router.post("/programmes/{slug}/me/notices/{earning_id}/objections", response=CREATED)
def object_to(
    request: ApiRequest,
    response: HttpResponse,
    slug: str,
    earning_id: str,
    body: AppealReasonIn,
    key: Key = None,
) -> Status[Any]:
    """Object to an award on the notice board: it waits until a reviewer answers."""
    member = resident_member(request.auth, slug)
    earning = access_notice(member, earning_id)

    def perform() -> tuple[int, Any]:
        made = services.object_to(earning=earning, member=member, reason=body.reason)
        return 201, appeal_json(made)

    return once(request, response, member.programme, key, body, perform)


@router.post("/programmes/{slug}/me/earnings/{earning_id}/appeals", response=CREATED)
def appeal_award(
    request: ApiRequest,
    response: HttpResponse,
    slug: str,
    earning_id: str,
    body: AppealReasonIn,
    key: Key = None,
) -> Status[Any]:
    member = resident_member(request.auth, slug)
    earning = access_own_earning(member, earning_id)

    def perform() -> tuple[int, Any]:
        made = services.appeal_award(earning=earning, member=member, reason=body.reason)
        return 201, appeal_json(made)

    return once(request, response, member.programme, key, body, perform)


@router.post("/programmes/{slug}/me/claims/{claim_id}/appeals", response=CREATED)
def appeal_claim(
    request: ApiRequest,
    response: HttpResponse,
    slug: str,
    claim_id: str,
    body: AppealReasonIn,
    key: Key = None,
) -> Status[Any]:
    member = resident_member(request.auth, slug)
    claim = access_own_claim(member, claim_id)

    def perform() -> tuple[int, Any]:
        made = services.appeal_refused_claim(claim=claim, member=member, reason=body.reason)
        return 201, appeal_json(made)

    return once(request, response, member.programme, key, body, perform)


@router.post("/programmes/{slug}/me/activities/{activity_id}/appeals", response=CREATED)
def appeal_missing(
    request: ApiRequest,
    response: HttpResponse,
    slug: str,
    activity_id: str,
    body: AppealReasonIn,
    key: Key = None,
) -> Status[Any]:
    """Took part in a closed activity but was not credited."""
    member = resident_member(request.auth, slug)
    activity = access_member_activity(member, activity_id)

    def perform() -> tuple[int, Any]:
        made = services.appeal_missing(activity=activity, member=member, reason=body.reason)
        return 201, appeal_json(made)

    return once(request, response, member.programme, key, body, perform)
