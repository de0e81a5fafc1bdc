"""The insights API (being built)."""

from ninja import Router

from jifen.api import simulator

router = Router(tags=["insights"])
router.add_router("", simulator.router)
