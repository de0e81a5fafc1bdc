"""Settlements: what each store handed out in a period (a quarter by default) — items,
points, their value in money at the programme's point value (never cashed out to residents),
bought and donated goods apart — as JSON, a PDF (CJK) and an XLSX; and settling a period once
it is over, which freezes it (`already_settled`, `period_not_over`). A period is named by its
store and its first day. Administrators and auditors see the stores in their scope, a cashier
their own ("view_settlements"); only a programme-wide administrator settles ("settle")."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from ninja import Field, Query, Router, Schema, Status

from jifen.api.auth import ApiRequest
from jifen.api.earnings import Key, once
from jifen.api.inputs import InputSchema
from jifen.api.stores import StoreRef, store_ref
from jifen.lib import clock
from jifen.lib.periods import local
from jifen.programmes.access import access_programme
from jifen.rewards import exports, services
from jifen.rewards.access import access_statement, settlement_stores
from jifen.rewards.settlement import Statement, period_of, recent_periods, statement

router = Router(tags=["rewards"])
CAN = "view_settlements"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class LineOut(Schema):
    reward: str = Field(description="The reward's public id.")
    name: str
    area: str
    quantity: int
    points: int


class SettlementStatementOut(Schema):
    store: StoreRef
    starts_on: date
    ends_on: date
    over: bool = Field(description="The period has ended: it may be settled.")
    settled: bool = Field(description="Settled: frozen, it can no longer change.")
    settled_at: datetime | None
    settled_by: str | None
    items: int
    points: int
    money: Decimal = Field(description="Points × the point value, in the programme's currency.")
    point_value: Decimal
    bought_items: int
    bought_points: int
    donated_items: int
    donated_points: int
    lines: list[LineOut]


class PeriodOut(Schema):
    starts_on: date
    ends_on: date


class StatementsOut(Schema):
    starts_on: date
    ends_on: date
    periods: list[PeriodOut] = Field(description="The current period and those before it.")
    items: list[SettlementStatementOut]


class PeriodQuery(InputSchema):
    period: date | None = Field(None, description="A day of the period; else today's.")


def statement_json(found: Statement) -> dict[str, Any]:
    done = found.settlement
    fields = {name: getattr(found, name) for name in _TOTALS}
    return SettlementStatementOut.model_validate(
        {
            **fields,
            "store": store_ref(found.store),
            "over": found.is_over,
            "settled": done is not None,
            "settled_at": done.settled_at if done else None,
            "settled_by": done.settled_by.get_username() if done and done.settled_by else None,
            "lines": [line.__dict__ for line in found.lines],
        }
    ).model_dump(mode="json")


_TOTALS = (
    "starts_on",
    "ends_on",
    "items",
    "points",
    "money",
    "point_value",
    "bought_items",
    "bought_points",
    "donated_items",
    "donated_points",
)


@router.get("/programmes/{slug}/settlements", response=StatementsOut)
def list_settlements(request: ApiRequest, slug: str, filters: Query[PeriodQuery]) -> Any:
    """Every store's statement for one period (the one containing `period`; else now's)."""
    scope = access_programme(request.auth, slug, CAN)
    today = local(clock.now(), scope.programme.timezone).date()
    start, end = period_of(scope.programme, filters.period or today)
    stores = settlement_stores(scope).select_related("programme").order_by("kind", "name")
    periods = [{"starts_on": s, "ends_on": e} for s, e in recent_periods(scope.programme)]
    items = [statement_json(statement(store, start)) for store in stores]
    return {"starts_on": start, "ends_on": end, "periods": periods, "items": items}


P = "/programmes/{slug}/settlements/{store}/{starts_on}"


@router.get(P, response=SettlementStatementOut)
def get_settlement(request: ApiRequest, slug: str, store: str, starts_on: str) -> dict[str, Any]:
    """A store's statement: frozen if settled, else as the ledger stands now."""
    scope = access_programme(request.auth, slug, CAN)
    return statement_json(access_statement(scope, store, starts_on))


@router.post(P + "/settle", response={201: SettlementStatementOut})
def settle(
    request: ApiRequest,
    response: HttpResponse,
    slug: str,
    store: str,
    starts_on: str,
    key: Key = None,
) -> Status[Any]:
    """Settle the period once it is over: its totals are frozen and always equal the
    ledger's (jifen verify checks)."""
    scope = access_programme(request.auth, slug, "settle")
    found = access_statement(scope, store, starts_on)

    def perform() -> tuple[int, Any]:
        services.settle(store=found.store, starts_on=found.starts_on, actor=request.auth)
        return 201, statement_json(statement(found.store, found.starts_on))

    return once(request, response, scope.programme, key, None, perform)


def _download(content: bytes, content_type: str, found: Statement, extension: str) -> HttpResponse:
    name = f"settlement-{found.store.code}-{found.starts_on.isoformat()}.{extension}"
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _file(kind: str) -> dict[str, Any]:
    described = {"description": f"The statement as {kind}.", "content": {kind: {}}}
    return {"response": {200: None}, "openapi_extra": {"responses": {200: described}}}


@router.get(P + "/pdf", **_file("application/pdf"))
def settlement_pdf(request: ApiRequest, slug: str, store: str, starts_on: str) -> HttpResponse:
    """The statement as a PDF (A4, Chinese text in the cards' CJK font)."""
    scope = access_programme(request.auth, slug, CAN)
    found = access_statement(scope, store, starts_on)
    return _download(exports.statement_pdf(found), "application/pdf", found, "pdf")


@router.get(P + "/xlsx", **_file(XLSX))
def settlement_xlsx(request: ApiRequest, slug: str, store: str, starts_on: str) -> HttpResponse:
    """The statement as an XLSX workbook, the same lines and totals as the PDF."""
    scope = access_programme(request.auth, slug, CAN)
    found = access_statement(scope, store, starts_on)
    return _download(exports.statement_xlsx(found), XLSX, found, "xlsx")
