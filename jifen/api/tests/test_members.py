import pytest

from jifen.audit.models import AuditEntry
from jifen.programmes.models import Member, RoleKind
from jifen.testing import make_household, make_member, make_staff


@pytest.fixture
def auditor(programme):
    return make_staff(programme=programme, kind=RoleKind.AUDITOR, username="auditor")


@pytest.fixture
def east_organizer(programme, community):
    return make_staff(
        programme=programme, kind=RoleKind.ORGANIZER, community=community, username="east-organizer"
    )


def members_url(programme, public_id=""):
    return f"/programmes/{programme.slug}/members" + (f"/{public_id}" if public_id else "")


# Listing and reading


def test_lists_members_with_full_phones_for_managers(api_as, admin, programme, member):
    response = api_as(admin).get(members_url(programme))
    assert response.status_code == 200
    [item] = response.json()["items"]
    assert item["public_id"] == member.public_id
    assert item["phone"] == "13800138000"
    assert item["community"]["name"] == "东区"
    assert response.json()["next_cursor"] is None


def test_masks_phones_for_staff_who_cannot_manage_members(api_as, auditor, programme, member):
    response = api_as(auditor).get(members_url(programme))
    assert response.json()["items"][0]["phone"] == "138****8000"


def test_community_staff_see_only_their_communities(
    api_as,
    east_organizer,
    programme,
    member,
    other_community,
):
    make_member(community=other_community, name="West resident")
    response = api_as(east_organizer).get(members_url(programme))
    assert [m["display_name"] for m in response.json()["items"]] == ["王秀英"]


def test_searches_by_name_or_phone_and_filters(api_as, admin, programme, member, other_community):
    make_member(community=other_community, name="张伟", phone="13911112222")
    api = api_as(admin)
    assert _names(api.get(members_url(programme), {"q": "张"})) == ["张伟"]
    assert _names(api.get(members_url(programme), {"q": "1111"})) == ["张伟"]
    assert _names(api.get(members_url(programme), {"community": other_community.pk})) == ["张伟"]
    assert _names(api.get(members_url(programme), {"status": "left"})) == []


def test_keyset_pagination_walks_every_member_exactly_once(api_as, admin, programme, community):
    expected = {make_member(community=community, name=f"Name {i % 4}").public_id for i in range(23)}
    seen, cursor, api = [], None, api_as(admin)
    while True:
        params = {"limit": 5, **({"cursor": cursor} if cursor else {})}
        body = api.get(members_url(programme), params).json()
        seen += [m["public_id"] for m in body["items"]]
        if not (cursor := body["next_cursor"]):
            break
    assert len(seen) == len(expected) and set(seen) == expected


def test_a_page_costs_the_same_queries_however_many_members(
    api_as, admin, programme, community, django_assert_max_num_queries
):
    for _ in range(30):
        make_member(community=community, household=make_household(community=community))
    api = api_as(admin)
    with django_assert_max_num_queries(5):
        assert len(api.get(members_url(programme), {"limit": 30}).json()["items"]) == 30


def test_refuses_a_forged_cursor(api_as, admin, programme):
    response = api_as(admin).get(members_url(programme), {"cursor": "bm90IGEgY3Vyc29y"})
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_cursor"


def test_shows_one_member(api_as, admin, programme, member):
    response = api_as(admin).get(members_url(programme, member.public_id))
    assert response.status_code == 200
    assert response.json()["display_name"] == "王秀英"


@pytest.mark.parametrize("who", ["other_admin", "resident"])
def test_hides_members_from_outsiders_and_residents(api_as, programme, member, who, request):
    api = api_as(request.getfixturevalue(who))
    assert api.get(members_url(programme)).status_code == 404
    response = api.get(members_url(programme, member.public_id))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_community_staff_cannot_read_a_member_elsewhere(
    api_as,
    east_organizer,
    programme,
    other_community,
):
    west = make_member(community=other_community)
    assert api_as(east_organizer).get(members_url(programme, west.public_id)).status_code == 404


# Creating


