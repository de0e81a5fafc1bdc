"""Devices (smart bins, kiosks): their events, and their keys.

A device authenticates with its key (`Authorization: Bearer jfd_…`), which belongs to one
programme and names the rules it may post to. `POST /devices/events` records one event per
`Idempotency-Key` (required: a device retries over poor networks): the same key with the same
event answers as the first time (`Idempotent-Replayed: true`), with another event it is
`409 idempotency_conflict`. A key posts at most its events per minute (then
`429 rate_limited`), and reaches only its own programme's members. Staff who manage devices
make keys (the secret is shown once), list and revoke them: programme-wide staff only, since a key
reaches every member of the programme."""

from datetime import datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import Field, Header, Router, Schema, Status
from ninja.security import HttpBearer
from pydantic import model_validator

from jifen.api.auth import ApiRequest
from jifen.api.earnings import Key, MeasuresIn, notice_message, once
from jifen.api.errors import ErrorOut, Unauthenticated
from jifen.api.idempotency import HEADER, REPLAYED
from jifen.api.inputs import InputSchema, Int
from jifen.earning import errors, services
from jifen.earning.access import (
    access_device,
    access_device_keys,
    access_device_member,
    access_programme_rule,
    devices_of,
)
from jifen.earning.access import access_rule as access_staff_rule
from jifen.earning.devices import PREFIX, EventResult, device_for
from jifen.earning.models import DeviceKey, Earning, EarningStatus
from jifen.ledger.queries import award_message, summary_of
from jifen.ledger.services import AwardResult
from jifen.lib.errors import InvalidInput
from jifen.programmes.cardtokens import member_from_card
from jifen.programmes.models import Member

router = Router(tags=["devices"])
MAX_EVENT_KEY = 100  # DeviceEvent.idempotency_key


class IdempotencyKeyRequired(InvalidInput):
    code = "idempotency_key_required"
    message = _("A device's event needs an Idempotency-Key header (1-100 characters).")


class DeviceRequest(HttpRequest):
    """The request of a device's endpoint: `request.auth` is its live key."""

    auth: DeviceKey


class DeviceAuth(HttpBearer):
    """A device key. Anything else in the header is refused as unauthenticated (401); a
    device key that is unknown or revoked as `device_key_revoked` (403)."""

    def authenticate(self, request: HttpRequest, token: str) -> DeviceKey:
        if not token.startswith(PREFIX):
            raise Unauthenticated()
        device = device_for(token)
        if device is None:
            raise errors.DeviceKeyRevoked()
        return device


EventKey = Annotated[
    str | None,
    Header(
        None,
        alias=HEADER,
        min_length=1,
        max_length=MAX_EVENT_KEY,
        description="Required: new for each event, the same for each retry of it.",
    ),
]


class EventIn(InputSchema):
    rule: str = Field(max_length=40, description="The rule's code.")
    member: str | None = Field(None, max_length=40, description="A member's public id, or …")
    card: str | None = Field(None, max_length=200, description="… what their card's QR says.")
    criteria: list[Annotated[str, Field(max_length=20)]] = Field(
        default_factory=list, max_length=20
    )
    measures: MeasuresIn = Field(default_factory=lambda: MeasuresIn.model_validate({}))

    @model_validator(mode="after")
    def _one_resident(self) -> "EventIn":
        if (self.member is None) == (self.card is None):
            raise ValueError("give either member or card")
        return self


class EventOut(Schema):
    key: str = Field(description="The event's Idempotency-Key.")
    member: str
    earning: str | None = Field(description="None: the event earned nothing.")
    points: int
    credited: int
    status: Literal["posted", "notice", "objected", "cancelled", "none"]
    balance: int
    message: str = Field(description="本次获得5积分，当前总积分250, when credited.")


class DeviceIn(InputSchema):
    name: str = Field(min_length=1, max_length=100)
    rules: list[Annotated[str, Field(max_length=40)]] = Field(
        min_length=1, max_length=20, description="Codes of the rules it may post events to."
    )
    per_minute: Annotated[Int, Field(ge=1, le=100_000)] = 600


class DeviceOut(Schema):
    public_id: str
    name: str
    prefix: str = Field(description="The start of its key, to tell keys apart.")
    rules: list[str]
    per_minute: int
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


class DeviceCreatedOut(Schema):
    device: DeviceOut
    secret: str | None = Field(
        description="The key, shown this once (null when a retry replays the answer)."
    )


def _resident(device: DeviceKey, body: EventIn) -> Member:
    """The member the event is for, in the device's programme only."""
    if body.member is not None:
        return access_device_member(device, body.member)
    found = member_from_card(programme_id=device.programme_id, token=body.card or "")
    if found is None:
        raise errors.NotCardOfProgramme()
    return found


