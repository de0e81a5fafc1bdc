"""Points: awards, holds, donations, approvals, reversals and statements. Every write takes
an `Idempotency-Key` header: a retry with the same key and body returns the first result."""

from datetime import datetime
from typing import Annotated

from django.db.models import Q
from django.http import Http404, HttpRequest
from ninja import Field, Header, Router, Schema, Status

from jifen.api.inputs import Id, InputSchema, Int
from jifen.ledger import services
from jifen.ledger.models import Account, Approval, Hold, Transaction
from jifen.ledger.queries import award_message, statement, summary_of
from jifen.ledger.services import bulk_award
from jifen.programmes.access import access_member, access_programme, resident_member

router = Router(tags=["points"])
Key = Header(None, alias="Idempotency-Key", max_length=100)
MAX_POINTS = 1_000_000  # in one award, hold, donation or adjustment
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
    id: str = Field(alias="public_id")
    amount: int
    status: str
    reference: str


class AmountIn(InputSchema):
    amount: Points


class ApprovalIn(InputSchema):
    kind: str = Field(pattern="^(adjust|grant)$")
    member: str
    amount: Annotated[Int, Field(ge=-MAX_POINTS, le=MAX_POINTS)]
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


def _award_out(programme, member, result) -> AwardOut:  # type: ignore[no-untyped-def]
    return AwardOut(
        transaction=result.transaction.public_id if result.transaction else "",
        member=member.public_id,
        requested=result.requested,
        awarded=result.awarded,
        truncated=result.truncated,
        balance=result.balance,
        message=award_message(programme, result),
    )


def _tx(tx: Transaction) -> TransactionOut:
    return TransactionOut(id=tx.public_id, kind=tx.kind, created_at=tx.created_at)


@router.post("/programmes/{slug}/awards", response={201: AwardOut})
def award(request: HttpRequest, slug: str, body: AwardIn, key: str | None = Key):
    scope = access_programme(request.auth, slug, "award_points")  # type: ignore[attr-defined]
    member = access_member(scope, body.member)
    result = services.award_points(
        member=member,
        amount=body.amount,
        reason=body.reason,
        reference=body.reference,
        actor=request.auth,  # type: ignore[attr-defined]
        idempotency_key=key,
    )
    return Status(201, _award_out(scope.programme, member, result))


@router.post("/programmes/{slug}/awards/bulk", response={201: list[AwardOut]})
def award_many(request: HttpRequest, slug: str, body: BulkIn, key: str | None = Key):
    scope = access_programme(request.auth, slug, "award_points")  # type: ignore[attr-defined]
    members = {
        m.public_id: m
        for m in scope.members().filter(public_id__in=[pid for pid, _ in body.awards])
    }
    awards = [(members[pid], amount) for pid, amount in body.awards if pid in members]
    if len(awards) != len(body.awards):
        raise Http404
    results = bulk_award(
        programme=scope.programme,
        awards=awards,
        reason=body.reason,
        actor=request.auth,
        idempotency_key=key,
    )  # type: ignore[attr-defined]
    return Status(
        201, [_award_out(scope.programme, m, r) for (m, _), r in zip(awards, results, strict=True)]
    )


@router.post("/programmes/{slug}/holds", response={201: HoldOut})
def hold(request: HttpRequest, slug: str, body: HoldIn, key: str | None = Key):
    scope = access_programme(request.auth, slug, "handle_redemptions")  # type: ignore[attr-defined]
    created = services.hold_points(
        member=access_member(scope, body.member),
        amount=body.amount,
        reference=body.reference,
        actor=request.auth,  # type: ignore[attr-defined]
        idempotency_key=key,
    )
    return Status(201, created)


