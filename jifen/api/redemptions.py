"""Redemptions: the resident redeems a reward (or staff do on their behalf, 代办) → the points
are held and the stock used in one transaction → a code, with its QR (SVG) to show at the
counter until it expires; the resident may cancel an open code (a delivery until it is
dispatched), which gives the points and the stock back once. A reward out of stock with a
waitlist may be waited for; new stock goes to the highest balances first.

Staff who handle redemptions (administrators, cashiers: their stores' only) list them by
status, store, hand-over and overdue deliveries, move a delivery through its steps
(ordered → notified → shipped → delivered), record a refusal (for personal reasons, the
programme's penalty, never below zero) or cancel one. The counter is jifen.api.counter."""

from datetime import datetime
from typing import Annotated, Any, Literal

import segno
from django.db.models import QuerySet
from django.http import HttpResponse
from ninja import Field, Query, Router, Schema, Status

from jifen.api.auth import ApiRequest
from jifen.api.earnings import Key, Limit, MemberRef, member_ref, newest_first, once
from jifen.api.inputs import Id, InputSchema, Int
from jifen.api.stores import StoreCode, StoreRef, store_ref
from jifen.lib import clock
from jifen.programmes.access import access_member, access_programme, resident_member
from jifen.programmes.models import Member
from jifen.rewards import codes, errors, queries, services
from jifen.rewards.access import (
    access_own_redemption,
    access_own_wait,
    access_redemption,
    access_reward,
    access_store,
    own_redemptions,
    redemptions_in_scope,
    resident_reward,
)
from jifen.rewards.catalogue import MAX_QUANTITY
from jifen.rewards.models import (
    Handover,
    Redemption,
    RedemptionStatus,
    RefusalReason,
    Reward,
    Store,
    WaitlistEntry,
)

router = Router(tags=["rewards"])
RedemptionState = Literal["open", "fulfilled", "cancelled", "expired", "refused"]
Quantity = Annotated[Int, Field(ge=1, le=MAX_QUANTITY)]
CAN = "handle_redemptions"


class RewardRef(Schema):
    public_id: str
    name: str


class RedemptionOut(Schema):
    public_id: str
    code: str = Field(description="Nine characters; its QR holds them.")
    display_code: str = Field(description="The code as read out: ABC-DEF-GHJ.")
    qr_svg: str | None = Field(description="The code's QR (SVG) while it may be collected.")
    reward: RewardRef
    store: StoreRef
    member: MemberRef
    quantity: int
    points: int
    area: str
    handover: Literal["pickup", "delivery"]
    status: RedemptionState
    step: str = Field(description="A delivery's step; '' for a code to collect.")
    address: str
    expires_at: datetime | None = Field(description="A code to collect: valid until then.")
    due_at: datetime | None = Field(description="A delivery: due by then.")
    overdue: bool
    refusal_reason: str
    penalty_due: int
    created_at: datetime
    closed_at: datetime | None


class RedemptionPage(Schema):
    items: list[RedemptionOut]
    next_cursor: str | None


class RedeemIn(InputSchema):
    store: StoreCode | None = Field(None, description="Where to collect; else its only store.")
    quantity: Quantity = 1
    address: str = Field("", max_length=200, description="Where to deliver (delivered items).")


class RedeemForIn(RedeemIn):
    member: Annotated[str, Field(max_length=40, description="The resident's public id.")]
    reward: Annotated[str, Field(max_length=12, description="The reward's public id.")]


class StepIn(InputSchema):
    step: Literal["notified", "shipped", "delivered"]


class RefuseIn(InputSchema):
    reason: RefusalReason = Field(description="`personal` charges the programme's penalty.")


class WaitIn(InputSchema):
    store: StoreCode | None = Field(None, description="The store waited at; else its only one.")


class WaitOut(Schema):
    id: int
    reward: RewardRef
    store: StoreRef
    status: Literal["waiting", "served", "withdrawn"]
    redemption: str | None = Field(description="What was redeemed when it was served.")
    created_at: datetime


class MyFilters(InputSchema):
    status: RedemptionState | None = None
    cursor: str | None = Field(None, max_length=500)
    limit: Limit = 50


class RedemptionFilters(MyFilters):
    store: StoreCode | None = None
    handover: Literal["pickup", "delivery"] | None = None
    overdue: bool = Field(False, description="Deliveries past their deadline, still open.")
    member: str | None = Field(None, max_length=40, description="A member's public id.")


def qr_svg(code: str) -> str:
    """The code's QR as an SVG element: the nine characters the counter's scanner reads."""
    return str(segno.make(code, error="m").svg_inline(scale=4, border=3))


