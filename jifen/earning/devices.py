"""Devices (smart bins, kiosks): API keys scoped to one programme and some rules. Each event
carries an idempotency key (a device retries over poor networks) and the measured values
that the rule's tiers turn into points; events are rate-limited per key."""

import hashlib
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q

from jifen.accounts.models import User
from jifen.audit.services import record as audit
from jifen.earning import crediting, errors
from jifen.earning.claims import check_earnable, facts_for
from jifen.earning.models import DeviceEvent, DeviceKey, EarningSource, Rule
from jifen.idempotency.services import IdempotencyConflict, request_hash
from jifen.ledger import services as ledger
from jifen.lib import clock
from jifen.programmes.models import Member, Programme

PREFIX = "jfd_"
RATE_SCOPE = "device:"
TOUCH_INTERVAL = timedelta(
    minutes=1
)  # how often a key's last use is written  # the counters of events per minute: device:<id>:events


@dataclass(frozen=True)
class NewKey:
    device: DeviceKey
    secret: str  # shown once


@dataclass(frozen=True)
class EventResult:
    event: DeviceEvent
    outcome: crediting.Outcome | None
    replayed: bool


def hash_key(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


@transaction.atomic
def create_device_key(
    *,
    programme: Programme,
    name: str,
    rules: Sequence[Rule],
    actor: User | None,
    per_minute: int = 600,
) -> NewKey:
    secret = PREFIX + secrets.token_urlsafe(32)
    device = DeviceKey.objects.create(
        programme=programme,
        name=name.strip()[:100] or "device",
        key_hash=hash_key(secret),
        prefix=secret[:10],
        per_minute=per_minute,
        created_by=actor,
    )
    device.rules.set([r for r in rules if r.programme_id == programme.pk])
    audit(actor=actor, action="device.create", target=device, programme=programme)
    return NewKey(device, secret)


def revoke_device_key(*, device: DeviceKey, actor: User | None) -> DeviceKey:
    with transaction.atomic():
        DeviceKey.objects.filter(pk=device.pk, revoked_at__isnull=True).update(
            revoked_at=clock.now()
        )
        audit(actor=actor, action="device.revoke", target=device, programme=device.programme)
    device.refresh_from_db()
    return device


def device_for(secret: str) -> DeviceKey | None:
    """The live device key for this secret, or None (unknown or revoked)."""
    if not secret.startswith(PREFIX) or len(secret) > 100:
        return None
    return (
        DeviceKey.objects.select_related("programme")
        .filter(key_hash=hash_key(secret), revoked_at__isnull=True)
        .first()
    )


def rate_period(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M")


def _rate(device: DeviceKey, at: datetime) -> ledger.Limit:
    return ledger.Limit(
        f"{RATE_SCOPE}{device.pk}:events",
        rate_period(at),
        device.per_minute,
        lambda: errors.DeviceRateLimited(limit=device.per_minute),
    )


def post_event(
    *,
    device: DeviceKey,
    key: str,
    member: Member,
    rule: Rule,
    criteria: Sequence[str] = (),
    measures: Mapping[str, object] | None = None,
) -> EventResult:
    """Record a device's event once per key and credit what the rule gives (on notice when
    the rule says so). The same key with the same event returns the first result; with
    another event, IdempotencyConflict."""
    if device.revoked_at is not None:
        raise errors.DeviceKeyRevoked()
    if member.programme_id != device.programme_id:
        raise errors.NotCardOfProgramme()
    if not rule.allows_devices or not device.rules.filter(pk=rule.pk).exists():
        raise errors.DeviceRuleNotAllowed(rule=rule.name)
    measures = dict(measures or {})
    digest = request_hash("device event", None, member.pk, rule.pk, sorted(criteria), measures)
    found = _replay(device, key, digest)
    if found is not None:
        return found
    version = crediting.current_version(rule)
    config = crediting.config_of(version)
    now = clock.now()
    check_earnable(rule, config, member, now)
    facts = facts_for(config, criteria, measures)
    try:
        with transaction.atomic():
            ledger.charge_limits(device.programme, [_rate(device, now)], 1)
            event = DeviceEvent.objects.create(
                device=device,
                idempotency_key=key,
                request_hash=digest,
                member=member,
                rule=rule,
                measures={"criteria": sorted(criteria), **facts.measures},
                created_at=now,
            )
            points, explanation = crediting.rules.base_points(config, facts)
            outcome = None
            if points > 0:
                outcome = crediting.record(
                    member=member,
                    version=version,
                    source=EarningSource.DEVICE,
                    occurrence=f"device:{device.pk}:{key}",
                    points=points,
                    explanation=explanation,
                )
                event.earning = outcome.earning
                event.save(update_fields=["earning"])
            _touch(device, now)
        return EventResult(event, outcome, False)
    except IntegrityError:
        found = _replay(device, key, digest)
        if found is None:
            raise
        return found


def _touch(device: DeviceKey, now: datetime) -> None:
    """Note that the key is in use, once a minute at most: writing its row at every event
    would make each event of a device wait for the one before it to commit."""
    if device.last_used_at and device.last_used_at > now - TOUCH_INTERVAL:
        return
    stale = Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - TOUCH_INTERVAL)
    DeviceKey.objects.filter(stale, pk=device.pk).update(last_used_at=now)


def _replay(device: DeviceKey, key: str, digest: str) -> EventResult | None:
    event = (
        DeviceEvent.objects.filter(device=device, idempotency_key=key)
        .select_related("earning__transaction")
        .first()
    )
    if event is None:
        return None
    if event.request_hash != digest:
        raise IdempotencyConflict()
    outcome = crediting.Outcome(event.earning, None) if event.earning else None
    return EventResult(event, outcome, True)
