"""Points leaving a wallet: donations to the community fund, holds for redemptions that
are then settled (spent) or released (given back), exactly once, and penalties."""

from collections.abc import Sequence

from django.db import transaction

from jifen.accounts.models import User
from jifen.idempotency.services import request_hash
from jifen.ledger import errors
from jifen.ledger.accounts import system_account, wallet_of
from jifen.ledger.checks import once, require_active, require_amount, require_reason
from jifen.ledger.limits import Limit, charge, give_back
from jifen.ledger.models import Account, AccountKind, Hold, HoldStatus, Transaction, TransactionKind
from jifen.ledger.postings import Leg, post
from jifen.programmes.models import Member


def donate_points(
    *, member: Member, amount: int, actor: User | None = None, idempotency_key: str | None = None
) -> Transaction:
    """Give points to the community fund (积分银行), which supports families in difficulty.
    Raises AmountNotPositive, InsufficientPoints."""
    require_amount(amount)
    digest = request_hash("donate", actor, member.pk, amount)
    return once(
        member.programme,
        idempotency_key,
        digest,
        lambda: _donate(member, amount, actor, idempotency_key, digest),
        lambda tx: tx,
    )


def _donate(
    member: Member, amount: int, actor: User | None, key: str | None, digest: str
) -> Transaction:
    require_active(member)
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
    limits: Sequence[Limit] = (),
    units: int = 1,
) -> Hold:
    """Set points aside for a redemption (two-phase: then settle or release, exactly once).
    `units` of every counter in `limits` (a reward's stock, its monthly and per-member
    limits) are used with it, before any account is touched, and given back if the hold is
    released (a settled hold keeps them). Raises AmountNotPositive, InactiveMember,
    InsufficientPoints, and the refusal of a limit that has no room."""
    require_amount(amount)
    require_amount(units)
    extra = [(x.scope, x.period, x.ceiling) for x in limits]
    digest = request_hash("hold", actor, member.pk, amount, reference, units, *extra)
    return once(
        member.programme,
        idempotency_key,
        digest,
        lambda: _hold(
            member, amount, reference, actor, idempotency_key, digest, list(limits), units
        ),
        lambda tx: Hold.objects.get(hold_transaction=tx),
    )


def _hold(
    member: Member,
    amount: int,
    reference: str,
    actor: User | None,
    key: str | None,
    digest: str,
    limits: list[Limit],
    units: int,
) -> Hold:
    require_active(member)
    # Counters first, as every writer that moves both: none waits for another in a cycle.
    charges = charge(member.programme, limits, units, truncate=False).charges if limits else []
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
        charged=charges or None,
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
    if status == HoldStatus.RELEASED:
        give_back(held.charged)  # the stock and limits it used, before any account
    holds = held.postings.get(amount__gt=0).account
    wallet = Account.objects.get(pk=hold.account_id)
    settle = status == HoldStatus.SETTLED
    target = wallet
    if settle:
        assert holds.community is not None  # the holds account is a community's
        target = system_account(holds.community, AccountKind.REDEMPTION)
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


def charge_penalty(
    *,
    member: Member,
    amount: int,
    reason: str,
    reference: str = "",
    actor: User | None = None,
    idempotency_key: str | None = None,
) -> Transaction | None:
    """Take a penalty (a delivered gift refused for personal reasons) from the wallet into
    the penalty account, never below zero: when the balance is lower, what there is is taken
    and the rest is waived. Returns None when the wallet is empty (nothing to take).
    Raises AmountNotPositive, ReasonRequired."""
    require_amount(amount)
    require_reason(reason)
    digest = request_hash("penalty", actor, member.pk, amount, reason, reference)
    return once(
        member.programme,
        idempotency_key,
        digest,
        lambda: _penalty(member, amount, reason, reference, actor, idempotency_key, digest),
        lambda tx: tx,
    )


def _penalty(
    member: Member,
    amount: int,
    reason: str,
    reference: str,
    actor: User | None,
    key: str | None,
    digest: str,
) -> Transaction | None:
    wallet = Account.objects.select_for_update().get(pk=wallet_of(member).pk)
    taken = min(amount, wallet.balance)
    if taken <= 0:
        return None
    tx = Transaction(
        programme=member.programme,
        kind=TransactionKind.PENALTY,
        member=member,
        reason=reason[:200],
        reference=reference,
        actor=actor,
        idempotency_key=key,
        request_hash=digest,
    )
    penalties = system_account(member.community, AccountKind.PENALTY)
    return post(tx, [Leg(wallet, -taken), Leg(penalties, taken)]).transaction
