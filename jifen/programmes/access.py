"""Who may see what. Every lookup of a programme-owned object goes through an `access_*`
helper; a forbidden object and a missing one both raise Http404, so existence never leaks.

The pattern, for every kind of object a programme owns:

1. The view or endpoint first asks for the programme and a capability:
   `scope = access_programme(user, slug, "review")` (a resident: `resident_member`).
2. It then looks the object up only through `access_<thing>(scope, id)`, never with its own
   `Model.objects.filter(...)`. The helper narrows the rows twice, with `in_scope`: to the
   scope's programme, and, for staff limited to some communities, to rows whose community
   (reached through the member, the household or the wallet's owner) is one of theirs.
3. `found(rows, **lookup)` returns the one row or raises Http404.

An app whose objects belong to members keeps its helpers beside its models, built on these
two functions, because dependencies point inward (web, api → ledger → programmes):
`jifen/ledger/access.py` has `access_transaction`, `access_hold` and `access_approval`;
claims, activities and redemptions get `access_claim` … in their own app the same way:

    def access_claim(scope: StaffScope, public_id: str) -> Claim:
        return found(in_scope(scope, Claim.objects, "member__community"), public_id=public_id)

A route's access is proven by jifen/web/tests/test_route_access.py, which calls every API
operation and web URL as staff of another community and of another programme.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from django.db.models import Model, Q, QuerySet
from django.http import Http404

from jifen.accounts.models import User
from jifen.programmes.models import (
    Community,
    Household,
    Invitation,
    Member,
    MemberQuerySet,
    Programme,
    Role,
    RoleKind,
)

M = TypeVar("M", bound=Model)

STAFF_ROLES = frozenset(
    {RoleKind.ADMIN, RoleKind.ORGANIZER, RoleKind.REVIEWER, RoleKind.CASHIER, RoleKind.AUDITOR}
)
# What each capability needs. Names are verbs a view or endpoint asks for.
CAPABILITIES: dict[str, frozenset[str]] = {
    "view_console": STAFF_ROLES,
    "view_members": frozenset(
        {RoleKind.ADMIN, RoleKind.ORGANIZER, RoleKind.REVIEWER, RoleKind.AUDITOR, RoleKind.CASHIER}
    ),
    "manage_members": frozenset({RoleKind.ADMIN, RoleKind.ORGANIZER}),
    "manage_programme": frozenset({RoleKind.ADMIN}),
    "view_audit": frozenset({RoleKind.ADMIN, RoleKind.AUDITOR}),
    "award_points": frozenset({RoleKind.ADMIN, RoleKind.ORGANIZER}),
    "review": frozenset({RoleKind.ADMIN, RoleKind.REVIEWER}),
    "request_changes": frozenset({RoleKind.ADMIN, RoleKind.ORGANIZER, RoleKind.REVIEWER}),
    "handle_redemptions": frozenset({RoleKind.ADMIN, RoleKind.CASHIER}),
    "reverse": frozenset({RoleKind.ADMIN}),
    "manage_rules": frozenset({RoleKind.ADMIN}),
    "manage_activities": frozenset({RoleKind.ADMIN, RoleKind.ORGANIZER}),
    "check_in": frozenset({RoleKind.ADMIN, RoleKind.ORGANIZER}),
    "manage_devices": frozenset({RoleKind.ADMIN}),
    "manage_catalogue": frozenset({RoleKind.ADMIN}),
    "view_settlements": frozenset({RoleKind.ADMIN, RoleKind.AUDITOR, RoleKind.CASHIER}),
    "settle": frozenset({RoleKind.ADMIN}),
    "manage_recognition": frozenset({RoleKind.ADMIN}),
    "view_insights": frozenset({RoleKind.ADMIN, RoleKind.REVIEWER, RoleKind.AUDITOR}),
    "manage_voices": frozenset({RoleKind.ADMIN, RoleKind.ORGANIZER}),
    "view_ledger": frozenset(
        {RoleKind.ADMIN, RoleKind.ORGANIZER, RoleKind.REVIEWER, RoleKind.AUDITOR, RoleKind.CASHIER}
    ),
}
# Capabilities over the whole programme: its settings, communities and roles, and the audit
# log (which names every community's residents), the earning rules every community earns
# under, device keys (which reach every member), the catalogue and stores every community
# redeems from, and settlements (money owed to stores). Staff limited to some communities never
# have them, or a village's administrator could make themselves the county's.
PROGRAMME_WIDE = frozenset(
    {
        "manage_programme",
        "view_audit",
        "manage_rules",
        "manage_devices",
        "manage_catalogue",
        "settle",
        "manage_recognition",
    }
)


@dataclass(frozen=True)
class StaffScope:
    """A user's standing in one programme: their roles, and the communities they are limited
    to (None means every community of the programme)."""

    programme: Programme
    user_id: int
    roles: frozenset[str]
    community_ids: frozenset[int] | None

    def can(self, capability: str) -> bool:
        if capability in PROGRAMME_WIDE and self.community_ids is not None:
            return False
        return bool(self.roles & CAPABILITIES[capability])

    def members(self) -> MemberQuerySet:
        qs = Member.objects.filter(programme=self.programme)
        if self.community_ids is not None:
            qs = qs.filter(community_id__in=self.community_ids)
        return qs

    def communities(self) -> QuerySet[Community]:
        qs = Community.objects.filter(programme=self.programme)
        if self.community_ids is not None:
            qs = qs.filter(id__in=self.community_ids)
        return qs

    def households(self) -> QuerySet[Household]:
        qs = Household.objects.filter(programme=self.programme)
        if self.community_ids is not None:
            qs = qs.filter(community_id__in=self.community_ids)
        return qs


def staff_scope(user: object, programme: Programme) -> StaffScope:
    """The user's roles in this programme. Superusers are not staff of programmes by default."""
    if not getattr(user, "is_authenticated", False):
        return StaffScope(programme, 0, frozenset(), frozenset())
    assert isinstance(user, User)  # request.user or request.auth, signed in: always a User
    roles = list(
        Role.objects.filter(user=user, programme=programme).values_list("kind", "community_id")
    )
    wide = any(community is None for _, community in roles)
    communities = None if wide else frozenset(c for _, c in roles if c is not None)
    return StaffScope(programme, user.pk, frozenset(k for k, _ in roles), communities)


