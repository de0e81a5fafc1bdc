"""Programme B's administrator against programme A's resident (王秀英, 138 0013 8000), through
the pages and the API as an attacker would go: no password set, reset or used, no role given
without consent, no name learnt. And the same paths for the person herself, who consents
with the links B's staff hand her."""

import re
from datetime import timedelta
from html import unescape

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from jifen.ledger.models import Transaction
from jifen.ledger.services import award_points
from jifen.programmes import errors, services
from jifen.programmes.models import Member, Role, RoleOffer
from jifen.testing import PASSWORD

ATTACKER_PASSWORD = "taken over 2026"
TYPED = "Typed By B"


def en(name, *args):
    with translation.override("en"):
        return reverse(name, args=args)


def text(response):
    return unescape(response.content.decode())


def never_names(page, resident):
    """Nothing of the person that B did not type itself."""
    assert "王秀英" not in page and resident.username not in page


@pytest.fixture
def attacker(other_admin):
    client = Client()
    client.force_login(other_admin)
    return client


@pytest.fixture
def copy(attacker, other_programme, resident):
    """B's admin adds a member with the phone of A's resident, through the console."""
    community = other_programme.communities.get()
    response = attacker.post(
        en("console-resident-new", "riverside"),
        {
            "display_name": TYPED,
            "phone": "138 0013 8000",
            "community": community.pk,
            "status": "active",
        },
    )
    assert response.status_code == 302
    return Member.objects.get(programme=other_programme, display_name=TYPED)


@pytest.fixture
def link(attacker, copy):
    """The invitation link B's admin gets for that member."""
    page = text(attacker.post(en("console-invite", "riverside", copy.public_id)))
    return re.search(r'value="http://testserver(/zh-hans/invite/[^/"]+/)"', page).group(1)


def set_password(client, link, password=ATTACKER_PASSWORD):
    return client.post(link, {"password": password, "confirm": password})


def test_the_copied_phone_link_asks_to_sign_in_and_sets_no_password(client, resident, link):
    page = client.get(link)
    assert page.status_code == 200 and 'data-answer="sign_in"' in text(page)
    never_names(text(page), resident)
    assert set_password(client, link).status_code == 403
    assert "_auth_user_id" not in client.session
    resident.refresh_from_db()
    assert resident.check_password(PASSWORD) and not resident.check_password(ATTACKER_PASSWORD)


def test_the_attacker_signed_in_can_do_nothing_with_the_link(attacker, resident, link, copy):
    page = attacker.get(link)
    assert page.status_code == 403 and 'data-answer="someone_else"' in text(page)
    never_names(text(page), resident)
    for answer in ("accept", "decline"):
        refused = attacker.post(link, {"answer": answer})
        assert refused.status_code == 403
        assert 'data-code="invitation_for_someone_else"' in text(refused)
    assert set_password(attacker, link).status_code == 403
    assert Member.objects.get(pk=copy.pk).user is None


def test_the_attackers_donation_with_the_residents_points_is_impossible(
    client, attacker, resident, member, link
):
    award_points(member=member, amount=100, reason="patrol")
    set_password(client, link)
    signed_in = client.post(
        "/en/login/", {"username": "13800138000", "password": ATTACKER_PASSWORD}
    )
    assert signed_in.status_code == 422
    for session in (client, attacker):
        response = session.post(
            "/api/v1/programmes/xingfuli/me/donations",
            {"amount": 50},
            content_type="application/json",
        )
        assert response.status_code in (401, 403, 404)
    assert not Transaction.objects.filter(kind="donate").exists()


def test_b_learns_no_name_from_its_console_or_its_api(attacker, resident, copy, link):
    pages = [
        attacker.get(en("console-resident", "riverside", copy.public_id)),
        attacker.get(en("console-residents", "riverside")),
        attacker.get(en("console-invitations", "riverside")),
        attacker.get(en("console-audit", "riverside")),
        attacker.get(f"/api/v1/programmes/riverside/members/{copy.public_id}"),
        attacker.get("/api/v1/programmes/riverside/members"),
        attacker.get("/api/v1/me"),
    ]
    for page in pages:
        assert page.status_code == 200
        never_names(text(page), resident)


