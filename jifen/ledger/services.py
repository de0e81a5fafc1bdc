"""Every change to points. Web, API, commands and the demo call these and nothing else.

Each service runs in one database transaction, refuses with a DomainError that changes
nothing, and takes an optional idempotency key: the same key with the same request returns
the first result; with another request it raises IdempotencyConflict.
"""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from django.db import IntegrityError, transaction

from jifen.accounts.models import User
from jifen.ledger import errors, rules
from jifen.ledger.accounts import (
    add_lifetime,
    award_sources,
    open_award_accounts,
    system_account,
    wallet_of,
)
from jifen.ledger.limits import charge
from jifen.ledger.models import (
    Account,
    AccountKind,
    Asset,
    Hold,
    HoldStatus,
    LedgerPolicy,
    Posting,
    Transaction,
    TransactionKind,
)
from jifen.ledger.postings import Leg, LotPlan, Posted, post
from jifen.lib import clock
from jifen.programmes.models import Member, MemberStatus, Programme

T = TypeVar("T")


@dataclass(frozen=True)
class AwardResult:
    """What an award did: `awarded` may be less than `requested` when a cap truncated it."""

    transaction: Transaction
    requested: int
    awarded: int
    balance: int
    # The code of the limit that truncated the award ("cap_reached", "quota_exhausted"; just
    # "limit" when an idempotent replay no longer knows which), None when nothing was cut.
    truncated_by: str | None = None

    @property
    def truncated(self) -> bool:
        return self.awarded < self.requested


def request_hash(*parts: object) -> str:
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()


def once(
    programme: Programme,
    key: str | None,
    digest: str,
    run: Callable[[], T],
    replay: Callable[[Transaction], T],
) -> T:
    """Run `run` at most once per idempotency key. A concurrent retry waits on the key's unique
    index, then finds the winner's transaction and replays it."""
    if key:
        found = Transaction.objects.filter(programme=programme, idempotency_key=key).first()
        if found is not None:
            return _replay(found, digest, replay)
    try:
        with transaction.atomic():
            return run()
    except IntegrityError:
        found = (
            Transaction.objects.filter(programme=programme, idempotency_key=key).first()
            if key
            else None
        )
        if found is None:
            raise
        return _replay(found, digest, replay)


def _replay(found: Transaction, digest: str, replay: Callable[[Transaction], T]) -> T:
    if found.request_hash != digest:
        raise errors.IdempotencyConflict()
    return replay(found)


def _check(amount: int, reason: str | None = None) -> None:
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise errors.AmountNotPositive()
    if reason is not None and not reason.strip():
        raise errors.ReasonRequired()


def _active(member: Member) -> None:
    if member.status != MemberStatus.ACTIVE:
        raise errors.InactiveMember(name=member.display_name)


def post_expiring(
    tx: Transaction,
    legs: list[Leg],
    policy: LedgerPolicy,
    *,
    earned_at: datetime | None = None,
    lot_plan: LotPlan | None = None,
) -> Posted:
    """`post`, the points it credits to a wallet expiring as the programme's policy says for
    points earned at `earned_at` (now when not given). Minutes of service never expire."""
    points = all(leg.account.asset == Asset.POINTS for leg in legs)
    expires_at = rules.expiry_for(policy, earned_at or clock.now()) if points else None
    return post(tx, legs, expires_at=expires_at, lot_plan=lot_plan)


def award_points(
    *,
    member: Member,
    amount: int,
    reason: str,
    actor: User | None = None,
    reference: str = "",
    idempotency_key: str | None = None,
    asset: str = Asset.POINTS,
) -> AwardResult:
    """Credit points earned from the community's issuance account, within the programme's
    caps and the community's monthly quota (truncated or refused, as the policy says).
    Raises AmountNotPositive, ReasonRequired, InactiveMember, CapReached, QuotaExhausted,
    IdempotencyConflict."""
    _check(amount, reason)
    digest = request_hash("award", member.pk, amount, reason, reference, asset)
    return once(
        member.programme,
        idempotency_key,
        digest,
        lambda: _award(member, amount, reason, actor, reference, idempotency_key, digest, asset),
        lambda tx: _award_result(tx, amount),
    )


def _award(member, amount, reason, actor, reference, key, digest, asset):  # type: ignore[no-untyped-def]
    _active(member)
    policy, accounts = award_sources(member, asset)
    now = clock.now()
    limits = rules.award_limits(policy, member, now) if asset == Asset.POINTS else []
    taken = charge(member.programme, limits, amount, truncate=rules.truncates(policy))
    granted = taken.granted
    # Opening an account locks its new row: after the counters, as every writer locks.
    wallet, issuance = accounts or open_award_accounts(member, asset)
    tx = Transaction(
        programme=member.programme,
        kind=TransactionKind.AWARD,
        member=member,
        reason=reason,
        reference=reference,
        actor=actor,
        idempotency_key=key,
        request_hash=digest,
        charged=taken.charges or None,
        created_at=now,
    )
    own = wallet.kind == AccountKind.MEMBER  # lifetime moves with the balance, one statement
    posted = post_expiring(
        tx,
        [Leg(issuance, -granted), Leg(wallet, granted, earned=granted if own else 0)],
        policy,
        earned_at=now,
    )
    if not own:
        add_lifetime(member, granted, asset)
    balance = posted.balances[wallet.pk] or 0
    return AwardResult(tx, amount, granted, balance, taken.truncated_by)


