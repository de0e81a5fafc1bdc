"""Earning rules: list, read with their versions, create, change (new numbers make a new
version) and preview what a rule gives. The configuration is typed here, field by field;
jifen.earning.rules checks what the fields say together (InvalidRule, 422)."""

from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Any, Literal

from django.http import HttpResponse
from ninja import Field, Query, Router, Schema, Status
from pydantic import StrictBool, StringConstraints, model_validator

from jifen.api.auth import ApiRequest
from jifen.api.earnings import Key, once
from jifen.api.inputs import IdIn, InputSchema, Int, QueryInt
from jifen.earning import rules, services
from jifen.earning.access import access_rule, rules_of
from jifen.earning.crediting import current_version
from jifen.earning.models import Rule, RuleCategory, RuleKind, RuleVersion
from jifen.programmes.access import access_member, access_programme

router = Router(tags=["earning"])

Points = Annotated[Int, Field(ge=0, le=rules.MAX_RULE_POINTS)]
Positive = Annotated[Int, Field(ge=1, le=rules.MAX_RULE_POINTS)]
Measured = Annotated[Int, Field(ge=0, le=rules.MAX_MEASURE)]
Multiplier = Annotated[Int, Field(ge=1, le=10)]
Measure = Literal["accuracy", "weight", "amount", "minutes"]
ShortCode = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]
Clock = Annotated[str, Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
RuleCode = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")]
Group = Literal["elderly", "new_resident", "child"]


class CriterionIn(InputSchema):
    code: ShortCode
    label: str = Field(min_length=1, max_length=100)


class ExtraIn(CriterionIn):
    points: Points


class ComboIn(InputSchema):
    requires: list[ShortCode] = Field(min_length=1, max_length=20)
    points: Positive


class BandsIn(InputSchema):
    measure: Measure
    steps: list[tuple[Measured, Positive]] = Field(
        min_length=1, max_length=20, description="[threshold, points], thresholds rising."
    )


class EligibleIn(InputSchema):
    groups: list[Group] = Field(default_factory=list, max_length=3)
    communities: list[IdIn] = Field(default_factory=list, max_length=100)


class RuleCapIn(InputSchema):
    scope: Literal["member", "household"]
    period: Literal["day", "week", "month", "year"]
    limit: Positive


class MentorIn(InputSchema):
    above: Measured
    below: Measured
    points: Positive


class RuleConfigIn(InputSchema):
    """The numbers of a rule (see jifen/earning/rules.py for what each kind reads); fields
    left out take their defaults."""

    points: Points | None = None
    unit_minutes: Positive | None = None
    rounding: Literal["down", "nearest", "up"] | None = None
    unit_amount: Positive | None = None
    min: Points | None = None
    max: Points | None = None
    criteria: list[CriterionIn] | None = Field(None, max_length=20)
    combos: list[ComboIn] | None = Field(None, max_length=20)
    extras: list[ExtraIn] | None = Field(None, max_length=20)
    bands: BandsIn | None = None
    streak_days: Points | None = None
    streak_bonus: Points | None = None
    windows: list[tuple[Clock, Clock]] | None = Field(
        None, max_length=10, description='When it may be earned, local time: [["07:00", "09:00"]]'
    )
    eligible: EligibleIn | None = None
    caps: list[RuleCapIn] | None = Field(None, max_length=8)
    newcomer_multiplier: Multiplier | None = None
    parent_child_multiplier: Multiplier | None = None
    mentor: MentorIn | None = None


NoticeDays = Annotated[Int, Field(ge=0, le=60)]


class RuleIn(InputSchema):
    code: RuleCode
    name: str = Field(min_length=1, max_length=100)
    description: str = Field("", max_length=2000)
    category: RuleCategory = RuleCategory.OTHER
    kind: RuleKind
    allows_claims: StrictBool = False
    allows_devices: StrictBool = False
    requires_review: StrictBool = False
    notice_days: NoticeDays = 0
    is_active: StrictBool = True
    config: RuleConfigIn


class RulePatch(InputSchema):
    """Only the fields sent change; new numbers in `config` make a new version."""

    name: str | None = Field(None, min_length=1, max_length=100)
    description: str | None = Field(None, max_length=2000)
    category: RuleCategory | None = None
    allows_claims: StrictBool | None = None
    allows_devices: StrictBool | None = None
    requires_review: StrictBool | None = None
    notice_days: NoticeDays | None = None
    is_active: StrictBool | None = None
    config: RuleConfigIn | None = None

    @model_validator(mode="after")
    def _refuse_nulls(self) -> "RulePatch":
        for name in self.model_fields_set:
            if getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class RuleOut(Schema):
    code: str
    name: str
    description: str
    category: str
    kind: str
    allows_claims: bool
    allows_devices: bool
    requires_review: bool
    notice_days: int
    is_active: bool
    version: int
    config: dict[str, Any]
    created_at: datetime


class RuleVersionOut(Schema):
    number: int
    config: dict[str, Any]
    created_at: datetime


class RuleDetailOut(RuleOut):
    versions: list[RuleVersionOut]


class PreviewQuery(InputSchema):
    criteria: list[Annotated[str, Field(max_length=20)]] = Field(default_factory=list)
    accuracy: Annotated[QueryInt, Field(ge=0, le=rules.MAX_MEASURE)] | None = None
    weight: Annotated[QueryInt, Field(ge=0, le=rules.MAX_MEASURE)] | None = None
    amount: Annotated[QueryInt, Field(ge=0, le=rules.MAX_MEASURE)] | None = None
    minutes: Annotated[QueryInt, Field(ge=0, le=rules.MAX_MEASURE)] | None = None
    chosen: Annotated[QueryInt, Field(ge=0, le=rules.MAX_RULE_POINTS)] | None = Field(
        None, description="A range rule: the points the reviewer would choose."
    )
    streak: Annotated[QueryInt, Field(ge=1, le=366)] = 1
    member: str | None = Field(
        None, max_length=40, description="Say what the caps leave this member today."
    )


class PreviewOut(Schema):
    points: int
    explanation: list[list[Any]]
    left: int | None = Field(description="What the tightest cap leaves the member today.")
    text: str


def rule_json(rule: Rule, config: dict[str, Any] | None = None) -> dict[str, Any]:
    """A rule with its current numbers (`config`, when the caller has them), JSON-ready."""
    fields = {name: getattr(rule, name) for name in RuleOut.model_fields if name != "config"}
    fields["config"] = config if config is not None else current_version(rule).config
    return RuleOut.model_validate(fields).model_dump(mode="json")


def _current(versions: Iterable[RuleVersion], number: int) -> dict[str, Any]:
    return next(v.config for v in versions if v.number == number)


def _config(body: RuleConfigIn) -> dict[str, Any]:
    return body.model_dump(mode="json", exclude_none=True)


@router.get("/programmes/{slug}/rules", response=list[RuleOut])
def list_rules(request: ApiRequest, slug: str) -> list[dict[str, Any]]:
    scope = access_programme(request.auth, slug, "view_console")
    found = rules_of(scope).prefetch_related("versions")
    return [rule_json(r, _current(r.versions.all(), r.version)) for r in found]


@router.get("/programmes/{slug}/rules/{rule_code}", response=RuleDetailOut)
def get_rule(request: ApiRequest, slug: str, rule_code: str) -> dict[str, Any]:
    """A rule with every version of its numbers, newest first."""
    scope = access_programme(request.auth, slug, "view_console")
    rule = access_rule(scope, rule_code)
    versions = list(rule.versions.order_by("-number"))
    return {**rule_json(rule, _current(versions, rule.version)), "versions": versions}


@router.post("/programmes/{slug}/rules", response={201: RuleOut})
def create_rule(
    request: ApiRequest, response: HttpResponse, slug: str, body: RuleIn, key: Key = None
) -> Status[Any]:
    scope = access_programme(request.auth, slug, "manage_rules")

    def perform() -> tuple[int, Any]:
        fields = body.model_dump(exclude={"code", "kind", "config"})
        rule = services.create_rule(
            programme=scope.programme,
            code=body.code,
            kind=body.kind,
            config=_config(body.config),
            actor=request.auth,
            **fields,
        )
        return 201, rule_json(rule)

    return once(request, response, scope.programme, key, body, perform)


@router.patch("/programmes/{slug}/rules/{rule_code}", response={200: RuleOut})
def update_rule(
    request: ApiRequest,
    response: HttpResponse,
    slug: str,
    rule_code: str,
    body: RulePatch,
    key: Key = None,
) -> Status[Any]:
    scope = access_programme(request.auth, slug, "manage_rules")
    rule = access_rule(scope, rule_code)

    def perform() -> tuple[int, Any]:
        fields = body.model_dump(exclude_unset=True, exclude={"config"})
        config = _config(body.config) if body.config is not None else None
        changed = services.update_rule(rule=rule, actor=request.auth, config=config, **fields)
        return 200, rule_json(changed)

    return once(request, response, scope.programme, key, body, perform)


@router.get("/programmes/{slug}/rules/{rule_code}/preview", response=PreviewOut)
def preview_rule(
    request: ApiRequest, slug: str, rule_code: str, facts: Query[PreviewQuery]
) -> dict[str, Any]:
    """What the rule's current numbers give for these criteria and measured values (and,
    for a member, what the caps leave them today). Nothing is written."""
    scope = access_programme(request.auth, slug, "view_console")
    rule = access_rule(scope, rule_code)
    member = access_member(scope, facts.member) if facts.member else None
    measures = {
        name: value
        for name in ("accuracy", "weight", "amount", "minutes")
        if (value := getattr(facts, name)) is not None
    }
    known = rules.Facts(
        criteria=frozenset(facts.criteria),
        measures=measures,
        chosen=facts.chosen,
        streak=facts.streak,
    )
    shown = services.preview(
        rule=rule, config=current_version(rule).config, facts=known, member=member
    )
    return vars(shown)
