"""Periodic recognition work, run by `jifen worker`."""

from jifen.lib.jobs import register
from jifen.programmes.models import Programme
from jifen.recognition.standings import refresh
from jifen.recognition.titles import give_last_years_titles


@register("give-titles", every_seconds=3600)
def give_titles() -> None:
    """Give last year's titles (社区之星) once the year has ended; nothing when given."""
    give_last_years_titles()


@register("refresh-leaderboards", every_seconds=900)
def refresh_leaderboards() -> None:
    """Recompute every programme's leaderboards (jifen.recognition.standings)."""
    for programme in Programme.objects.order_by("pk"):
        refresh(programme)
