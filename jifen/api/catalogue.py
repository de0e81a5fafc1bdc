"""The catalogue for staff: rewards with their image, stock per store (adding units serves
the waitlist, highest balance first), and the programme's redemption settings. The resident's
catalogue is jifen.api.rewards_resident.

Every member of staff reads the catalogue (it is the programme's); changing it is for
programme-wide administrators ("manage_catalogue"). A reward's image travels in the JSON body
base64-encoded, as a claim's photos do, and is checked and re-encoded (jifen.lib.images)."""

from datetime import date, datetime
from typing import Annotated, Any

from django.http import FileResponse, Http404, HttpResponse
from ninja import Field, Query, Router, Schema, Status
from pydantic import StrictBool, model_validator

from jifen.api.auth import ApiRequest
from jifen.api.claims import MAX_PHOTO_CHARACTERS, PHOTO_RESPONSE, decoded_photos
from jifen.api.earnings import Key, once
from jifen.api.inputs import IdIn, InputSchema, Int
from jifen.api.stores import StoreRef, store_ref
from jifen.lib.images import photo_response
from jifen.programmes import errors as programme_errors
from jifen.programmes.access import StaffScope, access_programme
from jifen.programmes.models import Community
from jifen.rewards import queries, services
from jifen.rewards.access import (
    access_reward,
    access_stock,
    access_store,
    rewards_of,
)
from jifen.rewards.catalogue import MAX_POINTS, MAX_UNITS
from jifen.rewards.models import (
    Handover,
    LimitPeriod,
    Perk,
    Reward,
    RewardArea,
    RewardCategory,
    RewardKind,
    RewardSettings,
    Stock,
)

router = Router(tags=["rewards"])
Points = Annotated[Int, Field(ge=0, le=MAX_POINTS)]
Units = Annotated[Int, Field(ge=1, le=MAX_UNITS)]
Threshold = Annotated[Int, Field(ge=0, le=MAX_UNITS)]
Month = Annotated[Int, Field(ge=1, le=12)]
Image = Annotated[str, Field(max_length=MAX_PHOTO_CHARACTERS)]


class ShelfOut(Schema):
    store: StoreRef
    quantity: int | None = Field(description="Units the store ever received; None: no limit.")
    left: int | None = Field(description="Units left; None: no limit.")


class RewardOut(Schema):
    public_id: str
    name: str
    description: str
    kind: str
    category: str
    area: str
    points: int
    handover: str
    monthly_limit: int | None
    member_limit: int | None
    member_limit_period: str
    available_from: date | None
    available_until: date | None
    months: list[int]
    communities: list[int] = Field(description="Community ids; empty: for everyone.")
    min_lifetime: int | None
    min_balance: int | None
    perk: str
    waitlist: bool
    is_active: bool
    has_image: bool
    shelves: list[ShelfOut]
    created_at: datetime


class RewardFields(InputSchema):
    name: str = Field(min_length=1, max_length=100)
    description: str = Field("", max_length=4000)
    category: RewardCategory = RewardCategory.OTHER
    area: RewardArea = RewardArea.GOODS
    handover: Handover = Handover.PICKUP
    monthly_limit: Units | None = None
    member_limit: Units | None = None
    member_limit_period: LimitPeriod = LimitPeriod.MONTH
    available_from: date | None = None
    available_until: date | None = None
    months: list[Month] = Field(default_factory=list, max_length=12)
    communities: list[IdIn] = Field(default_factory=list, max_length=100)
    min_lifetime: Threshold | None = None
    min_balance: Threshold | None = None
    perk: Perk | None = Field(None, description="What a privilege gives; only a privilege.")
    waitlist: StrictBool = False
    is_active: StrictBool = True
    image: Image | None = Field(None, description="A base64-encoded JPEG, PNG or WebP photo.")


class RewardIn(RewardFields):
    kind: RewardKind
    points: Points = Field(description="0 for a privilege, which is not spent.")


class RewardPatch(InputSchema):
    """Only the fields sent change (`null` clears a limit, a date, a threshold or the perk;
    the image is kept unless a new one is sent)."""

    name: str | None = Field(None, min_length=1, max_length=100)
    description: str | None = Field(None, max_length=4000)
    kind: RewardKind | None = None
    points: Points | None = None
    category: RewardCategory | None = None
    area: RewardArea | None = None
    handover: Handover | None = None
    monthly_limit: Units | None = None
    member_limit: Units | None = None
    member_limit_period: LimitPeriod | None = None
    available_from: date | None = None
    available_until: date | None = None
    months: list[Month] | None = Field(None, max_length=12)
    communities: list[IdIn] | None = Field(None, max_length=100)
    min_lifetime: Threshold | None = None
    min_balance: Threshold | None = None
    perk: Perk | None = None
    waitlist: StrictBool | None = None
    is_active: StrictBool | None = None
    image: Image | None = None

    @model_validator(mode="after")
    def _refuse_nulls(self) -> "RewardPatch":
        for name in self.model_fields_set - NULLABLE:
            if getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