def redemption_json(redemption: Redemption, name: str | None = None) -> dict[str, Any]:
    """A redemption, JSON-ready; `name` shows the resident otherwise (masked, at the
    counter)."""
    r = redemption
    collectable = r.status == RedemptionStatus.OPEN and r.handover == Handover.PICKUP
    member = member_ref(r.member) | ({"display_name": name} if name is not None else {})
    overdue = r.status == RedemptionStatus.OPEN and r.due_at is not None and r.due_at < clock.now()
    fields = {name: getattr(r, name) for name in _PLAIN}
    return RedemptionOut.model_validate(
        {
            **fields,
            "display_code": codes.display(r.code),
            "qr_svg": qr_svg(r.code) if collectable else None,
            "reward": {"public_id": r.reward.public_id, "name": r.reward.name},
            "store": store_ref(r.store),
            "member": member,
            "overdue": overdue,
        }
    ).model_dump(mode="json")


_PLAIN = (
    "public_id",
    "code",
    "quantity",
    "points",
    "area",
    "handover",
    "status",
    "step",
    "address",
    "expires_at",
    "due_at",
    "refusal_reason",
    "penalty_due",
    "created_at",
    "closed_at",
)


def wait_json(entry: WaitlistEntry) -> dict[str, Any]:
    return WaitOut.model_validate(
        {
            "id": entry.pk,
            "reward": {"public_id": entry.reward.public_id, "name": entry.reward.name},
            "store": store_ref(entry.store),
            "status": entry.status,
            "redemption": entry.redemption.public_id if entry.redemption else None,
            "created_at": entry.created_at,
        }
    ).model_dump(mode="json")


def _page(rows: QuerySet[Redemption], filters: MyFilters) -> dict[str, Any]:
    if filters.status is not None:
        rows = rows.filter(status=filters.status)
    rows = rows.select_related("member", "reward", "store")
    found, cursor = newest_first(rows, filters.cursor, filters.limit)
    return {"items": [redemption_json(r) for r in found], "next_cursor": cursor}


def _store_of_offer(member: Member, reward: Reward, code: str | None) -> Store | None:
    """The store chosen among those offering the reward to the resident (None: its only
    one). Raises NotAtStore for a store that does not hand it out."""
    if code is None:
        return None
    reward.programme = member.programme
    for shelf in queries.offer(member, reward).shelves:
        if shelf.stock.store.code == code:
            return shelf.stock.store
    raise errors.NotAtStore(reward=reward.name, store=code)


def _redeem(
    member: Member, reward: Reward, store: Store | None, body: RedeemIn, actor: Any
) -> Redemption:
    return services.redeem(
        member=member,
        reward=reward,
        store=store,
        quantity=body.quantity,
        actor=actor,
        address=body.address,
    )


# The resident.


@router.post("/programmes/{slug}/me/rewards/{reward}/redeem", response={201: RedemptionOut})
def redeem(
    request: ApiRequest,
    response: HttpResponse,
    slug: str,
    reward: str,
    body: RedeemIn,
    key: Key = None,
) -> Status[Any]:
    """Redeem: the points are held and a code made (`qr_svg` to show at the counter, valid
    until `expires_at`); a delivered item is ordered to `address`. Send an Idempotency-Key:
    a retry on a poor connection is then the same redemption, never a second."""
    member = resident_member(request.auth, slug)
    found = resident_reward(member, reward[:12])

    def perform() -> tuple[int, Any]:
        store = _store_of_offer(member, found, body.store)
        return 201, redemption_json(_redeem(member, found, store, body, request.auth))

    return once(request, response, member.programme, key, body, perform)


@router.get("/programmes/{slug}/me/redemptions", response=RedemptionPage)
def my_redemptions(request: ApiRequest, slug: str, filters: Query[MyFilters]) -> dict[str, Any]:
    """The resident's codes and orders, newest first (`status=open`: the codes to show)."""
    member = resident_member(request.auth, slug)
    return _page(own_redemptions(member), filters)


@router.get("/programmes/{slug}/me/redemptions/{redemption_id}", response=RedemptionOut)
def my_redemption(request: ApiRequest, slug: str, redemption_id: str) -> dict[str, Any]:
    member = resident_member(request.auth, slug)
    return redemption_json(access_own_redemption(member, redemption_id[:12]))


@router.post(
    "/programmes/{slug}/me/redemptions/{redemption_id}/cancel", response={200: RedemptionOut}
)
def cancel_mine(
    request: ApiRequest, response: HttpResponse, slug: str, redemption_id: str, key: Key = None
) -> Status[Any]:
    """Cancel an open code (a delivery until it is dispatched): the points come back."""
    member = resident_member(request.auth, slug)
    found = access_own_redemption(member, redemption_id[:12])

    def perform() -> tuple[int, Any]:
        return 200, redemption_json(services.cancel(redemption=found, actor=request.auth))

    return once(request, response, member.programme, key, None, perform)


@router.post("/programmes/{slug}/me/rewards/{reward}/waitlist", response={201: WaitOut})
def join_waitlist(
    request: ApiRequest,
    response: HttpResponse,
    slug: str,
    reward: str,
    body: WaitIn,
    key: Key = None,
) -> Status[Any]:
    """Wait for a reward out of stock whose waitlist is open; joining twice is one wait."""
    member = resident_member(request.auth, slug)
    found = resident_reward(member, reward[:12])

    def perform() -> tuple[int, Any]:
        store = _store_of_offer(member, found, body.store)
        entry = services.join_waitlist(member=member, reward=found, store=store)
        return 201, wait_json(entry)

    return once(request, response, member.programme, key, body, perform)