@router.post(
    "/devices/events",
    response={201: EventOut, 404: ErrorOut, 429: ErrorOut},  # 404: no such member or rule
    auth=DeviceAuth(),
)
def post_event(
    request: DeviceRequest, response: HttpResponse, body: EventIn, key: EventKey = None
) -> Status[Any]:
    """Record a device's event and credit what its rule gives (or put it on public notice,
    when the rule says so)."""
    if key is None:
        raise IdempotencyKeyRequired()
    device = request.auth
    member = _resident(device, body)
    result = services.post_event(
        device=device,
        key=key,
        member=member,
        rule=access_programme_rule(device.programme, body.rule),
        criteria=body.criteria,
        measures=body.measures.model_dump(exclude_none=True),
    )
    if result.replayed:
        response[REPLAYED] = "true"
    return Status(201, event_json(device, member, result))


def event_json(device: DeviceKey, member: Member, result: EventResult) -> dict[str, Any]:
    """What an event did; a replay answers the same from what the first one wrote (an
    event on notice: with the balance now)."""
    earning = result.outcome.earning if result.outcome else None
    body = {"key": result.event.idempotency_key, "member": member.public_id, "earning": None}
    if earning is None:
        balance = summary_of(member).balance
        return {
            **body,
            "points": 0,
            "credited": 0,
            "status": "none",
            "balance": balance,
            "message": "",
        }
    award = result.outcome.award if result.outcome else None
    if award is None and earning.status == EarningStatus.POSTED:
        award = _award_of(earning)
    if award is not None:
        balance, message = award.balance, award_message(device.programme, award)
    else:
        balance, message = summary_of(member).balance, notice_message(device.programme, earning)
    return {
        **body,
        "earning": earning.public_id,
        "points": earning.points,
        "credited": earning.credited or 0,
        "status": earning.status,
        "balance": balance,
        "message": message,
    }


def _award_of(earning: Earning) -> AwardResult | None:
    """The ledger's answer to a posted earning, read back from its transaction."""
    tx = earning.transaction
    if tx is None:
        return None
    credit = next((p for p in tx.postings.all() if p.amount > 0), None)
    balance = credit.balance_after if credit and credit.balance_after is not None else 0
    return AwardResult(tx, earning.points, earning.credited or 0, balance)


# Staff: the keys.


def device_json(device: DeviceKey) -> dict[str, Any]:
    return DeviceOut.model_validate(
        {
            **{name: getattr(device, name) for name in _PLAIN},
            "rules": sorted(r.code for r in device.rules.all()),
        }
    ).model_dump(mode="json")


_PLAIN = (
    "public_id",
    "name",
    "prefix",
    "per_minute",
    "created_at",
    "revoked_at",
    "last_used_at",
)


@router.get("/programmes/{slug}/devices", response=list[DeviceOut])
def list_devices(request: ApiRequest, slug: str) -> list[dict[str, Any]]:
    scope = access_device_keys(request.auth, slug)
    keys = devices_of(scope).prefetch_related("rules")
    return [device_json(d) for d in keys]


@router.post("/programmes/{slug}/devices", response={201: DeviceCreatedOut})
def create_device(
    request: ApiRequest, response: HttpResponse, slug: str, body: DeviceIn, key: Key = None
) -> Status[Any]:
    """Make a device key for some rules. The secret is in this answer only: a retry with the
    same Idempotency-Key answers the same device without it (the secret is never stored)."""
    scope = access_device_keys(request.auth, slug)
    rules = [access_staff_rule(scope, code) for code in body.rules]
    made: list[str] = []

    def perform() -> tuple[int, Any]:
        new = services.create_device_key(
            programme=scope.programme,
            name=body.name,
            rules=rules,
            actor=request.auth,
            per_minute=body.per_minute,
        )
        made.append(new.secret)
        return 201, {"device": device_json(new.device), "secret": None}

    answer = once(request, response, scope.programme, key, body, perform)
    if made:
        answer.value = {**answer.value, "secret": made[0]}
    return answer


@router.post("/programmes/{slug}/devices/{device_id}/revoke", response={200: DeviceOut})
def revoke_device(
    request: ApiRequest, response: HttpResponse, slug: str, device_id: str, key: Key = None
) -> Status[Any]:
    """Revoke a key: its next event is refused with `device_key_revoked`."""
    scope = access_device_keys(request.auth, slug)
    device = access_device(scope, device_id)

    def perform() -> tuple[int, Any]:
        return 200, device_json(services.revoke_device_key(device=device, actor=request.auth))

    return once(request, response, scope.programme, key, None, perform)
