"""The programme-health figures as pure functions: no database, plain numbers in and out.

Every function says its formula; the queries in jifen.insights.kpis feed them."""

import math
from collections.abc import Iterable, Sequence

# 篇二's balance buckets: (label, lowest balance in it, highest balance in it or None).
# Boundaries: 300 is in "300–800", 800 in "800–2,000", 2,000 still in "800–2,000";
# "> 2,000" starts at 2,001.
BUCKETS: tuple[tuple[str, int | None, int | None], ...] = (
    ("< 300", None, 299),
    ("300–800", 300, 799),
    ("800–2,000", 800, 2000),
    ("> 2,000", 2001, None),
)

GROWTH_TARGET = 0.20  # members, per year
PARTICIPATION_TARGET = 0.70  # attendees over sign-ups, per activity
RETENTION_TARGET = 0.60  # members active last year who are active this year
SATISFACTION_TARGET = 0.80  # answers of 4 or 5 out of 5


def gini(values: Iterable[int]) -> float | None:
    """The Gini coefficient of `values` (points earned per member, zeros included):

        G = 2·Σᵢ i·xᵢ / (n·Σ x) − (n + 1) / n,   x sorted ascending, i = 1 … n.

    0 when everyone has the same, (n − 1)/n when one member has everything. None when
    there is nobody or nothing to share (n = 0 or Σ x = 0)."""
    ordered = sorted(values)
    n, total = len(ordered), sum(ordered)
    if n == 0 or total == 0:
        return None
    weighted = sum(i * x for i, x in enumerate(ordered, start=1))
    return 2 * weighted / (n * total) - (n + 1) / n


def top_share(values: Iterable[int], fraction: float = 0.10) -> float | None:
    """The share of the total held by the top `fraction` of members:
    Σ of the ⌈n·fraction⌉ largest values / Σ of all values. None when n = 0 or Σ = 0."""
    ordered = sorted(values, reverse=True)
    total = sum(ordered)
    if not ordered or total == 0:
        return None
    top = math.ceil(len(ordered) * fraction)
    return sum(ordered[:top]) / total


def bucket_of(balance: int) -> int:
    """The index in BUCKETS of a balance: b < 300 → 0; 300 ≤ b < 800 → 1;
    800 ≤ b ≤ 2,000 → 2; b > 2,000 → 3."""
    for index, (_, _low, high) in enumerate(BUCKETS):
        if high is None or balance <= high:
            return index
    raise AssertionError("the last bucket has no upper bound")


def bucket_counts(balances: Iterable[int]) -> list[int]:
    """How many balances fall in each of BUCKETS, in order."""
    counts = [0] * len(BUCKETS)
    for balance in balances:
        counts[bucket_of(balance)] += 1
    return counts


def rate(part: int, whole: int) -> float | None:
    """part / whole, or None when whole is 0 (no rate rather than a false 0 %)."""
    return part / whole if whole else None


def growth_target(baseline: int, months: int) -> int:
    """Members expected `months` after a baseline at GROWTH_TARGET a year, compounded:
    round(baseline × 1.2^(months / 12))."""
    return round(baseline * (1 + GROWTH_TARGET) ** (months / 12))


def retained(before: set[int], now: set[int]) -> int:
    """How many of last period's active members are active again: |before ∩ now|."""
    return len(before & now)


def suggested_raise(signups: int, capacity: int) -> int:
    """The point change (in %) suggested for an activity whose sign-ups fill little of its
    capacity. fill = sign-ups / capacity: fill < 35 % → +50 %; 35 % ≤ fill < 70 % → +20 %;
    fill ≥ 70 % (the participation target) → 0 (no change)."""
    fill = signups / capacity if capacity else 1.0
    if fill < PARTICIPATION_TARGET / 2:
        return 50
    if fill < PARTICIPATION_TARGET:
        return 20
    return 0


def raised_points(points: int, percent: int) -> int:
    """points × (1 + percent / 100), rounded up so that a raise is never zero."""
    return math.ceil(points * (100 + percent) / 100)


def with_zeros(values: Sequence[int], population: int) -> list[int]:
    """The values of those who earned, and a 0 for each member of the population who did
    not (the Gini counts everyone, or a few earning everything would look equal)."""
    return [*values, *([0] * max(population - len(values), 0))]
