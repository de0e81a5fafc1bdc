"""The one limits primitive: counters with a ceiling, per scope and period. Caps per member
or household and community quotas are all rows of Counter, moved the same way."""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import F, Value
from django.db.models.functions import Greatest

from jifen.ledger.models import Counter
from jifen.lib.errors import DomainError
from jifen.programmes.models import Programme


@dataclass(frozen=True)
class Limit:
    scope: str
    period: str
    ceiling: int
    refusal: Callable[[], DomainError]


def take(programme: Programme, limits: list[Limit], amount: int, *, truncate: bool) -> int:
    """Use up to `amount` under every limit; return what was granted (the least that every
    counter allows). Refuses with the tightest limit's error when nothing is left, or when
    not everything fits and `truncate` is false. Counters are locked in id order."""
    if not limits:
        return amount
    counters = _counters(programme, limits)
    room = {c.pk: c.ceiling - c.used for c in counters}
    tightest = min(counters, key=lambda c: room[c.pk])
    granted = min(amount, room[tightest.pk])
    if granted <= 0 or (granted < amount and not truncate):
        by_key = {(lim.scope, lim.period): lim for lim in limits}
        raise by_key[(tightest.scope, tightest.period)].refusal()
    for counter in counters:
        moved = Counter.objects.filter(pk=counter.pk, used__lte=F("ceiling") - granted).update(
            used=F("used") + granted
        )
        if not moved:  # cannot happen under the lock; the check constraint backs it up
            raise ValueError("counter moved under its lock")
    return granted


def _counters(programme: Programme, limits: list[Limit]) -> list[Counter]:
    ids = []
    for limit in limits:
        counter, created = Counter.objects.get_or_create(
            programme=programme,
            scope=limit.scope,
            period=limit.period,
            defaults={"ceiling": limit.ceiling},
        )
        if not created and counter.ceiling != limit.ceiling:  # the rule changed mid-period
            Counter.objects.filter(pk=counter.pk).update(
                ceiling=Greatest(Value(limit.ceiling), F("used"))
            )
        ids.append(counter.pk)
    return list(Counter.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
