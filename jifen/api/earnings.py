"""Earnings: the awards that rules produced, the public notice board (公示) and the resident's
daily check-in (objections to a notice are appeals: jifen.api.appeals). The shapes every
earning endpoint shares live here too (a member in short, an earning, a keyset page), so that
the rules, activities, claims, appeals and devices modules answer alike."""

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Literal

from django.db.models import Q, QuerySet
from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import AfterValidator, AwareDatetime

from jifen.api.auth import ApiRequest
from jifen.api.errors import InvalidCursor
from jifen.api.idempotency import IdempotencyKey, respond_once
from jifen.api.inputs import InputSchema, Int
from jifen.api.pagination import decode_cursor, encode_cursor
from jifen.earning import services
from jifen.earning.access import access_earning, earnings_in_scope, notices_for_member
from jifen.earning.crediting import Outcome
from jifen.earning.listings import masked
from jifen.earning.models import Earning, EarningStatus
from jifen.earning.rules import MAX_MEASURE
from jifen.ledger.queries import award_message, summary_of
from jifen.programmes.access import access_member, access_programme, resident_member
from jifen.programmes.models import Member, Programme

router = Router(tags=["earning"])
Key = Annotated[str | None, IdempotencyKey]
Reason = Annotated[str, Field(min_length=1, max_length=500)]
Limit = Annotated[int, Field(ge=1, le=200)]
FIRST_YEAR, LAST_YEAR = 2000, 2100


def _plausible(moment: datetime) -> datetime:
    # Within years any activity or claim can have: a date near year 1 or 9999 would
    # overflow when moved to UTC or shifted by an hour.
    if not FIRST_YEAR <= moment.year <= LAST_YEAR:
        raise ValueError(f"must be between the years {FIRST_YEAR} and {LAST_YEAR}")
    return moment


# A date and time with its offset (2026-05-01T09:00:00+08:00).
Moment = Annotated[AwareDatetime, AfterValidator(_plausible)]


Measured = Annotated[Int, Field(ge=0, le=MAX_MEASURE)]


class MeasuresIn(InputSchema):
    """The measured values a rule reads (its bands, per-hour or per-amount points)."""

    accuracy: Annotated[Int, Field(ge=0, le=100)] | None = Field(
        None, description="Sorting accuracy, in percent."
    )
    weight: Measured | None = Field(None, description="Grams.")
    amount: Measured | None = Field(None, description="Money spent, in whole units.")
    minutes: Measured | None = None


class MemberRef(Schema):
    public_id: str
    display_name: str


def member_ref(member: Member) -> dict[str, str]:
    return {"public_id": member.public_id, "display_name": member.display_name}


class EarningOut(Schema):
    public_id: str
    member: MemberRef
    rule: str = Field(description="The rule's code.")
    rule_version: int
    source: str
    points: int = Field(description="What the rule gave.")
    credited: int | None = Field(description="What the ledger credited (a cap may cut it).")
    status: Literal["notice", "objected", "posted", "cancelled"]
    notice_ends_at: datetime | None
    transaction: str | None
    explanation: list[list[Any]]
    created_at: datetime
    posted_at: datetime | None


class EarningPage(Schema):
    items: list[EarningOut]
    next_cursor: str | None


class AwardedOut(Schema):
    """What an award made now: the earning, and the instant feedback (本次获得5积分，当前总积分
    250) when it was credited; an award on notice says until when."""

    earning: EarningOut
    points: int
    credited: int
    status: Literal["notice", "objected", "posted", "cancelled"]
    balance: int
    message: str


def earning_json(earning: Earning) -> dict[str, Any]:
    """An earning, JSON-ready (so that it can be stored for an idempotent replay)."""
    version = earning.rule_version
    return EarningOut.model_validate(
        {
            "public_id": earning.public_id,
            "member": member_ref(earning.member),
            "rule": version.rule.code,
            "rule_version": version.number,
            "source": earning.source,
            "points": earning.points,
            "credited": earning.credited,
            "status": earning.status,
            "notice_ends_at": earning.notice_ends_at,
            "transaction": earning.transaction.public_id if earning.transaction else None,
            "explanation": earning.explanation,
            "created_at": earning.created_at,
            "posted_at": earning.posted_at,
        }
    ).model_dump(mode="json")


def awarded_json(programme: Programme, outcome: Outcome) -> dict[str, Any]:
    earning = outcome.earning
    if outcome.award is not None:
        balance, message = outcome.award.balance, award_message(programme, outcome.award)
    else:
        balance, message = summary_of(earning.member).balance, notice_message(programme, earning)
    return {
        "earning": earning_json(earning),
        "points": earning.points,
        "credited": earning.credited or 0,
        "status": earning.status,
        "balance": balance,
        "message": message,
    }


def notice_message(programme: Programme, earning: Earning) -> str:
    if earning.status != EarningStatus.NOTICE or earning.notice_ends_at is None:
        return ""
    return _("%(points)s %(currency)s on public notice until %(date)s.") % {
        "points": earning.points,
        "currency": programme.points_unit(earning.points),
        "date": earning.notice_ends_at.date().isoformat(),
    }