def access_programme(user: object, slug: str, capability: str) -> StaffScope:
    """The programme `slug` with the user's scope, if they have `capability` there; else 404."""
    programme = Programme.objects.filter(slug=slug).first()
    if programme is None:
        raise Http404
    scope = staff_scope(user, programme)
    if not scope.can(capability):
        raise Http404
    return scope


def in_scope(scope: StaffScope, rows: QuerySet[M], *communities: str) -> QuerySet[M]:
    """`rows` of the scope's programme; for staff limited to some communities, only those
    whose community, reached through one of the paths in `communities` (e.g.
    "member__community"; several paths are alternatives), is one of theirs. A row reached
    by none of the paths (a system account's transaction) is then left out."""
    rows = rows.filter(programme=scope.programme)
    if scope.community_ids is None:
        return rows
    return rows.filter(_any_of(communities, scope.community_ids))


def _any_of(paths: Sequence[str], community_ids: frozenset[int]) -> Q:
    condition = Q(pk__in=[])
    for path in paths:
        condition |= Q(**{f"{path}__in": community_ids})
    return condition


def found(rows: QuerySet[M], **lookup: object) -> M:
    """The one row of `rows` matching `lookup`, else Http404 (missing and forbidden alike)."""
    row = rows.filter(**lookup).first()
    if row is None:
        raise Http404
    return row


def access_member(scope: StaffScope, public_id: str) -> Member:
    return found(scope.members().select_related("community", "household"), public_id=public_id)


def access_household(scope: StaffScope, public_id: str) -> Household:
    return found(scope.households(), public_id=public_id)


def access_community(scope: StaffScope, community_id: int) -> Community:
    return found(scope.communities(), id=community_id)


def access_invitation(scope: StaffScope, invitation_id: int) -> Invitation:
    return found(in_scope(scope, Invitation.objects.all(), "member__community"), pk=invitation_id)


def access_role(scope: StaffScope, role_id: int) -> Role:
    """A staff role of the programme (managing roles is for programme-wide staff only)."""
    staff = Role.objects.filter(programme=scope.programme).exclude(kind=RoleKind.RESIDENT)
    return found(staff, pk=role_id)


def access_public_programme(slug: str) -> Programme:
    """A programme that publishes its pages (landing, transparency, log); else 404."""
    return found(Programme.objects.all(), slug=slug, is_public=True)


def resident_member(user: object, slug: str) -> Member:
    """The member record of a signed-in resident in programme `slug`; else 404."""
    if not getattr(user, "is_authenticated", False):
        raise Http404
    assert isinstance(user, User)  # request.user or request.auth, signed in: always a User
    member = (
        Member.objects.select_related("programme", "community", "household")
        .filter(programme__slug=slug, user=user)
        .first()
    )
    if member is None:
        raise Http404
    return member


def operator_scope(programme: Programme) -> StaffScope:
    """The whole programme, for commands that the platform operator runs on the server."""
    return StaffScope(programme, 0, frozenset({RoleKind.ADMIN}), None)
