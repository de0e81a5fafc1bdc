"""The `Idempotency-Key` header for API writes: a retried request with the same key and the
same body gets the first answer (marked `Idempotent-Replayed: true`); with another body,
409 idempotency_conflict. The mechanism itself is jifen.idempotency.services.run_once."""

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from ninja import Schema, Status

from jifen.idempotency.services import request_hash, run_once
from jifen.programmes.models import Programme

HEADER = "Idempotency-Key"


def respond_once(
    request: HttpRequest,
    response: HttpResponse,
    *,
    programme: Programme,
    payload: Schema,
    perform: Callable[[], tuple[int, Any]],
) -> Status[Any]:
    """Run `perform` in a transaction, at most once per key when the request has one."""
    key = request.headers.get(HEADER)
    if key is None:
        with transaction.atomic():
            return Status(*perform())
    fingerprint = request_hash(
        f"{request.method} {request.path}",
        request.auth,  # type: ignore[attr-defined]
        payload.model_dump(mode="json"),
    )
    outcome = run_once(programme=programme, key=key, request_hash=fingerprint, perform=perform)
    if outcome.replayed:
        response["Idempotent-Replayed"] = "true"
    return Status(outcome.status, outcome.body)