def with_earning_relations(rows: QuerySet[Earning]) -> QuerySet[Earning]:
    return rows.select_related("member", "rule_version__rule", "transaction")


def newest_first(
    rows: QuerySet[Any], cursor: str | None, limit: int, field: str = "created_at"
) -> tuple[list[Any], str | None]:
    """A page of `rows`, newest `field` first (ties by id), after `cursor`; and the cursor
    of the next page, None on the last."""
    rows = rows.order_by(f"-{field}", "-id")
    if cursor:
        moment, pk = decode_cursor(cursor, str, int)
        try:
            after = datetime.fromisoformat(moment)
        except ValueError:
            raise InvalidCursor() from None
        rows = rows.filter(Q(**{f"{field}__lt": after}) | Q(**{field: after, "id__lt": pk}))
    page = list(rows[: limit + 1])
    if len(page) <= limit:
        return page, None
    last = page[limit - 1]
    return page[:limit], encode_cursor(getattr(last, field).isoformat(), last.pk)


def in_id_order(
    rows: QuerySet[Any], cursor: str | None, limit: int
) -> tuple[list[Any], str | None]:
    """A page of `rows` in the order they were made (by id), after `cursor`."""
    rows = rows.order_by("id")
    if cursor:
        (pk,) = decode_cursor(cursor, int)
        rows = rows.filter(id__gt=pk)
    page = list(rows[: limit + 1])
    if len(page) <= limit:
        return page, None
    return page[:limit], encode_cursor(page[limit - 1].pk)


def once(
    request: ApiRequest,
    response: HttpResponse,
    programme: Programme,
    key: str | None,
    body: Schema | None,
    perform: Callable[[], tuple[int, Any]],
) -> Status[Any]:
    return respond_once(
        request, response, programme=programme, key=key, payload=body, perform=perform
    )


class EarningFilters(InputSchema):
    status: Literal["notice", "objected", "posted", "cancelled"] | None = None
    member: str | None = Field(None, max_length=40, description="A member's public id.")
    cursor: str | None = Field(None, max_length=500)
    limit: Limit = 50


class PageQuery(InputSchema):
    cursor: str | None = Field(None, max_length=500)
    limit: Limit = 50


def _earning_page(
    rows: QuerySet[Earning],
    cursor: str | None,
    limit: int,
    shown: Callable[[Earning], dict[str, Any]] = earning_json,
) -> dict[str, Any]:
    page, next_cursor = newest_first(with_earning_relations(rows), cursor, limit)
    return {"items": [shown(e) for e in page], "next_cursor": next_cursor}


def notice_json(earning: Earning) -> dict[str, Any]:
    """An award on the public board: the resident's name masked (王*英), as the notice
    board page shows it."""
    shown = earning_json(earning)
    shown["member"]["display_name"] = masked(earning.member.display_name)
    return shown


@router.get("/programmes/{slug}/earnings", response=EarningPage)
def list_earnings(request: ApiRequest, slug: str, filters: Query[EarningFilters]) -> dict[str, Any]:
    """Awards made under the earning rules, newest first; `status=notice` lists those on
    public notice."""
    scope = access_programme(request.auth, slug, "view_console")
    rows = earnings_in_scope(scope)
    if filters.status is not None:
        rows = rows.filter(status=filters.status)
    if filters.member is not None:
        rows = rows.filter(member=access_member(scope, filters.member))
    return _earning_page(rows, filters.cursor, filters.limit)


@router.get("/programmes/{slug}/earnings/{earning_id}", response=EarningOut)
def get_earning(request: ApiRequest, slug: str, earning_id: str) -> dict[str, Any]:
    scope = access_programme(request.auth, slug, "view_console")
    return earning_json(access_earning(scope, earning_id))


@router.get("/programmes/{slug}/me/notices", response=EarningPage)
def my_notices(request: ApiRequest, slug: str, page: Query[PageQuery]) -> dict[str, Any]:
    """The programme's public notice board: awards waiting out their notice, to which any
    resident may object (names masked)."""
    member = resident_member(request.auth, slug)
    return _earning_page(notices_for_member(member), page.cursor, page.limit, notice_json)


@router.get("/programmes/{slug}/me/earnings", response=EarningPage)
def my_earnings(request: ApiRequest, slug: str, page: Query[PageQuery]) -> dict[str, Any]:
    """The resident's own awards, those still on notice included."""
    member = resident_member(request.auth, slug)
    return _earning_page(Earning.objects.filter(member=member), page.cursor, page.limit)


@router.post("/programmes/{slug}/me/checkins", response={201: AwardedOut})
def daily_checkin(
    request: ApiRequest, response: HttpResponse, slug: str, key: Key = None
) -> Status[Any]:
    """Check in for today (once a day): `message` is the instant feedback."""
    member = resident_member(request.auth, slug)

    def perform() -> tuple[int, Any]:
        outcome = services.daily_checkin(member=member)
        return 201, awarded_json(member.programme, outcome)

    return respond_once(
        request, response, programme=member.programme, key=key, payload=None, perform=perform
    )
