"""Points: awards, holds, donations, approvals, reversals and statements. Every write takes
an `Idempotency-Key` header: a retry with the same key and body returns the first result."""

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Literal

from django.http import Http404, HttpResponse
from ninja import Field, Router, Schema, Status

from jifen.api.auth import ApiRequest
from jifen.api.idempotency import IdempotencyKey, respond_once
from jifen.api.inputs import Id, InputSchema, Int
from jifen.ledger import services
from jifen.ledger.access import access_approval, access_hold, access_transaction
from jifen.ledger.models import Approval, Transaction
from jifen.ledger.queries import award_message, statement, summary_of
from jifen.programmes.access import StaffScope, access_member, access_programme, resident_member
from jifen.programmes.models import Member, Programme

router = Router(tags=["points"])
Key = Annotated[str | None, IdempotencyKey]


# Points in one request: far above any real award or redemption, far below what the
# database's integers hold (so a huge number is a 422, not a database error).
MAX_POINTS = 1_000_000
Points = Annotated[Int, Field(gt=0, le=MAX_POINTS)]


class AwardIn(InputSchema):
    member: str
    amount: Points
    reason: str = Field(min_length=1, max_length=200)
    reference: str = Field("", max_length=100)


class AwardOut(Schema):
    transaction: str
    member: str
    requested: int
    awarded: int
    truncated: bool
    balance: int
    message: str


class BulkIn(InputSchema):
    reason: str = Field(min_length=1, max_length=200)
    awards: list[tuple[str, Points]] = Field(min_length=1, max_length=20_000)


class HoldIn(InputSchema):
    member: str
    amount: Points
    reference: str = Field(min_length=1, max_length=100)


class HoldOut(Schema):
    id: str
    amount: int
    status: str
    reference: str


class AmountIn(InputSchema):
    amount: Points


class ApprovalIn(InputSchema):
    kind: Literal["adjust", "grant"]
    member: str
    amount: Annotated[
        Int, Field(ge=-MAX_POINTS, le=MAX_POINTS, description="A grant: more than 0.")
    ]
    reason: str = Field(min_length=1, max_length=200)


class ApprovalOut(Schema):
    id: int
    kind: str
    amount: int
    status: str
    transaction: str | None


class ReasonIn(InputSchema):
    reason: str = Field(min_length=1, max_length=200)


class TransactionOut(Schema):
    id: str
    kind: str
    created_at: datetime


class SummaryOut(Schema):
    balance: int
    lifetime_earned: int
    currency: str


class EntryOut(Schema):
    id: int
    transaction: str
    kind: str
    amount: int
    balance_after: int | None
    reason: str
    created_at: datetime
    sealed: bool


class StatementOut(Schema):
    summary: SummaryOut
    entries: list[EntryOut]
    next_before: int | None


def _award_out(
    programme: Programme, member: Member, result: services.AwardResult
) -> dict[str, Any]:
    return AwardOut(
        transaction=result.transaction.public_id if result.transaction else "",
        member=member.public_id,
        requested=result.requested,
        awarded=result.awarded,
        truncated=result.truncated,
        balance=result.balance,
        message=award_message(programme, result),
    ).model_dump(mode="json")


def _tx(tx: Transaction) -> dict[str, Any]:
    return TransactionOut(id=tx.public_id, kind=tx.kind, created_at=tx.created_at).model_dump(
        mode="json"
    )


@router.post("/programmes/{slug}/awards", response={201: AwardOut})
def award(
    request: ApiRequest, response: HttpResponse, slug: str, body: AwardIn, key: Key = None
) -> Status[Any]:
    scope = access_programme(request.auth, slug, "award_points")
    member = access_member(scope, body.member)

    def perform() -> tuple[int, Any]:
        result = services.award_points(
            member=member,
            amount=body.amount,
            reason=body.reason,
            reference=body.reference,
            actor=request.auth,
        )
        return 201, _award_out(scope.programme, member, result)

    return _once(request, response, scope, key, body, perform)


@router.post("/programmes/{slug}/awards/bulk", response={201: list[AwardOut]})
def award_many(
    request: ApiRequest, response: HttpResponse, slug: str, body: BulkIn, key: Key = None
) -> Status[Any]:
    scope = access_programme(request.auth, slug, "award_points")
    members = {
        m.public_id: m
        for m in scope.members().filter(public_id__in=[pid for pid, _ in body.awards])
    }
    awards = [(members[pid], amount) for pid, amount in body.awards if pid in members]
    if len(awards) != len(body.awards):
        raise Http404

    def perform() -> tuple[int, Any]:
        results = services.bulk_award(
            programme=scope.programme,
            awards=awards,
            reason=body.reason,
            actor=request.auth,
        )
        pairs = zip(awards, results, strict=True)
        return 201, [_award_out(scope.programme, m, r) for (m, _), r in pairs]

    return _once(request, response, scope, key, body, perform)


@router.post("/programmes/{slug}/holds", response={201: HoldOut})
def hold(
    request: ApiRequest, response: HttpResponse, slug: str, body: HoldIn, key: Key = None
) -> Status[Any]:
    scope = access_programme(request.auth, slug, "handle_redemptions")
    member = access_member(scope, body.member)

    def perform() -> tuple[int, Any]:
        created = services.hold_points(
            member=member,
            amount=body.amount,
            reference=body.reference,
            actor=request.auth,
        )
        out = HoldOut(
            id=created.public_id,
            amount=created.amount,
            status=created.status,
            reference=created.reference,
        )
        return 201, out.model_dump(mode="json")

    return _once(request, response, scope, key, body, perform)