NULLABLE = {
    "monthly_limit",
    "member_limit",
    "available_from",
    "available_until",
    "min_lifetime",
    "min_balance",
    "perk",
    "image",
}


class RewardFilters(InputSchema):
    kind: RewardKind | None = None
    category: RewardCategory | None = None
    area: RewardArea | None = None
    is_active: bool | None = None


class RestockIn(InputSchema):
    add: Units = Field(description="Units put on the store's shelf.")


class RestockedOut(Schema):
    reward: RewardOut
    served: list[str] = Field(description="Redemptions made for residents on the waitlist.")


class SettingsOut(Schema):
    code_days: int = Field(description="Days a code stays valid.")
    delivery_working_days: int
    refusal_penalty: int = Field(description="Points taken for refusing a delivery.")
    settlement_months: int
    zones: list[int] = Field(description="The supermarket's shelves, by price in points.")
    donated_needs_goods: bool


class SettingsIn(InputSchema):
    code_days: Annotated[Int, Field(ge=1, le=365)]
    delivery_working_days: Annotated[Int, Field(ge=1, le=60)]
    refusal_penalty: Points
    settlement_months: Annotated[Int, Field(ge=1, le=12, description="1, 3, 6 or 12.")]
    zones: list[Annotated[Int, Field(ge=1, le=MAX_POINTS)]] = Field(max_length=20)
    donated_needs_goods: StrictBool


def _shelves(stocks: list[Stock]) -> dict[int, list[dict[str, Any]]]:
    """Each reward's shelves, by reward id, with the units left (one query for them all)."""
    left = queries.stock_left(stocks)
    found: dict[int, list[dict[str, Any]]] = {}
    for s in stocks:
        shelf = {"store": store_ref(s.store), "quantity": s.quantity, "left": left[s.pk]}
        found.setdefault(s.reward_id, []).append(shelf)
    return found


def rewards_json(rewards: list[Reward]) -> list[dict[str, Any]]:
    stocks = list(
        Stock.objects.filter(reward__in=rewards)
        .select_related("store")
        .order_by("store__kind", "store__name")
    )
    shelves = _shelves(stocks)
    return [_reward_json(r, shelves.get(r.pk, [])) for r in rewards]


def reward_json(reward: Reward) -> dict[str, Any]:
    return rewards_json([reward])[0]


def _reward_json(reward: Reward, shelves: list[dict[str, Any]]) -> dict[str, Any]:
    plain = set(RewardOut.model_fields) - {"communities", "has_image", "shelves"}
    fields = {name: getattr(reward, name) for name in plain}
    fields["communities"] = sorted(c.pk for c in reward.communities.all())
    fields |= {"has_image": bool(reward.image), "shelves": shelves}
    return RewardOut.model_validate(fields).model_dump(mode="json")


def _communities(scope: StaffScope, ids: list[int]) -> list[Community]:
    found = {c.pk: c for c in scope.communities().filter(pk__in=ids)}
    for community_id in ids:
        if community_id not in found:
            raise programme_errors.CommunityNotInProgramme(name=str(community_id))
    return list(found.values())


def _current(reward: Reward) -> dict[str, Any]:
    """The reward's fields as save_reward takes them, to change only those sent."""
    names = set(RewardIn.model_fields) - {"communities", "image", "perk"}
    fields = {name: getattr(reward, name) for name in names}
    fields["communities"] = [c.pk for c in reward.communities.all()]
    return fields | {"perk": reward.perk or None, "image": None}


def _save(
    request: ApiRequest, scope: StaffScope, reward: Reward | None, fields: dict[str, Any]
) -> Reward:
    image = fields.pop("image")
    photo = decoded_photos([image])[0] if image is not None else None
    communities = _communities(scope, fields.pop("communities"))
    return services.save_reward(
        programme=scope.programme,
        actor=request.auth,
        reward=reward,
        communities=communities,
        photo=photo,
        **{**fields, "perk": fields["perk"] or ""},
    )


def image_of(reward: Reward) -> FileResponse:
    if not reward.image:
        raise Http404
    return photo_response(reward.image)


IMAGE: dict[str, Any] = {
    "response": {200: None},
    "openapi_extra": {"responses": {200: PHOTO_RESPONSE}},
}


# Staff: the catalogue.


@router.get("/programmes/{slug}/rewards", response=list[RewardOut])
def list_rewards(request: ApiRequest, slug: str, filters: Query[RewardFilters]) -> Any:
    """The programme's catalogue by area and price, inactive rewards too."""
    scope = access_programme(request.auth, slug, "view_console")
    rows = rewards_of(scope).prefetch_related("communities").order_by("area", "points", "name")
    chosen = filters.model_dump(exclude_none=True)
    return rewards_json(list(rows.filter(**chosen)[:500]))


@router.get("/programmes/{slug}/rewards/{reward}", response=RewardOut)
def get_reward(request: ApiRequest, slug: str, reward: str) -> dict[str, Any]:
    scope = access_programme(request.auth, slug, "view_console")
    return reward_json(access_reward(scope, reward[:12]))


