"""The rule-change simulator in the API: a past period replayed under a proposed change, its
figures before and after. It only reads, so it is a GET and takes no Idempotency-Key."""

from datetime import date
from typing import Annotated, Any, Literal

from ninja import Field, Query, Router, Schema

from jifen.api.auth import ApiRequest
from jifen.api.errors import ErrorOut
from jifen.api.inputs import InputSchema, QueryInt
from jifen.earning.rules import MAX_RULE_POINTS
from jifen.insights.simulator import BUCKETS, MAX_CAP, MAX_MULTIPLIER, Change, Side, simulate
from jifen.programmes.access import access_programme

router = Router(tags=["insights"])
Points = Annotated[QueryInt, Field(ge=0, le=MAX_RULE_POINTS)]


class SimulationQuery(InputSchema):
    start: date = Field(description="The period's first day (the programme's time zone).")
    end: date = Field(description="Its last day, included; at most 366 days after the first.")
    rule: str | None = Field(
        None, max_length=40, description="A rule's code, to change its points."
    )
    points: Points | None = Field(None, description="The rule's new points.")
    cap: Annotated[QueryInt, Field(ge=1, le=MAX_CAP)] | None = Field(
        None, description="The most a resident may earn per cap period."
    )
    cap_period: Literal["day", "week", "month", "year", "period"] = "month"
    first_multiplier: Annotated[QueryInt, Field(ge=1, le=MAX_MULTIPLIER)] = Field(
        1, description="Multiplies a resident's first award ever."
    )
    bonus_rule: str | None = Field(None, max_length=40, description="A rule's code, to add points.")
    bonus_points: Points | None = Field(None, description="Added to each award of bonus_rule.")


class SideOut(Schema):
    issued: int
    members: int = Field(description="Residents who earned something.")
    gini: float | None = Field(
        description="The Gini coefficient of points earned over the residents who had joined by "
        "the end (0 for those who earned nothing); null when nothing was earned."
    )
    earned: list[int] = Field(description="Residents per bucket of points earned (see buckets).")
    balances: list[int] = Field(description="Residents' wallets per bucket of balance at the end.")
    by_rule: dict[str, int] = Field(description='Points per rule code ("": without a rule).')


class QuotaUseOut(Schema):
    community: str
    quota: int | None = Field(description="The months' quotas added up; null when quotas are off.")
    before: int
    after: int


class SimulationOut(Schema):
    start: date
    end: date
    awards: int
    buckets: list[str]
    before: SideOut
    after: SideOut
    quotas: list[QuotaUseOut]


def _side(side: Side) -> dict[str, Any]:
    return side.__dict__


@router.get("/programmes/{slug}/insights/simulator", response={200: SimulationOut, 422: ErrorOut})
def simulator(request: ApiRequest, slug: str, query: Query[SimulationQuery]) -> dict[str, Any]:
    """Replay the period under the change; nothing is written."""
    scope = access_programme(request.auth, slug, "view_insights")
    change = Change(
        points={query.rule: query.points} if query.rule and query.points is not None else {},
        cap=query.cap,
        cap_period=query.cap_period,
        first_multiplier=query.first_multiplier,
        bonus={query.bonus_rule: query.bonus_points}
        if query.bonus_rule and query.bonus_points
        else {},
    )
    result = simulate(scope, start=query.start, end=query.end, change=change)
    return {
        **result.__dict__,
        "buckets": list(BUCKETS),
        "before": _side(result.before),
        "after": _side(result.after),
        "quotas": [q.__dict__ for q in result.quotas],
    }
