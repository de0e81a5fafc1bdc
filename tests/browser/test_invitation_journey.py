"""A resident opens the invitation link on a phone, sets a password, signs in again with the
phone number as she would type it, and reads her page in French.

What the interface says is only checked at the end (`_assert_translated`): the catalogues are
written last, and until then the journey itself should still be seen to work."""

import re

import pytest
from playwright.sync_api import expect

from jifen.programmes import services

pytestmark = pytest.mark.browser

PASSWORD = "梅花 plum blossom 2026"
HAN = re.compile(r"[\u4e00-\u9fff]")


def test_a_resident_accepts_her_invitation_on_a_phone_and_reads_her_page_in_french(
    phone_page, screenshot, sign_in, zh_url, programme, admin, member
):
    page = phone_page
    _, token = services.create_invitation(actor=admin, member=member)
    page.goto(zh_url("invitation", token))
    expect(page.get_by_role("heading", level=1)).to_contain_text("王秀英")
    screenshot("journey-invitation-1-welcome", page)

    mismatch = _set_password(page, PASSWORD, PASSWORD + "!")
    expect(mismatch).to_be_visible()
    mismatch_text = mismatch.inner_text()
    screenshot("journey-invitation-2-passwords-differ", page)
    _set_password(page, PASSWORD, PASSWORD)
    home = zh_url("resident-home", programme.slug)
    _expect_resident_home(page, home)
    screenshot("journey-invitation-3-home", page)

    page.locator(f'header form[action="{zh_url("logout")}"] button').click()
    expect(page.locator(f'header a[href="{zh_url("login")}"]')).to_be_visible()
    screenshot("journey-invitation-4-signed-out", page)
    sign_in(page, "138 0013 8000", PASSWORD, shot="journey-invitation-5-sign-in-with-phone")
    _expect_resident_home(page, home)

    page.locator("header select[name=language]").select_option("fr")
    expect(page).to_have_url(re.compile(r"/fr/p/xingfuli/me/$"))
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", level=1)).to_contain_text("王秀英")
    screenshot("journey-invitation-6-french", page)
    _assert_translated(page, mismatch_text)


def _set_password(page, password, confirm):
    form = page.locator("main form")
    form.locator("input[name=password]").fill(password)
    form.locator("input[name=confirm]").fill(confirm)
    form.locator("button[type=submit]").click()
    return page.locator("#confirm-errors")


def _expect_resident_home(page, home):
    expect(page).to_have_url(re.compile(re.escape(home) + "$"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_role("heading", level=1)).to_contain_text("王秀英")
    expect(page.locator(".card-qr svg")).to_be_visible()


def _assert_translated(page, mismatch_text):
    """The refusal was in Chinese, and the French page says "Se déconnecter"."""
    assert HAN.search(mismatch_text), f"not in Chinese: {mismatch_text!r}"
    sign_out = page.locator('header form[action$="/logout/"] button')
    expect(sign_out).to_have_text("Se déconnecter")
