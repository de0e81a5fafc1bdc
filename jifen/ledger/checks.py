"""What every point-changing service checks before it writes: a whole, positive amount, a
reason, an active member; and the idempotency key that makes a retried write answer with
the first result instead of writing twice."""

from collections.abc import Callable
from typing import TypeVar

from django.db import IntegrityError, transaction

from jifen.idempotency.services import IdempotencyConflict
from jifen.ledger import errors
from jifen.ledger.models import Transaction
from jifen.programmes.errors import InactiveMember
from jifen.programmes.models import Member, MemberStatus, Programme

T = TypeVar("T")


def require_amount(amount: object) -> None:
    """Refuse anything but a whole number above zero (True is not the number 1)."""
    if type(amount) is not int or amount <= 0:
        raise errors.AmountNotPositive()


def require_reason(reason: str) -> None:
    if not reason.strip():
        raise errors.ReasonRequired()


def require_active(member: Member) -> None:
    if member.status != MemberStatus.ACTIVE:
        raise InactiveMember(name=member.display_name)


def once(
    programme: Programme,
    key: str | None,
    digest: str,
    run: Callable[[], T],
    replay: Callable[[Transaction], T],
) -> T:
    """Run `run` at most once per idempotency key, the key being stored on the transaction it
    writes. A retry finds that transaction and replays it (IdempotencyConflict when the
    request differs); a concurrent retry waits on the key's unique index, then does the same."""
    if key:
        found = Transaction.objects.filter(programme=programme, idempotency_key=key).first()
        if found is not None:
            return _replay(found, digest, replay)
    try:
        with transaction.atomic():
            return run()
    except IntegrityError:
        found = (
            Transaction.objects.filter(programme=programme, idempotency_key=key).first()
            if key
            else None
        )
        if found is None:
            raise
        return _replay(found, digest, replay)


def _replay(found: Transaction, digest: str, replay: Callable[[Transaction], T]) -> T:
    if found.request_hash != digest:
        raise IdempotencyConflict()
    return replay(found)
