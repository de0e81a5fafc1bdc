"""Console pages for residents, households, invitations and acting on behalf (代办)."""

import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from jifen.audit.models import AuditEntry
from jifen.lib.errors import InvalidPhone
from jifen.programmes import errors, services
from jifen.programmes.models import Household, Invitation, Member, RoleKind
from jifen.testing import make_household, make_member, make_staff
from jifen.web.common import ACTING_FOR_SESSION_KEY

# Every URL this module adds, and the method each one answers.
PAGES = [
    ("console-residents", "GET", ()),
    ("console-resident-new", "GET", ()),
    ("console-resident", "GET", ("member",)),
    ("console-resident-edit", "GET", ("member",)),
    ("console-invite", "POST", ("member",)),
    ("console-reset-access", "POST", ("member",)),
    ("console-revoke-card", "POST", ("member",)),
    ("console-act-for", "POST", ("member",)),
    ("console-act-stop", "POST", ()),
    ("console-invitations", "GET", ()),
    ("console-invitation-revoke", "POST", ("invitation",)),
    ("console-households", "GET", ()),
    ("console-household", "GET", ("household",)),
    ("console-household-head", "POST", ("household",)),
]


def url(name, programme, *args, lang="en"):
    with translation.override(lang):
        return reverse(name, args=[programme.slug, *args])


def form(community, **changes):
    return {
        "display_name": "赵敏",
        "phone": "139 1111 2222",
        "community": community.pk,
        "household": "",
        "building": "5",
        "unit": "1",
        "room": "502",
        "address": "",
        "joined_on": "",
        "birth_year": "1948",
        "is_elderly": "on",
        "interest_tags": "书法，太极, chess",
        "status": "active",
        **changes,
    }


def state():
    """Everything these pages could change."""
    return (
        list(Member.objects.order_by("id").values()),
        list(Household.objects.order_by("id").values()),
        AuditEntry.objects.count(),
        list(Invitation.objects.order_by("id").values("id", "revoked_at", "used_at")),
    )


def message(error_class, lang, **params):
    with translation.override(lang):
        return str(error_class(**params))


def page(response):
    return unescape(response.content.decode())


@pytest.fixture
def console(client, admin):
    client.force_login(admin)
    return client


@pytest.fixture
def household(community, member):
    household = make_household(community=community)
    Member.objects.filter(pk=member.pk).update(household=household)
    Household.objects.filter(pk=household.pk).update(head=member)
    return household


# Residents list


def test_residents_are_found_by_name(console, programme, member, community):
    make_member(community=community, name="李四")
    text = page(console.get(url("console-residents", programme), {"q": "王秀"}))
    assert "王秀英" in text and "李四" not in text


def test_residents_are_found_by_digits_of_their_phone(console, programme, member, community):
    make_member(community=community, name="李四", phone="13912345678")
    text = page(console.get(url("console-residents", programme), {"q": "0013 8000"}))
    assert "王秀英" in text and "李四" not in text


def test_residents_are_filtered_by_community_and_status(
    console, programme, member, other_community
):
    make_member(community=other_community, name="西区居民")
    gone = make_member(community=member.community, name="已搬走")
    Member.objects.filter(pk=gone.pk).update(status="left")
    response = console.get(
        url("console-residents", programme), {"community": member.community.pk, "status": "active"}
    )
    assert [m.display_name for m, _ in response.context["rows"]] == ["王秀英"]


def test_the_htmx_search_returns_only_the_results_partial(console, programme, member):
    response = console.get(url("console-residents", programme), {"q": "王"}, HTTP_HX_REQUEST="true")
    text = page(response)
    assert text.lstrip().startswith('<div id="results"') and "王秀英" in text
    assert "<nav" not in text


def test_htmx_history_restoration_gets_the_whole_page(console, programme, member):
    response = console.get(
        url("console-residents", programme),
        HTTP_HX_REQUEST="true",
        HTTP_HX_HISTORY_RESTORE_REQUEST="true",
    )
    assert "<nav" in page(response)


def test_the_list_is_paged_fifty_at_a_time_by_name_without_repeats(console, programme, community):
    for i in range(120):
        make_member(community=community, name=f"居民{i % 7}")  # many equal names
    seen, params = [], {}
    for _ in range(3):
        response = console.get(url("console-residents", programme), params)
        seen += [m.pk for m, _ in response.context["rows"]]
        params = {"after": response.context["page"].next_cursor}
    assert len(seen) == len(set(seen)) == 120 and params["after"] is None
    assert len(response.context["rows"]) == 20


