"""Claims: a resident claims points under a rule that allows it, with photos and the criteria
or measured values the rule reads (or staff file it on their behalf); a reviewer approves
(choosing the points within a range rule's range) or refuses with a reason.

Photos travel in the JSON body, base64-encoded, at most three; the whole body may not exceed
2.5 MB, so a client sends them downscaled (a phone photo at 1,600 pixels is ~300 KB). Each is
checked and re-encoded without its metadata (jifen.lib.images) before anything is kept: a
file that is not a JPEG, PNG or WebP photo is refused with `photo_not_an_image`."""

import base64
import binascii
from datetime import datetime
from typing import Annotated, Any, Literal

from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpResponse
from ninja import Field, Query, Router, Schema, Status

from jifen.api.auth import ApiRequest
from jifen.api.earnings import (
    AwardedOut,
    Key,
    Limit,
    MeasuresIn,
    MemberRef,
    Moment,
    awarded_json,
    member_ref,
    newest_first,
    once,
)
from jifen.api.inputs import InputSchema, Int
from jifen.earning import rules, services
from jifen.earning.access import (
    access_claim,
    access_claim_photo,
    access_own_claim,
    access_programme_rule,
    access_rule,
    claims_in_scope,
)
from jifen.earning.claims import MAX_PHOTOS
from jifen.earning.models import Claim, ClaimPhoto
from jifen.lib.images import CleanPhoto, PhotoNotAnImage, clean_photo, photo_path
from jifen.programmes.access import access_member, access_programme, resident_member
from jifen.programmes.models import Member

router = Router(tags=["earning"])
PublicId = Annotated[str, Field(max_length=40)]
ClaimState = Literal["submitted", "approved", "rejected", "withdrawn"]
MAX_PHOTO_CHARACTERS = 3_500_000  # base64 of a photo over the body limit: refused unread


class ClaimFields(InputSchema):
    rule: str = Field(max_length=40, description="The code of a rule that allows claims.")
    description: str = Field("", max_length=2000)
    criteria: list[Annotated[str, Field(max_length=20)]] = Field(
        default_factory=list, max_length=20, description="Codes of the criteria met."
    )
    measures: MeasuresIn = Field(default_factory=lambda: MeasuresIn.model_validate({}))
    photos: list[Annotated[str, Field(max_length=MAX_PHOTO_CHARACTERS)]] = Field(
        default_factory=list,
        max_length=MAX_PHOTOS,
        description="Base64-encoded JPEG, PNG or WebP photos.",
    )
    occurred_at: Moment | None = Field(None, description="When it happened; else now.")


class ClaimIn(ClaimFields):
    member: PublicId


class ApproveIn(InputSchema):
    points: Annotated[Int, Field(ge=1, le=rules.MAX_RULE_POINTS)] | None = Field(
        None, description="A range rule: the points chosen within its range."
    )


class RejectIn(InputSchema):
    reason: str = Field(min_length=1, max_length=200)


class PhotoOut(Schema):
    public_id: str
    content_type: str
    width: int
    height: int
    size: int


class ClaimOut(Schema):
    public_id: str
    member: MemberRef
    rule: str
    rule_version: int
    description: str
    criteria: list[str]
    measures: dict[str, int]
    occurred_at: datetime
    proposed: int = Field(description="What the rule gives for what was claimed.")
    status: ClaimState
    decided_at: datetime | None
    decision_reason: str
    photos: list[PhotoOut]
    created_at: datetime


class ClaimPage(Schema):
    items: list[ClaimOut]
    next_cursor: str | None


class ApprovedOut(AwardedOut):
    claim: ClaimOut


class ClaimFilters(InputSchema):
    status: ClaimState | None = None
    rule: str | None = Field(None, max_length=40)
    member: PublicId | None = None
    cursor: str | None = Field(None, max_length=500)
    limit: Limit = 50


class PageQuery(InputSchema):
    cursor: str | None = Field(None, max_length=500)
    limit: Limit = 50


def claim_json(claim: Claim) -> dict[str, Any]:
    """A claim with its photos, JSON-ready."""
    return ClaimOut.model_validate(
        {
            **{name: getattr(claim, name) for name in _PLAIN},
            "member": member_ref(claim.member),
            "rule": claim.rule.code,
            "rule_version": claim.rule_version.number,
            "photos": list(claim.photos.all()),
        }
    ).model_dump(mode="json")


_PLAIN = (
    "public_id",
    "description",
    "criteria",
    "measures",
    "occurred_at",
    "proposed",
    "status",
    "decided_at",
    "decision_reason",
    "created_at",
)


def _page(rows: QuerySet[Claim], cursor: str | None, limit: int) -> dict[str, Any]:
    rows = rows.select_related("member", "rule", "rule_version").prefetch_related("photos")
    found, next_cursor = newest_first(rows, cursor, limit)
    return {"items": [claim_json(c) for c in found], "next_cursor": next_cursor}


def decoded_photos(photos: list[str]) -> list[CleanPhoto]:
    """Each base64 photo checked and re-encoded. Raises PhotoNotAnImage (also for text that
    is not base64), PhotoTooLarge, PhotoTooManyPixels."""
    cleaned = []
    for text in photos:
        try:
            raw = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise PhotoNotAnImage() from None
        cleaned.append(clean_photo(raw))
    return cleaned


