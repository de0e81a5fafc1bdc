"""Staff roles: new staff accounts, and roles offered to people who already have one.

A role goes straight to an account only when the account is made for it (a new staff
account, the demo's) — no one uses it yet. Anyone who already has an account is offered the
role and holds it only once they accept, signed in as themselves; until then the programme
knows them only by what its administrator typed, never by their name.
"""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jifen.accounts.backends import find_user
from jifen.accounts.models import User
from jifen.audit.services import record
from jifen.lib.errors import InvalidInput, InvalidPhone
from jifen.lib.phones import normalise_phone
from jifen.programmes import errors
from jifen.programmes.models import (
    Community,
    Member,
    Programme,
    Role,
    RoleKind,
    RoleOffer,
    RoleOfferStatus,
)


class UnknownPerson(InvalidInput):
    code = "unknown_person"
    message = _("No account has this username or phone number; give a password to create one.")


@transaction.atomic
def give_role(
    *,
    actor: User,
    programme: Programme,
    login: str,
    password: str,
    kind: str,
    community: Community | None = None,
) -> Role | RoleOffer:
    """What the console's role form does: offer the role to the account `login` names, or,
    when none does and a password is given, create that staff account with the role.
    Raises UnknownPerson, AccountExists (a password for an account that exists),
    UsernameNotAllowed, CommunityNotInProgramme, RoleExists, RoleOfferPending, or Django's
    ValidationError for a weak password."""
    user = find_user(login)
    if user is None:
        user = _new_staff_account(actor=actor, programme=programme, login=login, password=password)
        return grant_role(
            actor=actor, programme=programme, user=user, kind=kind, community=community
        )
    if password:
        raise errors.AccountExists()
    return offer_role(
        actor=actor,
        programme=programme,
        user=user,
        login=login.strip(),
        kind=kind,
        community=community,
    )


@transaction.atomic
def grant_role(
    *,
    actor: User | None,
    programme: Programme,
    user: User,
    kind: str,
    community: Community | None = None,
) -> Role:
    """Give a role to an account made for it that no one has used yet. Raises
    RoleNeedsConsent for anyone else (offer_role them instead), CommunityNotInProgramme,
    RoleExists."""
    if user.last_login is not None or _belongs_anywhere(user):
        raise errors.RoleNeedsConsent()
    role = _add_role(programme=programme, user=user, kind=kind, community=community)
    record(
        actor=actor,
        programme=programme,
        action="role.grant",
        target=role,
        data={"user": user.username, "kind": kind},
    )
    return role


@transaction.atomic
def offer_role(
    *,
    actor: User,
    programme: Programme,
    user: User,
    login: str,
    kind: str,
    community: Community | None = None,
) -> RoleOffer:
    """Offer a role to an existing account; `login` is what the administrator typed, the
    only name the programme keeps for the person until they accept. Raises
    CommunityNotInProgramme, RoleExists, RoleOfferPending."""
    _check_role(programme=programme, user=user, kind=kind, community=community)
    if RoleOffer.objects.filter(
        user=user,
        programme=programme,
        kind=kind,
        community=community,
        status=RoleOfferStatus.PENDING,
    ).exists():
        raise errors.RoleOfferPending()
    offer = RoleOffer.objects.create(
        programme=programme,
        user=user,
        login=login,
        kind=kind,
        community=community,
        created_by=actor,
    )
    # Never the login in the entry: it may be a phone number.
    record(actor=actor, programme=programme, action="role.offer", target=offer, data={"kind": kind})
    return offer


@transaction.atomic
def accept_role_offer(*, user: User, offer: RoleOffer) -> Role:
    """The person the offer is for takes the role. Raises RoleOfferClosed, RoleExists."""
    offer = _answer(user=user, offer=offer, status=RoleOfferStatus.ACCEPTED)
    role = _add_role(
        programme=offer.programme, user=user, kind=offer.kind, community=offer.community
    )
    record(
        actor=user,
        programme=offer.programme,
        action="role.accept",
        target=role,
        data={"user": user.username, "kind": offer.kind, "offer": offer.pk},
    )
    return role


@transaction.atomic
def decline_role_offer(*, user: User, offer: RoleOffer) -> None:
    """The person the offer is for says no. Recorded without an actor: the programme does
    not get to learn who declined. Raises RoleOfferClosed."""
    offer = _answer(user=user, offer=offer, status=RoleOfferStatus.DECLINED)
    record(actor=None, programme=offer.programme, action="role.decline", target=offer)


@transaction.atomic
def withdraw_role_offer(*, actor: User, offer: RoleOffer) -> None:
    """The programme takes back an offer not answered yet. Raises RoleOfferClosed."""
    withdrawn = RoleOffer.objects.filter(pk=offer.pk, status=RoleOfferStatus.PENDING).update(
        status=RoleOfferStatus.WITHDRAWN, answered_at=timezone.now()
    )
    if not withdrawn:
        raise errors.RoleOfferClosed()
    record(actor=actor, programme=offer.programme, action="role.withdraw", target=offer)


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


def _answer(*, user: User, offer: RoleOffer, status: str) -> RoleOffer:
    """Close the offer with the person's answer, exactly once; RoleOfferClosed if it was
    answered or withdrawn already, or is not theirs."""
    answered = RoleOffer.objects.filter(
        pk=offer.pk, user=user, status=RoleOfferStatus.PENDING
    ).update(status=status, answered_at=timezone.now())
    if not answered:
        raise errors.RoleOfferClosed()
    return RoleOffer.objects.select_related("programme", "community").get(pk=offer.pk)


def _check_role(
    *, programme: Programme, user: User, kind: str, community: Community | None
) -> None:
    if community is not None and community.programme_id != programme.pk:
        raise errors.CommunityNotInProgramme(name=community.name)
    if Role.objects.filter(user=user, programme=programme, kind=kind, community=community).exists():
        raise errors.RoleExists()


def _add_role(*, programme: Programme, user: User, kind: str, community: Community | None) -> Role:
    _check_role(programme=programme, user=user, kind=kind, community=community)
    return Role.objects.create(user=user, programme=programme, kind=kind, community=community)


def _belongs_anywhere(user: User) -> bool:
    return (
        user.is_superuser
        or user.is_staff
        or Member.objects.filter(user=user).exists()
        or Role.objects.filter(user=user).exists()
    )


def _new_staff_account(*, actor: User, programme: Programme, login: str, password: str) -> User:
    """A new account with this username and password. Raises UnknownPerson (no password, or
    not a username), UsernameNotAllowed, or Django's ValidationError for a weak password."""
    username = login.strip()
    try:
        User.username_validator(username)
    except ValidationError as exc:
        raise UnknownPerson() from exc
    if not password:
        raise UnknownPerson()
    if _looks_like_a_residents(username):
        raise errors.UsernameNotAllowed()
    user = User(username=username, display_name=username)
    validate_password(password, user)
    user.set_password(password)
    user.save()
    record(actor=actor, programme=programme, action="user.create", target=user)
    return user


def _looks_like_a_residents(username: str) -> bool:
    """A phone-like username would shadow the resident who signs in with that phone (the
    username is looked up first); "m-…" is how residents' own accounts are named."""
    if username.casefold().startswith("m-"):
        return True
    try:
        normalise_phone(username)
    except InvalidPhone:
        return False
    return True
