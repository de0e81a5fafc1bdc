"""Reads shaped for screens."""

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from jifen.programmes.access import StaffScope
from jifen.programmes.models import (
    Community,
    Household,
    Member,
    MemberStatus,
    Programme,
    Role,
    RoleKind,
)


@dataclass(frozen=True)
class ProgrammeEntry:
    programme: Programme
    roles: tuple[str, ...]
    member: Member | None

    @property
    def is_staff(self) -> bool:
        return any(r != "resident" for r in self.roles)


def programmes_of(user) -> list[ProgrammeEntry]:  # type: ignore[no-untyped-def]
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


def _per_community(model, **filters: Any) -> Coalesce:  # type: ignore[no-untyped-def]
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


def communities_with_counts(scope: StaffScope) -> QuerySet[Community]:
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
