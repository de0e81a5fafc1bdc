"""Satisfaction per half-year, from the surveys of jifen.voices (every survey of the
programme, named or anonymous: answers are not tied to a community, so a community-limited
reviewer sees the programme's figure)."""

from dataclasses import dataclass

from jifen.insights import metrics
from jifen.insights.kpis import today_of
from jifen.insights.periods import last_halves
from jifen.programmes.access import StaffScope
from jifen.voices.queries import satisfaction as answers


@dataclass(frozen=True)
class SatisfactionHalf:
    half: str
    satisfied: int
    answers: int
    rate: float | None


def satisfaction(scope: StaffScope) -> list[SatisfactionHalf] | None:
    """Satisfied answers (4 or 5 of 5) over all satisfaction answers, per half-year (January–
    June, July–December; target 80 %), the last four; None when no survey was ever answered
    (the page shows an empty state instead of four empty half-years)."""
    halves = last_halves(today_of(scope), scope.programme.timezone)
    rows = []
    for half in halves:
        satisfied, total = answers(scope.programme, half.start, half.end)
        rows.append(SatisfactionHalf(half.label, satisfied, total, metrics.rate(satisfied, total)))
    if not any(row.answers for row in rows):
        return None
    return rows