@router.post("/programmes/{slug}/holds/{hold_id}/{action}", response=TransactionOut)
def close_hold(request: HttpRequest, slug: str, hold_id: str, action: str) -> TransactionOut:
    scope = access_programme(request.auth, slug, "handle_redemptions")  # type: ignore[attr-defined]
    found = Hold.objects.filter(
        programme=scope.programme, public_id=hold_id, account__in=_wallets(scope)
    ).first()
    if found is None or action not in ("settle", "release"):
        raise Http404
    close = services.settle_hold if action == "settle" else services.release_hold
    return _tx(close(hold=found, actor=request.auth))  # type: ignore[attr-defined]


def _wallets(scope):  # type: ignore[no-untyped-def]
    members = scope.members()
    return Account.objects.filter(Q(member__in=members) | Q(household__members__in=members))


@router.post("/programmes/{slug}/me/donations", response={201: TransactionOut})
def donate(request: HttpRequest, slug: str, body: AmountIn, key: str | None = Key):
    member = resident_member(request.auth, slug)  # type: ignore[attr-defined]
    return Status(
        201,
        _tx(
            services.donate_points(
                member=member,
                amount=body.amount,
                actor=request.auth,  # type: ignore[attr-defined]
                idempotency_key=key,
            )
        ),
    )


@router.post("/programmes/{slug}/approvals", response={201: ApprovalOut})
def ask_approval(request: HttpRequest, slug: str, body: ApprovalIn):
    scope = access_programme(request.auth, slug, "request_changes")  # type: ignore[attr-defined]
    approval = services.request_approval(
        kind=body.kind,
        member=access_member(scope, body.member),
        amount=body.amount,
        reason=body.reason,
        actor=request.auth,
    )  # type: ignore[attr-defined]
    return Status(201, _approval(approval))


@router.post("/programmes/{slug}/approvals/{approval_id}/{decision}", response=ApprovalOut)
def decide(request: HttpRequest, slug: str, approval_id: Id, decision: str) -> ApprovalOut:
    scope = access_programme(request.auth, slug, "review")  # type: ignore[attr-defined]
    approval = Approval.objects.filter(
        pk=approval_id, programme=scope.programme, member__in=scope.members()
    ).first()
    if approval is None or decision not in ("approve", "reject"):
        raise Http404
    if decision == "approve":
        services.approve(approval=approval, actor=request.auth)  # type: ignore[attr-defined]
    else:
        services.reject(approval=approval, actor=request.auth)  # type: ignore[attr-defined]
    approval.refresh_from_db()
    return _approval(approval)


def _approval(approval: Approval) -> ApprovalOut:
    return ApprovalOut(
        id=approval.pk,
        kind=approval.kind,
        amount=approval.amount,
        status=approval.status,
        transaction=approval.transaction.public_id if approval.transaction else None,
    )


@router.post("/programmes/{slug}/transactions/{public_id}/reverse", response={201: TransactionOut})
def reverse(request: HttpRequest, slug: str, public_id: str, body: ReasonIn, key: str | None = Key):
    scope = access_programme(request.auth, slug, "reverse")  # type: ignore[attr-defined]
    original = Transaction.objects.filter(programme=scope.programme, public_id=public_id).first()
    if original is None:
        raise Http404
    return Status(
        201,
        _tx(
            services.reverse_transaction(
                original=original,
                reason=body.reason,
                actor=request.auth,  # type: ignore[attr-defined]
                idempotency_key=key,
            )
        ),
    )


def _statement(member, before: int | None) -> StatementOut:  # type: ignore[no-untyped-def]
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
def my_points(request: HttpRequest, slug: str, before: Id | None = None) -> StatementOut:
    return _statement(resident_member(request.auth, slug), before)  # type: ignore[attr-defined]


@router.get("/programmes/{slug}/members/{public_id}/points", response=StatementOut)
def member_points(
    request: HttpRequest, slug: str, public_id: str, before: Id | None = None
) -> StatementOut:
    scope = access_programme(request.auth, slug, "view_ledger")  # type: ignore[attr-defined]
    return _statement(access_member(scope, public_id), before)
