"""The ledger's notion of “now”. Always the real time, except inside `clock.at(moment)`,
which the demo uses to write months of history through the real services."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime

from django.utils import timezone

_moment: ContextVar[datetime | None] = ContextVar("jifen_clock", default=None)


def now() -> datetime:
    return _moment.get() or timezone.now()


@contextmanager
def at(moment: datetime) -> Iterator[None]:
    token = _moment.set(moment)
    try:
        yield
    finally:
        _moment.reset(token)
