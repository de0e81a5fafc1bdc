"""A programme's points policy: caps, quotas, expiry, transfers, point value. Its staff read
it; its administrators change it with PATCH (only the settings sent change)."""

from dataclasses import asdict, replace
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.http import HttpResponse
from ninja import Field, Router, Schema, Status
from pydantic import StrictBool, StrictInt

from jifen.api.auth import ApiRequest
from jifen.api.idempotency import IdempotencyKey, respond_once
from jifen.api.inputs import InputSchema
from jifen.ledger import services
from jifen.ledger.queries import policy_settings
from jifen.ledger.services import Cap, PolicySettings, QuotaTier
from jifen.programmes.access import access_programme

router = Router(tags=["programmes"])
Key = Annotated[str | None, IdempotencyKey]

Scope = Literal["member", "household"]
Period = Literal["day", "week", "month", "year"]


class CapIO(InputSchema):
    scope: Scope
    period: Period
    limit: StrictInt = Field(ge=1, le=services.MAX_CAP)


class QuotaTierIO(InputSchema):
    population: StrictInt | None = Field(
        ge=1, le=services.MAX_POPULATION, description="Up to this many people; null: any larger."
    )
    quota: StrictInt = Field(ge=1, le=services.MAX_QUOTA, description="Points a month.")


class PolicyOut(Schema):
    caps: list[CapIO]
    when_capped: Literal["truncate", "refuse"]
    quotas_enabled: bool
    quota_tiers: list[QuotaTierIO]
    expiry_mode: Literal["year_end", "rolling", "never"]
    rolling_months: int
    transfers_allowed: bool
    point_value: Decimal


class PolicyPatch(InputSchema):
    """Only the settings sent change; `caps` and `quota_tiers` replace the whole list (the
    last tier has `population: null`, for every larger community)."""

    caps: list[CapIO] | None = Field(None, max_length=8)
    when_capped: Literal["truncate", "refuse"] | None = None
    quotas_enabled: StrictBool | None = None
    quota_tiers: list[QuotaTierIO] | None = Field(None, min_length=1, max_length=services.MAX_TIERS)
    expiry_mode: Literal["year_end", "rolling", "never"] | None = None
    rolling_months: StrictInt | None = Field(None, ge=1, le=services.MAX_ROLLING_MONTHS)
    transfers_allowed: StrictBool | None = None
    point_value: Decimal | None = Field(None, ge=0, le=services.MAX_POINT_VALUE, decimal_places=2)


def _out(settings: PolicySettings) -> dict[str, Any]:
    return asdict(settings)


@router.get("/programmes/{slug}/policy", response=PolicyOut)
def read_policy(request: ApiRequest, slug: str) -> dict[str, Any]:
    scope = access_programme(request.auth, slug, "view_console")
    return _out(policy_settings(scope.programme))


@router.patch("/programmes/{slug}/policy", response=PolicyOut)
def change_policy(
    request: ApiRequest, response: HttpResponse, slug: str, body: PolicyPatch, key: Key = None
) -> Status[Any]:
    scope = access_programme(request.auth, slug, "manage_programme")

    def perform() -> tuple[int, Any]:
        changed = services.update_policy(
            actor=request.auth,
            programme=scope.programme,
            settings=_patched(policy_settings(scope.programme), body),
        )
        return 200, PolicyOut(**_out(changed)).model_dump(mode="json")

    return respond_once(
        request, response, programme=scope.programme, key=key, payload=body, perform=perform
    )


def _patched(settings: PolicySettings, body: PolicyPatch) -> PolicySettings:
    sent = {k: v for k, v in body.model_dump(exclude_unset=True).items() if v is not None}
    if "caps" in sent:
        sent["caps"] = tuple(Cap(**cap) for cap in sent["caps"])
    if "quota_tiers" in sent:
        sent["quota_tiers"] = tuple(QuotaTier(**tier) for tier in sent["quota_tiers"])
    return replace(settings, **sent)