def test_reset_access_is_refused_for_a_person_who_also_belongs_elsewhere(
    attacker, resident, copy, link
):
    resident_client = Client()
    resident_client.force_login(resident)
    assert resident_client.post(link, {"answer": "accept"}).status_code == 302
    detail = text(attacker.get(en("console-resident", "riverside", copy.public_id)))
    assert 'id="account-shared"' in detail
    refused = attacker.post(en("console-reset-access", "riverside", copy.public_id), follow=True)
    with translation.override("en"):
        assert str(errors.AccountBelongsElsewhere()) in text(refused)
    resident.refresh_from_db()
    assert resident.check_password(PASSWORD)


@pytest.mark.parametrize("login", ["username", "138 0013 8000"])
def test_a_role_for_the_resident_is_only_offered_and_shown_as_typed(attacker, resident, login):
    typed = resident.username if login == "username" else login
    response = attacker.post(en("console-roles", "riverside"), {"login": typed, "kind": "admin"})
    assert response.status_code == 200 and 'id="role-offer-link"' in text(response)
    assert not Role.objects.filter(user=resident).exclude(programme__slug="xingfuli").exists()
    page = text(attacker.get(en("console-roles", "riverside")))
    assert typed in page and "王秀英" not in page
    if login != "username":
        assert resident.username not in page


def test_a_password_given_with_an_existing_login_is_refused(attacker, resident):
    response = attacker.post(
        en("console-roles", "riverside"),
        {"login": "13800138000", "kind": "admin", "password": ATTACKER_PASSWORD},
    )
    assert response.status_code == 422
    never_names(text(response), resident)
    resident.refresh_from_db()
    assert resident.check_password(PASSWORD) and not RoleOffer.objects.exists()


# The person herself ----------------------------------------------------------------------


def test_the_resident_signs_in_from_the_link_accepts_and_sees_both_programmes(
    client, resident, link, copy
):
    login = client.get(link)
    sign_in_url = re.search(r'id="sign-in-to-answer" href="([^"]+)"', text(login)).group(1)
    response = client.post(
        sign_in_url, {"username": "138 0013 8000", "password": PASSWORD, "next": link}
    )
    assert response.status_code == 302 and response["Location"] == link
    consent = text(client.get(link))
    assert 'data-answer="consent"' in consent and TYPED in consent
    assert client.post(link, {"answer": "accept"})["Location"].endswith("/p/riverside/me/")
    assert Member.objects.get(pk=copy.pk).user == resident
    home = text(client.get("/en/"))
    assert "幸福里社区" in home and "Riverside" in home


def test_the_resident_declines_with_the_link_and_b_sees_only_that_it_was_declined(
    client, attacker, resident, link, copy
):
    client.force_login(resident)
    assert client.post(link, {"answer": "decline"}).status_code == 302
    assert Member.objects.get(pk=copy.pk).user is None
    assert client.get(link).status_code == 410  # the link is used up
    detail = text(attacker.get(en("console-resident", "riverside", copy.public_id)))
    assert "declined" in detail
    never_names(detail, resident)
    never_names(text(attacker.get(en("console-audit", "riverside"))), resident)


def test_an_unknown_answer_changes_nothing(client, resident, link, copy):
    client.force_login(resident)
    response = client.post(link, {"answer": "x"})
    assert response.status_code == 422
    assert Member.objects.get(pk=copy.pk).user is None


def test_the_home_page_lists_nothing_to_answer(client, resident, link):
    client.force_login(resident)
    home = text(client.get("/en/"))
    assert TYPED not in home and 'name="answer"' not in home


def offer_link(attacker, login="13800138000", kind="auditor"):
    """B's admin offers A's resident a role: the page that shows the link, and the link."""
    page = attacker.post(en("console-roles", "riverside"), {"login": login, "kind": kind})
    found = re.search(r'value="http://testserver(/zh-hans/role/[^/"]+/)"', text(page))
    return page, found.group(1)


