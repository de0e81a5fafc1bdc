"""Awards: points earned, credited from the community's issuance account within the
programme's caps and the community's monthly quota."""

from collections.abc import Sequence
from dataclasses import dataclass

from jifen.accounts.models import User
from jifen.idempotency.services import request_hash
from jifen.ledger.accounts import add_lifetime, award_sources, open_award_accounts
from jifen.ledger.checks import once, require_active, require_amount, require_reason
from jifen.ledger.limits import Limit, charge
from jifen.ledger.models import AccountKind, Asset, Posting, Transaction, TransactionKind
from jifen.ledger.policy import award_limits, truncates
from jifen.ledger.postings import Leg, post_expiring
from jifen.lib import clock
from jifen.programmes.models import Member


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


def award_points(
    *,
    member: Member,
    amount: int,
    reason: str,
    actor: User | None = None,
    reference: str = "",
    idempotency_key: str | None = None,
    asset: str = Asset.POINTS,
    limits: Sequence[Limit] = (),
) -> AwardResult:
    """Credit points earned from the community's issuance account, within the programme's
    caps and the community's monthly quota (truncated or refused, as the policy says), and
    within `limits`: counters of the caller's own (an earning rule's caps), charged with
    them. Raises AmountNotPositive, ReasonRequired, InactiveMember, CapReached, QuotaExhausted,
    IdempotencyConflict."""
    require_amount(amount)
    require_reason(reason)
    extra = [(x.scope, x.period, x.ceiling) for x in limits]
    digest = request_hash("award", actor, member.pk, amount, reason, reference, asset, *extra)
    return once(
        member.programme,
        idempotency_key,
        digest,
        lambda: _award(
            member, amount, reason, actor, reference, idempotency_key, digest, asset, limits
        ),
        lambda tx: _award_result(tx, amount),
    )


def _award(
    member: Member,
    amount: int,
    reason: str,
    actor: User | None,
    reference: str,
    key: str | None,
    digest: str,
    asset: str,
    extra: Sequence[Limit],
) -> AwardResult:
    require_active(member)
    policy, accounts = award_sources(member, asset)
    now = clock.now()
    limits = award_limits(policy, member, now) if asset == Asset.POINTS else []
    taken = charge(member.programme, [*limits, *extra], amount, truncate=truncates(policy))
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
