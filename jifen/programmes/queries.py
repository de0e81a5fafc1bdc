"""Reads of programmes, communities, residents, households, roles and invitations, shaped
for screens. Console reads take the staff scope (or an object already fetched through it),
so nothing leaves the programme or the staff member's communities."""

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypedDict

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from jifen.accounts.models import User
from jifen.audit.models import AuditEntry
from jifen.programmes.access import StaffScope
from jifen.programmes.invitations import belongs_elsewhere
from jifen.programmes.models import (
    Community,
    Household,
    Invitation,
    Member,
    MemberStatus,
    Programme,
    Role,
    RoleKind,
    RoleOffer,
)

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


@dataclass(frozen=True)
class ProgrammeEntry:
    programme: Programme
    roles: tuple[str, ...]
    member: Member | None

    @property
    def is_staff(self) -> bool:
        return any(r != "resident" for r in self.roles)


def programmes_of(user: User) -> list[ProgrammeEntry]:
    """Every programme where the user is staff or a member, with their roles there."""
    roles: dict[int, list[str]] = {}
    for programme_id, kind in Role.objects.filter(user=user).values_list("programme_id", "kind"):
        roles.setdefault(programme_id, []).append(kind)
    members = {m.programme_id: m for m in Member.objects.filter(user=user)}
    ids = set(roles) | set(members)
    return [
        ProgrammeEntry(p, tuple(sorted(set(roles.get(p.pk, [])))), members.get(p.pk))
        for p in Programme.objects.filter(id__in=ids)
    ]


@dataclass(frozen=True)
class ConsoleFigures:
    """The numbers on the console's overview, limited to what the staff member may see."""

    communities: int
    households: int
    residents: int
    staff: int
    chart: dict[str, list[Any]]


def _per_community(model: type[Member] | type[Household], **filters: Any) -> Coalesce:
    # A correlated count per community: joining members and households in one query would
    # multiply the rows (members × households) and inflate both counts.
    counted = (
        model.objects.filter(community=OuterRef("pk"), **filters)
        .order_by()
        .values("community")
        .annotate(n=Count("*"))
        .values("n")
    )
    return Coalesce(Subquery(counted), 0)


class CommunityCounts(TypedDict):
    residents: int
    households_count: int


def communities_with_counts(
    scope: StaffScope,
) -> "QuerySet[WithAnnotations[Community, CommunityCounts]]":
    """The communities the staff member sees, each with `residents` (active members) and
    `households_count`."""
    return scope.communities().annotate(
        residents=_per_community(Member, status=MemberStatus.ACTIVE),
        households_count=_per_community(Household),
    )


def console_figures(scope: StaffScope) -> ConsoleFigures:
    """Counts of communities, households, active residents and staff, and the residents per
    community for the chart. Community-scoped staff count only their communities and the
    staff limited to them."""
    rows = list(communities_with_counts(scope))
    staff = Role.objects.filter(programme=scope.programme).exclude(kind=RoleKind.RESIDENT)
    if scope.community_ids is not None:
        staff = staff.filter(community_id__in=scope.community_ids)
    return ConsoleFigures(
        communities=len(rows),
        households=sum(c.households_count for c in rows),
        residents=sum(c.residents for c in rows),
        staff=staff.values("user").distinct().count(),
        chart={"names": [c.name for c in rows], "residents": [c.residents for c in rows]},
    )


def staff_roles(programme: Programme) -> QuerySet[Role]:
    """Every staff role of the programme (residents left out), by person then role."""
    return (
        Role.objects.filter(programme=programme)
        .exclude(kind=RoleKind.RESIDENT)
        .select_related("user", "community")
        .order_by("user__username", "kind", "id")
    )


def pending_role_offers(programme: Programme) -> QuerySet[RoleOffer]:
    """Roles offered whose links can still be answered, newest first. Shown by what the
    administrator typed (`login`): never by the person's own name, which is not the
    programme's yet. (No query lists offers or invitations by the account they are for: the
    person reaches them only through the link.)"""
    return (
        RoleOffer.objects.open()
        .filter(programme=programme)
        .select_related("community", "created_by")
        .order_by("-created_at", "-id")
    )


