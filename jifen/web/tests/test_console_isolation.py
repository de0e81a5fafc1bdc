"""No console page of one programme answers staff of another: every URL, GET and POST, is a
404 and changes nothing. The list of URLs comes from the URL configuration itself, so a new
page is covered the day it is added."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from jifen.audit.models import AuditEntry
from jifen.ledger.models import Approval, Transaction
from jifen.ledger.services import award_points, request_approval
from jifen.programmes.models import Community, Household, Invitation, Member, Role, RoleKind
from jifen.programmes.services import create_invitation
from jifen.recognition.models import Title
from jifen.testing import make_household, make_member, make_rule, make_staff
from jifen.testing_rewards import make_reward, make_store


def console_names() -> list[str]:
    def walk(patterns):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns)
            elif isinstance(p, URLPattern) and p.name and p.name.startswith("console"):
                yield p.name

    return sorted(set(walk(get_resolver().url_patterns)))


def test_the_sweep_covers_the_console():
    names = console_names()
    assert len(names) >= 20
    assert {
        "console-residents",
        "console-import",
        "console-cards-pdf",
        "console-roles",
        "console-audit",
        "console-act-for",
    } <= set(names)


@pytest.fixture
def world(programme, community, admin, other_admin):
    household = make_household(community=community)
    member = make_member(community=community, household=household)
    invitation, _ = create_invitation(actor=admin, member=member)
    role = Role.objects.get(user=admin, programme=programme)
    tx = award_points(member=member, amount=5, reason="x").transaction
    approval = request_approval(kind="adjust", member=member, amount=3, reason="x", actor=admin)
    store = make_store(programme=programme, code="dongqu", community=community)
    return {
        "slug": programme.slug,
        "public_id": member.public_id,
        "community_id": community.pk,
        "role_id": role.pk,
        "invitation_id": invitation.pk,
        "fmt": "csv",
        "household": household,
        "approval_id": approval.pk,
        "transaction_id": tx.public_id,
        "member_id": member.public_id,
        "code": make_rule(programme=programme, code="patrol").code,
        "store": store.code,
        # The catalogue and settlements (jifen/web/catalogue.py, settlements.py).
        "reward": make_reward(store=store).public_id,
        "starts_on": "2026-01-01",
        "key": "growth",  # an insights table (jifen/web/insights.py)
        "title": Title.objects.create(
            programme=programme, member=member, name="社区之星", year=2025, rank=1, points=5
        ).public_id,
    }


def url_for(name: str, world) -> str:
    for keys in (
        [],
        ["public_id"],
        ["community_id"],
        ["role_id"],
        ["invitation_id"],
        ["fmt"],
        ["approval_id"],
        ["public_id", "transaction_id"],
        ["public_id", "member_id"],
        ["code"],
        ["store"],
        ["reward"],
        ["reward", "store"],
        ["store", "starts_on"],
        ["key", "fmt"],
        ["title"],
    ):
        kwargs = {"slug": world["slug"], **{k: world[k] for k in keys}}
        if name.startswith("console-household") and name != "console-households":
            kwargs = {"slug": world["slug"], "public_id": world["household"].public_id}
        try:
            return reverse(name, kwargs=kwargs)
        except Exception:  # noqa: BLE001 - try the next argument shape
            continue
    raise AssertionError(f"cannot build {name}")


def state():
    return (
        Transaction.objects.count(),
        Approval.objects.filter(status="pending").count(),
        Member.objects.count(),
        Household.objects.count(),
        Community.objects.count(),
        Role.objects.count(),
        AuditEntry.objects.count(),
        Invitation.objects.filter(revoked_at__isnull=True).count(),
        list(Member.objects.values_list("card_version", flat=True).order_by("id")),
    )


@pytest.mark.parametrize("name", console_names())
def test_staff_of_another_programme_get_404_and_change_nothing(client, world, other_admin, name):
    client.force_login(other_admin)
    url = url_for(name, world)
    before = state()
    get = client.get(url).status_code
    post = client.post(
        url,
        {
            "display_name": "X",
            "name": "X",
            "population": 1,
            "login": "x",
            "kind": "admin",
            "head": world["public_id"],
        },
    ).status_code
    # A method a page does not take is 405 before any lookup; the other one must be 404.
    assert {get, post} <= {404, 405} and 404 in {get, post}
    assert state() == before


@pytest.mark.parametrize("name", console_names())
def test_a_resident_gets_404_everywhere_in_the_console(client, world, resident, name):
    client.force_login(resident)
    assert client.get(url_for(name, world)).status_code in (404, 405)


@pytest.mark.parametrize("kind", [RoleKind.CASHIER, RoleKind.REVIEWER, RoleKind.AUDITOR])
def test_roles_without_manage_members_cannot_change_residents(client, world, programme, kind):
    client.force_login(make_staff(programme=programme, kind=kind))
    before = state()
    for name in (
        "console-resident-new",
        "console-import",
        "console-invite",
        "console-act-for",
        "console-revoke-card",
        "console-roles",
        "console-settings",
    ):
        response = client.post(url_for(name, world), {"display_name": "X"})
        assert response.status_code in (404, 405), name
    assert state() == before
