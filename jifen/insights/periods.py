"""The months and half-years the dashboards count over, in a programme's time zone."""

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Span:
    """A calendar period: from `start` (included) to `end` (excluded), local midnight."""

    label: str
    start: datetime
    end: datetime


def month_start(day: date, tz: str, shift: int = 0) -> datetime:
    """Local midnight of the first day of `day`'s month, `shift` months later."""
    year, month = divmod(day.month - 1 + shift, 12)
    return datetime(day.year + year, month + 1, 1, tzinfo=ZoneInfo(tz))


def last_months(today: date, tz: str, count: int = 12) -> list[Span]:
    """The `count` months up to and including today's, oldest first."""
    spans = []
    for shift in range(-count + 1, 1):
        start = month_start(today, tz, shift)
        spans.append(
            Span(f"{start.year}-{start.month:02d}", start, month_start(today, tz, shift + 1))
        )
    return spans


def last_years(today: date, tz: str, count: int = 3) -> list[Span]:
    """The `count` calendar years up to and including today's, oldest first."""
    zone = ZoneInfo(tz)
    years = range(today.year - count + 1, today.year + 1)
    return [
        Span(str(y), datetime(y, 1, 1, tzinfo=zone), datetime(y + 1, 1, 1, tzinfo=zone))
        for y in years
    ]


def last_halves(today: date, tz: str, count: int = 4) -> list[Span]:
    """The `count` half-years (January–June, July–December) up to today's, oldest first."""
    zone = ZoneInfo(tz)
    index = today.year * 2 + (today.month - 1) // 6
    spans = []
    for n in range(index - count + 1, index + 1):
        year, half = divmod(n, 2)
        start = datetime(year, 1 + 6 * half, 1, tzinfo=zone)
        end = datetime(year + half, 7 - 6 * half, 1, tzinfo=zone)
        spans.append(Span(f"{year}-H{half + 1}", start, end))
    return spans
