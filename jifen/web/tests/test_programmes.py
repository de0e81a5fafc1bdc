"""Programme-level console pages, beyond the happy paths in test_console_pages.py: counts,
refusals by role, refusals that change nothing, and audit log paging."""

from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import translation

from jifen.accounts.models import User
from jifen.audit.models import AuditEntry
from jifen.audit.services import record
from jifen.programmes.models import Community, Programme, Role, RoleKind
from jifen.programmes.services import start_acting_for
from jifen.testing import make_household, make_member, make_staff

NOT_ADMIN = [RoleKind.ORGANIZER, RoleKind.REVIEWER, RoleKind.CASHIER, RoleKind.AUDITOR]


@pytest.fixture
def console(client, admin):
    client.force_login(admin)
    return client


def url(name, programme, *args, language="en"):
    with translation.override(language):
        return reverse(name, args=[programme.slug, *args])


def programme_state(programme):
    return (
        Programme.objects.filter(pk=programme.pk).values().get(),
        list(Community.objects.order_by("id").values()),
        list(Role.objects.order_by("id").values()),
        User.objects.count(),
        AuditEntry.objects.count(),
    )


def test_the_overview_counts_each_resident_and_household_once(console, programme, community):
    households = [make_household(community=community) for _ in range(3)]
    for household in households:
        make_member(community=community, household=household)
        make_member(community=community, household=household)
    response = console.get(url("console", programme))
    figures = response.context["figures"]
    assert (figures.communities, figures.households, figures.residents) == (1, 3, 6)
    assert figures.chart == {"names": ["东区"], "residents": [6]}


def test_the_overview_links_to_every_area_an_admin_may_open(console, programme):
    page = console.get(url("console", programme)).content.decode()
    for name in ("console-residents", "console-households", "console-import", "console-cards"):
        assert url(name, programme) in page
    for name in ("console-settings", "console-communities", "console-roles", "console-audit"):
        assert url(name, programme) in page


def test_a_community_scoped_organizer_counts_only_their_community(
    client, programme, community, other_community, admin
):
    make_member(community=other_community)
    make_staff(programme=programme, kind=RoleKind.CASHIER, community=other_community)
    organizer = make_staff(programme=programme, kind=RoleKind.ORGANIZER, community=community)
    client.force_login(organizer)
    figures = client.get(url("console", programme)).context["figures"]
    assert (figures.communities, figures.residents, figures.staff) == (1, 0, 1)


def test_the_chart_script_is_served_from_the_project_not_a_cdn(console, programme):
    page = console.get(url("console", programme)).content.decode()
    assert "/static/vendor/echarts/echarts.min.js" in page
    assert "cdn" not in page.lower()


