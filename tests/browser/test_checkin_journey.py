"""An organizer checks a resident in at a patrol by holding her member card up to the phone's
camera (Chromium's fake camera plays a video of the card's QR code), closes the patrol, and
the resident's phone then shows what she earned: “本次获得10积分，当前总积分10”."""

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from jifen.earning.models import Attendance, CheckInMethod
from jifen.ledger.queries import summary_of
from jifen.programmes.cardtokens import card_token
from jifen.programmes.models import RoleKind
from jifen.testing import make_activity, make_rule, make_staff
from jifen.testing_camera import qr_y4m
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, DEVICES

pytestmark = pytest.mark.browser


@pytest.fixture
def organizer(programme, community):
    return make_staff(
        programme=programme, kind=RoleKind.ORGANIZER, community=community, username="organizer"
    )


@pytest.fixture
def patrol(programme, community):
    rule = make_rule(
        programme=programme,
        code="patrol",
        name="治安巡逻",
        category="patrol",
        config={"points": 10},
    )
    return make_activity(
        rule=rule, community=community, title="夜间巡逻", place="小区东门", category="patrol"
    )


@pytest.fixture
def camera_browser(browser: Browser, tmp_path, member) -> Iterator[Browser]:
    """A second Chromium whose camera shows the resident's member card."""
    video = qr_y4m(card_token(member), tmp_path / "card.y4m")
    camera = [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    ]
    launched = browser.browser_type.launch(
        executable_path=str(CHROMIUM), args=CHROMIUM_ARGS + camera
    )
    yield launched
    launched.close()


@pytest.fixture
def organizer_phone(camera_browser: Browser, live_server) -> Iterator[BrowserContext]:
    context = camera_browser.new_context(
        locale="zh-CN", base_url=live_server.url, **DEVICES["phone"]
    )
    context.grant_permissions(["camera"], origin=live_server.url)
    context.set_default_timeout(15_000)
    yield context
    context.close()


def test_a_card_read_by_the_camera_checks_in_and_closing_credits_the_resident(
    organizer_phone,
    new_page,
    screenshot,
    sign_in,
    zh_url,
    programme,
    organizer,
    member,
    resident,
    patrol,
):
    page = organizer_phone.new_page()
    sign_in(page, "organizer")
    page.goto(zh_url("console-activity-checkin", programme.slug, patrol.public_id))
    expect(page.locator("[data-scanner] video")).to_be_visible()
    # The camera reads the card, the form is sent, the answer comes in large text.
    expect(page.locator("#result-name")).to_have_text("王秀英")
    expect(page.locator("#attendance-list")).to_contain_text("王秀英")
    expect(page.locator("#attendance-count")).to_have_text("1")
    screenshot("checkin-01-camera", page)
    assert Attendance.objects.get(activity=patrol).method == CheckInMethod.CARD
    # The card stays in front of the camera: still one check-in.
    page.wait_for_timeout(2000)
    expect(page.locator("#attendance-count")).to_have_text("1")

    page.locator(
        f'a[href="{zh_url("console-activity", programme.slug, patrol.public_id)}"]'
    ).click()
    expect(page.locator("#attendance-table")).to_contain_text("王秀英")
    screenshot("checkin-02-management", page)
    page.locator("#close-activity").click()
    expect(page.locator("#close-preview")).to_contain_text("10")
    screenshot("checkin-03-close-confirm", page)
    page.locator("#confirm-close").click()
    expect(page.locator("#credited")).to_contain_text("10")
    screenshot("checkin-04-closed", page)
    assert summary_of(member).balance == 10

    phone = new_page("phone")
    sign_in(phone, "13800138000")
    phone.goto(zh_url("resident-home", programme.slug))
    expect(phone.locator("#latest-award")).to_have_text(
        re.compile(r"^本次获得10积分，当前总积分10")
    )
    expect(phone.locator("#latest-award-reason")).to_contain_text("治安巡逻")
    screenshot("checkin-05-resident-home", phone)
    phone.goto(zh_url("resident-my-activities", programme.slug))
    expect(phone.locator(f"#mine-{patrol.public_id}")).to_contain_text("+10")
    screenshot("checkin-06-my-activities", phone)