@router.post("/programmes/{slug}/holds/{hold_id}/{action}", response={200: TransactionOut})
def close_hold(
    request: ApiRequest,
    response: HttpResponse,
    slug: str,
    hold_id: str,
    action: Literal["settle", "release"],
    key: Key = None,
) -> Status[Any]:
    scope = access_programme(request.auth, slug, "handle_redemptions")
    found = access_hold(scope, hold_id)
    close = services.settle_hold if action == "settle" else services.release_hold

    def perform() -> tuple[int, Any]:
        return 200, _tx(close(hold=found, actor=request.auth))

    return _once(request, response, scope, key, None, perform)


@router.post("/programmes/{slug}/me/donations", response={201: TransactionOut})
def donate(
    request: ApiRequest, response: HttpResponse, slug: str, body: AmountIn, key: Key = None
) -> Status[Any]:
    member = resident_member(request.auth, slug)

    def perform() -> tuple[int, Any]:
        given = services.donate_points(
            member=member,
            amount=body.amount,
            actor=request.auth,
        )
        return 201, _tx(given)

    return respond_once(
        request, response, programme=member.programme, key=key, payload=body, perform=perform
    )


@router.post("/programmes/{slug}/approvals", response={201: ApprovalOut})
def ask_approval(
    request: ApiRequest, response: HttpResponse, slug: str, body: ApprovalIn, key: Key = None
) -> Status[Any]:
    scope = access_programme(request.auth, slug, "request_changes")
    member = access_member(scope, body.member)

    def perform() -> tuple[int, Any]:
        approval = services.request_approval(
            kind=body.kind,
            member=member,
            amount=body.amount,
            reason=body.reason,
            actor=request.auth,
        )
        return 201, _approval(approval)

    return _once(request, response, scope, key, body, perform)


@router.post("/programmes/{slug}/approvals/{approval_id}/{decision}", response={200: ApprovalOut})
def decide(
    request: ApiRequest,
    response: HttpResponse,
    slug: str,
    approval_id: Id,
    decision: Literal["approve", "reject"],
    key: Key = None,
) -> Status[Any]:
    scope = access_programme(request.auth, slug, "review")
    approval = access_approval(scope, approval_id)
    carry_out = services.approve if decision == "approve" else services.reject

    def perform() -> tuple[int, Any]:
        carry_out(approval=approval, actor=request.auth)
        approval.refresh_from_db()
        return 200, _approval(approval)

    return _once(request, response, scope, key, None, perform)


def _approval(approval: Approval) -> dict[str, Any]:
    return ApprovalOut(
        id=approval.pk,
        kind=approval.kind,
        amount=approval.amount,
        status=approval.status,
        transaction=approval.transaction.public_id if approval.transaction else None,
    ).model_dump(mode="json")


@router.post("/programmes/{slug}/transactions/{public_id}/reverse", response={201: TransactionOut})
def reverse(
    request: ApiRequest,
    response: HttpResponse,
    slug: str,
    public_id: str,
    body: ReasonIn,
    key: Key = None,
) -> Status[Any]:
    scope = access_programme(request.auth, slug, "reverse")
    original = access_transaction(scope, public_id)

    def perform() -> tuple[int, Any]:
        reversal = services.reverse_transaction(
            original=original,
            reason=body.reason,
            actor=request.auth,
        )
        return 201, _tx(reversal)

    return _once(request, response, scope, key, body, perform)


def _once(
    request: ApiRequest,
    response: HttpResponse,
    scope: StaffScope,
    key: str | None,
    body: Schema | None,
    perform: Callable[[], tuple[int, Any]],
) -> Status[Any]:
    return respond_once(
        request, response, programme=scope.programme, key=key, payload=body, perform=perform
    )


def _statement(member: Member, before: int | None) -> StatementOut:
    entries = statement(member, before=before)
    summary = summary_of(member)
    return StatementOut(
        summary=SummaryOut(
            balance=summary.balance,
            lifetime_earned=summary.lifetime_earned,
            currency=member.programme.currency_name,
        ),
        entries=[
            EntryOut(
                id=p.pk,
                transaction=p.transaction.public_id,
                kind=p.transaction.kind,
                amount=p.amount,
                balance_after=p.balance_after,
                reason=p.transaction.reason,
                created_at=p.transaction.created_at,
                sealed=hasattr(p.transaction, "log_leaf"),
            )
            for p in entries
        ],
        next_before=entries[-1].pk if len(entries) == 50 else None,
    )


@router.get("/programmes/{slug}/me/points", response=StatementOut)
def my_points(request: ApiRequest, slug: str, before: Id | None = None) -> StatementOut:
    return _statement(resident_member(request.auth, slug), before)


@router.get("/programmes/{slug}/members/{public_id}/points", response=StatementOut)
def member_points(
    request: ApiRequest, slug: str, public_id: str, before: Id | None = None
) -> StatementOut:
    scope = access_programme(request.auth, slug, "view_ledger")
    return _statement(access_member(scope, public_id), before)
