"""The one limits primitive: counters with a ceiling, per scope and period. Caps per member
or household and community quotas are all rows of Counter, moved the same way."""

from collections.abc import Callable
from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db.models import F, Q

from jifen.ledger.models import Counter
from jifen.lib.errors import DomainError
from jifen.programmes.models import Programme


@dataclass(frozen=True)
class Limit:
    scope: str
    period: str
    ceiling: int
    refusal: Callable[[], DomainError]


def take(
    programme: Programme, limits: list[Limit], amount: int, *, truncate: bool
) -> tuple[int, str | None]:
    """Use up to `amount` under every limit; return what was granted (the least that every
    counter allows) and, when that is less than `amount`, the code of the limit that cut it.
    Refuses with the tightest limit's error when nothing is left, or when not everything
    fits and `truncate` is false."""
    if not limits:
        return amount, None
    counters = _locked(programme, limits)
    tightest = min(counters, key=lambda c: c.ceiling - c.used)
    granted = min(amount, tightest.ceiling - tightest.used)
    refusal = {(lim.scope, lim.period): lim.refusal for lim in limits}[
        (tightest.scope, tightest.period)
    ]
    if granted <= 0 or (granted < amount and not truncate):
        raise refusal()
    # Checked above under the lock; the guard and the check constraint (used <= ceiling)
    # would refuse an overshoot all the same.
    moved = Counter.objects.filter(
        pk__in=[c.pk for c in counters], used__lte=F("ceiling") - granted
    ).update(used=F("used") + granted)
    if moved != len(counters):
        raise RuntimeError("a counter moved under its lock")
    return granted, None if granted == amount else refusal().code


def _locked(programme: Programme, limits: list[Limit]) -> list[Counter]:
    """The limits' counters, created if missing (INSERT … ON CONFLICT DO NOTHING) and locked
    in primary-key order, so that two awards sharing counters never wait in a cycle."""
    Counter.objects.bulk_create(
        [
            Counter(programme=programme, scope=x.scope, period=x.period, ceiling=x.ceiling)
            for x in limits
        ],
        ignore_conflicts=True,
    )
    keys = reduce(or_, (Q(scope=x.scope, period=x.period) for x in limits))
    counters = list(
        Counter.objects.select_for_update().filter(keys, programme=programme).order_by("pk")
    )
    ceilings = {(x.scope, x.period): x.ceiling for x in limits}
    for counter in counters:
        ceiling = max(ceilings[(counter.scope, counter.period)], counter.used)
        if counter.ceiling != ceiling:  # the rule changed mid-period: the new ceiling counts
            Counter.objects.filter(pk=counter.pk).update(ceiling=ceiling)
            counter.ceiling = ceiling
    return counters
