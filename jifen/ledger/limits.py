"""The one limits primitive: counters with a ceiling, per scope and period. Caps per member
or household and community quotas are all rows of Counter, moved the same way.

Counters are locked in primary-key order, and before any account: every writer that moves
both (an award, a reversal) takes the counters first, so none waits for another in a cycle."""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection
from django.db.models import F
from django.db.models.functions import Greatest
from django.db.transaction import TransactionManagementError

from jifen.ledger.bulk import create_counters, lock_counters, move_counters
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
    # The code of the limit that cut the amount, or that refused it; None if none did.
    truncated_by: str | None
    charges: Charges
    refusal: DomainError | None = None  # why nothing was granted, None when something was


Key = tuple[str, str]  # a counter's (scope, period)


@dataclass
class _Count:
    """A counter under its lock, as the awards charged so far have moved it (in memory)."""

    pk: int
    used: int
    ceiling: int


def charge(programme: Programme, limits: list[Limit], amount: int, *, truncate: bool) -> Taken:
    """Use up to `amount` under every limit: grant the least that every counter allows and,
    when that is less than `amount`, say which limit cut it (of limits leaving the same, the
    first); say which counters moved by how much (store `charges` on the transaction, so
    that `give_back` can return them if it is reversed). Refuses with the tightest limit's
    error when nothing is left, or when not everything fits and `truncate` is false."""
    (taken,) = charge_many(programme, [(limits, amount)], truncate=truncate)
    if taken.refusal is not None:
        raise taken.refusal
    return taken


def charge_many(
    programme: Programme, requests: list[tuple[list[Limit], int]], *, truncate: bool
) -> list[Taken]:
    """`charge` for each (limits, amount) in turn, as if one followed another — each is
    granted what the counters allow after the ones before it (a household cap or a
    community quota is shared) — with one statement each to create, lock and move all their
    counters. A refused request is granted nothing and the others go on: its Taken says why
    (`refusal`, and its code in `truncated_by`). Call it inside a transaction: the counters
    stay locked until it ends."""
    if not connection.in_atomic_block:
        raise TransactionManagementError("counters are charged inside a transaction")
    keys = _keys(requests)
    if not keys:
        return [Taken(amount, None, []) for _, amount in requests]
    counts = _locked(programme, keys)
    before = {key: count.used for key, count in counts.items()}
    taken = [_take(counts, limits, amount, truncate) for limits, amount in requests]
    moves = [
        (c.pk, c.used - before[key], c.ceiling) for key, c in counts.items() if c.used > before[key]
    ]
    # Checked above under the lock; the guard and the check constraint (used <= ceiling)
    # would refuse an overshoot all the same.
    if moves and move_counters(moves) != len(moves):
        raise RuntimeError("a counter moved under its lock")
    return taken


def _take(counts: dict[Key, _Count], limits: list[Limit], amount: int, truncate: bool) -> Taken:
    """One request against the counters as the requests before it left them (in memory)."""
    if not limits:
        return Taken(amount, None, [])
    wanted = {(x.scope, x.period): x for x in limits}  # two limits on one counter: the last
    # The limit's ceiling counts, not the counter's: a rule changed mid-period applies to
    # the next award (lowered below what is used, it leaves nothing).
    room = {key: x.ceiling - counts[key].used for key, x in wanted.items()}
    tightest = min(room, key=room.__getitem__)  # of limits leaving the same, the first
    granted = min(amount, room[tightest])
    if granted <= 0 or (granted < amount and not truncate):
        refusal = wanted[tightest].refusal()
        return Taken(0, refusal.code, [], refusal)
    for key, x in wanted.items():
        counts[key].used += granted
        counts[key].ceiling = x.ceiling
    cut = wanted[tightest].refusal().code if granted < amount else None
    return Taken(granted, cut, sorted([counts[key].pk, granted] for key in wanted))


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


def _keys(requests: list[tuple[list[Limit], int]]) -> dict[Key, int]:
    """Every counter the requests meet, with the ceiling to create it with, in key order."""
    found: dict[Key, int] = {}
    for limits, _ in requests:
        for x in limits:
            found.setdefault((x.scope, x.period), x.ceiling)
    return dict(sorted(found.items()))


def _locked(programme: Programme, keys: dict[Key, int]) -> dict[Key, _Count]:
    """The counters of `keys`, created if missing and locked in primary-key order, so that
    two writers sharing counters never wait in a cycle."""
    create_counters(programme.pk, [(scope, period, c) for (scope, period), c in keys.items()])
    rows = lock_counters(programme.pk, list(keys))
    return {(scope, period): _Count(pk, used, c) for pk, scope, period, used, c in rows}


def forget_counters(scope_prefix: str, before_period: str) -> int:
    """Delete counters of scopes starting with `scope_prefix` whose period sorts before
    `before_period`: counters needed only for a short period (a device's events per
    minute). Returns how many went."""
    old = Counter.objects.filter(scope__startswith=scope_prefix, period__lt=before_period)
    return old.delete()[0]
