"""Invitations: how a person comes to sign in to a programme, and with whose consent.

A programme's staff may set or reset the password only of an account that belongs to their
programme alone (never one that is also a member or staff elsewhere, nor a platform
operator's): an invitation then sets its password, or creates the account of a person who
has none. A person who already has an account — the member's own, if it belongs elsewhere
too, or the one with the member's phone number — joins only by accepting while signed in as
themselves, so the link is worth nothing to anyone else, the programme's staff included.
And only with the link: the account with the member's phone number is found by matching,
and phone numbers are not verified (another programme may have typed the same number for
someone else), so no page lists or answers invitations by phone. Holding the link is what
shows that the inviting programme chose to reach this person. (The other way the issue
allows, a one-time code sent to the person, needs an SMS gateway the platform does not have.)

Every change is recorded in the audit log. A refusal leaves everything as it was.
"""

from datetime import timedelta
from enum import StrEnum
from typing import overload

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.db import IntegrityError, transaction
from django.utils import timezone

from jifen.accounts.models import PersonalToken, User
from jifen.audit.services import record
from jifen.lib.ids import link_secret_hash, new_link_secret
from jifen.programmes import errors
from jifen.programmes.models import Invitation, Member, MemberStatus, Programme, Role


class Answer(StrEnum):
    """How the person holding an invitation link may answer it."""

    PASSWORD = "password"  # choose a password: the account is the programme's alone, or new
    SIGN_IN = "sign_in"  # the person has an account: sign in first
    CONSENT = "consent"  # signed in as the person: accept or decline
    SOMEONE_ELSE = "someone_else"  # signed in as someone the invitation is not for


def belongs_elsewhere(user: User, programme: Programme) -> bool:
    """Whether the account is not `programme`'s alone: a platform operator's, or a member or
    staff member of any other programme."""
    if user.is_superuser or user.is_staff:
        return True
    return (
        Member.objects.filter(user=user).exclude(programme=programme).exists()
        or Role.objects.filter(user=user).exclude(programme=programme).exists()
    )


def invitation_target(invitation: Invitation) -> User | None:
    """The account the invitation leads to: the member's own, else the one that has the
    member's phone number, else none yet."""
    member = invitation.member
    if member.user_id is not None:
        return member.user
    if member.phone:
        return User.objects.filter(phone=member.phone).first()
    return None


def sign_in_username(invitation: Invitation) -> str:
    """The username the person signs in with once the link has set their password: their
    account's, or that of the account the link creates."""
    target = invitation_target(invitation)
    return target.username if target is not None else _new_username(invitation.member)


def how_to_answer(invitation: Invitation, user: User | None) -> Answer:
    """What the holder of the link may do, `user` being who is signed in (None if nobody)."""
    target = invitation_target(invitation)
    if target is not None and _sets_password_of(invitation, target):
        return Answer.PASSWORD
    if user is None:
        return Answer.PASSWORD if target is None else Answer.SIGN_IN
    return Answer.CONSENT if target is None or target.pk == user.pk else Answer.SOMEONE_ELSE


def _sets_password_of(invitation: Invitation, target: User) -> bool:
    """The member's own account, belonging to no other programme: staff may reset it."""
    return target.pk == invitation.member.user_id and not belongs_elsewhere(
        target, invitation.programme
    )


@transaction.atomic
def create_invitation(*, actor: User, member: Member) -> tuple[Invitation, str]:
    """A one-time link for `member`; earlier open invitations are revoked. Returns the
    invitation and its secret token (shown once, never stored). Raises InactiveMember, or
    AccountBelongsElsewhere when the member's account also belongs to another programme
    (they sign in with their own password; no link can change it)."""
    if member.status != MemberStatus.ACTIVE:
        raise errors.InactiveMember(name=member.display_name)
    if member.user is not None and belongs_elsewhere(member.user, member.programme):
        raise errors.AccountBelongsElsewhere()
    now = timezone.now()
    Invitation.objects.open().filter(member=member).update(revoked_at=now)
    token = new_link_secret()
    invitation = Invitation.objects.create(
        programme=member.programme,
        member=member,
        token_hash=link_secret_hash(token),
        created_by=actor,
        expires_at=now + timedelta(days=settings.INVITATION_VALID_DAYS),
    )
    record(actor=actor, programme=member.programme, action="invitation.create", target=member)
    return invitation, token


def open_invitation(token: str) -> Invitation:
    """The invitation for this token if it can still be used. Raises InvitationInvalid."""
    invitation = (
        Invitation.objects.open()
        .select_related("member", "member__user", "programme")
        .filter(token_hash=link_secret_hash(token or ""))
        .first()
    )
    if invitation is None:
        raise errors.InvitationInvalid()
    return invitation


