"""A neighbour opens the public leaderboard on a phone in Chinese: this month's residents
first, masked names, then the households and the parent–child pairs, then this year; each
switch swaps the board in place and the address follows. Screenshots leaderboard-01 … 03."""

import pytest
from playwright.sync_api import expect

from jifen.ledger import services as ledger
from jifen.programmes.models import Member
from jifen.recognition import standings
from jifen.testing import make_household, make_member

pytestmark = pytest.mark.browser


@pytest.fixture
def residents(programme, community, member):
    """王秀英 300 (no household); 李明 200 and his child 李小红 50 in one household."""
    home = make_household(community=community)
    li = make_member(community=community, name="李明", household=home)
    hong = make_member(community=community, name="李小红", household=home)
    Member.objects.filter(pk=hong.pk).update(is_child=True)
    for who, amount in ((member, 300), (li, 200), (hong, 50)):
        ledger.award_points(member=who, amount=amount, reason="志愿服务")
    standings.refresh(programme)


def test_the_leaderboard_switches_board_and_period_on_a_phone(
    new_page, screenshot, zh_url, programme, residents
):
    phone = new_page("phone")
    phone.goto(zh_url("leaderboard", programme.slug))
    expect(phone.locator("html")).to_have_attribute("lang", "zh-hans")
    places = phone.locator("#places li")
    expect(places).to_have_count(3)
    expect(places.first).to_contain_text("王*英")
    expect(places.first).to_contain_text("300")
    expect(phone.locator("#places")).not_to_contain_text("王秀英")
    screenshot("leaderboard-01-members-month", phone)

    phone.locator('#board-switch a[data-board="households"]').click()
    expect(phone.locator("#places")).to_have_attribute("data-board", "households")
    expect(places).to_have_count(1)  # 王秀英 has no household
    expect(places.first).to_contain_text("250")
    assert "board=households" in phone.url

    phone.locator('#board-switch a[data-board="pairs"]').click()
    expect(phone.locator("#places")).to_have_attribute("data-board", "pairs")
    expect(places).to_have_count(1)
    expect(places.first).to_contain_text("李*红")
    expect(places.first).to_contain_text("李*")
    screenshot("leaderboard-02-pairs-month", phone)

    phone.locator('#period-switch a[data-period="year"]').click()
    expect(phone.locator("#places")).to_have_attribute("data-period", "year")
    expect(phone.locator('#period-switch a[aria-current="true"]')).to_have_attribute(
        "data-period", "year"
    )
    expect(places.first).to_contain_text("250")
    assert "period=year" in phone.url
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the board fits the phone's width"
    screenshot("leaderboard-03-pairs-year", phone)