@router.get("/programmes/{slug}/me/waitlist", response=list[WaitOut])
def my_waitlist(request: ApiRequest, slug: str) -> list[dict[str, Any]]:
    """What the resident waits for now."""
    return [wait_json(w) for w in queries.my_waits(resident_member(request.auth, slug))]


@router.post("/programmes/{slug}/me/waitlist/{entry_id}/leave", response={200: WaitOut})
def leave_waitlist(
    request: ApiRequest, response: HttpResponse, slug: str, entry_id: Id, key: Key = None
) -> Status[Any]:
    member = resident_member(request.auth, slug)
    entry = access_own_wait(member, entry_id)

    def perform() -> tuple[int, Any]:
        services.leave_waitlist(entry=entry)
        entry.refresh_from_db()
        return 200, wait_json(entry)

    return once(request, response, member.programme, key, None, perform)


# Staff.


@router.get("/programmes/{slug}/redemptions", response=RedemptionPage)
def list_redemptions(
    request: ApiRequest, slug: str, filters: Query[RedemptionFilters]
) -> dict[str, Any]:
    """Redemptions in the caller's scope (a cashier: their stores'), newest first."""
    scope = access_programme(request.auth, slug, CAN)
    rows = redemptions_in_scope(scope)
    if filters.store is not None:
        rows = rows.filter(store=access_store(scope, filters.store))
    if filters.handover is not None:
        rows = rows.filter(handover=filters.handover)
    if filters.overdue:
        rows = queries.orders(rows, overdue=True)
    if filters.member is not None:
        rows = rows.filter(member=access_member(scope, filters.member))
    return _page(rows, filters)


@router.get("/programmes/{slug}/redemptions/{redemption_id}", response=RedemptionOut)
def get_redemption(request: ApiRequest, slug: str, redemption_id: str) -> dict[str, Any]:
    scope = access_programme(request.auth, slug, CAN)
    return redemption_json(access_redemption(scope, redemption_id[:12]))


@router.post("/programmes/{slug}/redemptions", response={201: RedemptionOut})
def redeem_for(
    request: ApiRequest, response: HttpResponse, slug: str, body: RedeemForIn, key: Key = None
) -> Status[Any]:
    """Redeem on a resident's behalf (代办, for residents without a phone): the redemption
    records who did it; print its code for the resident."""
    scope = access_programme(request.auth, slug, CAN)
    member = access_member(scope, body.member)
    reward = access_reward(scope, body.reward)
    store = access_store(scope, body.store) if body.store is not None else None

    def perform() -> tuple[int, Any]:
        return 201, redemption_json(_redeem(member, reward, store, body, request.auth))

    return once(request, response, scope.programme, key, body, perform)


def _staff_write(
    request: ApiRequest,
    response: HttpResponse,
    slug: str,
    redemption_id: str,
    key: str | None,
    body: Any,
    act: Any,
) -> Status[Any]:
    scope = access_programme(request.auth, slug, CAN)
    found = access_redemption(scope, redemption_id[:12])

    def perform() -> tuple[int, Any]:
        return 200, redemption_json(act(found))

    return once(request, response, scope.programme, key, body, perform)


R = "/programmes/{slug}/redemptions/{redemption_id}"


@router.post(R + "/step", response={200: RedemptionOut})
def take_step(
    request: ApiRequest,
    response: HttpResponse,
    slug: str,
    redemption_id: str,
    body: StepIn,
    key: Key = None,
) -> Status[Any]:
    """Move a delivery forward (steps may be skipped, never taken back); `delivered` hands
    it over and settles the points."""

    def act(found: Redemption) -> Redemption:
        return services.advance(redemption=found, step=body.step, actor=request.auth)

    return _staff_write(request, response, slug, redemption_id, key, body, act)


@router.post(R + "/refuse", response={200: RedemptionOut})
def refuse(
    request: ApiRequest,
    response: HttpResponse,
    slug: str,
    redemption_id: str,
    body: RefuseIn,
    key: Key = None,
) -> Status[Any]:
    """The resident refused the delivery: the points come back, and for personal reasons the
    programme's penalty is taken (what the balance allows, never below zero)."""

    def act(found: Redemption) -> Redemption:
        return services.refuse(redemption=found, reason=body.reason, actor=request.auth)

    return _staff_write(request, response, slug, redemption_id, key, body, act)


@router.post(R + "/cancel", response={200: RedemptionOut})
def cancel(
    request: ApiRequest, response: HttpResponse, slug: str, redemption_id: str, key: Key = None
) -> Status[Any]:
    """Cancel on the resident's behalf: the points and the stock come back."""

    def act(found: Redemption) -> Redemption:
        return services.cancel(redemption=found, actor=request.auth)

    return _staff_write(request, response, slug, redemption_id, key, None, act)
