"""Reading and changing a programme's ledger policy as one set of settings: caps per resident
or household per day/week/month/year and what an award over one gets, the communities'
monthly quotas, when points expire, transfers, and the value of one point. A change is
checked in full, then saved with one audit entry that says what changed."""

from dataclasses import asdict, dataclass, fields
from decimal import Decimal
from typing import Any, TypeGuard, cast

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from jifen.accounts.models import User
from jifen.audit.services import record
from jifen.ledger import errors
from jifen.ledger.accounts import policy_of
from jifen.ledger.models import (
    DEFAULT_QUOTA_TIERS,
    CapAction,
    CapPeriod,
    CapScope,
    ExpiryMode,
    LedgerPolicy,
)
from jifen.programmes.models import Programme

# Beyond these a number is a typing mistake, not a policy.
MAX_CAP = 1_000_000
MAX_QUOTA = 10_000_000
MAX_POPULATION = 100_000_000
MAX_TIERS = 10
MAX_ROLLING_MONTHS = 120
MAX_POINT_VALUE = Decimal("10000")


@dataclass(frozen=True)
class Cap:
    scope: str  # CapScope
    period: str  # CapPeriod
    limit: int


@dataclass(frozen=True)
class QuotaTier:
    """Communities of up to `population` people get `quota` points a month; None: every
    community larger than the row before."""

    population: int | None
    quota: int


def _tiers(rows: list[list[int | None]]) -> tuple[QuotaTier, ...]:
    # Stored [population, quota] rows (JSON): only a population is None.
    return tuple(QuotaTier(p, int(cast(int, q))) for p, q in rows)


@dataclass(frozen=True)
class PolicySettings:
    caps: tuple[Cap, ...] = ()
    when_capped: str = CapAction.TRUNCATE
    quotas_enabled: bool = False
    quota_tiers: tuple[QuotaTier, ...] = _tiers(DEFAULT_QUOTA_TIERS)
    expiry_mode: str = ExpiryMode.YEAR_END
    rolling_months: int = 12
    transfers_allowed: bool = False
    point_value: Decimal = Decimal("1.00")


def settings_of(policy: LedgerPolicy, programme: Programme) -> PolicySettings:
    """The policy as settings; the quota table is 001 篇三's until one is saved."""
    tiers = policy.quota_tiers or DEFAULT_QUOTA_TIERS
    return PolicySettings(
        caps=tuple(Cap(c["scope"], c["period"], int(c["limit"])) for c in policy.caps),
        when_capped=policy.when_capped,
        quotas_enabled=policy.quotas_enabled,
        quota_tiers=_tiers(tiers),
        expiry_mode=policy.expiry_mode,
        rolling_months=policy.rolling_months,
        transfers_allowed=policy.transfers_allowed,
        point_value=programme.point_value,
    )


@transaction.atomic
def update_policy(
    *, actor: User | None, programme: Programme, settings: PolicySettings
) -> PolicySettings:
    """Replace the programme's ledger policy and point value with `settings`; record one
    audit entry ("policy.update") with every setting that changed, from and to (none when
    nothing did). Caps lowered mid-period count at once: an award is held to the new
    ceiling. Raises CapInvalid, CapRepeated, QuotaTiersInvalid, RollingMonthsInvalid,
    PointValueInvalid, PolicyChoiceInvalid; a refusal changes nothing."""
    check_policy(settings)
    # Locked: two administrators saving at once each see the other's change as "from".
    policy = LedgerPolicy.objects.select_for_update().get(pk=policy_of(programme).pk)
    before = settings_of(policy, Programme.objects.get(pk=programme.pk))
    changes = _changes(before, settings)
    if changes:
        _store(policy, programme, settings)
        record(
            actor=actor,
            programme=programme,
            action="policy.update",
            target=programme,
            data={"changes": changes},
        )
    return settings


