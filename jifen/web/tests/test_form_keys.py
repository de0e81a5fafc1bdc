"""A console form sent twice with its one-time key (a double click, a reload, a retry on a
poor connection) writes once and answers the second time as the first."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from jifen.audit.models import AuditEntry
from jifen.idempotency.models import IdempotencyRecord
from jifen.ledger.models import Approval, Transaction
from jifen.ledger.services import award_points, request_approval
from jifen.programmes.models import (
    Community,
    Household,
    Invitation,
    Member,
    Role,
    RoleKind,
    RoleOffer,
)
from jifen.programmes.services import create_invitation
from jifen.testing import make_household, make_member, make_staff, make_user


@pytest.fixture
def world(programme, community, admin, member):
    household = make_household(community=community)
    housemate = make_member(community=community, household=household)
    reviewer = make_staff(programme=programme, kind=RoleKind.REVIEWER)
    return {
        "slug": programme.slug,
        "member": member.public_id,
        "community": community.pk,
        "household": household.public_id,
        "housemate": housemate.public_id,
        "transaction": award_points(member=member, amount=10, reason="x").transaction.public_id,
        "approval": request_approval(
            kind="adjust", member=member, amount=2, reason="x", actor=reviewer
        ).pk,
        "invitation": create_invitation(actor=admin, member=housemate)[0].pk,
        "role": Role.objects.get(user=reviewer).pk,
    }


RESIDENT = {"community": "{community}", "household": "", "status": "active"}
# URL name, its arguments (world keys), what the form sends ({key} taken from the world).
FORMS = [
    ("console-award", ["member"], {"amount": "5", "reason": "patrol"}),
    ("console-adjust", ["member"], {"amount": "-3", "reason": "typo"}),
    ("console-reverse", ["member", "transaction"], {"reason": "by mistake"}),
    ("console-approval-decide", ["approval"], {"decision": "approve"}),
    ("console-resident-new", [], {"display_name": "New", **RESIDENT}),
    ("console-resident-edit", ["member"], {"display_name": "Renamed", **RESIDENT}),
    ("console-communities", [], {"name": "North", "population": "900"}),
    ("console-community", ["community"], {"name": "East", "population": "901"}),
    ("console-roles", [], {"login": "newcomer", "password": "a long pass 2026", "kind": "cashier"}),
    ("console-role-revoke", ["role"], {}),
    ("console-invitation-revoke", ["invitation"], {}),
    ("console-revoke-card", ["member"], {}),
    ("console-act-for", ["member"], {}),
    ("console-household-head", ["household"], {"head": "{housemate}"}),
    ("console-settings", [], {}),
]


def state():
    return [
        Transaction.objects.count(),
        list(Approval.objects.values_list("status", flat=True)),
        list(Member.objects.order_by("pk").values("display_name", "card_version")),
        list(Household.objects.order_by("pk").values("head")),
        list(Community.objects.order_by("pk").values("name", "population")),
        Role.objects.count(),
        Invitation.objects.filter(revoked_at__isnull=True).count(),
        AuditEntry.objects.count(),
    ]


def _post_of(client, name, args, fields, world):
    url = reverse(name, args=[world["slug"], *[world[a] for a in args]])
    data = {k: re.sub(r"{(\w+)}", lambda m: str(world[m.group(1)]), v) for k, v in fields.items()}
    if name == "console-settings":  # the settings form sends every setting
        data = {**client.get(url).context["form"].initial, "name": "Renamed programme"}
    return url, data


@pytest.mark.parametrize(("name", "args", "fields"), FORMS, ids=[f[0] for f in FORMS])
def test_a_resent_form_writes_once_and_answers_the_same(client, admin, world, name, args, fields):
    client.force_login(admin)
    url, data = _post_of(client, name, args, fields, world)
    before = state()
    first = client.post(url, {**data, "form_key": "k-1"})
    after_first = state()
    again = client.post(url, {**data, "form_key": "k-1"})
    assert first.status_code == 302, first.content.decode()[:300]
    assert after_first != before  # the form did something the first time…
    assert state() == after_first  # …and nothing the second
    assert (again.status_code, again["Location"]) == (302, first["Location"])


def test_the_same_key_with_other_fields_is_refused_and_writes_nothing(client, admin, world):
    client.force_login(admin)
    url = reverse("console-award", args=[world["slug"], world["member"]])
    client.post(url, {"amount": "5", "reason": "patrol", "form_key": "k-1"})
    before = state()
    response = client.post(
        url, {"amount": "50", "reason": "patrol", "form_key": "k-1"}, HTTP_REFERER=url
    )
    assert (response.status_code, response["Location"]) == (302, url)
    assert state() == before


def test_another_users_form_key_is_not_theirs_to_replay(client, admin, programme, world):
    url = reverse("console-award", args=[world["slug"], world["member"]])
    client.force_login(admin)
    client.post(url, {"amount": "5", "reason": "patrol", "form_key": "k-1"})
    client.force_login(make_staff(programme=programme))
    before = state()
    client.post(url, {"amount": "5", "reason": "patrol", "form_key": "k-1"})
    assert state() == before


def test_a_refused_form_keeps_its_key_for_the_corrected_one(client, admin, world):
    client.force_login(admin)
    url = reverse("console-communities", args=[world["slug"]])
    refused = client.post(url, {"name": "", "population": "1", "form_key": "k-1"})
    assert refused.status_code == 422 and not IdempotencyRecord.objects.exists()
    done = client.post(url, {"name": "North", "population": "1", "form_key": "k-1"})
    assert done.status_code == 302 and Community.objects.filter(name="North").exists()


def test_a_form_without_a_key_runs_each_time(client, admin, world):
    client.force_login(admin)
    url = reverse("console-adjust", args=[world["slug"], world["member"]])
    for _ in range(2):
        client.post(url, {"amount": "1", "reason": "x"})
    assert Approval.objects.filter(amount=1).count() == 2


# Where each form is shown: the page's URL name and arguments.
PAGES = {
    "console-award": ("console-member-points", ["member"]),
    "console-adjust": ("console-member-points", ["member"]),
    "console-reverse": ("console-member-points", ["member"]),
    "console-approval-decide": ("console-approvals", []),
    "console-resident-new": ("console-resident-new", []),
    "console-resident-edit": ("console-resident-edit", ["member"]),
    "console-communities": ("console-communities", []),
    "console-community": ("console-community", ["community"]),
    "console-roles": ("console-roles", []),
    "console-role-revoke": ("console-roles", []),
    "console-invitation-revoke": ("console-invitations", []),
    "console-revoke-card": ("console-resident", ["member"]),
    "console-act-for": ("console-resident", ["member"]),
    "console-household-head": ("console-household", ["household"]),
    "console-settings": ("console-settings", []),
}


@pytest.mark.parametrize(("name", "args", "fields"), FORMS, ids=[f[0] for f in FORMS])
def test_every_such_form_carries_a_one_time_key(client, admin, world, name, args, fields):
    client.force_login(admin)
    page, page_args = PAGES[name]
    html = client.get(reverse(page, args=[world["slug"], *[world[a] for a in page_args]]))
    action = reverse(name, args=[world["slug"], *[world[a] for a in args]])
    forms = re.findall(r"<form[^>]*>.*?</form>", html.content.decode(), re.S)
    posting = [
        f for f in forms if f'action="{action}"' in f or (page == name and "action=" not in f)
    ]
    assert posting, f"no form of {name} on {page}"
    assert all(re.search(r'name="form_key" value="[\w-]{20,}"', f) for f in posting), name


def test_a_page_shown_once_is_kept_and_not_shown_again(client, admin, programme):
    """A role offered to an existing account answers with its one-time link (a page, not a
    redirect): the offer is kept, and the resent form is told it was done, without the link."""
    make_user(username="colleague")
    client.force_login(admin)
    with translation.override("en"):
        url = reverse("console-roles", args=[programme.slug])
    data = {"login": "colleague", "password": "", "kind": "cashier", "form_key": "k-offer"}
    first = client.post(url, data)
    assert first.status_code == 200 and "/role/" in first.content.decode()
    again = client.post(url, data, follow=True)
    assert RoleOffer.objects.filter(programme=programme).count() == 1
    assert "/role/" not in again.content.decode()
    assert "This form was sent already" in again.content.decode()
