"""Periodic ledger work, run by `jifen worker`."""

from jifen.ledger.services import expire_lots
from jifen.lib.jobs import register
from jifen.programmes.models import Programme


@register("expire-points", every_seconds=3600)
def expire_points() -> None:
    """Move what is left of expired lots to the expiry accounts (hourly, so a year-end
    clearing happens within the first hour of the new year in every time zone)."""
    for programme in Programme.objects.all():
        expire_lots(programme=programme)
