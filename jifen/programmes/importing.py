"""Importing residents from a spreadsheet: all rows or none, and again = update."""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jifen.audit.services import record
from jifen.lib.errors import InvalidInput
from jifen.programmes.access import StaffScope
from jifen.programmes.imports import FileUnreadable, ResidentRow, RowError, check_rows, read_table
from jifen.programmes.models import Community, Household, Member

BATCH = 1_000


class ImportRefused(InvalidInput):
    code = "import_refused"
    message = _("Nothing was imported: the file has %(count)s problem(s).")

    def __init__(self, errors: list[RowError]) -> None:
        self.errors = errors
        super().__init__(count=len(errors))


@dataclass(frozen=True)
class ImportResult:
    rows: int
    created: int
    updated: int  # existing residents the file named, whether or not anything changed
    households_created: int


def import_residents(
    *,
    actor,
    scope: StaffScope,
    filename: str,
    data: bytes,  # type: ignore[no-untyped-def]
) -> ImportResult:
    """Check every row, then create or update households and members in one transaction.
    Identity: the phone within the programme, else (household, name). Communities are those
    the actor's scope covers. Raises ImportRefused with every problem; writes nothing then."""
    try:
        table = read_table(filename, data)
    except FileUnreadable as exc:
        raise ImportRefused([RowError(1, "", str(exc))]) from exc
    rows, errors = check_rows(table)
    communities = {c.name: c for c in scope.communities()}
    errors += [
        RowError(
            r.row,
            "community",
            str(_("There is no community “%(name)s” in this programme.") % {"name": r.community}),
        )
        for r in rows
        if r.community not in communities
    ]
    if errors:
        raise ImportRefused(sorted(errors, key=lambda e: (e.row, e.column)))
    with transaction.atomic():
        result = _write(scope, communities, rows)
        record(
            actor=actor,
            programme=scope.programme,
            action="residents.import",
            data={
                "file": filename[:100],
                "rows": result.rows,
                "created": result.created,
                "updated": result.updated,
                "households": result.households_created,
            },
        )
    return result


def _write(
    scope: StaffScope, communities: dict[str, Community], rows: list[ResidentRow]
) -> ImportResult:
    households, made = _households(scope, communities, rows)
    existing = _Existing(scope)
    new, changed, matched = [], [], 0
    for row in rows:
        household = households[row.household_key]
        member = existing.find(row, household)
        if member is None:
            member = Member(
                programme=scope.programme, joined_on=row.joined_on or timezone.localdate()
            )
            new.append(member)
            _fill(member, row, communities[row.community], household)
            continue
        before = _values(member)
        _fill(member, row, communities[row.community], household)
        if _values(member) != before:  # a file imported again mostly changes nothing
            changed.append(member)
        matched += 1
    Member.objects.bulk_create(new, batch_size=BATCH)
    # bulk_update writes one CASE per field per row: small batches keep each statement cheap.
    Member.objects.bulk_update(changed, _FIELDS, batch_size=200)
    _set_heads(households, rows)
    return ImportResult(len(rows), len(new), matched, made)


def _values(member: Member) -> tuple[object, ...]:
    return tuple(
        getattr(member, f if f not in ("community", "household") else f + "_id") for f in _FIELDS
    )


_FIELDS = [
    "display_name",
    "phone",
    "community",
    "household",
    "birth_year",
    "is_elderly",
    "is_child",
    "is_new_resident",
    "interest_tags",
    "status",
    "joined_on",
]


def _fill(member: Member, row: ResidentRow, community: Community, household: Household) -> None:
    member.display_name, member.community, member.household = row.name, community, household
    member.phone = row.phone or member.phone
    member.birth_year = row.birth_year if row.birth_year is not None else member.birth_year
    member.is_elderly, member.is_child = row.is_elderly, row.is_child
    member.is_new_resident, member.interest_tags = row.is_new_resident, row.interests
    member.status = row.status
    member.joined_on = row.joined_on or member.joined_on


def _households(
    scope: StaffScope, communities: dict[str, Community], rows: list[ResidentRow]
) -> tuple[dict[tuple[str, ...], Household], int]:
    """Every household the rows name, found or created, by household_key."""
    names = {c.pk: name for name, c in communities.items()}
    found = {
        (names[h.community_id], h.building, h.unit, h.room, h.address): h
        for h in scope.households().filter(community__in=communities.values())
    }
    missing = {}
    for row in rows:
        if row.household_key not in found and row.household_key not in missing:
            missing[row.household_key] = Household(
                programme=scope.programme, community=communities[row.community], **row.address
            )
    Household.objects.bulk_create(missing.values(), batch_size=BATCH)
    return {**found, **missing}, len(missing)


class _Existing:
    """The programme's members, indexed for the import's identity rule."""

    def __init__(self, scope: StaffScope) -> None:
        members = list(Member.objects.filter(programme=scope.programme))
        self.by_phone = {m.phone: m for m in members if m.phone}
        self.by_home = {(m.household_id, m.display_name): m for m in members}

    def find(self, row: ResidentRow, household: Household) -> Member | None:
        member = self.by_phone.get(row.phone) if row.phone else None
        if member is None:
            candidate = self.by_home.get((household.pk, row.name))
            if candidate is not None and (not row.phone or not candidate.phone):
                member = candidate
        return member


def _set_heads(households: dict[tuple[str, ...], Household], rows: list[ResidentRow]) -> None:
    """Named heads become heads; a household still without one gets its first resident."""
    members = {
        (m.household_id, m.display_name): m
        for m in Member.objects.filter(household__in=[h.pk for h in households.values()])
    }
    changed = {}
    for row in rows:
        household = households[row.household_key]
        head = members[(household.pk, row.name)]
        if (row.is_head or household.head_id is None) and household.head_id != head.pk:
            household.head = head
            changed[household.pk] = household
    Household.objects.bulk_update(changed.values(), ["head"], batch_size=200)