@router.get("/programmes/{slug}/rewards/{reward}/image", **IMAGE)
def get_reward_image(request: ApiRequest, slug: str, reward: str) -> FileResponse:
    scope = access_programme(request.auth, slug, "view_console")
    return image_of(access_reward(scope, reward[:12]))


@router.post("/programmes/{slug}/rewards", response={201: RewardOut})
def create_reward(
    request: ApiRequest, response: HttpResponse, slug: str, body: RewardIn, key: Key = None
) -> Status[Any]:
    """Add a reward to the catalogue; it is offered once a store has it (stock)."""
    scope = access_programme(request.auth, slug, "manage_catalogue")

    def perform() -> tuple[int, Any]:
        return 201, reward_json(_save(request, scope, None, body.model_dump()))

    return once(request, response, scope.programme, key, body, perform)


@router.patch("/programmes/{slug}/rewards/{reward}", response={200: RewardOut})
def update_reward(
    request: ApiRequest,
    response: HttpResponse,
    slug: str,
    reward: str,
    body: RewardPatch,
    key: Key = None,
) -> Status[Any]:
    """Change the fields sent; redemptions made keep the points and area they were made at."""
    scope = access_programme(request.auth, slug, "manage_catalogue")
    found = access_reward(scope, reward[:12])

    def perform() -> tuple[int, Any]:
        fields = _current(found) | body.model_dump(exclude_unset=True)
        return 200, reward_json(_save(request, scope, found, fields))

    return once(request, response, scope.programme, key, body, perform)


# Staff: stock.

STOCK = "/programmes/{slug}/rewards/{reward}/stock/{store}"


@router.post(STOCK + "/restock", response={200: RestockedOut})
def restock(
    request: ApiRequest,
    response: HttpResponse,
    slug: str,
    reward: str,
    store: str,
    body: RestockIn,
    key: Key = None,
) -> Status[Any]:
    """Put `add` more units on the store's shelf (offering the reward there if it was not);
    residents waiting for it are served at once, highest balance first."""
    return _restock(request, response, slug, reward, store, key, body)


@router.post(STOCK + "/unlimited", response={200: RestockedOut})
def make_unlimited(
    request: ApiRequest,
    response: HttpResponse,
    slug: str,
    reward: str,
    store: str,
    key: Key = None,
) -> Status[Any]:
    """Offer the reward at the store without a limit of units (a service, a title)."""
    return _restock(request, response, slug, reward, store, key, None)


def _restock(
    request: ApiRequest,
    response: HttpResponse,
    slug: str,
    reward: str,
    store: str,
    key: str | None,
    body: RestockIn | None,
) -> Status[Any]:
    scope = access_programme(request.auth, slug, "manage_catalogue")
    found, shelf = access_reward(scope, reward[:12]), access_store(scope, store[:40])

    def perform() -> tuple[int, Any]:
        _stock, served = services.restock(
            reward=found,
            store=shelf,
            actor=request.auth,
            add=body.add if body else 0,
            unlimited=body is None,
        )
        return 200, {"reward": reward_json(found), "served": [r.public_id for r in served]}

    return once(request, response, scope.programme, key, body, perform)


@router.post(STOCK + "/remove", response={200: RewardOut})
def remove_stock(
    request: ApiRequest,
    response: HttpResponse,
    slug: str,
    reward: str,
    store: str,
    key: Key = None,
) -> Status[Any]:
    """Stop offering the reward at the store (its redemptions stay)."""
    scope = access_programme(request.auth, slug, "manage_catalogue")
    found = access_reward(scope, reward[:12])

    def perform() -> tuple[int, Any]:
        # Looked up here: a retry with the key gets its answer although the shelf is gone.
        stock = access_stock(scope, found, store[:40])
        services.remove_stock(stock=stock, actor=request.auth)
        return 200, reward_json(found)

    return once(request, response, scope.programme, key, None, perform)


# Staff: settings.


def settings_json(found: RewardSettings) -> dict[str, Any]:
    fields = {name: getattr(found, name) for name in SettingsOut.model_fields}
    return SettingsOut.model_validate(fields).model_dump(mode="json")


@router.get("/programmes/{slug}/reward-settings", response=SettingsOut)
def get_settings(request: ApiRequest, slug: str) -> dict[str, Any]:
    scope = access_programme(request.auth, slug, "manage_catalogue")
    return settings_json(services.settings_of(scope.programme))


@router.put("/programmes/{slug}/reward-settings", response={200: SettingsOut})
def put_settings(
    request: ApiRequest, response: HttpResponse, slug: str, body: SettingsIn, key: Key = None
) -> Status[Any]:
    """Every setting at once: how long a code stays valid, the delivery deadline, the
    refusal penalty, the settlement period (1, 3, 6 or 12 months) and the price zones."""
    scope = access_programme(request.auth, slug, "manage_catalogue")

    def perform() -> tuple[int, Any]:
        saved = services.update_settings(
            programme=scope.programme, actor=request.auth, **body.model_dump()
        )
        return 200, settings_json(saved)

    return once(request, response, scope.programme, key, body, perform)