def test_creates_a_member_with_a_household(api_as, admin, programme, member_body):
    response = api_as(admin).post(members_url(programme), member_body)
    assert response.status_code == 201
    body = response.json()
    member = Member.objects.get(public_id=body["public_id"])
    assert (member.phone, member.is_elderly, member.birth_year) == ("13800139999", True, 1950)
    assert body["household"]["label"] == "3-2-301"
    assert body["flags"] == ["elderly"]
    assert AuditEntry.objects.filter(action="member.create", target_id=str(member.pk)).exists()


@pytest.mark.parametrize("who", ["other_admin", "resident", "auditor"])
def test_refuses_to_create_for_anyone_who_may_not(api_as, programme, member_body, who, request):
    response = api_as(request.getfixturevalue(who)).post(members_url(programme), member_body)
    assert response.status_code == 404
    assert not Member.objects.filter(display_name="李建国").exists()


def test_refuses_a_bad_phone(api_as, admin, programme, member_body):
    response = api_as(admin).post(members_url(programme), {**member_body, "phone": "12345"})
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_phone"
    assert not Member.objects.filter(display_name="李建国").exists()


def test_refuses_a_phone_already_taken(api_as, admin, programme, member, member_body):
    response = api_as(admin).post(members_url(programme), {**member_body, "phone": member.phone})
    assert response.status_code == 409
    assert response.json()["code"] == "phone_taken"
    assert not Member.objects.filter(display_name="李建国").exists()


def test_refuses_a_community_of_another_programme(
    api_as,
    admin,
    programme,
    other_programme,
    member_body,
):
    foreign = other_programme.communities.get()
    response = api_as(admin).post(
        members_url(programme), {**member_body, "community_id": foreign.pk}
    )
    assert response.status_code == 422
    assert response.json()["code"] == "unknown_community"
    assert not foreign.households.filter(room="301").exists()


def test_community_staff_cannot_create_elsewhere(
    api_as,
    east_organizer,
    programme,
    other_community,
    member_body,
):
    body = {**member_body, "community_id": other_community.pk}
    response = api_as(east_organizer).post(members_url(programme), body)
    assert response.json()["code"] == "unknown_community"
    assert api_as(east_organizer).post(members_url(programme), member_body).status_code == 201


# Updating


def test_updates_only_the_fields_sent(api_as, admin, programme, member):
    response = api_as(admin).patch(
        members_url(programme, member.public_id), {"display_name": "王秀兰", "flags": ["child"]}
    )
    assert response.status_code == 200
    member.refresh_from_db()
    assert (member.display_name, member.phone, member.is_child) == ("王秀兰", "13800138000", True)
    assert AuditEntry.objects.filter(action="member.update", target_id=str(member.pk)).exists()


def test_moves_a_member_to_a_new_household_and_clears_it(api_as, admin, programme, member):
    api, url = api_as(admin), members_url(programme, member.public_id)
    response = api.patch(url, {"household": {"address": "幸福路 8 号"}})
    assert response.json()["household"]["label"] == "幸福路 8 号"
    assert api.patch(url, {"household": None}).json()["household"] is None


def test_refuses_null_for_a_required_field(api_as, admin, programme, member):
    response = api_as(admin).patch(members_url(programme, member.public_id), {"display_name": None})
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"


def test_refuses_a_phone_taken_on_update(api_as, admin, programme, member, community):
    other = make_member(community=community)
    response = api_as(admin).patch(members_url(programme, other.public_id), {"phone": member.phone})
    assert response.json()["code"] == "phone_taken"
    other.refresh_from_db()
    assert other.phone != member.phone


@pytest.mark.parametrize("who", ["other_admin", "resident", "auditor"])
def test_refuses_to_update_for_anyone_who_may_not(api_as, programme, member, who, request):
    response = api_as(request.getfixturevalue(who)).patch(
        members_url(programme, member.public_id), {"display_name": "Changed"}
    )
    assert response.status_code == 404
    member.refresh_from_db()
    assert member.display_name == "王秀英"


def _names(response):
    return [m["display_name"] for m in response.json()["items"]]