def test_the_list_costs_the_same_queries_for_many_residents(
    console, programme, community, django_assert_max_num_queries
):
    for _ in range(3):
        make_member(community=community)
    with CaptureQueriesContext(connection) as few:
        console.get(url("console-residents", programme))
    for _ in range(60):
        make_member(community=community, household=make_household(community=community))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = console.get(url("console-residents", programme))
    assert len(response.context["rows"]) == 50


def test_phones_are_masked_for_staff_who_cannot_manage_residents(client, programme, member):
    client.force_login(make_staff(programme=programme, kind=RoleKind.CASHIER))
    for response in (
        client.get(url("console-residents", programme)),
        client.get(url("console-resident", programme, member.public_id)),
    ):
        assert "138****8000" in page(response) and "13800138000" not in page(response)


def test_managers_see_the_whole_phone(console, programme, member):
    assert "13800138000" in page(console.get(url("console-residents", programme)))


# Resident detail


def test_the_detail_shows_household_card_account_and_history(
    console, programme, member, household, community
):
    housemate = make_member(community=community, name="张伟", household=household)
    response = console.get(url("console-resident", programme, member.public_id))
    text = page(response)
    assert household.label in text and housemate.display_name in text
    assert reverse("console-card", args=[programme.slug, member.public_id]) in text
    assert response.context["account"].state == "none" and "No account yet" in text
    assert "Resident added" in text  # the action by its label, not its code


def test_the_detail_says_when_a_resident_is_invited_or_has_signed_in(
    console, programme, member, admin, resident
):
    console.force_login(resident)  # the resident signs in once; then staff look
    console.force_login(admin)
    response = console.get(url("console-resident", programme, member.public_id))
    assert response.context["account"].state == "signed_in"
    other = make_member(community=member.community)
    services.create_invitation(actor=admin, member=other)
    response = console.get(url("console-resident", programme, other.public_id))
    assert response.context["account"].state == "invited"


# Create and edit


def test_a_resident_is_added_with_a_new_household(console, programme, community):
    response = console.post(url("console-resident-new", programme), form(community))
    member = Member.objects.get(display_name="赵敏")
    assert response.url == reverse("console-resident", args=[programme.slug, member.public_id])
    assert member.phone == "13911112222" and member.interest_tags == ["书法", "太极", "chess"]
    assert member.birth_year == 1948 and member.is_elderly and not member.is_child
    assert member.household.label == "5-1-502" and member.household.head == member
    assert AuditEntry.objects.filter(action="member.create", actor__isnull=False).count() == 1


def test_a_resident_is_added_to_an_existing_household(console, programme, community, household):
    changes = {"household": household.public_id, "building": "", "unit": "", "room": ""}
    console.post(url("console-resident-new", programme), form(community, **changes))
    assert Member.objects.get(display_name="赵敏").household == household
    assert Household.objects.count() == 1


def test_the_new_resident_form_can_start_from_a_household(console, programme, household):
    response = console.get(
        url("console-resident-new", programme), {"household": household.public_id}
    )
    assert response.context["form"].initial["household"] == household.public_id


