"""Who may see what. Every lookup of a programme-owned object goes through one of these;
a forbidden object and a missing one both raise Http404, so existence never leaks."""

from dataclasses import dataclass

from django.http import Http404

from jifen.programmes.models import (
    Community,
    Household,
    Member,
    MemberQuerySet,
    Programme,
    Role,
    RoleKind,
)

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
    "view_ledger": frozenset(
        {RoleKind.ADMIN, RoleKind.ORGANIZER, RoleKind.REVIEWER, RoleKind.AUDITOR, RoleKind.CASHIER}
    ),
}


@dataclass(frozen=True)
class StaffScope:
    """A user's standing in one programme: their roles, and the communities they are limited
    to (None means every community of the programme)."""

    programme: Programme
    user_id: int
    roles: frozenset[str]
    community_ids: frozenset[int] | None

    def can(self, capability: str) -> bool:
        return bool(self.roles & CAPABILITIES[capability])

    def members(self) -> MemberQuerySet:
        qs = Member.objects.filter(programme=self.programme)
        if self.community_ids is not None:
            qs = qs.filter(community_id__in=self.community_ids)
        return qs

    def communities(self):  # type: ignore[no-untyped-def]
        qs = Community.objects.filter(programme=self.programme)
        if self.community_ids is not None:
            qs = qs.filter(id__in=self.community_ids)
        return qs

    def households(self):  # type: ignore[no-untyped-def]
        qs = Household.objects.filter(programme=self.programme)
        if self.community_ids is not None:
            qs = qs.filter(community_id__in=self.community_ids)
        return qs


def staff_scope(user, programme: Programme) -> StaffScope:  # type: ignore[no-untyped-def]
    """The user's roles in this programme. Superusers are not staff of programmes by default."""
    if not getattr(user, "is_authenticated", False):
        return StaffScope(programme, 0, frozenset(), frozenset())
    roles = list(
        Role.objects.filter(user=user, programme=programme).values_list("kind", "community_id")
    )
    wide = any(community is None for _, community in roles)
    communities = None if wide else frozenset(c for _, c in roles if c is not None)
    return StaffScope(programme, user.pk, frozenset(k for k, _ in roles), communities)


def access_programme(user, slug: str, capability: str) -> StaffScope:  # type: ignore[no-untyped-def]
    """The programme `slug` with the user's scope, if they have `capability` there; else 404."""
    programme = Programme.objects.filter(slug=slug).first()
    if programme is None:
        raise Http404
    scope = staff_scope(user, programme)
    if not scope.can(capability):
        raise Http404
    return scope


def access_member(scope: StaffScope, public_id: str) -> Member:
    member = (
        scope.members().select_related("community", "household").filter(public_id=public_id).first()
    )
    if member is None:
        raise Http404
    return member


def access_household(scope: StaffScope, public_id: str) -> Household:
    household = scope.households().filter(public_id=public_id).first()
    if household is None:
        raise Http404
    return household


def access_community(scope: StaffScope, community_id: int) -> Community:
    community = scope.communities().filter(id=community_id).first()
    if community is None:
        raise Http404
    return community


def resident_member(user, slug: str) -> Member:  # type: ignore[no-untyped-def]
    """The member record of a signed-in resident in programme `slug`; else 404."""
    if not getattr(user, "is_authenticated", False):
        raise Http404
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
