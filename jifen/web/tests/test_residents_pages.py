"""Console pages for residents, households, invitations and acting on behalf (代办)."""

import pytest
from django.urls import reverse

from jifen.audit.models import AuditEntry
from jifen.programmes.models import Household, Invitation, Member, RoleKind
from jifen.testing import make_household, make_member, make_staff
from jifen.web.common import ACTING_FOR_SESSION_KEY


@pytest.fixture
def console(client, admin):
    client.force_login(admin)
    return client


def url(name, programme, *args):
    return reverse(name, args=[programme.slug, *args])


def form(community, **changes):
    return {"display_name": "赵敏", "phone": "139 1111 2222", "community": community.pk,
            "building": "5", "unit": "1", "room": "502", "address": "", "joined_on": "",
            "birth_year": "1948", "is_elderly": "on", "interest_tags": "书法，太极",
            "status": "active", **changes}


def test_residents_are_found_by_name_and_by_part_of_the_phone(console, programme, member):
    make_member(community=member.community, name="李四")
    page = console.get(url("console-residents", programme), {"q": "王秀"}).content.decode()
    assert "王秀英" in page and "李四" not in page
    page = console.get(url("console-residents", programme), {"q": "0013 8000"}).content.decode()
    assert "王秀英" in page


def test_the_htmx_search_returns_only_the_results(console, programme, member):
    response = console.get(url("console-residents", programme), {"q": "王"}, HTTP_HX_REQUEST="true")
    assert "<nav" not in response.content.decode() and "王秀英" in response.content.decode()


def test_the_list_is_paged_by_keyset_with_constant_queries(
        console, programme, community, django_assert_max_num_queries):
    for i in range(120):
        make_member(community=community, name=f"居民{i:03d}")
    with django_assert_max_num_queries(10):
        first = console.get(url("console-residents", programme))
    cursor = first.context["page"].next_cursor
    second = console.get(url("console-residents", programme), {"after": cursor})
    names = [m.display_name for m, _ in first.context["rows"] + second.context["rows"]]
    assert len(names) == len(set(names)) == 100


def test_phones_are_masked_for_staff_who_cannot_manage_residents(client, programme, member):
    client.force_login(make_staff(programme=programme, kind=RoleKind.CASHIER))
    page = client.get(url("console-residents", programme)).content.decode()
    assert "138****8000" in page and "13800138000" not in page


def test_a_resident_is_added_with_a_new_household(console, programme, community):
    response = console.post(url("console-resident-new", programme), form(community))
    assert response.status_code == 302
    member = Member.objects.get(display_name="赵敏")
    assert member.phone == "13911112222" and member.interest_tags == ["书法", "太极"]
    assert member.household.label == "5-1-502" and member.household.head == member


@pytest.mark.parametrize(("changes", "text"), [
    ({"phone": "12"}, "12"), ({"display_name": ""}, ""), ({"phone": "13800138000"}, "13800138000"),
])
def test_bad_resident_input_is_refused_and_nothing_is_written(console, programme, member,
                                                              changes, text):
    before = (Member.objects.count(), Household.objects.count(), AuditEntry.objects.count())
    response = console.post(url("console-resident-new", programme),
                            form(member.community, **changes))
    assert response.status_code == 422
    assert text in response.content.decode()
    assert (Member.objects.count(), Household.objects.count(),
            AuditEntry.objects.count()) == before


def test_a_resident_is_edited(console, programme, member):
    console.post(url("console-resident-edit", programme, member.public_id),
                 form(member.community, display_name="王秀英", phone="13800138000"))
    member.refresh_from_db()
    assert member.is_elderly and member.household.label == "5-1-502"


def test_an_organizer_of_one_community_cannot_see_another(client, programme, community,
                                                          other_community):
    stranger = make_member(community=other_community)
    client.force_login(make_staff(programme=programme, kind=RoleKind.ORGANIZER,
                                  community=community))
    assert client.get(url("console-resident", programme, stranger.public_id)).status_code == 404
    response = client.post(url("console-resident-edit", programme, stranger.public_id),
                           form(other_community))
    assert response.status_code == 404


def test_an_invitation_shows_a_one_time_link_and_its_qr_code(console, programme, member):
    response = console.post(url("console-invite", programme, member.public_id))
    page = response.content.decode()
    assert "/invite/" in page and "<svg" in page
    assert Invitation.objects.filter(member=member, used_at__isnull=True).count() == 1


def test_open_invitations_are_listed_and_can_be_revoked(console, programme, admin, member):
    console.post(url("console-invite", programme, member.public_id))
    invitation = Invitation.objects.get(member=member)
    assert member.display_name in console.get(url("console-invitations", programme)).content.decode()
    console.post(url("console-invitation-revoke", programme, invitation.pk))
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None


def test_reset_access_locks_the_password_and_invites_again(console, programme, member, resident):
    console.post(url("console-reset-access", programme, member.public_id))
    resident.refresh_from_db()
    assert not resident.has_usable_password()


def test_acting_on_behalf_is_recorded_and_shows_the_residents_page(console, programme, member):
    response = console.post(url("console-act-for", programme, member.public_id))
    assert response.url == reverse("resident-home", args=[programme.slug])
    assert console.session[ACTING_FOR_SESSION_KEY]["member"] == member.public_id
    page = console.get(response.url).content.decode()
    assert member.display_name in page
    console.post(url("console-act-stop", programme))
    actions = list(AuditEntry.objects.filter(on_behalf_of=member).values_list("action", flat=True))
    assert actions == ["on_behalf.stop", "on_behalf.start"]


def test_voiding_cards_changes_the_card_version(console, programme, member):
    console.post(url("console-revoke-card", programme, member.public_id))
    member.refresh_from_db()
    assert member.card_version == 2


def test_the_head_of_household_is_changed(console, programme, community):
    household = make_household(community=community)
    first = make_member(community=community, household=household)
    second = make_member(community=community, household=household)
    assert Household.objects.get(pk=household.pk).head == first
    console.post(url("console-household-head", programme, household.public_id),
                 {"head": second.public_id})
    assert Household.objects.get(pk=household.pk).head == second


def test_households_are_listed_with_their_size(console, programme, community):
    household = make_household(community=community)
    make_member(community=community, household=household)
    page = console.get(url("console-households", programme)).content.decode()
    assert household.label in page
