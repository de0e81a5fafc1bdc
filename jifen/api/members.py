"""Members of a programme, for its staff: list and search, read, create, update."""

from dataclasses import replace
from datetime import date, datetime
from typing import Annotated, Any, Literal

from django.db.models import Q
from django.http import Http404, HttpResponse
from ninja import Field, Query, Router, Schema, Status
from pydantic import StringConstraints, model_validator

from jifen.api.auth import ApiRequest
from jifen.api.idempotency import IdempotencyKey, respond_once
from jifen.api.inputs import Id, IdIn, InputSchema, Int
from jifen.api.pagination import decode_cursor, encode_cursor
from jifen.lib.phones import mask_phone
from jifen.programmes import errors, services
from jifen.programmes.access import StaffScope, access_community, access_member, access_programme
from jifen.programmes.models import Community, Household, Member, MemberQuerySet, MemberStatus

router = Router(tags=["members"])
Key = Annotated[str | None, IdempotencyKey]

Flag = Literal["elderly", "child", "new_resident"]
FLAG_FIELDS: dict[str, str] = {
    "elderly": "is_elderly",
    "child": "is_child",
    "new_resident": "is_new_resident",
}
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=30)]
BirthYear = Annotated[Int, Field(ge=1900, le=2100)]


class Address(Schema):
    building: str = Field("", max_length=30)
    unit: str = Field("", max_length=30)
    room: str = Field("", max_length=30)
    address: str = Field("", max_length=200)


class HouseholdIn(InputSchema, Address):
    """Building, unit and room, or a free-form address; found or created in the community."""


class HouseholdOut(Address):
    public_id: str
    label: str


class CommunityRef(Schema):
    id: int
    name: str


class MemberOut(Schema):
    public_id: str
    display_name: str
    phone: str = Field(description="Masked (138****8000) unless you may manage members.")
    community: CommunityRef
    household: HouseholdOut | None
    joined_on: date
    birth_year: int | None
    flags: list[Flag]
    interest_tags: list[str]
    status: MemberStatus
    has_account: bool
    updated_at: datetime


class MemberIn(InputSchema):
    display_name: str = Field(min_length=1, max_length=100)
    phone: str = Field("", max_length=30)
    community_id: IdIn
    household: HouseholdIn | None = None
    joined_on: date | None = None
    birth_year: BirthYear | None = None
    flags: list[Flag] = Field(default_factory=list)
    interest_tags: list[Tag] = Field(default_factory=list, max_length=20)
    status: MemberStatus = MemberStatus.ACTIVE


class MemberPatch(InputSchema):
    """Only the fields sent change; `flags` and `interest_tags` replace the whole list.
    Moving to another community needs a `household` there too (or `null`)."""

    display_name: str | None = Field(None, min_length=1, max_length=100)
    phone: str | None = Field(None, max_length=30)
    community_id: IdIn | None = None
    household: HouseholdIn | None = None
    joined_on: date | None = None
    birth_year: BirthYear | None = None
    flags: list[Flag] | None = None
    interest_tags: list[Tag] | None = Field(None, max_length=20)
    status: MemberStatus | None = None

    @model_validator(mode="after")
    def _refuse_nulls(self) -> "MemberPatch":
        nullable = {"household", "birth_year"}  # null clears these; others cannot be null
        for name in self.model_fields_set - nullable:
            if getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class MemberFilters(InputSchema):
    q: str = Field("", max_length=100, description="Part of a name, or 3+ digits of a phone")
    community: Id | None = None
    status: MemberStatus | None = None
    cursor: str | None = Field(None, max_length=500)
    limit: int = Field(50, ge=1, le=200)


class MemberPage(Schema):
    items: list[MemberOut]
    next_cursor: str | None


@router.get("/programmes/{slug}/members", response=MemberPage)
def list_members(
    request: ApiRequest,
    slug: str,
    filters: Query[MemberFilters],
) -> dict[str, Any]:
    scope = access_programme(request.auth, slug, "view_members")
    page = list(_matching(scope, filters)[: filters.limit + 1])
    more = len(page) > filters.limit
    page = page[: filters.limit]
    last = page[-1] if more else None
    return {
        "items": [member_json(m, scope) for m in page],
        "next_cursor": encode_cursor(last.display_name, last.pk) if last else None,
    }


@router.get("/programmes/{slug}/members/{public_id}", response=MemberOut)
def get_member(request: ApiRequest, slug: str, public_id: str) -> dict[str, Any]:
    scope = access_programme(request.auth, slug, "view_members")
    return member_json(access_member(scope, public_id), scope)