def _award_result(tx: Transaction, requested: int) -> AwardResult:
    leg = tx.postings.filter(amount__gt=0).first()
    assert leg is not None
    return AwardResult(tx, requested, leg.amount, leg.balance_after or 0, _capped(requested, leg))


def _capped(requested: int, leg: Posting) -> str | None:
    # A replay knows that a limit cut the award, no longer which one.
    return "limit" if leg.amount < requested else None


def donate_points(
    *, member: Member, amount: int, actor: User | None = None, idempotency_key: str | None = None
) -> Transaction:
    """Give points to the community fund (积分银行), which supports families in difficulty.
    Raises AmountNotPositive, InsufficientPoints."""
    _check(amount)
    digest = request_hash("donate", member.pk, amount)
    return once(
        member.programme,
        idempotency_key,
        digest,
        lambda: _donate(member, amount, actor, idempotency_key, digest),
        lambda tx: tx,
    )


def _donate(member, amount, actor, key, digest):  # type: ignore[no-untyped-def]
    _active(member)
    tx = Transaction(
        programme=member.programme,
        kind=TransactionKind.DONATE,
        member=member,
        actor=actor,
        idempotency_key=key,
        request_hash=digest,
    )
    fund = system_account(member.community, AccountKind.FUND)
    return post(tx, [Leg(wallet_of(member), -amount), Leg(fund, amount)]).transaction


def hold_points(
    *,
    member: Member,
    amount: int,
    reference: str,
    actor: User | None = None,
    idempotency_key: str | None = None,
) -> Hold:
    """Set points aside for a redemption (two-phase: then settle or release, exactly once).
    Raises AmountNotPositive, InactiveMember, InsufficientPoints."""
    _check(amount)
    digest = request_hash("hold", member.pk, amount, reference)
    return once(
        member.programme,
        idempotency_key,
        digest,
        lambda: _hold(member, amount, reference, actor, idempotency_key, digest),
        lambda tx: Hold.objects.get(hold_transaction=tx),
    )


def _hold(member, amount, reference, actor, key, digest):  # type: ignore[no-untyped-def]
    _active(member)
    wallet = wallet_of(member)
    holds = system_account(member.community, AccountKind.HOLDS)
    tx = Transaction(
        programme=member.programme,
        kind=TransactionKind.HOLD,
        member=member,
        reference=reference,
        actor=actor,
        idempotency_key=key,
        request_hash=digest,
    )
    posted = post(tx, [Leg(wallet, -amount), Leg(holds, amount)])
    return Hold.objects.create(
        programme=member.programme,
        account=wallet,
        amount=amount,
        reference=reference,
        hold_transaction=tx,
        lots=posted.lots_used[wallet.pk],
    )


@transaction.atomic
def settle_hold(*, hold: Hold, actor: User | None = None) -> Transaction:
    """The held points are spent: they go to the redemption account. Raises HoldNotOpen."""
    return _close(hold, HoldStatus.SETTLED, actor)


@transaction.atomic
def release_hold(*, hold: Hold, actor: User | None = None) -> Transaction:
    """The held points go back to the wallet, into the lots they came from (same expiry).
    Raises HoldNotOpen."""
    return _close(hold, HoldStatus.RELEASED, actor)


def _close(hold: Hold, status: str, actor: User | None) -> Transaction:
    # The guarded status change is the "exactly once": a second caller updates no row.
    if not Hold.objects.filter(pk=hold.pk, status=HoldStatus.OPEN).update(status=status):
        raise errors.HoldNotOpen()
    held = Transaction.objects.get(pk=hold.hold_transaction_id)
    holds = held.postings.get(amount__gt=0).account
    wallet = Account.objects.get(pk=hold.account_id)
    settle = status == HoldStatus.SETTLED
    target = system_account(holds.community, AccountKind.REDEMPTION) if settle else wallet
    tx = Transaction(
        programme=hold.programme,
        member=held.member,
        actor=actor,
        reference=hold.reference,
        kind=TransactionKind.SETTLE if settle else TransactionKind.RELEASE,
    )
    plan = None if settle else {wallet.pk: [tuple(pair) for pair in hold.lots]}
    post(tx, [Leg(holds, -hold.amount), Leg(target, hold.amount)], lot_plan=plan)
    type(hold).objects.filter(pk=hold.pk).update(final_transaction=tx)
    hold.status, hold.final_transaction = status, tx
    return tx