@transaction.atomic
def accept_invitation(*, token: str, password: str) -> User:
    """Set a password with the link: of the member's account if it belongs to this
    programme alone, else of a new account for a person who has none. Exactly once per
    invitation. Raises InvitationInvalid, SignInToAccept (the person already has an account:
    they accept signed in as themselves), or Django's ValidationError for a weak password."""
    invitation = open_invitation(token)
    target = _locked(invitation_target(invitation))
    if target is not None and not _sets_password_of(invitation, target):
        raise errors.SignInToAccept()
    member = invitation.member
    _claim(invitation)  # first: of two simultaneous uses, the second stops here
    user = target or _new_account(member)
    validate_password(password, user)  # a refusal rolls the claim back: the link still works
    user.set_password(password)
    user.save()
    if member.user_id is None:
        Member.objects.filter(pk=member.pk).update(user=user)
    Invitation.objects.filter(pk=invitation.pk).update(answered_by=user)
    record(actor=user, programme=member.programme, action="invitation.accept", target=member)
    return user


@transaction.atomic
def join_programme(*, token: str, user: User) -> Member:
    """With the invitation's link, the signed-in `user` accepts: their account becomes the
    member's, their password untouched. Raises InvitationInvalid, InvitationForSomeoneElse
    (it leads to another account), AlreadyMember (they already have a member here)."""
    user = _locked(user)
    invitation = open_invitation(token)  # read after the lock: whose it is may have changed
    _check_addressee(invitation, user)
    member = invitation.member
    _claim(invitation, user)
    if member.user_id is None:
        if Member.objects.filter(programme=member.programme, user=user).exists():
            raise errors.AlreadyMember(programme=member.programme.name)
        Member.objects.filter(pk=member.pk).update(user=user)
        member.user = user
    record(
        actor=user,
        programme=member.programme,
        action="invitation.accept",
        target=member,
        data={"signed_in": True},
    )
    return member


@transaction.atomic
def decline_invitation(*, token: str, user: User) -> None:
    """With the invitation's link, the signed-in `user` it is for says no; the link stops
    working. Recorded without an actor: the programme does not get to learn who declined.
    Raises InvitationInvalid, InvitationForSomeoneElse."""
    invitation = open_invitation(token)
    _check_addressee(invitation, user)
    declined = (
        Invitation.objects.open()
        .filter(pk=invitation.pk)
        .update(declined_at=timezone.now(), answered_by=user)
    )
    if not declined:
        raise errors.InvitationInvalid()
    record(
        actor=None,
        programme=invitation.programme,
        action="invitation.decline",
        target=invitation.member,
    )


@transaction.atomic
def revoke_invitation(*, actor: User, invitation: Invitation) -> None:
    """Make an unused invitation link stop working."""
    Invitation.objects.open().filter(pk=invitation.pk).update(revoked_at=timezone.now())
    record(
        actor=actor,
        programme=invitation.programme,
        action="invitation.revoke",
        target=invitation.member,
    )


@transaction.atomic
def reset_access(*, actor: User, member: Member) -> tuple[Invitation, str]:
    """Lock the member out — password unusable, sessions and API tokens ended — and issue a
    fresh invitation. Only for an account that belongs to this programme alone. Raises
    MemberHasNoAccount, AccountBelongsElsewhere."""
    if member.user is None:
        raise errors.MemberHasNoAccount()
    user = _locked(member.user)
    if belongs_elsewhere(user, member.programme):
        raise errors.AccountBelongsElsewhere()
    user.set_unusable_password()  # also changes the session hash: open sessions end
    user.save(update_fields=["password"])
    tokens = PersonalToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    record(
        actor=actor,
        programme=member.programme,
        action="member.reset_access",
        target=member,
        data={"tokens_revoked": tokens},
    )
    return create_invitation(actor=actor, member=member)


@overload
def _locked(user: User) -> User: ...
@overload
def _locked(user: None) -> None: ...
def _locked(user: User | None) -> User | None:
    """The account, locked until the transaction ends. Every change to whom an account
    belongs, or to its password, takes this lock first, so a password can never be set by
    one programme while the person is joining another."""
    if user is None:
        return None
    return User.objects.select_for_update().get(pk=user.pk)


def _check_addressee(invitation: Invitation, user: User) -> None:
    """Only the person the invitation leads to answers it signed in; anyone, when it leads
    to no account yet (they hold the link)."""
    target = invitation_target(invitation)
    if target is not None and target.pk != user.pk:
        raise errors.InvitationForSomeoneElse()


def _claim(invitation: Invitation, user: User | None = None) -> None:
    """Use the invitation up; InvitationInvalid if it was used a moment ago."""
    claimed = (
        Invitation.objects.open()
        .filter(pk=invitation.pk)
        .update(used_at=timezone.now(), answered_by=user)
    )
    if not claimed:
        raise errors.InvitationInvalid()


def _new_username(member: Member) -> str:
    return f"m-{member.public_id}"


def _new_account(member: Member) -> User:
    """The account of a person who has none, signing in with the member's phone. Raises
    SignInToAccept if an account took that phone a moment ago."""
    user = User(
        username=_new_username(member),
        display_name=member.display_name,
        phone=member.phone or None,  # no language: they have not chosen one (the URL's counts)
    )
    user.set_unusable_password()
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:
        raise errors.SignInToAccept() from exc
    return user
