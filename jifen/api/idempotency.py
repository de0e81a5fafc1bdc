"""The `Idempotency-Key` header of every API write: a retried request with the same key and
the same body gets the first answer, status and body, marked `Idempotent-Replayed: true`;
with another body (or from another user), 409 idempotency_conflict. The mechanism is
jifen.idempotency.services.run_once with its one request fingerprint, so the ledger
services are called without a key of their own: the API's key lives in one place."""

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.http import HttpResponse
from ninja import Header, Schema, Status

from jifen.api.auth import ApiRequest
from jifen.idempotency.services import request_hash, run_once
from jifen.programmes.models import Programme

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
# Declared on every write so that clients (and the schema) know they may send it.
IdempotencyKey = Header(
    None,
    alias=HEADER,
    description="Any string of 1-255 characters, new for each new write: a retry with the "
    "same key and body gets the first answer back (with `Idempotent-Replayed: true`).",
)


def respond_once(
    request: ApiRequest,
    response: HttpResponse,
    *,
    programme: Programme,
    key: str | None,
    payload: Schema | None = None,
    perform: Callable[[], tuple[int, Any]],
) -> Status[Any]:
    """Run `perform` (returning a status and a JSON-ready body) in a transaction, at most once
    per key when the request has one. Raises IdempotencyConflict, InvalidIdempotencyKey."""
    if key is None:
        with transaction.atomic():
            return Status(*perform())
    fingerprint = request_hash(
        f"{request.method} {request.path}",
        request.auth,
        payload.model_dump(mode="json") if payload is not None else None,
    )
    outcome = run_once(programme=programme, key=key, request_hash=fingerprint, perform=perform)
    if outcome.replayed:
        response[REPLAYED] = "true"
    return Status(outcome.status, outcome.body)
