"""Stars from lifetime earned points: a pure calculation over the programme's thresholds."""

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import ngettext


@dataclass(frozen=True)
class Stars:
    """How many stars, what they are called, and the way to the next one."""

    count: int
    name: str
    lifetime: int
    next_at: int | None  # lifetime points for the next star; None at the top
    progress: int  # percent of the way from this star's threshold to the next one's

    @property
    def to_next(self) -> int:
        return 0 if self.next_at is None else self.next_at - self.lifetime


def star_name(count: int, names: Sequence[str]) -> str:
    """The programme's name for `count` stars, else "N stars"; "" for none."""
    if count <= 0:
        return ""
    if len(names) >= count and names[count - 1].strip():
        return names[count - 1].strip()
    return ngettext("%(count)d star", "%(count)d stars", count) % {"count": count}


def stars_for(lifetime: int, thresholds: Sequence[int], names: Sequence[str] = ()) -> Stars:
    """Stars for `lifetime` points: one for each threshold reached (thresholds ascending)."""
    ordered = sorted(thresholds)
    count = sum(1 for t in ordered if lifetime >= t)
    next_at = ordered[count] if count < len(ordered) else None
    floor = ordered[count - 1] if count else 0
    if next_at is None:
        progress = 100
    else:
        progress = max(0, min(100, (lifetime - floor) * 100 // max(1, next_at - floor)))
    return Stars(count, star_name(count, names), lifetime, next_at, progress)
