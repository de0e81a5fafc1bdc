"""Calendar periods and expiry dates, always in a programme's own time zone."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

PERIODS = ("day", "week", "month", "year")


def local(moment: datetime, tz: str) -> datetime:
    return moment.astimezone(ZoneInfo(tz))


def period_key(period: str, moment: datetime, tz: str) -> str:
    """The key of the period containing `moment`: 2026-11-22, 2026-W47, 2026-11, 2026."""
    day = local(moment, tz).date()
    if period == "day":
        return day.isoformat()
    if period == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    if period == "month":
        return f"{day.year}-{day.month:02d}"
    if period == "year":
        return str(day.year)
    raise ValueError(f"unknown period {period!r}")


def end_of_year(moment: datetime, tz: str) -> datetime:
    """The first instant of the next natural year, local time: points earned this year are
    cleared at the end of it."""
    return datetime(local(moment, tz).year + 1, 1, 1, tzinfo=ZoneInfo(tz))


def months_later(moment: datetime, months: int, tz: str) -> datetime:
    """The same local day `months` later (the last day of the month when it is shorter)."""
    start = local(moment, tz)
    year, month = divmod(start.month - 1 + months, 12)
    year, month = start.year + year, month + 1
    day = start.day
    while True:
        try:
            return start.replace(year=year, month=month, day=day)
        except ValueError:
            day -= 1


def days_from(moment: datetime, days: int) -> datetime:
    return moment + timedelta(days=days)