@router.post("/programmes/{slug}/members", response={201: MemberOut})
def create_member(
    request: ApiRequest,
    response: HttpResponse,
    slug: str,
    payload: MemberIn,
    key: Key = None,
) -> Status[Any]:
    """Add a member. Send an `Idempotency-Key` header to make retries safe."""
    scope = access_programme(request.auth, slug, "manage_members")

    def perform() -> tuple[int, Any]:
        data = services.MemberData(
            display_name=payload.display_name, community=_community(scope, payload.community_id)
        )
        data = _changed(scope, data, payload.model_dump(exclude={"community_id"}))
        member = services.create_member(
            actor=request.auth,
            programme=scope.programme,
            data=data,
        )
        return 201, member_json(member, scope)

    return respond_once(
        request, response, programme=scope.programme, key=key, payload=payload, perform=perform
    )


@router.patch("/programmes/{slug}/members/{public_id}", response={200: MemberOut})
def update_member(
    request: ApiRequest,
    response: HttpResponse,
    slug: str,
    public_id: str,
    payload: MemberPatch,
    key: Key = None,
) -> Status[Any]:
    """Change the fields sent. An `Idempotency-Key` header makes a retry answer as the first."""
    scope = access_programme(request.auth, slug, "manage_members")
    member = access_member(scope, public_id)

    def perform() -> tuple[int, Any]:
        data = _changed(scope, _current(member), payload.model_dump(exclude_unset=True))
        changed = services.update_member(
            actor=request.auth,
            member=member,
            data=data,
        )
        return 200, member_json(changed, scope)

    return respond_once(
        request, response, programme=scope.programme, key=key, payload=payload, perform=perform
    )


def member_json(member: Member, scope: StaffScope) -> dict[str, Any]:
    """A member as the API shows it to this staff member, JSON-ready (so it can be stored
    for an idempotent replay)."""
    phone = member.phone if scope.can("manage_members") else mask_phone(member.phone)
    return MemberOut.model_validate(
        {
            "public_id": member.public_id,
            "display_name": member.display_name,
            "phone": phone,
            "community": member.community,
            "household": member.household,
            "joined_on": member.joined_on,
            "birth_year": member.birth_year,
            "flags": [flag for flag, name in FLAG_FIELDS.items() if getattr(member, name)],
            "interest_tags": member.interest_tags,
            "status": member.status,
            "has_account": member.user_id is not None,
            "updated_at": member.updated_at,
        }
    ).model_dump(mode="json")


def _matching(scope: StaffScope, filters: MemberFilters) -> MemberQuerySet:
    members = scope.members().search(filters.q).select_related("community", "household")
    if filters.community is not None:
        members = members.filter(community_id=filters.community)
    if filters.status is not None:
        members = members.filter(status=filters.status)
    if filters.cursor:
        name, pk = decode_cursor(filters.cursor, str, int)
        members = members.filter(Q(display_name__gt=name) | Q(display_name=name, id__gt=pk))
    return members.order_by("display_name", "id")


def _current(member: Member) -> services.MemberData:
    return services.MemberData(
        display_name=member.display_name,
        community=member.community,
        phone=member.phone,
        household=member.household,
        joined_on=member.joined_on,
        birth_year=member.birth_year,
        is_elderly=member.is_elderly,
        is_child=member.is_child,
        is_new_resident=member.is_new_resident,
        interest_tags=list(member.interest_tags),
        status=member.status,
    )


def _changed(
    scope: StaffScope,
    data: services.MemberData,
    changes: dict[str, Any],
) -> services.MemberData:
    """`data` with the fields present in `changes` (a parsed body) applied."""
    plain = {"display_name", "phone", "joined_on", "birth_year", "interest_tags", "status"}
    data = replace(data, **{k: v for k, v in changes.items() if k in plain})
    if "community_id" in changes:
        data.community = _community(scope, changes["community_id"])
    if "household" in changes:
        data.household = _household(scope, data.community, changes["household"])
    if "flags" in changes:
        flags: dict[str, Any] = {name: f in changes["flags"] for f, name in FLAG_FIELDS.items()}
        data = replace(data, **flags)
    return data


def _community(scope: StaffScope, community_id: int) -> Community:
    """A community the caller may work in; any other id is refused as unknown (422)."""
    try:
        return access_community(scope, community_id)
    except Http404:
        raise errors.CommunityNotInProgramme(name=str(community_id)) from None


def _household(
    scope: StaffScope,
    community: Community,
    address: dict[str, str] | None,
) -> Household | None:
    if address is None:
        return None
    return services.find_or_create_household(
        programme=scope.programme, community=community, address=address
    )
