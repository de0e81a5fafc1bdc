"""The recognition API, tagged "recognition": a programme's leaderboards (public, for a public
programme), the resident's stars, their place on every board and their opt-out from public
boards (PUT, idempotent), and the recognition settings for programme-wide administrators
("manage_recognition"). Boards read the standings that the refresh-leaderboards job computes;
`computed_at` says when."""

from datetime import date, datetime
from typing import Annotated, Any

from django.http import HttpResponse
from ninja import Field, Query, Router, Schema, Status
from pydantic import StrictBool, StrictStr

from jifen.api.auth import ApiRequest
from jifen.api.earnings import Key, once
from jifen.api.inputs import InputSchema, Int
from jifen.programmes.access import access_programme, access_public_programme, resident_member
from jifen.recognition import queries, services
from jifen.recognition.models import Board, NameDisplay, Period, RecognitionSettings
from jifen.recognition.names import settings_of
from jifen.recognition.services import MAX_STARS, MAX_THRESHOLD, MAX_TOP
from jifen.recognition.standings import period_start

router = Router(tags=["recognition"])
CAN = "manage_recognition"


class LeaderboardQuery(Schema):
    board: Board = Board.MEMBERS
    period: Period = Period.MONTH


class LeaderboardPlaceOut(Schema):
    rank: int
    points: int
    name: str = Field(description="As the public sees it: real, masked (张*三) or anonymous.")
    community: str


class LeaderboardOut(Schema):
    board: Board
    period: Period
    starts_on: date
    computed_at: datetime | None
    places: list[LeaderboardPlaceOut]


class MyRankOut(Schema):
    board: Board
    period: Period
    rank: int | None = Field(description="None when nothing was earned there in the period.")
    points: int


class MyRanksOut(Schema):
    computed_at: datetime | None
    ranks: list[MyRankOut]


class MyStarsOut(Schema):
    stars: int
    name: str
    lifetime_earned: int
    next_star_at: int | None
    points_to_next: int
    progress_percent: int


class RecognitionPreferenceIn(InputSchema):
    hide_name: StrictBool


class RecognitionPreferenceOut(Schema):
    hide_name: bool


Threshold = Annotated[Int, Field(ge=1, le=MAX_THRESHOLD)]
Top = Annotated[Int, Field(ge=1, le=MAX_TOP)]


class RecognitionSettingsOut(Schema):
    star_thresholds: list[int]
    star_names: list[str]
    name_display: NameDisplay
    monthly_top: int
    yearly_top: int
    title_name: str
    title_count: int


class RecognitionSettingsPatch(InputSchema):
    """Only the settings given change."""

    star_thresholds: list[Threshold] | None = Field(None, min_length=1, max_length=MAX_STARS)
    star_names: list[Annotated[StrictStr, Field(max_length=40)]] | None = Field(
        None, max_length=MAX_STARS
    )
    name_display: NameDisplay | None = None
    monthly_top: Top | None = None
    yearly_top: Top | None = None
    title_name: Annotated[StrictStr, Field(min_length=1, max_length=60)] | None = None
    title_count: Top | None = None


@router.get("/programmes/{slug}/leaderboard", response=LeaderboardOut, auth=None)
def leaderboard(request: ApiRequest, slug: str, query: Query[LeaderboardQuery]) -> dict[str, Any]:
    """A board's first places (top 20 this month, top 10 this year, 20 all time unless the
    programme says otherwise); equal points share a rank."""
    programme = access_public_programme(slug)
    places = queries.top(programme, query.board, query.period)
    return {
        "board": query.board,
        "period": query.period,
        "starts_on": period_start(query.period, programme),
        "computed_at": queries.last_computed(programme),
        "places": [vars(p) for p in places],
    }


@router.get("/programmes/{slug}/me/ranks", response=MyRanksOut)
def my_ranks(request: ApiRequest, slug: str) -> dict[str, Any]:
    """The resident's place on every board for every period (their household's on the
    household and pair boards), inside the top or not."""
    member = resident_member(request.auth, slug)
    places = queries.places_of(member)
    ranks = [
        {"board": b, "period": p, "rank": r.rank if r else None, "points": r.points if r else 0}
        for b, row in places.items()
        for p, r in row.items()
    ]
    return {"computed_at": queries.last_computed(member.programme), "ranks": ranks}


@router.get("/programmes/{slug}/me/stars", response=MyStarsOut)
def my_stars(request: ApiRequest, slug: str) -> dict[str, Any]:
    """Stars by points earned since joining: spending and expiry never take one away."""
    stars = queries.stars_of(resident_member(request.auth, slug))
    return {
        "stars": stars.count,
        "name": stars.name,
        "lifetime_earned": stars.lifetime,
        "next_star_at": stars.next_at,
        "points_to_next": stars.to_next,
        "progress_percent": stars.progress,
    }


@router.put(
    "/programmes/{slug}/me/recognition-preference", response={200: RecognitionPreferenceOut}
)
def put_preference(
    request: ApiRequest,
    response: HttpResponse,
    slug: str,
    body: RecognitionPreferenceIn,
    key: Key = None,
) -> Status[Any]:
    """Hide the resident's name on public boards (anonymous there), or show it again."""
    member = resident_member(request.auth, slug)

    def perform() -> tuple[int, Any]:
        found = services.set_preference(member=member, hide_name=body.hide_name)
        return 200, {"hide_name": found.hide_name}

    return once(request, response, member.programme, key, body, perform)


def settings_json(found: RecognitionSettings) -> dict[str, Any]:
    fields = {name: getattr(found, name) for name in RecognitionSettingsOut.model_fields}
    return RecognitionSettingsOut.model_validate(fields).model_dump(mode="json")


@router.get("/programmes/{slug}/recognition-settings", response=RecognitionSettingsOut)
def get_settings(request: ApiRequest, slug: str) -> dict[str, Any]:
    scope = access_programme(request.auth, slug, CAN)
    return settings_json(settings_of(scope.programme))


@router.patch("/programmes/{slug}/recognition-settings", response={200: RecognitionSettingsOut})
def patch_settings(
    request: ApiRequest,
    response: HttpResponse,
    slug: str,
    body: RecognitionSettingsPatch,
    key: Key = None,
) -> Status[Any]:
    """Change some settings: the stars' thresholds (ascending, different) and names, how
    names appear on public boards, the boards' sizes, the annual title."""
    scope = access_programme(request.auth, slug, CAN)

    def perform() -> tuple[int, Any]:
        current = settings_json(settings_of(scope.programme))
        merged = {**current, **body.model_dump(exclude_none=True, mode="json")}
        saved = services.update_settings(programme=scope.programme, actor=request.auth, **merged)
        return 200, settings_json(saved)

    return once(request, response, scope.programme, key, body, perform)
