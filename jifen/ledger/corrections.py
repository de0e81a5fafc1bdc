"""Changes that need a second person, and reversals: grants from the community fund, manual
adjustments, reversing a transaction, transfers where a programme allows them."""

from django.db import transaction

from jifen.accounts.models import User
from jifen.audit.services import record
from jifen.idempotency.services import request_hash
from jifen.ledger import errors
from jifen.ledger.accounts import add_lifetime, policy_of, system_account, wallet_of
from jifen.ledger.checks import once, require_active, require_amount, require_reason
from jifen.ledger.limits import give_back
from jifen.ledger.models import (
    WALLETS,
    Account,
    AccountKind,
    Approval,
    ApprovalKind,
    ApprovalStatus,
    Lot,
    Posting,
    Transaction,
    TransactionKind,
)
from jifen.ledger.postings import Leg, LotPlan, post_expiring
from jifen.lib import clock
from jifen.programmes.models import Member, Role, RoleKind

# Kinds whose credits count as earned (tiers, honours). A grant from the fund is help to a
# family in difficulty, not earned: it never counts, so its reversal takes nothing back.
EARNING = {TransactionKind.AWARD, TransactionKind.ADJUST}


@transaction.atomic
def request_approval(
    *, kind: str, member: Member, amount: int, reason: str, actor: User
) -> Approval:
    """Ask for a grant from the fund (amount > 0) or an adjustment (±) that a reviewer other
    than `actor` must approve."""
    require_amount(amount if kind == ApprovalKind.GRANT else abs(amount))
    require_reason(reason)
    approval = Approval.objects.create(
        programme=member.programme,
        kind=kind,
        member=member,
        amount=amount,
        reason=reason.strip(),
        requested_by=actor,
    )
    record(
        actor=actor,
        programme=member.programme,
        action=f"{kind}.request",
        target=member,
        data={"amount": amount},
    )
    return approval


@transaction.atomic
def approve(*, approval: Approval, actor: User) -> Transaction:
    """Carry out the approved change. Raises SelfApproval, NotAReviewer, AlreadyDecided,
    InsufficientPoints, FundInsufficient."""
    _may_decide(approval, actor)
    if not Approval.objects.filter(pk=approval.pk, status=ApprovalStatus.PENDING).update(
        status=ApprovalStatus.APPROVED, decided_by=actor, decided_at=clock.now()
    ):
        raise errors.AlreadyDecided()
    tx = (
        _grant(approval, actor) if approval.kind == ApprovalKind.GRANT else _adjust(approval, actor)
    )
    Approval.objects.filter(pk=approval.pk).update(transaction=tx)
    record(
        actor=actor,
        programme=approval.programme,
        action=f"{approval.kind}.approve",
        target=approval.member,
        data={"amount": approval.amount},
    )
    return tx


@transaction.atomic
def reject(*, approval: Approval, actor: User) -> None:
    _may_decide(approval, actor)
    if not Approval.objects.filter(pk=approval.pk, status=ApprovalStatus.PENDING).update(
        status=ApprovalStatus.REJECTED, decided_by=actor, decided_at=clock.now()
    ):
        raise errors.AlreadyDecided()
    record(
        actor=actor,
        programme=approval.programme,
        action=f"{approval.kind}.reject",
        target=approval.member,
    )


def _may_decide(approval: Approval, actor: User) -> None:
    if approval.requested_by_id == actor.pk:
        raise errors.SelfApproval()
    if approval.member.user_id == actor.pk:  # a reviewer cannot approve points for themselves
        raise errors.SelfApproval()
    if not Role.objects.filter(
        user=actor, programme=approval.programme, kind__in=[RoleKind.REVIEWER, RoleKind.ADMIN]
    ).exists():
        raise errors.NotAReviewer()


def _grant(approval: Approval, actor: User) -> Transaction:
    member = approval.member
    require_active(member)
    fund = system_account(member.community, AccountKind.FUND)
    tx = Transaction(
        programme=member.programme,
        kind=TransactionKind.GRANT,
        member=member,
        reason=approval.reason,
        actor=actor,
    )
    try:
        post_expiring(
            tx,
            [Leg(fund, -approval.amount), Leg(wallet_of(member), approval.amount)],
            policy_of(member.programme),
        )
    except errors.InsufficientPoints as exc:
        raise errors.FundInsufficient(
            balance=exc.params["balance"], needed=approval.amount
        ) from exc
    return tx


