"""The insights API: the programme's KPIs as JSON, the same figures as the dashboard's
tables (rates from 0 to 1, not percentages), for the caller's scope: staff limited to some
communities count only theirs ("view_insights"). It only reads: a GET without a key."""

from typing import Any

from ninja import Field, Router, Schema

from jifen.api import simulator
from jifen.api.auth import ApiRequest
from jifen.insights import activity_kpis as activities
from jifen.insights import kpis
from jifen.insights import satisfaction as voices
from jifen.insights.metrics import (
    GROWTH_TARGET,
    PARTICIPATION_TARGET,
    RETENTION_TARGET,
    SATISFACTION_TARGET,
)
from jifen.programmes.access import access_programme

router = Router(tags=["insights"])


class TargetsOut(Schema):
    growth: float = Field(description="Members, per year (0.2 = +20 %).")
    participation: float
    retention: float
    satisfaction: float


class InsightsOut(Schema):
    targets: TargetsOut
    growth: list[kpis.GrowthMonth]
    people: list[kpis.PeopleMonth] = Field(description="New, active (credited) and lost members.")
    flows: list[kpis.FlowMonth] = Field(description="Points issued, redeemed, expired, donated.")
    liability: list[kpis.LiabilityRow] = Field(description="Points in wallets × point value.")
    buckets: list[kpis.BucketRow] = Field(description="< 300, 300–800, 800–2,000, > 2,000.")
    matthew: list[kpis.MatthewMonth] = Field(description="Gini and top-10 % share per month.")
    retention: list[kpis.RetentionYear]
    participation: list[activities.ActivityParticipation]
    undersubscribed: list[activities.Undersubscribed]
    organizers: list[activities.OrganizerRow]
    inactive: list[activities.InactiveMemberRow] = Field(description="No award for 90 days.")
    satisfaction: list[voices.SatisfactionHalf] | None = Field(
        description="Per half-year; null while no survey answers are available."
    )


@router.get("/programmes/{slug}/insights", response=InsightsOut)
def insights(request: ApiRequest, slug: str) -> dict[str, Any]:
    """Every KPI of the dashboard for the last twelve months (retention: the last years)."""
    scope = access_programme(request.auth, slug, "view_insights")
    participation = activities.participation(scope)
    return {
        "targets": {
            "growth": GROWTH_TARGET,
            "participation": PARTICIPATION_TARGET,
            "retention": RETENTION_TARGET,
            "satisfaction": SATISFACTION_TARGET,
        },
        "growth": kpis.member_growth(scope),
        "people": kpis.people(scope),
        "flows": kpis.flows(scope),
        "liability": kpis.liability(scope),
        "buckets": kpis.buckets(scope),
        "matthew": kpis.matthew(scope),
        "retention": kpis.retention(scope),
        "participation": participation,
        "undersubscribed": activities.undersubscribed(scope),
        "organizers": activities.organizers(scope, participation),
        "inactive": activities.inactive_members(scope),
        "satisfaction": voices.satisfaction(scope),
    }


router.add_router("", simulator.router)
