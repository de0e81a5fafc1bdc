"""The front page and the programme landing pages: public programmes only, no personal data."""

from jifen.programmes import services
from jifen.testing import make_community, make_member, make_programme


def test_lists_public_programmes_on_the_front_page(client, programme, other_programme):
    hidden = make_programme(slug="hidden", name="Hidden estate")
    services.update_programme(actor=None, programme=hidden, changes={"is_public": False})
    response = client.get("/en/")
    assert response.status_code == 200
    assert "幸福里社区" in response.text and "Riverside" in response.text
    assert "Hidden estate" not in response.text


def test_shows_a_signed_in_user_their_own_programmes(client, resident):
    client.force_login(resident)
    response = client.get("/en/")
    assert "My programmes" in response.text
    assert 'href="/en/p/xingfuli/me/"' in response.text


def test_the_landing_page_names_the_programme_and_its_communities(client, programme, community):
    services.update_programme(
        actor=None, programme=programme, changes={"description": "Points for helping neighbours."}
    )
    make_community(programme=programme, name="西区")
    response = client.get("/en/p/xingfuli/")
    assert response.status_code == 200
    assert "幸福里社区" in response.text and "Points for helping neighbours." in response.text
    assert "东区" in response.text and "西区" in response.text
    assert 'href="/en/login/"' in response.text


def test_the_landing_page_counts_residents_without_naming_them(client, programme, community):
    make_member(community=community, name="王秀英", phone="13800138000")
    make_member(community=community, name="李建国")
    text = client.get("/en/p/xingfuli/").text
    assert "<strong>2</strong> residents take part" in text
    assert "王秀英" not in text and "李建国" not in text and "13800138000" not in text


def test_the_landing_page_counts_only_this_programmes_active_residents(
    client, programme, community, other_programme
):
    left = make_member(community=community)
    data = services.MemberData(
        display_name=left.display_name,
        community=community,
        phone=left.phone,
        joined_on=left.joined_on,
        status="left",
    )
    services.update_member(actor=None, member=left, data=data)
    make_member(community=community)
    assert "<strong>1</strong> resident takes part" in client.get("/en/p/xingfuli/").text


def test_a_programme_that_is_not_public_has_no_landing_page(client, programme):
    services.update_programme(actor=None, programme=programme, changes={"is_public": False})
    assert client.get("/en/p/xingfuli/").status_code == 404


def test_an_unknown_programme_has_no_landing_page(client, db):
    assert client.get("/en/p/nowhere/").status_code == 404


def test_offers_a_member_their_page_instead_of_signing_in(client, resident):
    client.force_login(resident)
    text = client.get("/en/p/xingfuli/").text
    assert 'href="/en/p/xingfuli/me/"' in text and 'href="/en/login/"' not in text
