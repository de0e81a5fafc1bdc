"""Roles go only to people who accept: an existing account is offered the role; only a new
staff account gets one at once."""

import pytest

from jifen.accounts.models import User
from jifen.audit.models import AuditEntry
from jifen.programmes import errors, services
from jifen.programmes.models import Role, RoleOffer, RoleOfferStatus
from jifen.programmes.staff import UnknownPerson
from jifen.testing import PASSWORD, make_user


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
    )


@pytest.mark.parametrize("login", ["{username}", "138 0013 8000"])
def test_another_programmes_resident_is_only_offered_the_role(
    resident, other_programme, other_admin, login
):
    offer = give(other_programme, other_admin, login.format(username=resident.username))
    assert isinstance(offer, RoleOffer) and offer.user == resident
    assert offer.login == login.format(username=resident.username)
    assert not Role.objects.filter(user=resident, programme=other_programme).exists()
    entry = AuditEntry.objects.get(action="role.offer")
    assert entry.data == {"kind": "organizer"} and "138" not in entry.target_repr


def test_the_person_accepts_and_holds_the_role(resident, other_programme, other_admin):
    offer = give(other_programme, other_admin, resident.username)
    role = services.accept_role_offer(user=resident, offer=offer)
    assert (role.user, role.programme, role.kind) == (resident, other_programme, "organizer")
    assert RoleOffer.objects.get(pk=offer.pk).status == RoleOfferStatus.ACCEPTED
    assert AuditEntry.objects.get(action="role.accept").actor == resident


def test_the_person_declines_and_the_programme_does_not_learn_who(
    resident, other_programme, other_admin
):
    offer = give(other_programme, other_admin, resident.username)
    services.decline_role_offer(user=resident, offer=offer)
    assert not Role.objects.filter(user=resident, programme=other_programme).exists()
    assert AuditEntry.objects.get(action="role.decline").actor is None
    with pytest.raises(errors.RoleOfferClosed):
        services.accept_role_offer(user=resident, offer=offer)


def test_no_one_else_can_answer_an_offer(resident, other_programme, other_admin):
    offer = give(other_programme, other_admin, resident.username)
    before = roles_and_offers()
    for answer in (services.accept_role_offer, services.decline_role_offer):
        with pytest.raises(errors.RoleOfferClosed):
            answer(user=other_admin, offer=offer)
    assert roles_and_offers() == before


def test_a_withdrawn_offer_can_no_longer_be_accepted(resident, other_programme, other_admin):
    offer = give(other_programme, other_admin, resident.username)
    services.withdraw_role_offer(actor=other_admin, offer=offer)
    with pytest.raises(errors.RoleOfferClosed):
        services.accept_role_offer(user=resident, offer=offer)
    with pytest.raises(errors.RoleOfferClosed):
        services.withdraw_role_offer(actor=other_admin, offer=offer)


def test_the_same_role_is_not_offered_twice_while_unanswered(
    resident, other_programme, other_admin
):
    give(other_programme, other_admin, resident.username)
    with pytest.raises(errors.RoleOfferPending):
        give(other_programme, other_admin, "138 0013 8000")
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
