"""The notice board (公示榜) on a phone in Chinese: the month's awards by community, a notice
with its objection and the quotas; the poster (A4) and the resident's 社区之星 certificate
rendered to PNG with pypdfium2; the transparency page opened from the poster's QR link says
the head is verified. Screenshots board-01 … 04.

Controls are found by ids and link targets, not by the interface's wording."""

import re
from datetime import timedelta

import pypdfium2
import pytest
import time_machine
from playwright.sync_api import expect

from jifen.earning.appeals import object_to
from jifen.ledger import services as ledger
from jifen.ledger.policy_changes import PolicySettings, QuotaTier, update_policy
from jifen.lib import clock
from jifen.recognition import posters, titles
from jifen.recognition.tests.test_board import earn  # an earning through crediting.record
from jifen.testing import make_member, make_rule, pdf_text
from jifen.transparency import queries
from jifen.transparency.sequencer import seal_all
from tests.browser.conftest import SCREENSHOTS

pytestmark = pytest.mark.browser


def as_png(pdf: bytes, name: str) -> None:
    """The PDF's first page as artifacts/screenshots/<name>.png, at 2× (144 dpi)."""
    page = pypdfium2.PdfDocument(pdf)[0]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.render(scale=2).to_pil().save(SCREENSHOTS / f"{name}.png")


@pytest.fixture
def this_month(programme, community, other_community, member, resident):
    """Awards this month in two communities, one on notice with an objection, quotas on;
    王秀英 earned 1,200 last year and holds its title; the log is sealed."""
    update_policy(
        actor=None,
        programme=programme,
        settings=PolicySettings(quotas_enabled=True, quota_tiers=(QuotaTier(None, 3000),)),
    )
    sweep = make_rule(programme=programme, name="楼道清扫", config={"points": 10})
    good = make_rule(programme=programme, name="好人好事", notice_days=5)
    with time_machine.travel(clock.now() - timedelta(days=366)):
        ledger.award_points(member=member, amount=1200, reason="志愿服务")
    titles.give_titles(programme=programme, year=clock.now().year - 1)
    neighbours = [
        make_member(community=c, name=n)
        for c, n in ((community, "李桂兰"), (other_community, "赵磊"))
    ]
    for n, someone in enumerate([member, *neighbours]):
        earn(someone, sweep, 10, f"sweep-{n}")
    pending = earn(neighbours[1], good, 30, "good-1", notice=True)
    object_to(earning=pending, member=member, reason="需要核实")
    seal_all()


def test_the_board_on_a_phone_its_poster_and_a_certificate(
    new_page, screenshot, sign_in, zh_url, live_server, programme, member, this_month
):
    phone = new_page("phone")
    phone.goto(zh_url("board", programme.slug))
    expect(phone.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(phone.locator("#awards")).to_contain_text("东区")
    expect(phone.locator("#awards")).to_contain_text("楼道清扫")
    expect(phone.locator("#notices")).to_contain_text("赵*")
    expect(phone.locator("#quotas tbody tr")).to_have_count(2)
    assert not re.search(r"1[3-9]\d{9}", phone.content())
    screenshot("board-01-phone", phone)

    poster = phone.request.get(phone.locator("a[href*='poster-a4.pdf']").get_attribute("href"))
    assert "楼道清扫" in pdf_text(poster.body())
    as_png(poster.body(), "board-02-poster-a4")

    head = queries.latest_head(programme)
    link = posters.head_link(live_server.url + zh_url("transparency", programme.slug), head)
    phone.goto(link)
    expect(phone.locator("#head-verdict")).to_have_attribute("data-verdict", "verified")
    screenshot("board-03-head-verified", phone)

    sign_in(phone, "13800138000")
    phone.goto(zh_url("my-certificates", programme.slug))
    href = phone.locator("#certificates a[href*='title-']").get_attribute("href")
    certificate = phone.request.get(href)
    assert "社区之星" in pdf_text(certificate.body()) and "王秀英" in pdf_text(certificate.body())
    as_png(certificate.body(), "board-04-certificate")
