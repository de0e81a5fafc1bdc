"""The one entry point for every change to points. Web, API, commands, the demo and the
other apps call these and nothing else; nothing outside the ledger writes a posting.

Each service runs in one database transaction, refuses with a DomainError that changes
nothing, and where a client may retry takes an idempotency key: the same key with the same
request returns the first result; with another request it raises IdempotencyConflict.
The implementations live beside this module, by kind of change. The programme's ledger
policy (caps, quotas, expiry, transfers, point value) changes here too: `update_policy`.
"""

from jifen.ledger.awards import AwardResult, award_points
from jifen.ledger.bulk_award import bulk_award
from jifen.ledger.corrections import (
    approve,
    reject,
    request_approval,
    reverse_transaction,
    transfer_points,
)
from jifen.ledger.expiry import expire_lots
from jifen.ledger.limits import Limit, forget_counters
from jifen.ledger.limits import charge as _charge
from jifen.ledger.policy_changes import (
    MAX_CAP,
    MAX_POINT_VALUE,
    MAX_POPULATION,
    MAX_QUOTA,
    MAX_ROLLING_MONTHS,
    MAX_TIERS,
    Cap,
    PolicySettings,
    QuotaTier,
    update_policy,
)
from jifen.ledger.spending import (
    charge_penalty,
    donate_points,
    hold_points,
    release_hold,
    settle_hold,
)
from jifen.programmes.models import Programme


def charge_limits(programme: Programme, limits: list[Limit], amount: int) -> None:
    """Use `amount` of every counter in `limits` (a device's events per minute), refusing
    with the tightest one's error when it does not fit. Inside a transaction."""
    _charge(programme, limits, amount, truncate=False)


__all__ = [
    "MAX_CAP",
    "MAX_POINT_VALUE",
    "MAX_POPULATION",
    "MAX_QUOTA",
    "MAX_ROLLING_MONTHS",
    "MAX_TIERS",
    "AwardResult",
    "Cap",
    "Limit",
    "PolicySettings",
    "QuotaTier",
    "approve",
    "award_points",
    "bulk_award",
    "charge_limits",
    "charge_penalty",
    "donate_points",
    "expire_lots",
    "forget_counters",
    "hold_points",
    "reject",
    "release_hold",
    "request_approval",
    "reverse_transaction",
    "settle_hold",
    "transfer_points",
    "update_policy",
]
