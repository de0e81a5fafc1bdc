"""The recognition API (being built)."""

from ninja import Router

router = Router(tags=["recognition"])
