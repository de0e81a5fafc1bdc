"""Periodic earning work, run by `jifen worker`."""

from datetime import timedelta

from jifen.earning.appeals import post_due_notices
from jifen.earning.devices import RATE_SCOPE, rate_period
from jifen.ledger.services import forget_counters
from jifen.lib import clock
from jifen.lib.jobs import register
from jifen.programmes.models import Programme


@register("post-notices", every_seconds=60)
def post_notices() -> None:
    """Credit the awards whose public notice ended unopposed."""
    for programme in Programme.objects.all():
        while post_due_notices(programme=programme) == 500:
            pass


@register("forget-device-rates", every_seconds=3600)
def forget_device_rates() -> None:
    """Devices' per-minute counters are needed only for their minute: drop the old ones."""
    forget_counters(RATE_SCOPE, rate_period(clock.now() - timedelta(hours=1)))
