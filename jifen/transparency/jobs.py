"""Periodic work of the transparency log, run by `jifen worker`."""

from jifen.lib.jobs import register
from jifen.transparency.sequencer import seal_all


@register("seal-log", every_seconds=2)
def seal_log() -> None:
    """Seal what was committed since the last run: a signed head every two seconds at most
    while there is traffic, none when there is nothing new."""
    seal_all()
