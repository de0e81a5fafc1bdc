"""Run a write at most once per idempotency key. The API's `Idempotency-Key` header and the
ledger's award services share this: the first request's answer is stored in the same
transaction as the write, and a retry with the same key and the same request gets it back."""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from jifen.idempotency.models import IdempotencyRecord
from jifen.lib.errors import Conflict, InvalidInput
from jifen.programmes.models import Programme

MAX_KEY_LENGTH = 255


class IdempotencyConflict(Conflict):
    code = "idempotency_conflict"
    message = _("This idempotency key was already used for a different request.")


class InvalidIdempotencyKey(InvalidInput):
    code = "invalid_idempotency_key"
    message = _("An idempotency key must be between 1 and 255 characters long.")


@dataclass(frozen=True)
class Outcome:
    """What the write answered: an HTTP-like status and a JSON-able body."""

    status: int
    body: Any
    replayed: bool


def request_hash(operation: str, actor: Any, *parts: Any) -> str:
    """The one fingerprint of a retried request, for the API and the ledger alike: the
    operation, who asks (a user, or None) and what they ask, as JSON with sorted keys. The
    actor is in it so that another user's reuse of a key is a conflict, never a way to read
    someone else's answer."""
    actor_id = getattr(actor, "pk", actor)
    text = json.dumps(
        [operation, actor_id, *parts], sort_keys=True, separators=(",", ":"), default=str
    )
    return hashlib.sha256(text.encode()).hexdigest()


def run_once(
    *,
    programme: Programme | None,
    key: str,
    request_hash: str,
    perform: Callable[[], tuple[int, Any]],
) -> Outcome:
    """Call `perform` (returning status and a JSON-able body) unless `key` was used before in
    the programme (None: a key of no programme, as a web form's); then return the stored
    answer. Raises InvalidIdempotencyKey, and IdempotencyConflict when the key was used for a
    different request. A refusal raised by
    `perform` rolls everything back, the key included, so a corrected retry may reuse it."""
    if not 0 < len(key) <= MAX_KEY_LENGTH:
        raise InvalidIdempotencyKey()
    if (stored := _stored(programme, key, request_hash)) is not None:
        return stored
    try:
        with transaction.atomic():
            # Claim the key before the write: a concurrent request with the same key then
            # waits on the unique index instead of performing the write a second time.
            record = IdempotencyRecord.objects.create(
                programme=programme, key=key, request_hash=request_hash, status=0
            )
            status, body = perform()
            record.status, record.response = status, body
            record.save(update_fields=["status", "response"])
    except IntegrityError:
        # Either the concurrent request above committed first (answer with its result) or
        # the write itself broke a constraint (nothing stored: re-raise).
        if (stored := _stored(programme, key, request_hash)) is None:
            raise
        return stored
    return Outcome(status=status, body=body, replayed=False)


def _stored(programme: Programme | None, key: str, request_hash: str) -> Outcome | None:
    record = IdempotencyRecord.objects.filter(programme=programme, key=key).first()
    if record is None:
        return None
    if record.request_hash != request_hash:
        raise IdempotencyConflict()
    return Outcome(status=record.status, body=record.response, replayed=True)
