"""Staff roles: new staff accounts, and roles offered to people who already have one.

A role goes straight to an account only when the account is made for it (a new staff
account, the demo's) — no one uses it yet. Anyone who already has an account is offered the
role with a one-time link, which the administrator gives to the person; they hold the role
only once they open the link and accept, signed in as themselves. The account is found by
the username or phone number typed, and phone numbers are not verified: holding the link is
what shows that the programme chose to reach this person, so no page lists offers by
account. Until they accept, the programme knows them only by what its administrator typed,
never by their name.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jifen.accounts.backends import find_user
from jifen.accounts.models import User
from jifen.audit.services import record
from jifen.lib.errors import InvalidInput, InvalidPhone
from jifen.lib.ids import link_secret_hash, new_link_secret
from jifen.lib.phones import normalise_phone
from jifen.programmes import errors
from jifen.programmes.invitations import Answer
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
) -> Role | tuple[RoleOffer, str]:
    """What the console's role form does: offer the role to the account `login` names (the
    offer and its link's secret are returned, as offer_role does), or, when none does and a
    password is given, create that staff account with the role. Raises UnknownPerson,
    AccountExists (a password for an account that exists), UsernameNotAllowed,
    CommunityNotInProgramme, RoleExists, RoleOfferPending, or Django's ValidationError for a
    weak password."""
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
) -> tuple[RoleOffer, str]:
    """Offer a role to an existing account; `login` is what the administrator typed, the
    only name the programme keeps for the person until they accept. Returns the offer and
    the secret of its one-time link (shown once, never stored), valid for
    INVITATION_VALID_DAYS. An unanswered offer of the same role that has expired is closed.
    Raises CommunityNotInProgramme, RoleExists, RoleOfferPending."""
    _check_role(programme=programme, user=user, kind=kind, community=community)
    now = timezone.now()
    same = RoleOffer.objects.filter(user=user, programme=programme, kind=kind, community=community)
    same.filter(status=RoleOfferStatus.PENDING, expires_at__lte=now).update(
        status=RoleOfferStatus.EXPIRED
    )
    if same.open().exists():
        raise errors.RoleOfferPending()
    secret = new_link_secret()
    offer = RoleOffer(
        programme=programme,
        user=user,
        login=login,
        kind=kind,
        community=community,
        created_by=actor,
        token_hash=link_secret_hash(secret),
        expires_at=now + timedelta(days=settings.INVITATION_VALID_DAYS),
    )
    try:
        with transaction.atomic():
            offer.save()
    except IntegrityError as exc:  # the same offer, made a moment ago by another request
        raise errors.RoleOfferPending() from exc
    # Never the login in the entry: it may be a phone number.
    record(actor=actor, programme=programme, action="role.offer", target=offer, data={"kind": kind})
    return offer, secret


def open_role_offer(secret: str) -> RoleOffer:
    """The offer behind a link's secret, if it can still be answered. Raises
    RoleOfferLinkInvalid (no such link), RoleOfferExpired, RoleOfferClosed (answered or
    withdrawn)."""
    offer = (
        RoleOffer.objects.select_related("programme", "community")
        .filter(token_hash=link_secret_hash(secret or ""))
        .first()
    )
    if offer is None:
        raise errors.RoleOfferLinkInvalid()
    waiting = offer.status == RoleOfferStatus.PENDING
    if offer.status == RoleOfferStatus.EXPIRED or (waiting and offer.expires_at <= timezone.now()):
        raise errors.RoleOfferExpired()
    if offer.status != RoleOfferStatus.PENDING:
        raise errors.RoleOfferClosed()
    return offer


def how_to_answer_offer(offer: RoleOffer, user: User | None) -> Answer:
    """What the holder of an offer's link may do, `user` being who is signed in (None if
    nobody): sign in, answer (the account the offer is for), or nothing (anyone else)."""
    if user is None:
        return Answer.SIGN_IN
    return Answer.CONSENT if user.pk == offer.user_id else Answer.SOMEONE_ELSE


@transaction.atomic
def accept_role_offer(*, secret: str, user: User) -> Role:
    """With the offer's link, the signed-in person it is for takes the role. Raises what
    open_role_offer raises, RoleOfferForSomeoneElse, RoleExists."""
    offer = _answer(secret=secret, user=user, status=RoleOfferStatus.ACCEPTED)
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
def decline_role_offer(*, secret: str, user: User) -> None:
    """With the offer's link, the signed-in person it is for says no. Recorded without an
    actor: the programme does not get to learn who declined. Raises what accept_role_offer
    raises, RoleExists aside."""
    offer = _answer(secret=secret, user=user, status=RoleOfferStatus.DECLINED)
    record(
        actor=None,
        programme=offer.programme,
        action="role.decline",
        target=offer,
        data={"kind": offer.kind},
    )


@transaction.atomic
def withdraw_role_offer(*, actor: User, offer: RoleOffer) -> None:
    """The programme takes back an offer not answered yet; its link stops working. Raises
    RoleOfferClosed."""
    withdrawn = RoleOffer.objects.filter(pk=offer.pk, status=RoleOfferStatus.PENDING).update(
        status=RoleOfferStatus.WITHDRAWN, answered_at=timezone.now()
    )
    if not withdrawn:
        raise errors.RoleOfferClosed()
    record(
        actor=actor,
        programme=offer.programme,
        action="role.withdraw",
        target=offer,
        data={"kind": offer.kind},
    )


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


def _answer(*, secret: str, user: User, status: str) -> RoleOffer:
    """Close the offer behind the link with its person's answer, exactly once (of two
    simultaneous answers, the second finds it closed)."""
    offer = open_role_offer(secret)
    if offer.user_id != user.pk:
        raise errors.RoleOfferForSomeoneElse()
    answered = (
        RoleOffer.objects.open()
        .filter(pk=offer.pk)
        .update(status=status, answered_at=timezone.now())
    )
    if not answered:
        raise errors.RoleOfferClosed()
    return offer


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
