"""Reads shaped for screens."""

from dataclasses import dataclass

from jifen.programmes.models import Member, Programme, Role


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
