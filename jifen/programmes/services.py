"""Every change to programmes, communities, households, members, roles and invitations.
Web, API, commands and the demo all call these; each writes one audit entry."""

import hashlib
import secrets
from dataclasses import dataclass, field, fields
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.db import IntegrityError, transaction
from django.utils import timezone

from jifen.accounts.models import User
from jifen.audit.services import record
from jifen.lib.phones import normalise_phone
from jifen.programmes import errors
from jifen.programmes.models import (
    Community,
    Household,
    Invitation,
    Member,
    MemberStatus,
    Programme,
    Role,
    RoleKind,
)


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
    parts = {k: (address.get(k) or "").strip() for k in ("building", "unit", "room", "address")}
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
def grant_role(
    *,
    actor: User,
    programme: Programme,
    user: User,
    kind: str,
    community: Community | None = None,
) -> Role:
    """Give `user` a role in the programme, optionally limited to one community."""
    if community is not None and community.programme_id != programme.pk:
        raise errors.CommunityNotInProgramme(name=community.name)
    if Role.objects.filter(user=user, programme=programme, kind=kind, community=community).exists():
        raise errors.RoleExists()
    role = Role.objects.create(user=user, programme=programme, kind=kind, community=community)
    record(
        actor=actor,
        programme=programme,
        action="role.grant",
        target=role,
        data={"user": user.username, "kind": kind},
    )
    return role


@transaction.atomic
def revoke_role(*, actor: User, role: Role) -> None:
    """Take a role away. Raises LastAdmin rather than leave a programme without one."""
    programme = role.programme
    if role.kind == RoleKind.ADMIN and role.community_id is None:
        admins = Role.objects.select_for_update().filter(
            programme=programme, kind=RoleKind.ADMIN, community__isnull=True
        )
        if admins.count() <= 1:
            raise errors.LastAdmin()
    record(
        actor=actor,
        programme=programme,
        action="role.revoke",
        target=role,
        data={"user": role.user.username, "kind": role.kind},
    )
    role.delete()


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def create_invitation(*, actor: User, member: Member) -> tuple[Invitation, str]:
    """A one-time link for `member` to set a password; earlier open invitations are revoked.
    Returns the invitation and its secret token (shown once, never stored)."""
    if member.status != MemberStatus.ACTIVE:
        raise errors.InactiveMember(name=member.display_name)
    now = timezone.now()
    Invitation.objects.filter(member=member, used_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=now
    )
    token = secrets.token_urlsafe(24)
    invitation = Invitation.objects.create(
        programme=member.programme,
        member=member,
        token_hash=_hash_token(token),
        created_by=actor,
        expires_at=now + timedelta(days=settings.INVITATION_VALID_DAYS),
    )
    record(actor=actor, programme=member.programme, action="invitation.create", target=member)
    return invitation, token


def open_invitation(token: str) -> Invitation:
    """The invitation for this token if it can still be used. Raises InvitationInvalid."""
    invitation = (
        Invitation.objects.select_related("member", "programme")
        .filter(token_hash=_hash_token(token or ""))
        .first()
    )
    if (
        invitation is None
        or invitation.used_at
        or invitation.revoked_at
        or invitation.expires_at <= timezone.now()
    ):
        raise errors.InvitationInvalid()
    return invitation


@transaction.atomic
def accept_invitation(*, token: str, password: str) -> User:
    """Set the member's password and link their account. Exactly once per invitation.
    Raises InvitationInvalid, or Django's ValidationError for a weak password."""
    invitation = open_invitation(token)
    claimed = Invitation.objects.filter(pk=invitation.pk, used_at__isnull=True).update(
        used_at=timezone.now()
    )
    if not claimed:  # someone used the same link a moment ago
        raise errors.InvitationInvalid()
    member = invitation.member
    user = member.user or _user_for(member)
    validate_password(password, user)
    user.set_password(password)
    user.save()
    if member.user_id is None:
        Member.objects.filter(pk=member.pk).update(user=user)
    record(actor=user, programme=member.programme, action="invitation.accept", target=member)
    return user


def _user_for(member: Member) -> User:
    """The account a new resident signs in with: the one that has their phone, or a new one."""
    if member.phone:
        existing = User.objects.filter(phone=member.phone).first()
        if existing is not None:
            return existing
    user = User(
        username=f"m-{member.public_id}",
        display_name=member.display_name,
        phone=member.phone or None,  # no language: they have not chosen one (the URL's counts)
    )
    user.set_unusable_password()
    user.save()
    return user


@transaction.atomic
def revoke_invitation(*, actor: User, invitation: Invitation) -> None:
    """Make an unused invitation link stop working."""
    Invitation.objects.filter(
        pk=invitation.pk, used_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    record(
        actor=actor,
        programme=invitation.programme,
        action="invitation.revoke",
        target=invitation.member,
    )


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
def reset_access(*, actor: User, member: Member) -> tuple[Invitation, str]:
    """Lock the member out (password unusable, sessions end) and issue a fresh invitation."""
    if member.user is None:
        raise errors.MemberHasNoAccount()
    member.user.set_unusable_password()  # also changes the session hash: open sessions end
    member.user.save(update_fields=["password"])
    record(actor=actor, programme=member.programme, action="member.reset_access", target=member)
    return create_invitation(actor=actor, member=member)


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
