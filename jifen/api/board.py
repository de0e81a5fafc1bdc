"""The board API (being built)."""

from ninja import Router

router = Router(tags=["board"])
