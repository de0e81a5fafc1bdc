"""The one limits primitive: counters with a ceiling, per scope and period. Caps per member
or household and community quotas are all rows of Counter, moved the same way.

Counters are locked in primary-key order, and before any account: every writer that moves
both (an award, a reversal) takes the counters first, so none waits for another in a cycle."""

from collections.abc import Callable
from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db.models import F, Q
from django.db.models.functions import Greatest

from jifen.ledger.models import Counter
from jifen.lib.errors import DomainError
from jifen.programmes.models import Programme

# What a transaction used, kept on it (Transaction.charged) so that its reversal gives the
# same counters back: [[counter id, points], …].
Charges = list[list[int]]


@dataclass(frozen=True)
class Limit:
    scope: str
    period: str
    ceiling: int
    refusal: Callable[[], DomainError]


@dataclass(frozen=True)
class Taken:
    granted: int
    truncated_by: str | None  # the code of the limit that cut the amount, None if none did
    charges: Charges


def charge(programme: Programme, limits: list[Limit], amount: int, *, truncate: bool) -> Taken:
    """Use up to `amount` under every limit: grant the least that every counter allows and,
    when that is less than `amount`, say which limit cut it; say which counters moved by
    how much (store `charges` on the transaction, so that `give_back` can return them if it
    is reversed). Refuses with the tightest limit's error when nothing is left, or when not
    everything fits and `truncate` is false."""
    if not limits:
        return Taken(amount, None, [])
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
    return Taken(
        granted,
        None if granted == amount else refusal().code,
        [[c.pk, granted] for c in counters],
    )


def give_back(charges: Charges | None) -> None:
    """Return what a transaction used to the very counters it charged (the periods of the
    original, not today's), never below zero (a ceiling lowered since does not matter: less
    used is always within it). Locks them as `charge` does: in primary-key order, before any
    account."""
    if not charges:
        return
    ids = sorted(pk for pk, _ in charges)
    list(Counter.objects.select_for_update().filter(pk__in=ids).order_by("pk").values("pk"))
    for pk, points in sorted(charges):
        Counter.objects.filter(pk=pk).update(used=Greatest(F("used") - points, 0))


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