def test_a_bad_time_zone_is_explained_in_the_pages_language(client, admin, programme):
    client.force_login(admin)
    response = client.post(
        url("console-settings", programme, language="fr"),
        {"name": "x", "timezone": "Mars/Olympus", "point_value": "1"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 422
    assert "n’est pas un fuseau horaire" in response.content.decode()


def test_a_duplicate_community_name_is_shown_and_nothing_is_saved(
    console, programme, community, other_community
):
    before = programme_state(programme)
    response = console.post(
        url("console-community", programme, other_community.pk), {"name": "东区", "population": 1}
    )
    assert response.status_code == 422
    assert "already has a community" in response.content.decode()
    assert programme_state(programme) == before


def test_a_negative_population_is_refused(console, programme, community):
    before = programme_state(programme)
    response = console.post(
        url("console-communities", programme), {"name": "北区", "population": -1}
    )
    assert response.status_code == 422
    assert programme_state(programme) == before


@pytest.mark.parametrize("kind", NOT_ADMIN)
def test_only_an_administrator_may_change_the_programme(client, programme, community, kind):
    client.force_login(make_staff(programme=programme, kind=kind))
    admin_role = make_staff(programme=programme, kind=RoleKind.ADMIN)
    role = Role.objects.get(user=admin_role)
    before = programme_state(programme)
    for name, args, data in (
        ("console-settings", [], {"name": "x", "timezone": "UTC"}),
        ("console-communities", [], {"name": "北区", "population": 1}),
        ("console-community", [community.pk], {"name": "北区", "population": 1}),
        ("console-roles", [], {"login": "admin", "kind": "admin"}),
        ("console-role-revoke", [role.pk], {}),
    ):
        assert client.post(url(name, programme, *args), data).status_code == 404, name
    assert client.get(url("console-settings", programme)).status_code == 404
    assert client.get(url("console-roles", programme)).status_code == 404
    assert client.get(url("console-community", programme, community.pk)).status_code == 404
    assert programme_state(programme) == before


@pytest.mark.parametrize("kind", NOT_ADMIN)
def test_every_staff_role_sees_the_overview_and_the_community_list(client, programme, kind):
    client.force_login(make_staff(programme=programme, kind=kind))
    assert client.get(url("console", programme)).status_code == 200
    assert client.get(url("console-communities", programme)).status_code == 200


@pytest.mark.parametrize("kind", [RoleKind.ORGANIZER, RoleKind.REVIEWER, RoleKind.CASHIER])
def test_only_administrators_and_auditors_read_the_audit_log(client, programme, kind):
    client.force_login(make_staff(programme=programme, kind=kind))
    assert client.get(url("console-audit", programme)).status_code == 404


def test_a_role_of_another_programme_cannot_be_revoked_through_this_one(
    console, programme, other_programme, other_admin
):
    foreign = Role.objects.get(user=other_admin)
    make_staff(programme=other_programme, kind=RoleKind.ADMIN)
    response = console.post(url("console-role-revoke", programme, foreign.pk))
    assert response.status_code == 404
    assert Role.objects.filter(pk=foreign.pk).exists()


def test_a_role_is_taken_away(console, programme):
    cashier = make_staff(programme=programme, kind=RoleKind.CASHIER)
    role = Role.objects.get(user=cashier)
    assert console.post(url("console-role-revoke", programme, role.pk)).status_code == 302
    assert not Role.objects.filter(pk=role.pk).exists()
    assert AuditEntry.objects.filter(programme=programme, action__startswith="role.").exists()


def test_the_last_administrator_refusal_is_shown(console, programme, admin):
    role = Role.objects.get(user=admin, kind=RoleKind.ADMIN)
    response = console.post(url("console-role-revoke", programme, role.pk), follow=True)
    assert "at least one administrator" in response.content.decode()


def test_a_weak_password_creates_no_account(console, programme):
    before = programme_state(programme)
    response = console.post(
        url("console-roles", programme), {"login": "clerk", "kind": "organizer", "password": "1"}
    )
    assert response.status_code == 422
    assert programme_state(programme) == before


def test_the_roles_page_lists_staff_with_their_community(console, programme, community):
    make_staff(
        programme=programme, kind=RoleKind.REVIEWER, community=community, username="reviewer-lin"
    )
    page = console.get(url("console-roles", programme)).content.decode()
    assert "reviewer-lin" in page and "东区" in page


def test_the_audit_log_pages_backwards_without_overlap(console, programme, admin):
    for _ in range(60):
        record(actor=admin, programme=programme, action="test.step", target=programme, data={})
    first = console.get(url("console-audit", programme)).context["entries"]
    second = console.get(url("console-audit", programme), {"before": first[-1].pk})
    older = second.context["entries"]
    assert len(first) == 50 and older
    assert max(e.pk for e in older) < min(e.pk for e in first)
    assert second.context["next_before"] is None


@pytest.mark.parametrize("before", ["²", "abc", "-5", "99999999999999999999"])
def test_a_strange_cursor_is_not_an_error(console, programme, before):
    assert console.get(url("console-audit", programme), {"before": before}).status_code == 200


def test_the_audit_log_filters_by_action_prefix(console, programme, community):
    make_member(community=community)
    entries = console.get(url("console-audit", programme), {"action": "member."}).context["entries"]
    assert entries and {e.action.split(".")[0] for e in entries} == {"member"}


def test_the_audit_log_names_who_acted_for_whom_in_the_programme_time(
    console, programme, admin, member
):
    programme.timezone = "Asia/Shanghai"
    programme.save()
    start_acting_for(actor=admin, member=member)
    entry = AuditEntry.objects.get(action="on_behalf.start")
    local = entry.created_at.astimezone(ZoneInfo("Asia/Shanghai"))
    page = console.get(url("console-audit", programme)).content.decode()
    assert local.strftime("%Y-%m-%d %H:%M:%S") in page
    assert member.display_name in page and "on_behalf.start" in page


def test_the_audit_log_never_shows_phone_numbers(console, programme, member):
    assert "13800138000" not in console.get(url("console-audit", programme)).content.decode()