def _submit(rule_code: str, member: Member, body: ClaimFields, actor: Any) -> Claim:
    rule = access_programme_rule(member.programme, rule_code)
    claim = services.submit_claim(
        member=member,
        rule=rule,
        actor=actor,
        description=body.description,
        criteria=body.criteria,
        measures=body.measures.model_dump(exclude_none=True),
        photos=decoded_photos(body.photos),
        occurred_at=body.occurred_at,
    )
    return claim


# Staff.


@router.get("/programmes/{slug}/claims", response=ClaimPage)
def list_claims(request: ApiRequest, slug: str, filters: Query[ClaimFilters]) -> dict[str, Any]:
    """Claims, newest first; `status=submitted` is the reviewer's inbox."""
    scope = access_programme(request.auth, slug, "view_console")
    rows = claims_in_scope(scope)
    if filters.status is not None:
        rows = rows.filter(status=filters.status)
    if filters.rule is not None:
        rows = rows.filter(rule=access_rule(scope, filters.rule))
    if filters.member is not None:
        rows = rows.filter(member=access_member(scope, filters.member))
    return _page(rows, filters.cursor, filters.limit)


@router.get("/programmes/{slug}/claims/{claim_id}", response=ClaimOut)
def get_claim(request: ApiRequest, slug: str, claim_id: str) -> dict[str, Any]:
    scope = access_programme(request.auth, slug, "view_console")
    return claim_json(access_claim(scope, claim_id))


PHOTO_RESPONSE = {
    "description": "The photo (JPEG, PNG or WebP).",
    "content": {kind: {} for kind in ("image/jpeg", "image/png", "image/webp")},
}


@router.get(
    "/programmes/{slug}/claims/{claim_id}/photos/{photo_id}",
    response={200: None},
    openapi_extra={"responses": {200: PHOTO_RESPONSE}},
)
def get_claim_photo(request: ApiRequest, slug: str, claim_id: str, photo_id: str) -> FileResponse:
    """A claim's photo, as it was kept (re-encoded, without metadata)."""
    scope = access_programme(request.auth, slug, "view_console")
    claim = access_claim(scope, claim_id)
    photo: ClaimPhoto = access_claim_photo(scope, photo_id)
    if photo.claim_id != claim.pk:
        raise Http404
    return FileResponse(photo_path(photo.path).open("rb"), content_type=photo.content_type)


@router.post("/programmes/{slug}/claims", response={201: ClaimOut})
def file_claim(
    request: ApiRequest, response: HttpResponse, slug: str, body: ClaimIn, key: Key = None
) -> Status[Any]:
    """File a claim on a resident's behalf (for residents without a phone)."""
    scope = access_programme(request.auth, slug, "check_in")
    member = access_member(scope, body.member)

    def perform() -> tuple[int, Any]:
        return 201, claim_json(_submit(body.rule, member, body, request.auth))

    return once(request, response, scope.programme, key, body, perform)


@router.post("/programmes/{slug}/claims/{claim_id}/approve", response={200: ApprovedOut})
def approve_claim(
    request: ApiRequest,
    response: HttpResponse,
    slug: str,
    claim_id: str,
    body: ApproveIn,
    key: Key = None,
) -> Status[Any]:
    """Approve: the award is credited now, or put on public notice when the rule says."""
    scope = access_programme(request.auth, slug, "review")
    claim = access_claim(scope, claim_id)

    def perform() -> tuple[int, Any]:
        outcome = services.approve_claim(claim=claim, actor=request.auth, points=body.points)
        claim.refresh_from_db()
        return 200, {**awarded_json(scope.programme, outcome), "claim": claim_json(claim)}

    return once(request, response, scope.programme, key, body, perform)


@router.post("/programmes/{slug}/claims/{claim_id}/reject", response={200: ClaimOut})
def reject_claim(
    request: ApiRequest,
    response: HttpResponse,
    slug: str,
    claim_id: str,
    body: RejectIn,
    key: Key = None,
) -> Status[Any]:
    """Refuse, with the reason the resident will read (and may appeal)."""
    scope = access_programme(request.auth, slug, "review")
    claim = access_claim(scope, claim_id)

    def perform() -> tuple[int, Any]:
        rejected = services.reject_claim(claim=claim, actor=request.auth, reason=body.reason)
        return 200, claim_json(rejected)

    return once(request, response, scope.programme, key, body, perform)


# The resident.


@router.get("/programmes/{slug}/me/claims", response=ClaimPage)
def my_claims(request: ApiRequest, slug: str, page: Query[PageQuery]) -> dict[str, Any]:
    member = resident_member(request.auth, slug)
    return _page(Claim.objects.filter(member=member), page.cursor, page.limit)


@router.post("/programmes/{slug}/me/claims", response={201: ClaimOut})
def claim(
    request: ApiRequest, response: HttpResponse, slug: str, body: ClaimFields, key: Key = None
) -> Status[Any]:
    """Claim points under a rule that allows it; a reviewer decides."""
    member = resident_member(request.auth, slug)

    def perform() -> tuple[int, Any]:
        return 201, claim_json(_submit(body.rule, member, body, request.auth))

    return once(request, response, member.programme, key, body, perform)


@router.post("/programmes/{slug}/me/claims/{claim_id}/withdraw", response={200: ClaimOut})
def withdraw_claim(
    request: ApiRequest, response: HttpResponse, slug: str, claim_id: str, key: Key = None
) -> Status[Any]:
    """Withdraw a claim still waiting for review."""
    member = resident_member(request.auth, slug)
    found = access_own_claim(member, claim_id)

    def perform() -> tuple[int, Any]:
        return 200, claim_json(services.withdraw_claim(claim=found))

    return once(request, response, member.programme, key, None, perform)
