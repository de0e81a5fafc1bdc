"""The counter (核销): a cashier (or an administrator) at one of their stores looks a code up
without using it — to see what to hand over, or why not (used, cancelled, expired, another
store's, a delivery) — and verifies it, which uses it exactly once and settles the points:
two cashiers verifying one code at once, one succeeds and the other is told it was used.
Today's handovers at the store are listed too. The resident's name is masked (王*英), as on
the counter's page."""

from typing import Annotated, Any

from django.http import HttpResponse
from ninja import Field, Router, Schema, Status

from jifen.api.auth import ApiRequest
from jifen.api.earnings import Key, once
from jifen.api.errors import ErrorOut
from jifen.api.inputs import InputSchema
from jifen.api.redemptions import RedemptionOut, redemption_json
from jifen.api.stores import StoreRef, store_ref
from jifen.earning.listings import masked
from jifen.programmes.access import StaffScope, access_programme
from jifen.rewards import queries, services
from jifen.rewards.access import access_counter_store, counter_stores
from jifen.rewards.models import Redemption, Store

router = Router(tags=["rewards"])
CODE_MAX = 100  # far above a code with its dashes; a scanner's junk is cut before any work
TypedCode = Annotated[str, Field(max_length=CODE_MAX, description="As typed or scanned.")]


class CodeIn(InputSchema):
    code: TypedCode


class TodayOut(Schema):
    store: StoreRef
    items: list[RedemptionOut]


def _store(request: ApiRequest, slug: str, code: str) -> tuple[StaffScope, Store]:
    scope = access_programme(request.auth, slug, "handle_redemptions")
    return scope, access_counter_store(scope, code[:40])


def counter_json(redemption: Redemption) -> dict[str, Any]:
    return redemption_json(redemption, masked(redemption.member.display_name))


@router.get("/programmes/{slug}/counter", response=list[StoreRef])
def my_counters(request: ApiRequest, slug: str) -> list[dict[str, str]]:
    """The open stores whose counter the caller works (a cashier: those assigned to them)."""
    scope = access_programme(request.auth, slug, "handle_redemptions")
    return [store_ref(s) for s in counter_stores(scope).filter(is_active=True)]


# A look-up writes nothing, yet a used, cancelled or expired code is refused as a conflict.
@router.get(
    "/programmes/{slug}/counter/{store}/codes/{code}",
    response={200: RedemptionOut, 409: ErrorOut},
)
def look_up(request: ApiRequest, slug: str, store: str, code: str) -> dict[str, Any]:
    """What the code was redeemed for, if it may be handed over at this store now; it is not
    used. Refusals: `code_mistyped`, `code_unknown`, `code_other_store`, `code_used`,
    `code_cancelled`, `redemption_code_expired`, `code_for_delivery`."""
    _scope, found = _store(request, slug, store)
    return counter_json(services.find_code(found, code[:CODE_MAX]))


@router.post("/programmes/{slug}/counter/{store}/verify", response={200: RedemptionOut})
def verify(
    request: ApiRequest,
    response: HttpResponse,
    slug: str,
    store: str,
    body: CodeIn,
    key: Key = None,
) -> Status[Any]:
    """Hand the reward over: the code is used, once, and the points settle. With an
    Idempotency-Key, a retry gets the first answer back instead of `code_used`."""
    scope, found = _store(request, slug, store)

    def perform() -> tuple[int, Any]:
        done = services.verify_code(store=found, code=body.code, actor=request.auth)
        return 200, counter_json(done)

    return once(request, response, scope.programme, key, body, perform)


@router.get("/programmes/{slug}/counter/{store}/today", response=TodayOut)
def today(request: ApiRequest, slug: str, store: str) -> dict[str, Any]:
    """What the store's counter handed out today (the programme's local day), newest first."""
    _scope, found = _store(request, slug, store)
    handed = queries.today_at(found)
    for redemption in handed:
        redemption.store = found  # one store: no query for each
    items = [counter_json(r) for r in handed]
    return {"store": store_ref(found), "items": items}