PAGE = 50


@dataclass(frozen=True)
class Page:
    """One page of a keyset-paginated list; `next_cursor` is the id to continue after."""

    items: list[Any]
    next_cursor: int | None


@dataclass(frozen=True)
class AccountStatus:
    """Whether a member can sign in: "signed_in", "password_set", "invited", "declined" or
    "none". `shared`: the account also belongs to another programme, so only its owner can
    change the password here (never which programme, nor their name)."""

    state: str
    last_login: Any = None
    invitation: Invitation | None = None
    shared: bool = False


def _page(items: list[Any]) -> Page:
    """Cut the PAGE + 1 rows a query fetched: the extra one only says a next page exists."""
    return Page(items[:PAGE], items[PAGE - 1].pk if len(items) > PAGE else None)


def resident_page(
    scope: StaffScope,
    *,
    text: str = "",
    community: int | None = None,
    status: str = "",
    after: int | None = None,
) -> Page:
    """Residents by name, PAGE at a time, by keyset on (name, id) — never OFFSET, so the
    last page costs what the first does. `after` is the id of the last row already shown."""
    qs = scope.members().search(text).select_related("community", "household")
    if community:
        qs = qs.filter(community_id=community)
    if status:
        qs = qs.filter(status=status)
    if after:
        # Looked up in the scope: a cursor must not reveal anything about other members.
        last = scope.members().filter(pk=after).values_list("display_name", flat=True).first()
        if last is not None:
            qs = qs.filter(Q(display_name__gt=last) | Q(display_name=last, id__gt=after))
    return _page(list(qs.order_by("display_name", "id")[: PAGE + 1]))


def household_page(
    scope: StaffScope, *, community: int | None = None, after: int | None = None
) -> Page:
    """Households with their member count, PAGE at a time by keyset on id."""
    qs = scope.households().select_related("community", "head")
    if community:
        qs = qs.filter(community_id=community)
    if after:
        qs = qs.filter(id__gt=after)
    qs = qs.annotate(size=Count("members")).order_by("id")
    return _page(list(qs[: PAGE + 1]))


def household_choices(scope: StaffScope) -> list[tuple[str, str, str]]:
    """(public id, label, community name) of every household the staff may use, for a form."""
    rows = scope.households().order_by("community__name", "building", "unit", "room", "address")
    return [(h.public_id, h.label, h.community.name) for h in rows.select_related("community")]


def open_invitations(scope: StaffScope, *, limit: int = 200) -> list[Invitation]:
    """Invitations that can still be used, newest first."""
    return list(
        Invitation.objects.open()
        .filter(member__in=scope.members())
        .select_related("member", "created_by")
        .order_by("-created_at")[:limit]
    )


def account_status(member: Member) -> AccountStatus:
    """How far the member has got with signing in, for the resident's console page."""
    user = member.user
    shared = user is not None and belongs_elsewhere(user, member.programme)
    if user is not None and user.last_login is not None:
        return AccountStatus("signed_in", last_login=user.last_login, shared=shared)
    if user is not None and user.has_usable_password():
        return AccountStatus("password_set", shared=shared)
    latest = member.invitations.order_by("-created_at").first()
    if latest is not None and latest.declined_at is not None:
        return AccountStatus("declined", invitation=latest, shared=shared)
    invitation = member.invitations.open().order_by("-created_at").first()
    if invitation is not None:
        return AccountStatus("invited", invitation=invitation, shared=shared)
    return AccountStatus("none", shared=shared)


def member_history(member: Member, *, limit: int = 20) -> list[AuditEntry]:
    """The latest audit entries whose target is this member, newest first."""
    return list(
        AuditEntry.objects.filter(
            programme_id=member.programme_id,
            target_type="programmes.member",
            target_id=str(member.pk),
        )
        .select_related("actor")
        .order_by("-id")[:limit]
    )


def household_members(household: Household | None) -> list[Member]:
    """Everyone in the household, by name."""
    return list(household.members.order_by("display_name", "id")) if household else []
