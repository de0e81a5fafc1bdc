"""The voices API (being built)."""

from ninja import Router

router = Router(tags=["voices"])
