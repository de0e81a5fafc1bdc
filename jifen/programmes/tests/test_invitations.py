"""Invitations across two programmes: staff set or reset only the passwords of accounts that
belong to their programme alone; a person who already has an account joins only by accepting
with the link while signed in as themselves."""

import hashlib

import pytest

from jifen.accounts.models import PersonalToken, User
from jifen.accounts.services import create_personal_token
from jifen.audit.models import AuditEntry
from jifen.programmes import errors, services
from jifen.programmes.invitations import Answer, belongs_elsewhere, how_to_answer
from jifen.programmes.models import Invitation, Member
from jifen.programmes.queries import account_status, programmes_of
from jifen.testing import PASSWORD, make_member

ATTACKER_PASSWORD = "taken over 2026"


@pytest.fixture
def copy(other_programme):
    """Programme B's member with the phone of programme A's resident (王秀英)."""
    return make_member(
        community=other_programme.communities.get(), name="Typed by B", phone="13800138000"
    )


@pytest.fixture
def invited(other_admin, copy):
    invitation, token = services.create_invitation(actor=other_admin, member=copy)
    return invitation, token


def everything():
    return (
        list(User.objects.order_by("id").values("id", "password", "phone")),
        list(Member.objects.order_by("id").values("id", "user_id")),
        list(Invitation.objects.order_by("id").values("used_at", "declined_at", "revoked_at")),
        AuditEntry.objects.count(),
    )


def test_a_link_to_a_phone_that_has_an_account_sets_no_password(resident, invited):
    _, token = invited
    before = everything()
    with pytest.raises(errors.SignInToAccept):
        services.accept_invitation(token=token, password=ATTACKER_PASSWORD)
    assert everything() == before
    resident.refresh_from_db()
    assert resident.check_password(PASSWORD) and not resident.check_password(ATTACKER_PASSWORD)


def test_only_the_person_signed_in_may_answer(resident, invited, other_admin):
    invitation, token = invited
    assert how_to_answer(invitation, None) == Answer.SIGN_IN
    assert how_to_answer(invitation, other_admin) == Answer.SOMEONE_ELSE
    assert how_to_answer(invitation, resident) == Answer.CONSENT
    before = everything()
    for answer in (services.join_programme, services.decline_invitation):
        with pytest.raises(errors.InvitationForSomeoneElse):
            answer(token=token, user=other_admin)
    assert everything() == before


@pytest.mark.parametrize("token", ["", "not-the-link", "{token}x"])
def test_the_person_cannot_answer_without_the_link(resident, invited, token):
    _, real = invited
    before = everything()
    for answer in (services.join_programme, services.decline_invitation):
        with pytest.raises(errors.InvitationInvalid):
            answer(token=token.format(token=real), user=resident)
    assert everything() == before


def test_only_a_hash_of_the_link_is_kept(invited):
    invitation, token = invited
    assert token not in invitation.token_hash
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()


def test_the_person_accepts_signed_in_and_belongs_to_both_programmes(
    resident, invited, copy, programme, other_programme
):
    _, token = invited
    member = services.join_programme(token=token, user=resident)
    assert member == copy and Member.objects.get(pk=copy.pk).user == resident
    assert {e.programme for e in programmes_of(resident)} == {programme, other_programme}
    resident.refresh_from_db()
    assert resident.check_password(PASSWORD)
    with pytest.raises(errors.InvitationInvalid):
        services.join_programme(token=token, user=resident)
    entry = AuditEntry.objects.get(action="invitation.accept", programme=other_programme)
    assert entry.actor == resident


def test_the_person_declines_and_the_programme_does_not_learn_who(
    resident, invited, copy, other_programme
):
    _, token = invited
    services.decline_invitation(token=token, user=resident)
    assert Member.objects.get(pk=copy.pk).user is None
    with pytest.raises(errors.InvitationInvalid):
        services.open_invitation(token)
    entry = AuditEntry.objects.get(action="invitation.decline")
    assert entry.programme == other_programme and entry.actor is None
    assert account_status(Member.objects.get(pk=copy.pk)).state == "declined"


