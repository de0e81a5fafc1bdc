"""Periodic rewards work, run by `jifen worker`."""

from jifen.lib.jobs import register
from jifen.rewards.redeeming import expire_due


@register("expire-codes", every_seconds=300)
def expire_codes() -> None:
    """Release the redemption codes whose validity ended uncollected."""
    while expire_due(batch=500) == 500:
        pass
