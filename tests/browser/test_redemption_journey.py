"""A resident redeems 5 kg of rice on her phone and shows the code; the cashier's phone at
the counter reads it with the camera (Chromium's fake camera plays the code's QR), the
answer comes in large text with her masked name, and her phone then shows the balance less
100 and the rice handed over in her history."""

import pytest
from playwright.sync_api import Browser, expect

from jifen.ledger.queries import summary_of
from jifen.programmes.models import RoleKind
from jifen.rewards import codes, services
from jifen.rewards.models import Redemption, RedemptionStatus
from jifen.testing import make_staff
from jifen.testing_camera import qr_y4m
from jifen.testing_rewards import give_points, make_reward, make_store
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, DEVICES

pytestmark = pytest.mark.browser


@pytest.fixture
def store(programme, community):
    return make_store(programme=programme, code="dongqu", name="东区积分超市", community=community)


@pytest.fixture
def rice(store):
    return make_reward(store=store, name="大米 5kg", points=100, units=10, category="food")


@pytest.fixture
def cashier(programme, community, store):
    user = make_staff(
        programme=programme, kind=RoleKind.CASHIER, community=community, username="cashier"
    )
    services.set_cashiers(store=store, users=[user], actor=None)
    return user


def camera_showing(browser: Browser, text: str, tmp_path) -> Browser:
    """A second Chromium whose camera shows the QR code of `text`."""
    video = qr_y4m(text, tmp_path / "code.y4m")
    camera = [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    ]
    return browser.browser_type.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS + camera)


def test_a_code_shown_on_the_residents_phone_is_read_at_the_counter_and_settles(
    browser,
    new_page,
    screenshot,
    sign_in,
    zh_url,
    live_server,
    tmp_path,
    programme,
    member,
    resident,
    rice,
    cashier,
):
    give_points(member, 300)
    phone = new_page("phone")
    sign_in(phone, "13800138000")
    phone.goto(zh_url("resident-home", programme.slug))
    phone.locator("#rewards-link").click()
    expect(phone.locator(f"#reward-{rice.public_id}")).to_contain_text("大米 5kg")
    screenshot("redemption-01-catalogue", phone)
    phone.locator(f"#reward-{rice.public_id} a.offer-link").click()
    expect(phone.locator("#reward-name")).to_have_text("大米 5kg")
    screenshot("redemption-02-item", phone)
    phone.locator("#redeem-button").click()
    expect(phone.locator("#code-text")).to_be_visible()
    redemption = Redemption.objects.get(member=member)
    expect(phone.locator("#code-text")).to_have_text(codes.display(redemption.code))
    expect(phone.locator("#code-qr svg")).to_be_visible()
    screenshot("redemption-03-code", phone)
    assert summary_of(member).balance == 200

    camera = camera_showing(browser, redemption.code, tmp_path)
    try:
        context = camera.new_context(locale="zh-CN", base_url=live_server.url, **DEVICES["phone"])
        context.grant_permissions(["camera"], origin=live_server.url)
        context.set_default_timeout(15_000)
        till = context.new_page()
        sign_in(till, "cashier")
        till.goto(zh_url("console-counter-stores", programme.slug))  # one store: straight in
        expect(till.locator("#counter-store")).to_have_text("东区积分超市")
        expect(till.locator("[data-scanner] video")).to_be_visible()
        # The camera reads the code, the form is sent, the answer comes in large text.
        expect(till.locator("#result-item")).to_have_text("大米 5kg × 1")
        expect(till.locator("#result-text")).to_contain_text("王*英")
        expect(till.locator("#today-count")).to_have_text("1")
        screenshot("redemption-04-counter", till)
        # The code stays in front of the camera: still one handover, the second read refused.
        till.wait_for_timeout(3500)
        expect(till.locator("#today-count")).to_have_text("1")
        context.close()
    finally:
        camera.close()
    redemption.refresh_from_db()
    assert redemption.status == RedemptionStatus.FULFILLED

    phone.goto(zh_url("resident-redemptions", programme.slug))
    expect(phone.locator(f"#history-{redemption.public_id} .status-fulfilled")).to_be_visible()
    expect(phone.locator(f"#code-{redemption.public_id}")).to_have_count(0)
    screenshot("redemption-05-history", phone)
    phone.goto(zh_url("resident-home", programme.slug))
    expect(phone.locator("#balance")).to_have_text("200")
    screenshot("redemption-06-balance", phone)
    assert summary_of(member).balance == 200