def _adjust(approval: Approval, actor: User) -> Transaction:
    member, amount = approval.member, approval.amount
    issuance = system_account(member.community, AccountKind.ISSUANCE)
    tx = Transaction(
        programme=member.programme,
        kind=TransactionKind.ADJUST,
        member=member,
        reason=approval.reason,
        actor=actor,
    )
    post_expiring(
        tx,
        [Leg(issuance, -amount), Leg(wallet_of(member), amount)],
        policy_of(member.programme),
    )
    if amount > 0:
        add_lifetime(member, amount)
    return tx


def reverse_transaction(
    *, original: Transaction, reason: str, actor: User, idempotency_key: str | None = None
) -> Transaction:
    """A new transaction with every posting negated, pointing at the original; once only.
    Points a resident already spent cannot be taken back (InsufficientPoints).
    Raises ReasonRequired, AlreadyReversed, NotReversible."""
    require_reason(reason)
    digest = request_hash("reverse", actor, original.pk, reason)
    return once(
        original.programme,
        idempotency_key,
        digest,
        lambda: _reverse(original, reason, actor, idempotency_key, digest),
        lambda tx: tx,
    )


# A hold's movements are undone by settling or releasing the hold, never by a reversal that
# would leave the hold open (and let it be settled or released again).
NOT_REVERSIBLE = {
    TransactionKind.REVERSE,
    TransactionKind.HOLD,
    TransactionKind.SETTLE,
    TransactionKind.RELEASE,
}


def _reverse(
    original: Transaction, reason: str, actor: User, key: str | None, digest: str
) -> Transaction:
    if original.kind in NOT_REVERSIBLE:
        raise errors.NotReversible()
    # Two reversals of one transaction at once: the second waits here, then sees the first.
    list(Transaction.objects.select_for_update().filter(pk=original.pk).values("pk"))
    if Transaction.objects.filter(reverses=original).exists():
        raise errors.AlreadyReversed()
    give_back(original.charged)  # counters before accounts, as an award locks them
    postings = list(original.postings.select_related("account"))
    _lock_wallets(postings)
    tx = Transaction(
        programme=original.programme,
        kind=TransactionKind.REVERSE,
        member=original.member,
        reverses=original,
        reason=reason,
        actor=actor,
        idempotency_key=key,
        request_hash=digest,
    )
    post_expiring(
        tx,
        [Leg(p.account, -p.amount) for p in postings],
        policy_of(original.programme),
        earned_at=original.created_at,
        lot_plan=_own_lots(postings),
    )
    earned = sum(p.amount for p in postings if p.amount > 0 and p.account.kind in WALLETS)
    if original.kind in EARNING and earned and original.member is not None:
        add_lifetime(original.member, -earned)
    return tx


def _lock_wallets(postings: list[Posting]) -> None:
    """Lock the wallets before reading their lots, so that a concurrent spend cannot take the
    lot between our reading and our writing; in primary-key order, as every writer locks."""
    ids = [p.account_id for p in postings if p.account.kind in WALLETS]
    list(Account.objects.select_for_update().filter(pk__in=ids).order_by("pk").values("pk"))


def _own_lots(postings: list[Posting]) -> LotPlan:
    """Taking back credited points takes them from the lot they opened; if the resident spent
    some of it, the reversal is refused rather than eat into other points."""
    plan: LotPlan = {}
    for posting in postings:
        if posting.amount > 0 and posting.account.kind in WALLETS:
            lot = Lot.objects.filter(posting=posting).first()
            if lot is not None:
                if lot.remaining < posting.amount:
                    raise errors.InsufficientPoints(balance=lot.remaining, needed=posting.amount)
                plan[posting.account.pk] = [(lot.pk, posting.amount)]
    return plan


def transfer_points(
    *, sender: Member, recipient: Member, amount: int, actor: User | None = None
) -> Transaction:
    """Member to member, only where the programme allows it (the documents say points are
    not transferable, so it is off by default). Raises TransfersNotAllowed."""
    require_amount(amount)
    policy = policy_of(sender.programme)
    if not policy.transfers_allowed:
        raise errors.TransfersNotAllowed()
    require_active(recipient)
    with transaction.atomic():
        tx = Transaction(
            programme=sender.programme,
            kind=TransactionKind.TRANSFER,
            member=sender,
            actor=actor,
            reference=recipient.public_id,
        )
        return post_expiring(
            tx,
            [Leg(wallet_of(sender), -amount), Leg(wallet_of(recipient), amount)],
            policy,
        ).transaction
