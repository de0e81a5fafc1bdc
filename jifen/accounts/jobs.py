"""Periodic account work, run by `jifen worker`."""

from jifen.accounts.throttle import forget_old_failures
from jifen.lib.jobs import register


@register("forget-sign-in-failures", every_seconds=3600)
def forget_sign_in_failures() -> None:
    """Delete throttle keys whose failures no longer count, so the table stays small."""
    forget_old_failures()