def test_a_resident_is_edited_and_keeps_the_joined_date(console, programme, member):
    response = console.post(
        url("console-resident-edit", programme, member.public_id),
        form(member.community, display_name="王秀英", phone="13800138000", status="inactive"),
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.status == "inactive" and member.household.label == "5-1-502"
    assert str(member.joined_on) == "2026-01-01"


def test_the_edit_form_is_filled_in(console, programme, member, household):
    response = console.get(url("console-resident-edit", programme, member.public_id))
    initial = response.context["form"].initial
    assert initial["household"] == household.public_id and initial["phone"] == "13800138000"


@pytest.mark.parametrize("lang", ["zh-hans", "fr"])
def test_a_bad_phone_is_refused_in_the_users_language(console, programme, community, lang):
    before = state()
    response = console.post(
        url("console-resident-new", programme, lang=lang), form(community, phone="12345")
    )
    assert response.status_code == 422
    assert message(InvalidPhone, lang, phone="12345") in page(response)
    assert state() == before


def test_a_phone_taken_by_another_resident_is_refused(console, programme, member):
    before = state()
    response = console.post(
        url("console-resident-new", programme, lang="fr"),
        form(member.community, phone="138 0013 8000"),
    )
    assert response.status_code == 422
    assert message(errors.PhoneTaken, "fr", phone="13800138000") in page(response)
    assert state() == before


def test_a_household_of_another_community_is_refused(
    console, programme, community, other_community
):
    elsewhere = make_household(community=other_community)
    before = state()
    response = console.post(
        url("console-resident-new", programme, lang="zh-hans"),
        form(community, household=elsewhere.public_id, building="", unit="", room=""),
    )
    assert response.status_code == 422
    assert message(errors.HouseholdElsewhere, "zh-hans") in page(response)
    assert state() == before


def test_a_community_of_another_programme_is_refused(console, programme, other_programme):
    foreign = other_programme.communities.get()
    before = state()
    response = console.post(url("console-resident-new", programme, lang="fr"), form(foreign))
    assert response.status_code == 422
    assert "Sélectionnez un choix valide" in page(response)
    assert state() == before


def test_a_household_and_an_address_together_are_refused(console, programme, community, household):
    before = state()
    response = console.post(
        url("console-resident-new", programme), form(community, household=household.public_id)
    )
    assert response.status_code == 422 and "not both" in page(response)
    assert state() == before


def test_a_refused_edit_changes_nothing(console, programme, member, community):
    make_member(community=community, phone="13911112222")
    before = state()
    response = console.post(
        url("console-resident-edit", programme, member.public_id), form(community)
    )
    assert response.status_code == 422 and state() == before


# Invitations and access


def test_an_invitation_shows_a_one_time_link_and_its_qr_code(console, programme, member):
    response = console.post(url("console-invite", programme, member.public_id))
    text = page(response)
    link = re.search(r'value="(http://testserver/zh-hans/invite/([^/"]+)/)"', text)
    assert link and "<svg" in text and "no-store" in response["Cache-Control"]
    assert services.open_invitation(link.group(2)).member == member
    expires = response.context["invitation"].expires_at
    assert str(expires.year) in text


def test_reset_access_locks_the_password_and_shows_a_new_link(console, programme, member, resident):
    response = console.post(url("console-reset-access", programme, member.public_id))
    resident.refresh_from_db()
    assert not resident.has_usable_password() and "/invite/" in page(response)
    assert AuditEntry.objects.filter(action="member.reset_access").count() == 1


def test_reset_access_is_refused_for_a_resident_without_an_account(console, programme, member):
    before = state()
    response = console.post(url("console-reset-access", programme, member.public_id), follow=True)
    assert message(errors.MemberHasNoAccount, "en") in page(response)
    assert state() == before


def test_open_invitations_are_listed_and_can_be_revoked(console, programme, admin, member):
    invitation, _ = services.create_invitation(actor=admin, member=member)
    assert member.display_name in page(console.get(url("console-invitations", programme)))
    console.post(url("console-invitation-revoke", programme, invitation.pk))
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert member.display_name not in page(console.get(url("console-invitations", programme)))


def test_voiding_cards_changes_the_card_version(console, programme, member):
    console.post(url("console-revoke-card", programme, member.public_id))
    member.refresh_from_db()
    assert member.card_version == 2
    assert AuditEntry.objects.filter(action="card.revoke").count() == 1


# Acting on behalf (代办)


def test_acting_on_behalf_shows_the_residents_pages_and_is_recorded(
    console, programme, admin, member
):
    response = console.post(url("console-act-for", programme, member.public_id))
    assert response.url == reverse("resident-home", args=[programme.slug])
    assert console.session[ACTING_FOR_SESSION_KEY] == {
        "programme": programme.slug,
        "member": member.public_id,
    }
    text = page(console.get(response.url))
    assert (
        member.display_name in text and reverse("console-act-stop", args=[programme.slug]) in text
    )
    response = console.post(url("console-act-stop", programme))
    assert response.url == reverse("console-resident", args=[programme.slug, member.public_id])
    assert ACTING_FOR_SESSION_KEY not in console.session
    entries = AuditEntry.objects.filter(on_behalf_of=member, actor=admin)
    assert list(entries.values_list("action", flat=True)) == ["on_behalf.stop", "on_behalf.start"]


def test_acting_for_a_second_resident_ends_the_first_on_the_record(console, programme, member):
    second = make_member(community=member.community)
    console.post(url("console-act-for", programme, member.public_id))
    console.post(url("console-act-for", programme, second.public_id))
    assert console.session[ACTING_FOR_SESSION_KEY]["member"] == second.public_id
    assert AuditEntry.objects.filter(on_behalf_of=member, action="on_behalf.stop").exists()


# Households


def test_households_are_listed_with_their_member_count(console, programme, household, community):
    make_member(community=community, household=household)
    response = console.get(url("console-households", programme))
    (row,) = response.context["page"].items
    assert row.size == 2 and household.label in page(response)


def test_the_household_list_costs_the_same_queries_for_many_households(
    console, programme, community, django_assert_max_num_queries
):
    make_member(community=community, household=make_household(community=community))
    with CaptureQueriesContext(connection) as few:
        console.get(url("console-households", programme))
    for _ in range(60):
        make_member(community=community, household=make_household(community=community))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = console.get(url("console-households", programme))
    assert len(response.context["page"].items) == 50 and response.context["page"].next_cursor


def test_the_household_page_shows_members_and_the_head(console, programme, household, member):
    text = page(console.get(url("console-household", programme, household.public_id)))
    assert member.display_name in text and f'value="{member.public_id}" ' in text


def test_the_head_of_household_is_changed(console, programme, household, community):
    second = make_member(community=community, household=household)
    console.post(
        url("console-household-head", programme, household.public_id), {"head": second.public_id}
    )
    assert Household.objects.get(pk=household.pk).head == second


def test_a_head_from_another_household_is_refused(console, programme, household, community):
    outsider = make_member(community=community)
    before = state()
    response = console.post(
        url("console-household-head", programme, household.public_id),
        {"head": outsider.public_id},
        follow=True,
    )
    assert message(errors.HouseholdElsewhere, "en") in page(response)
    assert state() == before


# Who may see what


@pytest.fixture
def targets(admin, member, household):
    invitation, _ = services.create_invitation(actor=admin, member=member)
    return {
        "member": member.public_id,
        "household": household.public_id,
        "invitation": invitation.pk,
    }


@pytest.mark.parametrize(("name", "method", "args"), PAGES)
def test_staff_of_another_programme_get_404_and_change_nothing(
    client, programme, community, other_admin, targets, name, method, args
):
    client.force_login(other_admin)
    address = url(name, programme, *[targets[a] for a in args])
    call, other = (client.get, client.post) if method == "GET" else (client.post, client.get)
    before = state()
    assert call(address, form(community, head=targets["member"])).status_code == 404
    # The method a page does not take is refused before any lookup, as it is for a programme
    # that does not exist at all: that answer says nothing about what is there.
    nowhere = address.replace(f"/p/{programme.slug}/", "/p/nowhere/")
    assert other(address).status_code == other(nowhere).status_code in (404, 405)
    assert state() == before


@pytest.fixture
def organizer(client, programme, community):
    client.force_login(
        make_staff(programme=programme, kind=RoleKind.ORGANIZER, community=community)
    )
    return client


def test_a_community_organizer_does_not_see_another_community(
    organizer, programme, member, other_community
):
    stranger = make_member(community=other_community, name="西区居民")
    elsewhere = make_household(community=other_community)
    text = page(organizer.get(url("console-residents", programme)))
    assert "王秀英" in text and "西区居民" not in text
    assert organizer.get(url("console-resident", programme, stranger.public_id)).status_code == 404
    assert (
        organizer.get(url("console-household", programme, elsewhere.public_id)).status_code == 404
    )
    assert elsewhere.label not in page(organizer.get(url("console-households", programme)))


@pytest.mark.parametrize(
    "name", ["console-resident-edit", "console-invite", "console-revoke-card", "console-act-for"]
)
def test_a_community_organizer_cannot_change_a_member_of_another_community(
    organizer, programme, other_community, name
):
    stranger = make_member(community=other_community)
    before = state()
    response = organizer.post(url(name, programme, stranger.public_id), form(other_community))
    assert response.status_code == 404 and state() == before


def test_a_community_organizer_cannot_add_a_resident_elsewhere(
    organizer, programme, other_community
):
    before = state()
    response = organizer.post(url("console-resident-new", programme), form(other_community))
    assert response.status_code == 422 and state() == before


@pytest.mark.parametrize(
    "name",
    [
        "console-resident-new",
        "console-invite",
        "console-reset-access",
        "console-act-for",
        "console-household-head",
    ],
)
def test_staff_who_cannot_manage_residents_cannot_change_them(client, programme, targets, name):
    client.force_login(make_staff(programme=programme, kind=RoleKind.CASHIER))
    args = [targets["household"]] if "household" in name else [targets["member"]]
    address = url(name, programme, *([] if name.endswith("new") else args))
    before = state()
    assert client.post(address, {"head": targets["member"]}).status_code == 404
    assert state() == before


def test_only_this_programmes_communities_are_offered(
    console, programme, community, other_community, other_programme
):
    response = console.get(url("console-resident-new", programme))
    names = {label for _, label in response.context["form"].fields["community"].choices}
    assert names == {"东区", "西区"}