def test_a_shared_account_cannot_be_reset_or_invited_by_either_programme(
    resident, invited, copy, member, admin, other_admin
):
    services.join_programme(token=invited[1], user=resident)
    copy.refresh_from_db()
    member.refresh_from_db()
    before = everything()
    for actor, target in ((other_admin, copy), (admin, member)):
        with pytest.raises(errors.AccountBelongsElsewhere) as refused:
            services.reset_access(actor=actor, member=target)
        assert refused.value.code == "account_belongs_elsewhere"
        with pytest.raises(errors.AccountBelongsElsewhere):
            services.create_invitation(actor=actor, member=target)
    assert everything() == before
    assert account_status(copy).shared and account_status(member).shared


def test_an_older_link_stops_setting_the_password_once_the_person_joins_elsewhere(
    admin, member, other_admin, copy, programme
):
    newcomer = make_member(community=programme.communities.get(), phone="13700000001")
    _, theirs = services.create_invitation(actor=admin, member=newcomer)
    user = services.accept_invitation(token=theirs, password=PASSWORD)
    services.reset_access(actor=admin, member=Member.objects.get(pk=newcomer.pk))
    _, reset_link = services.create_invitation(actor=admin, member=newcomer)
    b_member = make_member(community=copy.community, phone="13700000001")
    _, link = services.create_invitation(actor=other_admin, member=b_member)
    services.join_programme(token=link, user=user)
    with pytest.raises(errors.SignInToAccept):
        services.accept_invitation(token=reset_link, password=ATTACKER_PASSWORD)
    user.refresh_from_db()
    assert not user.check_password(ATTACKER_PASSWORD)


def test_a_platform_operator_is_never_reset_by_a_programme(admin, member):
    operator = User.objects.create_superuser("root", password=PASSWORD)
    Member.objects.filter(pk=member.pk).update(user=operator)
    member.refresh_from_db()
    assert belongs_elsewhere(operator, member.programme)
    with pytest.raises(errors.AccountBelongsElsewhere):
        services.reset_access(actor=admin, member=member)
    operator.refresh_from_db()
    assert operator.check_password(PASSWORD)


def test_reset_access_of_an_account_of_this_programme_alone_ends_its_tokens(
    admin, member, resident
):
    create_personal_token(user=resident, name="phone app")
    member.refresh_from_db()
    services.reset_access(actor=admin, member=member)
    resident.refresh_from_db()
    assert not resident.has_usable_password()
    assert not PersonalToken.objects.filter(user=resident, revoked_at__isnull=True).exists()
    entry = AuditEntry.objects.get(action="member.reset_access")
    assert entry.data == {"tokens_revoked": 1}


def test_a_new_person_sets_a_password_as_before(admin, member):
    _, token = services.create_invitation(actor=admin, member=member)
    user = services.accept_invitation(token=token, password=PASSWORD)
    assert user.phone == "13800138000" and user.check_password(PASSWORD)
    assert Member.objects.get(pk=member.pk).user == user


def test_a_signed_in_person_may_join_with_a_link_that_leads_to_no_account(
    resident, other_admin, other_programme
):
    nobody_yet = make_member(community=other_programme.communities.get(), phone="")
    invitation, token = services.create_invitation(actor=other_admin, member=nobody_yet)
    assert how_to_answer(invitation, None) == Answer.PASSWORD
    assert how_to_answer(invitation, resident) == Answer.CONSENT
    services.join_programme(token=token, user=resident)
    assert Member.objects.get(pk=nobody_yet.pk).user == resident


def test_joining_twice_the_same_programme_is_refused(resident, admin, programme):
    second = make_member(community=programme.communities.get(), phone="")
    invitation, token = services.create_invitation(actor=admin, member=second)
    with pytest.raises(errors.AlreadyMember):
        services.join_programme(token=token, user=resident)
    assert Member.objects.get(pk=second.pk).user is None
    assert Invitation.objects.open().filter(pk=invitation.pk).exists()
