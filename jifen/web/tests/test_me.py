"""The resident home page: own card, placeholders, isolation, acting on behalf (代办)."""

import pytest

from jifen.programmes.models import Member, Role, RoleKind
from jifen.testing import make_household, make_member, make_resident_user, make_staff
from jifen.web.common import ACTING_FOR_SESSION_KEY

PAGE = "/en/p/xingfuli/me/"
BANNER = "You are acting on behalf of"


def act_for(client, member, slug="xingfuli"):
    session = client.session
    session[ACTING_FOR_SESSION_KEY] = {"programme": slug, "member": member.public_id}
    session.save()


def test_greets_the_resident_with_their_community_and_household(client, community):
    household = make_household(community=community, room="301")
    member = make_member(community=community, name="李建国", household=household)
    client.force_login(make_resident_user(member=member))
    response = client.get(PAGE)
    assert response.status_code == 200
    assert "Hello, 李建国" in response.text
    assert "东区" in response.text and household.label in response.text


def test_shows_the_member_card_qr_with_the_check_in_hint(client, resident):
    client.force_login(resident)
    response = client.get(PAGE)
    assert '<div class="card-qr"' in response.text and "<svg" in response.text
    assert "Show this code to the staff at check-in." in response.text


def test_shows_points_activities_and_rewards_with_links_to_the_catalogue_and_codes(
    client, resident
):
    client.force_login(resident)
    text = client.get(PAGE).text
    for heading in ("My points", "Activities", "Rewards"):
        assert f">{heading}</h2>" in text
    assert 'href="/en/p/xingfuli/me/rewards/" id="rewards-link"' in text
    assert 'href="/en/p/xingfuli/me/redemptions/" id="redemptions-link"' in text


def test_sends_an_anonymous_visitor_to_sign_in(client, member):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response["Location"] == "/en/login/?next=/en/p/xingfuli/me/"


def test_is_not_found_in_a_programme_where_the_user_is_no_member(client, resident, other_programme):
    client.force_login(resident)
    assert client.get("/en/p/riverside/me/").status_code == 404


def test_is_not_found_for_a_member_of_another_programme(client, member, other_programme):
    client.force_login(make_resident_user(member=Member.objects.get(display_name="Outsider")))
    assert client.get(PAGE).status_code == 404


def test_is_not_found_for_staff_who_are_not_members(client, admin):
    client.force_login(admin)
    assert client.get(PAGE).status_code == 404


@pytest.mark.parametrize("language", ["zh-hans", "fr"])
def test_renders_in_the_language_of_the_address(client, resident, language):
    client.force_login(resident)
    response = client.get(f"/{language}/p/xingfuli/me/")
    assert response.status_code == 200
    assert f'<html lang="{language}">' in response.text


# Acting on behalf (代办) -----------------------------------------------------------------


def test_staff_who_manage_members_see_the_acted_for_member(client, programme, member):
    client.force_login(make_staff(programme=programme, kind=RoleKind.ORGANIZER))
    act_for(client, member)
    response = client.get(PAGE)
    assert response.status_code == 200
    assert "Hello, 王秀英" in response.text
    assert BANNER in response.text


def test_staff_without_manage_members_cannot_act(client, programme, member):
    client.force_login(make_staff(programme=programme, kind=RoleKind.REVIEWER))
    act_for(client, member)
    response = client.get(PAGE)
    assert response.status_code == 404
    assert BANNER not in client.get("/en/").text


def test_staff_limited_to_another_community_cannot_act(client, programme, other_community, member):
    staff = make_staff(programme=programme, kind=RoleKind.ORGANIZER, community=other_community)
    client.force_login(staff)
    act_for(client, member)
    assert client.get(PAGE).status_code == 404


def test_staff_of_another_programme_cannot_act(client, member, other_admin):
    client.force_login(other_admin)
    act_for(client, member)
    assert client.get(PAGE).status_code == 404


def test_acting_applies_only_in_the_programme_it_was_started_in(
    client, programme, member, other_programme
):
    staff = make_resident_user(member=Member.objects.get(display_name="Outsider"))
    Role.objects.create(user=staff, programme=programme, kind=RoleKind.ADMIN)
    client.force_login(staff)
    act_for(client, member)
    assert "Hello, Outsider" in client.get("/en/p/riverside/me/").text


def test_a_staff_member_acting_sees_the_banner_on_other_pages(client, admin, member):
    client.force_login(admin)
    act_for(client, member)
    assert BANNER + " 王秀英" in client.get("/en/").text


def test_shows_no_banner_to_a_resident_on_their_own_page(client, resident):
    client.force_login(resident)
    assert BANNER not in client.get(PAGE).text
