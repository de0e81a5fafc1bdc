"""Every change to programmes, communities, households, members, roles and invitations.
Web, API, commands and the demo all call these; each writes one audit entry. Invitations
(invitations.py) and staff roles (staff.py) have modules of their own, whose services are
reached from here too."""

from dataclasses import dataclass, field, fields
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from jifen.accounts.models import User
from jifen.audit.services import record
from jifen.lib.phones import normalise_phone
from jifen.programmes import errors
from jifen.programmes.invitations import accept_invitation as accept_invitation
from jifen.programmes.invitations import create_invitation as create_invitation
from jifen.programmes.invitations import decline_invitation as decline_invitation
from jifen.programmes.invitations import join_programme as join_programme
from jifen.programmes.invitations import open_invitation as open_invitation
from jifen.programmes.invitations import reset_access as reset_access
from jifen.programmes.invitations import revoke_invitation as revoke_invitation
from jifen.programmes.models import (
    Community,
    Household,
    Member,
    MemberStatus,
    Programme,
    Role,
    RoleKind,
)
from jifen.programmes.staff import accept_role_offer as accept_role_offer
from jifen.programmes.staff import decline_role_offer as decline_role_offer
from jifen.programmes.staff import give_role as give_role
from jifen.programmes.staff import grant_role as grant_role
from jifen.programmes.staff import open_role_offer as open_role_offer
from jifen.programmes.staff import revoke_role as revoke_role
from jifen.programmes.staff import withdraw_role_offer as withdraw_role_offer


@dataclass
class MemberData:
    """The editable fields of a member, already parsed (phone not yet normalised)."""

    display_name: str
    community: Community
    phone: str = ""
    household: Household | None = None
    joined_on: date | None = None
    birth_year: int | None = None
    is_elderly: bool = False
    is_child: bool = False
    is_new_resident: bool = False
    interest_tags: list[str] = field(default_factory=list)
    status: str = MemberStatus.ACTIVE


@transaction.atomic
def create_programme(*, actor: User | None, name: str, slug: str, **options: Any) -> Programme:
    """A new programme; the actor (if any) becomes its first administrator. Raises SlugTaken."""
    if Programme.objects.filter(slug=slug).exists():
        raise errors.SlugTaken(slug=slug)
    programme = Programme.objects.create(name=name, slug=slug, **options)
    if actor is not None:
        Role.objects.create(user=actor, programme=programme, kind=RoleKind.ADMIN)
    record(actor=actor, programme=programme, action="programme.create", target=programme)
    return programme


@transaction.atomic
def update_programme(*, actor: User, programme: Programme, changes: dict[str, Any]) -> Programme:
    """Change programme settings (not the slug's uniqueness, which the database guards)."""
    for name, value in changes.items():
        setattr(programme, name, value)
    programme.full_clean(exclude=["slug"] if "slug" not in changes else None)
    programme.save()
    record(
        actor=actor,
        programme=programme,
        action="programme.update",
        target=programme,
        data={"fields": sorted(changes)},
    )
    return programme


@transaction.atomic
def save_community(
    *,
    actor: User | None,
    programme: Programme,
    name: str,
    population: int,
    community: Community | None = None,
) -> Community:
    """Create a community, or rename / re-count `community`. Raises CommunityNameTaken."""
    name = name.strip()
    if not name:
        raise errors.NameRequired()
    clash = Community.objects.filter(programme=programme, name=name)
    if community is not None:
        clash = clash.exclude(pk=community.pk)
    if clash.exists():
        raise errors.CommunityNameTaken(name=name)
    community = community or Community(programme=programme)
    community.name, community.population = name, population
    action = "community.update" if community.pk else "community.create"
    community.save()
    record(actor=actor, programme=programme, action=action, target=community)
    return community


def find_or_create_household(
    *, programme: Programme, community: Community, address: dict[str, str]
) -> Household:
    """The household at this address in the community, created if new. Keys of `address`:
    building, unit, room, address. Called inside the member services' transactions."""
    parts: dict[str, Any] = {
        k: (address.get(k) or "").strip() for k in ("building", "unit", "room", "address")
    }
    if not any(parts.values()):
        raise errors.AddressRequired()
    household, _ = Household.objects.get_or_create(
        programme=programme, community=community, **parts
    )
    return household


@transaction.atomic
def create_member(*, actor: User | None, programme: Programme, data: MemberData) -> Member:
    """Add a member. Raises NameRequired, InvalidPhone, PhoneTaken, CommunityNotInProgramme,
    HouseholdElsewhere."""
    member = Member(programme=programme, joined_on=data.joined_on or timezone.localdate())
    _apply(member, data)
    _save_member(member)
    if member.household and member.household.head_id is None:
        Household.objects.filter(pk=member.household.pk, head__isnull=True).update(head=member)
    record(actor=actor, programme=programme, action="member.create", target=member)
    return member


@transaction.atomic
def update_member(*, actor: User | None, member: Member, data: MemberData) -> Member:
    """Change a member's details; same refusals as create_member."""
    _apply(member, data)
    _save_member(member)
    record(actor=actor, programme=member.programme, action="member.update", target=member)
    return member


def _apply(member: Member, data: MemberData) -> None:
    programme = member.programme
    if not data.display_name.strip():
        raise errors.NameRequired()
    if data.community.programme_id != programme.pk:
        raise errors.CommunityNotInProgramme(name=data.community.name)
    if data.household is not None and data.household.community_id != data.community.pk:
        raise errors.HouseholdElsewhere()
    phone = normalise_phone(data.phone) if data.phone.strip() else ""
    if (
        phone
        and Member.objects.filter(programme=programme, phone=phone).exclude(pk=member.pk).exists()
    ):
        raise errors.PhoneTaken(phone=phone)
    joined_on = data.joined_on or member.joined_on  # an update may leave the date as it was
    for f in fields(data):
        setattr(member, f.name, getattr(data, f.name))
    member.display_name = data.display_name.strip()
    member.phone = phone
    member.joined_on = joined_on


def _save_member(member: Member) -> None:
    try:
        with transaction.atomic():
            member.save()
    except IntegrityError as exc:  # a concurrent writer took the phone between check and save
        raise errors.PhoneTaken(phone=member.phone) from exc


@transaction.atomic
def set_household_head(*, actor: User, household: Household, member: Member) -> Household:
    """Name the head of household (户主). Raises HouseholdElsewhere for a non-member."""
    if member.household_id != household.pk:
        raise errors.HouseholdElsewhere()
    Household.objects.filter(pk=household.pk).update(head=member)
    household.head = member
    record(
        actor=actor,
        programme=household.programme,
        action="household.set_head",
        target=household,
        data={"head": member.public_id},
    )
    return household


@transaction.atomic
def revoke_card(*, actor: User, member: Member) -> Member:
    """Invalidate every printed or shown member card of `member`; the next one is new."""
    Member.objects.filter(pk=member.pk).update(card_version=member.card_version + 1)
    member.refresh_from_db(fields=["card_version"])
    record(actor=actor, programme=member.programme, action="card.revoke", target=member)
    return member


def start_acting_for(*, actor: User, member: Member) -> None:
    """Record that staff begin acting on behalf of a resident (代办), e.g. one with no phone."""
    record(
        actor=actor,
        programme=member.programme,
        on_behalf_of=member,
        action="on_behalf.start",
        target=member,
    )


def stop_acting_for(*, actor: User, member: Member) -> None:
    record(
        actor=actor,
        programme=member.programme,
        on_behalf_of=member,
        action="on_behalf.stop",
        target=member,
    )
