"""Programme-level console pages: overview, settings, communities, roles, audit log."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from jifen.programmes import services
from jifen.programmes.models import Community, Programme, Role, RoleKind, RoleOffer
from jifen.testing import PASSWORD, make_member, make_staff, make_user


@pytest.fixture
def console(client, admin):
    client.force_login(admin)
    return client


def url(name, programme, *args, language="en"):
    with translation.override(language):
        return reverse(name, args=[programme.slug, *args])


def test_the_overview_counts_residents_and_draws_the_chart(console, programme, community):
    make_member(community=community)
    page = console.get(url("console", programme)).content.decode()
    assert "residents-chart" in page and "echarts.min.js" in page
    assert '"residents": [1]' in page


def test_a_community_scoped_organizer_sees_only_their_community(
    client, programme, community, other_community
):
    make_member(community=other_community, name="别区居民")
    client.force_login(
        make_staff(programme=programme, kind=RoleKind.ORGANIZER, community=community)
    )
    page = client.get(url("console", programme)).content.decode()
    assert other_community.name not in page


def test_settings_are_saved(console, programme):
    data = {
        "name": "新名字",
        "description": "",
        "default_language": "fr",
        "timezone": "Europe/Paris",
        "currency_name": "points",
        "money_currency": "eur",
        "wallet_level": "household",
        "is_public": "on",
    }
    assert console.post(url("console-settings", programme), data).status_code == 302
    programme.refresh_from_db()
    assert (programme.name, programme.money_currency, programme.timezone) == (
        "新名字",
        "EUR",
        "Europe/Paris",
    )


@pytest.mark.parametrize(
    ("field", "value"), [("timezone", "Mars/Olympus"), ("money_currency", "EURO"), ("name", "")]
)
def test_bad_settings_are_refused_and_change_nothing(console, programme, field, value):
    data = {
        "name": "x",
        "default_language": "fr",
        "timezone": "UTC",
        "currency_name": "p",
        "money_currency": "EUR",
        "wallet_level": "member",
        field: value,
    }
    assert console.post(url("console-settings", programme), data).status_code == 422
    assert Programme.objects.get(pk=programme.pk).name == "幸福里社区"


def test_an_organizer_cannot_open_the_settings(client, programme):
    client.force_login(make_staff(programme=programme, kind=RoleKind.ORGANIZER))
    assert client.get(url("console-settings", programme)).status_code == 404


def test_a_community_is_added_and_a_duplicate_name_refused(console, programme, community):
    assert (
        console.post(
            url("console-communities", programme), {"name": "南区", "population": 3100}
        ).status_code
        == 302
    )
    response = console.post(
        url("console-communities", programme), {"name": "南区", "population": 10}
    )
    assert response.status_code == 422
    assert Community.objects.filter(programme=programme).count() == 2


def test_a_community_is_renamed(console, programme, community):
    console.post(
        url("console-community", programme, community.pk),
        {"name": "东区（新）", "population": 5000},
    )
    community.refresh_from_db()
    assert (community.name, community.population) == ("东区（新）", 5000)


def test_a_person_found_by_phone_is_offered_the_role_and_holds_it_once_they_accept(
    console, programme, community
):
    person = make_user(phone="13700000009")
    response = console.post(
        url("console-roles", programme),
        {"login": "137 0000 0009", "kind": "reviewer", "community": community.pk},
    )
    assert response.status_code == 200 and 'id="role-offer-link"' in response.content.decode()
    assert not Role.objects.filter(user=person).exists()
    assert RoleOffer.objects.get(user=person).login == "137 0000 0009"
    secret = re.search(
        r'value="http://testserver/zh-hans/role/([^/"]+)/"', response.content.decode()
    )
    services.accept_role_offer(secret=secret.group(1), user=person)
    assert Role.objects.get(user=person).community == community


def test_a_new_staff_account_is_created_with_a_password(console, programme):
    console.post(
        url("console-roles", programme),
        {"login": "clerk", "kind": "organizer", "password": PASSWORD},
    )
    assert Role.objects.filter(user__username="clerk", kind="organizer").exists()


def test_an_unknown_person_without_a_password_is_refused(console, programme):
    before = Role.objects.count()
    assert (
        console.post(
            url("console-roles", programme), {"login": "nobody", "kind": "organizer"}
        ).status_code
        == 422
    )
    assert Role.objects.count() == before


def test_a_community_of_another_programme_cannot_be_chosen(console, programme, other_programme):
    foreign = other_programme.communities.first()
    response = console.post(
        url("console-roles", programme),
        {"login": "admin", "kind": "cashier", "community": foreign.pk},
    )
    assert response.status_code == 422
    assert not Role.objects.filter(community=foreign).exists()


def test_the_last_administrator_cannot_be_removed(console, programme, admin):
    role = Role.objects.get(user=admin, kind="admin")
    console.post(url("console-role-revoke", programme, role.pk))
    assert Role.objects.filter(pk=role.pk).exists()


def test_the_audit_log_shows_actions_newest_first(console, programme, community):
    make_member(community=community, name="甲")
    page = console.get(url("console-audit", programme)).content.decode()
    rows = page.split("<tbody>")[1]
    assert rows.index("Resident added") < rows.index("Community added")


def test_the_audit_log_is_paged_with_a_constant_number_of_queries(
    console, programme, community, django_assert_max_num_queries
):
    for _ in range(60):
        make_member(community=community)
    with django_assert_max_num_queries(12):
        page = console.get(url("console-audit", programme)).content.decode()
    assert 'rel="next"' in page


def test_an_auditor_reads_the_audit_log_but_not_the_roles(client, programme):
    client.force_login(make_staff(programme=programme, kind=RoleKind.AUDITOR))
    assert client.get(url("console-audit", programme)).status_code == 200
    assert client.get(url("console-roles", programme)).status_code == 404
