"""Satisfaction per half-year, from the surveys of jifen.voices when that app answers."""

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from jifen.insights import metrics
from jifen.insights.kpis import today_of
from jifen.insights.periods import last_halves
from jifen.programmes.access import StaffScope
from jifen.programmes.models import Programme

Answers = Callable[[Programme, datetime, datetime], tuple[int, int]]


@dataclass(frozen=True)
class SatisfactionHalf:
    half: str
    satisfied: int
    answers: int
    rate: float | None


def _source() -> Answers | None:
    """jifen.voices.queries.satisfaction(programme, start, end) → (answers of 4–5, answers),
    or None while the surveys do not provide it."""
    try:
        module = importlib.import_module("jifen.voices.queries")
    except ImportError:
        return None
    found = getattr(module, "satisfaction", None)
    return found if callable(found) else None


def satisfaction(scope: StaffScope) -> list[SatisfactionHalf] | None:
    """Satisfied answers (4 or 5 of 5) over all answers, per half-year (target 80 %); None
    when no survey source is available (the page says so)."""
    source = _source()
    if source is None:
        return None
    halves = last_halves(today_of(scope), scope.programme.timezone)
    rows = []
    for half in halves:
        satisfied, answers = source(scope.programme, half.start, half.end)
        rows.append(
            SatisfactionHalf(half.label, satisfied, answers, metrics.rate(satisfied, answers))
        )
    return rows
