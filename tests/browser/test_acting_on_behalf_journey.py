"""An organizer acts on behalf of (代办) a resident who has no phone, then stops; both steps
are on the record."""

import re

import pytest
from playwright.sync_api import expect

from jifen.audit.models import AuditEntry
from jifen.programmes import services
from jifen.programmes.models import RoleKind
from jifen.testing import make_staff

pytestmark = pytest.mark.browser


@pytest.fixture
def organizer(programme):
    return make_staff(programme=programme, kind=RoleKind.ORGANIZER, username="organizer")


@pytest.fixture
def phoneless(community):
    data = services.MemberData(display_name="李大爷", community=community, is_elderly=True)
    return services.create_member(actor=None, programme=community.programme, data=data)


def test_an_organizer_acts_on_behalf_of_a_resident_without_a_phone_and_stops(
    page, screenshot, sign_in, zh_url, programme, organizer, phoneless
):
    sign_in(page, "organizer")
    page.locator(f'nav a[href="{zh_url("console-residents", programme.slug)}"]').click()
    page.locator("#results").get_by_role("link", name="李大爷").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("李大爷")
    screenshot("journey-acting-1-resident", page)

    act_for = zh_url("console-act-for", programme.slug, phoneless.public_id)
    page.locator(f'main form[action="{act_for}"] button').click()
    expect(page).to_have_url(re.compile(re.escape(zh_url("resident-home", programme.slug)) + "$"))
    banner = page.locator(".acting-banner")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("李大爷")
    expect(page.get_by_role("heading", level=1)).to_contain_text("李大爷")
    expect(page.locator(".card-qr svg")).to_be_visible()
    screenshot("journey-acting-2-resident-page-with-banner", page)

    banner.locator("button[type=submit]").click()
    resident = zh_url("console-resident", programme.slug, phoneless.public_id)
    expect(page).to_have_url(re.compile(re.escape(resident) + "$"))
    expect(page.locator(".acting-banner")).to_have_count(0)
    expect(page.locator(f'main form[action="{act_for}"]')).to_be_visible()
    screenshot("journey-acting-3-stopped", page)
    actions = AuditEntry.objects.filter(on_behalf_of=phoneless).order_by("id")
    assert list(actions.values_list("action", flat=True)) == ["on_behalf.start", "on_behalf.stop"]
