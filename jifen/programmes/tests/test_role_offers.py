"""Roles go only to people who accept with the offer's one-time link: an existing account is
offered the role; only a new staff account gets one at once."""

import hashlib
from datetime import timedelta

import pytest
import time_machine

from jifen.accounts.models import User
from jifen.audit.models import AuditEntry
from jifen.programmes import errors, services
from jifen.programmes.invitations import Answer
from jifen.programmes.models import Role, RoleOffer, RoleOfferStatus
from jifen.programmes.staff import UnknownPerson, how_to_answer_offer
from jifen.testing import PASSWORD, make_user

ANSWERS = (services.accept_role_offer, services.decline_role_offer)


def give(programme, actor, login, password="", kind="organizer", community=None):
    return services.give_role(
        actor=actor,
        programme=programme,
        login=login,
        password=password,
        kind=kind,
        community=community,
    )


def roles_and_offers():
    return (
        list(Role.objects.order_by("id").values()),
        list(RoleOffer.objects.order_by("id").values()),
        User.objects.count(),
        AuditEntry.objects.count(),
    )


@pytest.fixture
def offered(resident, other_programme, other_admin):
    """Programme B offers A's resident a role: the offer and its link's secret."""
    return give(other_programme, other_admin, resident.username)


@pytest.mark.parametrize("login", ["{username}", "138 0013 8000"])
def test_another_programmes_resident_is_only_offered_the_role(
    resident, other_programme, other_admin, login
):
    offer, _ = give(other_programme, other_admin, login.format(username=resident.username))
    assert isinstance(offer, RoleOffer) and offer.user == resident
    assert offer.login == login.format(username=resident.username)
    assert not Role.objects.filter(user=resident, programme=other_programme).exists()
    entry = AuditEntry.objects.get(action="role.offer")
    assert entry.data == {"kind": "organizer"} and "138" not in entry.target_repr


def test_only_a_hash_of_the_link_is_kept_and_the_link_expires(offered, settings):
    offer, secret = offered
    assert secret not in offer.token_hash
    assert offer.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    valid_for = offer.expires_at - offer.created_at
    assert abs(valid_for - timedelta(days=settings.INVITATION_VALID_DAYS)) < timedelta(minutes=1)


def test_the_person_accepts_with_the_link_and_holds_the_role(resident, other_programme, offered):
    offer, secret = offered
    role = services.accept_role_offer(secret=secret, user=resident)
    assert (role.user, role.programme, role.kind) == (resident, other_programme, "organizer")
    assert RoleOffer.objects.get(pk=offer.pk).status == RoleOfferStatus.ACCEPTED
    assert AuditEntry.objects.get(action="role.accept").actor == resident
    with pytest.raises(errors.RoleOfferClosed):
        services.accept_role_offer(secret=secret, user=resident)


def test_the_person_declines_and_the_programme_does_not_learn_who(
    resident, other_programme, offered
):
    _, secret = offered
    services.decline_role_offer(secret=secret, user=resident)
    assert not Role.objects.filter(user=resident, programme=other_programme).exists()
    assert AuditEntry.objects.get(action="role.decline").actor is None
    with pytest.raises(errors.RoleOfferClosed):
        services.accept_role_offer(secret=secret, user=resident)


def test_no_one_else_can_answer_an_offer_even_with_its_link(offered, resident, other_admin):
    offer, secret = offered
    assert how_to_answer_offer(offer, None) == Answer.SIGN_IN
    assert how_to_answer_offer(offer, other_admin) == Answer.SOMEONE_ELSE
    assert how_to_answer_offer(offer, resident) == Answer.CONSENT
    before = roles_and_offers()
    for answer in ANSWERS:
        with pytest.raises(errors.RoleOfferForSomeoneElse):
            answer(secret=secret, user=other_admin)
    assert roles_and_offers() == before


@pytest.mark.parametrize("secret", ["", "not-the-link", "{secret}x", "{hash}"])
def test_the_person_cannot_answer_without_the_link(offered, resident, secret):
    offer, real = offered
    before = roles_and_offers()
    for answer in ANSWERS:
        with pytest.raises(errors.RoleOfferLinkInvalid):
            answer(secret=secret.format(secret=real, hash=offer.token_hash), user=resident)
    assert roles_and_offers() == before


def test_a_withdrawn_offer_can_no_longer_be_answered(offered, resident, other_admin):
    offer, secret = offered
    services.withdraw_role_offer(actor=other_admin, offer=offer)
    before = roles_and_offers()
    for answer in ANSWERS:
        with pytest.raises(errors.RoleOfferClosed):
            answer(secret=secret, user=resident)
    with pytest.raises(errors.RoleOfferClosed):
        services.withdraw_role_offer(actor=other_admin, offer=offer)
    assert roles_and_offers() == before


def test_an_expired_offer_can_no_longer_be_answered_and_may_be_made_again(
    offered, resident, other_programme, other_admin
):
    offer, secret = offered
    with time_machine.travel(offer.expires_at + timedelta(seconds=1)):
        before = roles_and_offers()
        for answer in ANSWERS:
            with pytest.raises(errors.RoleOfferExpired):
                answer(secret=secret, user=resident)
        assert roles_and_offers() == before
        _, again = give(other_programme, other_admin, resident.username)
        assert RoleOffer.objects.get(pk=offer.pk).status == RoleOfferStatus.EXPIRED
        with pytest.raises(errors.RoleOfferExpired):
            services.accept_role_offer(secret=secret, user=resident)
        assert services.accept_role_offer(secret=again, user=resident).kind == "organizer"


def test_the_same_role_is_not_offered_twice_while_its_link_is_open(
    resident, other_programme, other_admin, offered
):
    before = roles_and_offers()
    with pytest.raises(errors.RoleOfferPending):
        give(other_programme, other_admin, "138 0013 8000")
    assert roles_and_offers() == before
    give(other_programme, other_admin, resident.username, kind="auditor")


def test_a_password_for_an_existing_account_is_refused_and_changes_nothing(
    resident, other_programme, other_admin
):
    before = roles_and_offers()
    with pytest.raises(errors.AccountExists):
        give(other_programme, other_admin, "13800138000", password="new password 2026")
    assert roles_and_offers() == before
    resident.refresh_from_db()
    assert resident.check_password(PASSWORD)


def test_a_new_staff_account_gets_its_role_at_once(programme, admin):
    role = give(programme, admin, "clerk-li", password=PASSWORD)
    assert isinstance(role, Role) and role.user.username == "clerk-li"
    assert role.user.check_password(PASSWORD)


@pytest.mark.parametrize("username", ["13912345678", "+86 139 1234 5678", "m-abcdef", "M-x"])
def test_a_new_username_that_could_pass_for_a_residents_is_refused(programme, admin, username):
    before = roles_and_offers()
    with pytest.raises((errors.UsernameNotAllowed, UnknownPerson)):
        give(programme, admin, username, password=PASSWORD)
    assert roles_and_offers() == before


def test_an_unknown_person_without_a_password_is_refused(programme, admin):
    with pytest.raises(UnknownPerson):
        give(programme, admin, "nobody")


def test_a_role_cannot_be_granted_outright_to_an_account_in_use(resident, other_programme, admin):
    with pytest.raises(errors.RoleNeedsConsent):
        services.grant_role(actor=admin, programme=other_programme, user=resident, kind="auditor")
    fresh = make_user()
    assert services.grant_role(actor=None, programme=other_programme, user=fresh, kind="auditor")
