"""Pure readings of a programme's ledger policy: which limits an award meets, when points
expire. Numbers come from configuration (LedgerPolicy), never from code."""

from collections.abc import Callable
from datetime import datetime
from typing import Any, cast

from jifen.ledger import errors
from jifen.ledger.limits import Limit
from jifen.ledger.models import DEFAULT_QUOTA_TIERS, CapAction, CapPeriod, ExpiryMode, LedgerPolicy
from jifen.lib.periods import end_of_year, months_later, period_key
from jifen.programmes.models import Community, Member


def quota_for(population: int, tiers: list[list[int | None]] | None = None) -> int:
    """The monthly quota of a community of this population (001 篇三's table by default)."""
    for ceiling, quota in tiers or DEFAULT_QUOTA_TIERS:
        if ceiling is None or population <= ceiling:
            return int(cast(int, quota))  # [population, quota]: only a population is None
    return 0


def award_limits(policy: LedgerPolicy, member: Member, at: datetime) -> list[Limit]:
    """Every counter an award to `member` at `at` must fit under."""
    tz = policy.programme.timezone
    limits = []
    for cap in policy.caps:
        owner = member.household_id if cap["scope"] == "household" else member.pk
        if owner is None:
            continue
        key = period_key(cap["period"], at, tz)
        limits.append(
            Limit(f"{cap['scope']}:{owner}:award", key, int(cap["limit"]), _cap_refusal(cap))
        )
    if policy.quotas_enabled:
        limits.append(_quota(policy, member.community, at))
    return limits


def _cap_refusal(cap: dict[str, Any]) -> Callable[[], errors.CapReached]:
    return lambda: errors.CapReached(limit=cap["limit"], period=CapPeriod(cap["period"]).label)


def largest_award(policy: LedgerPolicy) -> int | None:
    """The most one award can credit under the caps (the smallest of them, whatever its
    scope and period), None when nothing caps an award."""
    return min((int(cap["limit"]) for cap in policy.caps), default=None)


def _quota(policy: LedgerPolicy, community: Community, at: datetime) -> Limit:
    limit = quota_for(community.population, policy.quota_tiers or None)
    return Limit(
        f"community:{community.pk}:quota",
        period_key("month", at, policy.programme.timezone),
        limit,
        lambda: errors.QuotaExhausted(limit=limit),
    )


def truncates(policy: LedgerPolicy) -> bool:
    return policy.when_capped == CapAction.TRUNCATE


def expiry_for(policy: LedgerPolicy, earned_at: datetime) -> datetime | None:
    tz = policy.programme.timezone
    if policy.expiry_mode == ExpiryMode.YEAR_END:
        return end_of_year(earned_at, tz)
    if policy.expiry_mode == ExpiryMode.ROLLING:
        return months_later(earned_at, policy.rolling_months, tz)
    return None
