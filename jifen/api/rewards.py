"""The rewards API, tagged "rewards": the catalogue with its stock and settings
(jifen.api.catalogue), the resident's catalogue and privileges (rewards_resident), stores and
their cashiers (stores), redemptions, the waitlist and deliveries (redemptions), the counter
(counter) and settlements (settlements), for staff under /programmes/<slug>/… and for the
resident under /programmes/<slug>/me/….

Every write takes an `Idempotency-Key` header; every refusal is {"code", "detail"} with the
rewards services' stable codes; every object is looked up through jifen.rewards.access, so
that another community's or programme's object answers 404 like a missing one."""

from ninja import Router

from jifen.api import (
    catalogue,
    counter,
    redemptions,
    rewards_resident,
    settlements,
    stores,
)

router = Router(tags=["rewards"])
for part in (catalogue, rewards_resident, stores, redemptions, counter, settlements):
    router.add_router("", part.router)
