"""The public notice board (公示榜) of a month and the titles (社区之星), as the public sees
them (names as the programme's setting says, opted-out residents anonymous, never a phone);
and the resident's certificate PDF, of their star or of one of their titles."""

from datetime import date, datetime
from typing import Annotated, Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema

from jifen.api.auth import ApiRequest
from jifen.api.inputs import InputSchema
from jifen.programmes.access import access_public_programme, found, resident_member
from jifen.recognition import board, titles
from jifen.recognition.names import public_names
from jifen.web.board import star_pdf, title_pdf

router = Router(tags=["board"])
Month = Annotated[str, Field(pattern=r"^(19\d\d|[2-8]\d\d\d)-(0[1-9]|1[0-2])$")]


class MonthQuery(InputSchema):
    month: Month | None = Field(None, description="YYYY-MM; the current month if not given.")


class BoardLineOut(Schema):
    rule: str
    count: int
    points: int
    names: list[str]


class CommunityAwardsOut(Schema):
    community: str
    points: int
    lines: list[BoardLineOut]


class NoticeOut(Schema):
    name: str
    community: str
    rule: str
    points: int
    ends_at: datetime | None
    objected: bool


class ObjectionOut(Schema):
    subject: str
    rule: str
    status: str
    created_at: datetime


class QuotaOut(Schema):
    community: str
    ceiling: int
    used: int
    left: int


class BoardOut(Schema):
    programme: str
    month: str
    total_points: int
    awards: list[CommunityAwardsOut]
    notices: list[NoticeOut]
    objections: list[ObjectionOut]
    quotas: list[QuotaOut] | None = Field(description="None when quotas are off.")


@router.get("/programmes/{slug}/board", response=BoardOut, auth=None)
def get_board(request: HttpRequest, slug: str, query: Query[MonthQuery]) -> dict[str, Any]:
    """The month's awards by community and rule, the awards on public notice now, the
    month's objections and each community's quota used and left."""
    programme = access_public_programme(slug)
    month = board.current_month(programme)
    if query.month:
        month = date(int(query.month[:4]), int(query.month[5:]), 1)
    found_board = board.board_of(programme, month)
    return {
        **vars(found_board),
        "programme": programme.slug,
        "month": f"{month.year}-{month.month:02d}",
        "total_points": found_board.total_points,
        "quotas": [{**vars(q), "left": q.left} for q in found_board.quotas]
        if found_board.quotas is not None
        else None,
    }


class YearQuery(InputSchema):
    year: Annotated[int, Field(ge=1900, le=9000)] | None = None


class TitleOut(Schema):
    public_id: str
    name: str
    year: int
    rank: int
    member: str = Field(description="The holder's public name.")
    points: int
    entries: int = Field(description="The transactions behind the points.")


@router.get("/programmes/{slug}/titles", response=list[TitleOut], auth=None)
def list_titles(request: HttpRequest, slug: str, query: Query[YearQuery]) -> list[dict[str, Any]]:
    """The titles given, newest year first, by rank (at most 200)."""
    programme = access_public_programme(slug)
    rows = list(titles.titles_of(programme, query.year)[:200])
    names = public_names(programme, {t.member_id: t.member for t in rows}.values())
    return [{**vars(t), "member": names[t.member_id], "entries": len(t.transactions)} for t in rows]


class CertificateQuery(InputSchema):
    title: str | None = Field(None, max_length=12, description="A title's public id.")


@router.get(
    "/programmes/{slug}/me/certificate",
    response={200: None},
    openapi_extra={
        "responses": {200: {"description": "The PDF.", "content": {"application/pdf": {}}}}
    },
)
def my_certificate(request: ApiRequest, slug: str, query: Query[CertificateQuery]) -> HttpResponse:
    """The resident's certificate: of the title `title` (one of theirs), else of their star
    (404 before the first star). Its QR links to the log's proof of the entries behind it."""
    member = resident_member(request.auth, slug)
    if query.title is None:
        return star_pdf(request, member)
    if not query.title:
        raise Http404
    mine = titles.titles_of(member.programme).filter(member=member)
    return title_pdf(request, found(mine, public_id=query.title))
