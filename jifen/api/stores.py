"""Stores: the programme's points supermarkets (the county store, a village's 爱心超市) and
partner shops, with the cashiers who verify codes at their counters. Staff see the stores in
their scope; creating and changing them, and choosing their cashiers, is for programme-wide
administrators ("manage_catalogue"). A store is named by its code."""

from datetime import datetime
from typing import Annotated, Any, Literal

from django.http import Http404, HttpResponse
from ninja import Field, Router, Schema, Status
from pydantic import StrictBool, model_validator

from jifen.accounts.models import User
from jifen.api.auth import ApiRequest
from jifen.api.earnings import Key, once
from jifen.api.inputs import IdIn, InputSchema
from jifen.programmes import errors as programme_errors
from jifen.programmes.access import StaffScope, access_community, access_programme
from jifen.programmes.models import Community, RoleKind
from jifen.rewards import errors, services
from jifen.rewards.access import access_store, stores_in_scope
from jifen.rewards.models import Store, StoreCashier

router = Router(tags=["rewards"])
StoreCode = Annotated[str, Field(min_length=1, max_length=40, description="The store's code.")]
StoreKind_ = Literal["supermarket", "partner"]
Username = Annotated[str, Field(min_length=1, max_length=150)]


class StoreRef(Schema):
    code: str
    name: str
    kind: StoreKind_


def store_ref(store: Store) -> dict[str, str]:
    return {"code": store.code, "name": store.name, "kind": store.kind}


class CashierOut(Schema):
    username: str
    name: str


class StoreOut(Schema):
    code: str
    name: str
    kind: StoreKind_
    community_id: int | None = Field(description="A village's own store; None: the programme's.")
    address: str
    opening_hours: str
    description: str
    is_active: bool
    cashiers: list[CashierOut]
    created_at: datetime


class StoreIn(InputSchema):
    code: StoreCode
    name: str = Field(min_length=1, max_length=100)
    kind: StoreKind_ = "supermarket"
    community_id: IdIn | None = Field(None, description="None: the programme's own store.")
    address: str = Field("", max_length=200)
    opening_hours: str = Field("", max_length=100)
    description: str = Field("", max_length=2000)
    is_active: StrictBool = True


class StorePatch(InputSchema):
    """Only the fields sent change (`null` for the community makes it the programme's)."""

    code: StoreCode | None = None
    name: str | None = Field(None, min_length=1, max_length=100)
    kind: StoreKind_ | None = None
    community_id: IdIn | None = None
    address: str | None = Field(None, max_length=200)
    opening_hours: str | None = Field(None, max_length=100)
    description: str | None = Field(None, max_length=2000)
    is_active: StrictBool | None = None

    @model_validator(mode="after")
    def _refuse_nulls(self) -> "StorePatch":
        for name in self.model_fields_set - {"community_id"}:
            if getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class CashiersIn(InputSchema):
    cashiers: list[Username] = Field(
        max_length=100, description="Usernames of staff with the programme's cashier role."
    )


def store_json(store: Store) -> dict[str, Any]:
    cashiers = [
        {"username": c.user.get_username(), "name": c.user.get_full_name()}
        for c in StoreCashier.objects.filter(store=store).select_related("user")
    ]
    fields = {name: getattr(store, name) for name in StoreOut.model_fields if name != "cashiers"}
    return StoreOut.model_validate({**fields, "cashiers": cashiers}).model_dump(mode="json")


def _community(scope: StaffScope, community_id: int | None) -> Community | None:
    if community_id is None:
        return None
    try:
        return access_community(scope, community_id)
    except Http404:
        raise programme_errors.CommunityNotInProgramme(name=str(community_id)) from None


def _fields_of(store: Store) -> dict[str, Any]:
    names = ("code", "name", "kind", "address", "opening_hours", "description", "is_active")
    return {name: getattr(store, name) for name in names} | {"community_id": store.community_id}


def _save(
    request: ApiRequest, scope: StaffScope, store: Store | None, fields: dict[str, Any]
) -> Store:
    community = _community(scope, fields.pop("community_id"))
    return services.save_store(
        programme=scope.programme, actor=request.auth, store=store, community=community, **fields
    )


@router.get("/programmes/{slug}/stores", response=list[StoreOut])
def list_stores(request: ApiRequest, slug: str) -> list[dict[str, Any]]:
    """The stores in the caller's scope (a village's staff: theirs and the programme's)."""
    scope = access_programme(request.auth, slug, "view_console")
    return [store_json(s) for s in stores_in_scope(scope).order_by("kind", "name")]


@router.get("/programmes/{slug}/stores/{store}", response=StoreOut)
def get_store(request: ApiRequest, slug: str, store: str) -> dict[str, Any]:
    scope = access_programme(request.auth, slug, "view_console")
    return store_json(access_store(scope, store[:40]))


@router.post("/programmes/{slug}/stores", response={201: StoreOut})
def create_store(
    request: ApiRequest, response: HttpResponse, slug: str, body: StoreIn, key: Key = None
) -> Status[Any]:
    scope = access_programme(request.auth, slug, "manage_catalogue")

    def perform() -> tuple[int, Any]:
        return 201, store_json(_save(request, scope, None, body.model_dump()))

    return once(request, response, scope.programme, key, body, perform)


@router.patch("/programmes/{slug}/stores/{store}", response={200: StoreOut})
def update_store(
    request: ApiRequest,
    response: HttpResponse,
    slug: str,
    store: str,
    body: StorePatch,
    key: Key = None,
) -> Status[Any]:
    """Change the fields sent (closing a store: `is_active: false`)."""
    scope = access_programme(request.auth, slug, "manage_catalogue")
    found = access_store(scope, store[:40])

    def perform() -> tuple[int, Any]:
        fields = _fields_of(found) | body.model_dump(exclude_unset=True)
        return 200, store_json(_save(request, scope, found, fields))

    return once(request, response, scope.programme, key, body, perform)


@router.put("/programmes/{slug}/stores/{store}/cashiers", response={200: StoreOut})
def set_cashiers(
    request: ApiRequest,
    response: HttpResponse,
    slug: str,
    store: str,
    body: CashiersIn,
    key: Key = None,
) -> Status[Any]:
    """The store's cashiers, all of them: whoever is not listed no longer works its counter.
    Each must have the programme's cashier role (`not_a_cashier`)."""
    scope = access_programme(request.auth, slug, "manage_catalogue")
    found = access_store(scope, store[:40])

    def perform() -> tuple[int, Any]:
        users = _cashiers(scope, body.cashiers)
        services.set_cashiers(store=found, users=users, actor=request.auth)
        return 200, store_json(found)

    return once(request, response, scope.programme, key, body, perform)


def _cashiers(scope: StaffScope, usernames: list[str]) -> list[User]:
    """The programme's cashiers named; a name that is none of them is refused as such, so
    that the answer says nothing of accounts outside the programme."""
    found = {
        u.get_username(): u
        for u in User.objects.filter(
            username__in=usernames, roles__programme=scope.programme, roles__kind=RoleKind.CASHIER
        ).distinct()
    }
    for name in usernames:
        if name not in found:
            raise errors.NotACashier(name=name)
    return list(found.values())