def test_the_offer_link_is_shown_once_with_its_qr_code(attacker, resident):
    page, link = offer_link(attacker)
    assert page.status_code == 200 and "<svg" in text(page)
    assert "no-store" in page["Cache-Control"]
    never_names(text(page), resident)
    assert link not in text(attacker.get(en("console-roles", "riverside")))
    assert link.split("/")[-2] not in str(list(RoleOffer.objects.values()))


def test_the_resident_signs_in_from_the_offer_link_and_takes_the_role(client, attacker, resident):
    _, link = offer_link(attacker)
    prompt = text(client.get(link))
    assert 'data-answer="sign_in"' in prompt
    never_names(prompt, resident)
    sign_in_url = re.search(r'id="sign-in-to-answer" href="([^"]+)"', prompt).group(1)
    response = client.post(sign_in_url, {"username": "13800138000", "password": PASSWORD})
    assert response["Location"] == link
    assert 'data-answer="consent"' in text(client.get(link))
    response = client.post(link, {"answer": "accept"})
    with translation.override("zh-hans"):  # the link's language
        assert response["Location"] == reverse("console", args=["riverside"])
    assert Role.objects.filter(user=resident, programme__slug="riverside", kind="auditor").exists()
    roles_page = text(attacker.get(en("console-roles", "riverside")))
    assert "Offered, not accepted yet" not in roles_page


def test_the_resident_declines_the_role_with_the_link(client, resident, attacker):
    _, link = offer_link(attacker)
    client.force_login(resident)
    assert client.post(link, {"answer": "decline"})["Location"] == "/zh-hans/"
    assert not Role.objects.filter(user=resident, programme__slug="riverside").exists()
    assert RoleOffer.objects.get().status == "declined"


def refusal(response, error, language="zh-hans"):
    """The refusal page shows the error's code and its message in the link's language."""
    with translation.override(language):
        message = str(error())
    page = text(response)
    return f'data-code="{error.code}"' in page and message in page


def test_a_withdrawn_offer_link_fails_with_a_clear_error(client, attacker, resident):
    _, link = offer_link(attacker)
    offer = RoleOffer.objects.get(user=resident)
    withdrawn = attacker.post(en("console-role-offer-withdraw", "riverside"), {"offer": offer.pk})
    assert withdrawn.status_code == 302
    client.force_login(resident)
    for response in (client.get(link), client.post(link, {"answer": "accept"})):
        assert response.status_code == 410
        assert refusal(response, errors.RoleOfferClosed)
    assert not Role.objects.filter(user=resident, programme__slug="riverside").exists()


def test_an_expired_offer_link_fails_with_a_clear_error(client, attacker, resident, settings):
    _, link = offer_link(attacker)
    client.force_login(resident)
    later = timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS, minutes=1)
    with time_machine.travel(later):
        for response in (client.get(link), client.post(link, {"answer": "accept"})):
            assert response.status_code == 410
            assert refusal(response, errors.RoleOfferExpired)
    assert not Role.objects.filter(user=resident, programme__slug="riverside").exists()
    assert RoleOffer.objects.get().status == "pending"


def test_a_mangled_offer_link_fails_with_a_clear_error(client, attacker, resident):
    _, link = offer_link(attacker)
    client.force_login(resident)
    response = client.post(link[:-2] + "x/", {"answer": "accept"})
    assert response.status_code == 404 and refusal(response, errors.RoleOfferLinkInvalid)
    assert RoleOffer.objects.get().status == "pending"


def test_a_role_offer_of_another_programme_cannot_be_withdrawn_here(
    attacker, admin, resident, other_programme
):
    offer, _ = services.give_role(
        actor=admin,
        programme=resident.memberships.get().programme,
        login=resident.username,
        password="",
        kind="auditor",
    )
    response = attacker.post(en("console-role-offer-withdraw", "riverside"), {"offer": offer.pk})
    assert response.status_code == 404
    assert RoleOffer.objects.get(pk=offer.pk).status == "pending"