def check_policy(settings: PolicySettings) -> None:
    """Refuse settings that no programme could mean (see update_policy for the errors)."""
    _check_choice(settings.when_capped, CapAction, _("what an award over a cap gets"))
    _check_choice(settings.expiry_mode, ExpiryMode, _("when points expire"))
    for flag, name in (
        (settings.quotas_enabled, _("quotas")),
        (settings.transfers_allowed, _("transfers")),
    ):
        if type(flag) is not bool:
            raise errors.PolicyChoiceInvalid(value=flag, setting=name)
    _check_caps(settings.caps)
    _check_tiers(settings.quota_tiers)
    if not _whole(settings.rolling_months, 1, MAX_ROLLING_MONTHS):
        raise errors.RollingMonthsInvalid(max=MAX_ROLLING_MONTHS)
    _check_point_value(settings.point_value)


def _whole(value: object, low: int, high: int) -> TypeGuard[int]:
    # type() rather than isinstance: True is not the number 1.
    return type(value) is int and low <= value <= high


def _check_choice(value: object, choices: type[Any], name: object) -> None:
    if value not in choices.values:
        raise errors.PolicyChoiceInvalid(value=value, setting=name)


def _check_caps(caps: tuple[Cap, ...]) -> None:
    seen = set()
    for cap in caps:
        if (
            cap.scope not in CapScope.values
            or cap.period not in CapPeriod.values
            or not _whole(cap.limit, 1, MAX_CAP)
        ):
            raise errors.CapInvalid(max=MAX_CAP)
        if (cap.scope, cap.period) in seen:
            raise errors.CapRepeated(
                scope=CapScope(cap.scope).label, period=CapPeriod(cap.period).label
            )
        seen.add((cap.scope, cap.period))


def _check_tiers(tiers: tuple[QuotaTier, ...]) -> None:
    """Populations increase from row to row; the last row alone is open-ended, so that every
    community, however large, has a quota."""
    refusal = errors.QuotaTiersInvalid(max=MAX_QUOTA, rows=MAX_TIERS)
    if not 1 <= len(tiers) <= MAX_TIERS:
        raise refusal
    above = 0
    for tier in tiers[:-1]:
        if not _whole(tier.quota, 1, MAX_QUOTA) or not _whole(
            tier.population, above + 1, MAX_POPULATION
        ):
            raise refusal
        above = tier.population
    if tiers[-1].population is not None or not _whole(tiers[-1].quota, 1, MAX_QUOTA):
        raise refusal


def _check_point_value(value: object) -> None:
    if (
        not isinstance(value, Decimal)
        or not value.is_finite()
        or not 0 <= value <= MAX_POINT_VALUE
        or value != value.quantize(Decimal("0.01"))
    ):
        raise errors.PointValueInvalid(max=MAX_POINT_VALUE)


def _changes(before: PolicySettings, after: PolicySettings) -> dict[str, dict[str, Any]]:
    """{setting: {"from": …, "to": …}} for every setting that differs, as JSON."""
    return {
        f.name: {"from": _json(getattr(before, f.name)), "to": _json(getattr(after, f.name))}
        for f in fields(PolicySettings)
        if getattr(before, f.name) != getattr(after, f.name)
    }


def _json(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, tuple):
        return [asdict(item) for item in value]
    return value


def _store(policy: LedgerPolicy, programme: Programme, settings: PolicySettings) -> None:
    policy.caps = [asdict(cap) for cap in settings.caps]
    policy.when_capped = settings.when_capped
    policy.quotas_enabled = settings.quotas_enabled
    policy.quota_tiers = [[t.population, t.quota] for t in settings.quota_tiers]
    policy.expiry_mode = settings.expiry_mode
    policy.rolling_months = settings.rolling_months
    policy.transfers_allowed = settings.transfers_allowed
    policy.save()
    Programme.objects.filter(pk=programme.pk).update(point_value=settings.point_value)
    programme.point_value = settings.point_value
