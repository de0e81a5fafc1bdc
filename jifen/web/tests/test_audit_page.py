"""The audit log and a resident's history read in the page's language: actions by their
label, roles by their code, never the language the entry happened to be written in."""

import pytest
from django.urls import reverse
from django.utils import translation

from jifen.audit.labels import ACTION_LABELS
from jifen.programmes import services
from jifen.programmes.models import RoleKind
from jifen.testing import make_member, make_user


def label(language: str, action: str) -> str:
    with translation.override(language):
        return str(ACTION_LABELS[action])


def role_name(language: str, kind: str) -> str:
    with translation.override(language):
        return str(RoleKind(kind).label)


@pytest.fixture
def granted_in_chinese(admin, programme):
    with translation.override("zh-hans"):  # as the demo, or a Chinese-speaking admin, did
        return services.grant_role(
            actor=admin, programme=programme, user=make_user(), kind=RoleKind.REVIEWER
        )


@pytest.mark.parametrize("language", ["en", "fr", "zh-hans"])
def test_the_audit_log_names_actions_and_roles_in_the_page_language(
    client, admin, programme, granted_in_chinese, language
):
    client.force_login(admin)
    rows = client.get(f"/{language}/p/xingfuli/console/audit/").text.split("<tbody>")[1]
    assert f"<td>{label(language, 'role.grant')}</td>" in rows
    assert f"<td>{role_name(language, 'reviewer')} · 幸福里社区</td>" in rows
    assert "role.grant" not in rows and "<code>" not in rows


def test_the_chinese_role_name_is_gone_from_the_english_page(
    client, admin, programme, granted_in_chinese
):
    client.force_login(admin)
    rows = client.get("/en/p/xingfuli/console/audit/").text.split("<tbody>")[1]
    assert role_name("zh-hans", "reviewer") not in rows


def test_the_filter_offers_every_action_by_its_label(client, admin, programme):
    client.force_login(admin)
    page = client.get("/en/p/xingfuli/console/audit/", {"action": "role.grant"}).text
    assert f'<option value="role.grant" selected>{label("en", "role.grant")}</option>' in page
    assert f'<option value="demo.create">{label("en", "demo.create")}</option>' in page


def test_a_residents_history_names_its_actions(client, admin, programme, community):
    member = make_member(community=community)
    client.force_login(admin)
    with translation.override("en"):
        url = reverse("console-resident", args=[programme.slug, member.public_id])
    rows = client.get(url).text.split("<tbody>")[-1]
    assert f"<td>{label('en', 'member.create')}</td>" in rows
    assert "member.create" not in rows


@pytest.mark.parametrize("language", ["en", "fr"])
def test_role_offers_are_named_in_the_page_language_too(client, admin, programme, language):
    from jifen.programmes.staff import offer_role, withdraw_role_offer

    with translation.override("zh-hans"):
        offer, _ = offer_role(
            actor=admin, programme=programme, user=make_user(), login="x", kind="reviewer"
        )
        withdraw_role_offer(actor=admin, offer=offer)
    client.force_login(admin)
    rows = client.get(f"/{language}/p/xingfuli/console/audit/").text.split("<tbody>")[1]
    assert rows.count(f"<td>{role_name(language, 'reviewer')} · 幸福里社区</td>") == 2
    assert role_name("zh-hans", "reviewer") not in rows
