"""The resident's catalogue: what is offered to them (by the supermarket's price zones,
category and area, what they can afford), each item with its stock per store and, when it
cannot be redeemed now, why, in the redemption's own words; its picture; and the privileges
their points bring (not spent: ≥ 800 → priority sign-up for trips)."""

from datetime import date
from typing import Annotated, Any

from django.http import FileResponse
from ninja import Field, Query, Router, Schema

from jifen.api.auth import ApiRequest
from jifen.api.catalogue import IMAGE, ShelfOut, image_of
from jifen.api.inputs import InputSchema
from jifen.api.stores import store_ref
from jifen.ledger.queries import summary_of
from jifen.programmes.access import resident_member
from jifen.rewards import queries, services
from jifen.rewards.access import resident_reward
from jifen.rewards.catalogue import MAX_POINTS
from jifen.rewards.models import Reward, RewardArea, RewardCategory

router = Router(tags=["rewards"])


class OfferOut(Schema):
    public_id: str
    name: str
    description: str
    kind: str
    category: str
    area: str
    points: int
    zone: int | None = Field(description="The price shelf it stands on, if any.")
    handover: str
    available_from: date | None
    available_until: date | None
    months: list[int]
    waitlist: bool
    has_image: bool
    shelves: list[ShelfOut]
    affordable: bool
    in_stock: bool
    refusal: str = Field(description="Why it cannot be redeemed now (translated); '' if it can.")


class OfferDetailOut(OfferOut):
    waitlist_open: bool = Field(description="Out of stock, and residents may wait for it.")
    waiting: bool = Field(description="The resident is on its waitlist.")


class CatalogueOut(Schema):
    balance: int
    zones: list[int]
    items: list[OfferOut]


class CatalogueFilters(InputSchema):
    zone: Annotated[int, Field(ge=1, le=MAX_POINTS)] | None = Field(
        None, description="A price shelf: rewards of exactly these points."
    )
    category: RewardCategory | None = None
    area: RewardArea | None = None
    affordable: bool = Field(False, description="Only what the balance pays for.")


class PrivilegeOut(Schema):
    public_id: str
    name: str
    description: str
    perk: str
    min_balance: int | None
    min_lifetime: int | None


def offer_json(offer: queries.Offer) -> dict[str, Any]:
    reward = offer.reward
    plain = set(OfferOut.model_fields) - {"zone", "has_image", "shelves", "affordable"}
    fields = {name: getattr(reward, name) for name in plain - {"in_stock", "refusal"}}
    shelves = [
        {"store": store_ref(s.stock.store), "quantity": s.stock.quantity, "left": s.left}
        for s in offer.shelves
    ]
    fields |= {"zone": offer.zone, "has_image": bool(reward.image), "shelves": shelves}
    fields |= {"affordable": offer.affordable, "in_stock": offer.in_stock}
    return OfferOut.model_validate({**fields, "refusal": offer.refusal}).model_dump(mode="json")


@router.get("/programmes/{slug}/me/rewards", response=CatalogueOut)
def my_catalogue(request: ApiRequest, slug: str, filters: Query[CatalogueFilters]) -> Any:
    """What is offered to the resident, cheapest first, with the balance and the zones."""
    member = resident_member(request.auth, slug)
    offers = queries.catalogue(
        member,
        zone=filters.zone,
        category=filters.category or "",
        area=filters.area or "",
        affordable_only=filters.affordable,
    )
    return {
        "balance": summary_of(member).balance,
        "zones": services.settings_of(member.programme).zones or [],
        "items": [offer_json(o) for o in offers],
    }


@router.get("/programmes/{slug}/me/rewards/{reward}", response=OfferDetailOut)
def my_reward(request: ApiRequest, slug: str, reward: str) -> dict[str, Any]:
    """One reward: its stock at each store, and why it cannot be redeemed now, if so."""
    member = resident_member(request.auth, slug)
    found = resident_reward(member, reward[:12])
    found.programme = member.programme
    offer = queries.offer(member, found)
    waits = [w for w in queries.my_waits(member) if w.reward_id == found.pk]
    open_ = found.waitlist and not offer.in_stock and not offer.refusal
    return {**offer_json(offer), "waitlist_open": open_, "waiting": bool(waits)}


@router.get("/programmes/{slug}/me/rewards/{reward}/image", **IMAGE)
def my_rewardimage_of(request: ApiRequest, slug: str, reward: str) -> FileResponse:
    return image_of(resident_reward(resident_member(request.auth, slug), reward[:12]))


@router.get("/programmes/{slug}/me/privileges", response=list[PrivilegeOut])
def my_privileges(request: ApiRequest, slug: str) -> list[Reward]:
    """The privileges the resident's points bring now (not spent: ≥ 800 → priority sign-up)."""
    return queries.privileges_of(resident_member(request.auth, slug))
