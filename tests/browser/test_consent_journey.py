"""A resident of 幸福里社区 who already has an account is invited by a second programme: on her
phone she opens the link, is asked to sign in with her own password, accepts, and then finds
both programmes on her home page. The link alone would have let no one else in. Offered a
role by that programme, she is given the offer's link, and takes the role the same way."""

import re

import pytest
from playwright.sync_api import expect

from jifen.programmes import services
from jifen.testing import PASSWORD, make_member

pytestmark = pytest.mark.browser


def test_an_existing_resident_signs_in_and_accepts_a_second_programmes_invitation(
    phone_page, screenshot, zh_url, resident, other_programme, other_admin
):
    page = phone_page
    copy = make_member(
        community=other_programme.communities.get(), name="王阿姨", phone="13800138000"
    )
    _, token = services.create_invitation(actor=other_admin, member=copy)
    page.goto(zh_url("invitation", token))
    expect(page.locator("#invitation")).to_have_attribute("data-answer", "sign_in")
    expect(page.locator("input[name=password]")).to_have_count(0)  # no password to set here
    _expect_no_overflow(page)
    screenshot("journey-consent-1-sign-in-first", page)

    page.locator("#sign-in-to-answer").click()
    form = page.locator(f'main form[action="{zh_url("login")}"]')
    form.locator("input[name=username]").fill("138 0013 8000")
    form.locator("input[name=password]").fill(PASSWORD)
    screenshot("journey-consent-2-sign-in", page)
    form.locator("button[type=submit]").click()

    expect(page).to_have_url(re.compile(re.escape(zh_url("invitation", token)) + "$"))
    expect(page.locator("#invitation")).to_have_attribute("data-answer", "consent")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Riverside")
    expect(page.get_by_role("heading", level=1)).to_contain_text("王阿姨")
    _expect_no_overflow(page)
    screenshot("journey-consent-3-accept-or-decline", page)

    page.locator('button[name=answer][value="accept"]').click()
    expect(page).to_have_url(re.compile(re.escape(zh_url("resident-home", "riverside")) + "$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("王阿姨")
    screenshot("journey-consent-4-second-programme", page)

    page.goto(zh_url("home"))
    mine = page.locator("main ul.entries").first
    expect(mine).to_contain_text("幸福里社区")
    expect(mine).to_contain_text("Riverside")
    _expect_no_overflow(page)
    screenshot("journey-consent-5-both-programmes", page)


def test_an_existing_resident_takes_a_role_with_the_offers_link(
    page, phone_page, screenshot, sign_in, zh_url, resident, other_admin
):
    sign_in(page, "other-admin")
    page.goto(zh_url("console-roles", "riverside"))
    form = page.locator("main form[method=post]").last
    form.locator("input[name=login]").fill("138 0013 8000")
    form.locator("select[name=kind]").select_option("auditor")
    form.locator("button[type=submit]").click()
    expect(page.locator("#role-offer-link svg")).to_be_visible()  # the QR code
    link = page.locator("#role-offer-link input[readonly]").input_value()
    expect(page.locator("main")).not_to_contain_text("王秀英")
    screenshot("journey-role-offer-1-link-for-the-person", page)

    phone_page.goto(zh_url("home"))
    expect(phone_page.locator("main form button[name=answer]")).to_have_count(0)
    phone_page.goto(link)
    expect(phone_page.locator("#role-offer")).to_have_attribute("data-answer", "sign_in")
    phone_page.locator("#sign-in-to-answer").click()
    login = phone_page.locator(f'main form[action="{zh_url("login")}"]')
    login.locator("input[name=username]").fill("13800138000")
    login.locator("input[name=password]").fill(PASSWORD)
    login.locator("button[type=submit]").click()
    expect(phone_page.locator("#role-offer")).to_have_attribute("data-answer", "consent")
    _expect_no_overflow(phone_page)
    screenshot("journey-role-offer-2-accept-or-decline", phone_page)

    phone_page.locator('button[name=answer][value="accept"]').click()
    expect(phone_page).to_have_url(re.compile(re.escape(zh_url("console", "riverside")) + "$"))
    screenshot("journey-role-offer-3-console", phone_page)


def _expect_no_overflow(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width}px wide on a 390px phone"
