"""An administrator opens the insights dashboard in Chinese from the console: every chart is
drawn (a canvas of some size inside each chart's box), each beside its table and export
links, satisfaction too once residents have answered a survey; screenshot
insights-01-dashboard.

Controls are found by their link target and ids, not by the interface's wording."""

import re

import pytest
from playwright.sync_api import expect

from jifen.insights.tables import KPIS
from jifen.ledger import services
from jifen.testing import make_member
from jifen.voices import services as voices
from jifen.voices.testing import answers_of, make_survey
from jifen.web.insights import CHARTS

pytestmark = pytest.mark.browser


def test_an_admin_opens_the_dashboard_and_every_chart_is_drawn(
    page, screenshot, sign_in, zh_url, programme, community, other_community, admin
):
    survey = make_survey(programme=programme)
    for name, points, where in [
        ("张伟", 2500, community),
        ("李桂兰", 400, community),
        ("赵磊", 100, other_community),
    ]:
        resident = make_member(community=where, name=name)
        services.award_points(member=resident, amount=points, reason="测试")
        voices.answer_survey(survey=survey, member=resident, answers=answers_of(survey, 5, 9))
    sign_in(page, "admin")
    page.locator(f'nav.console-nav a[href="{zh_url("console-insights", programme.slug)}"]').click()
    expect(page).to_have_url(
        re.compile(re.escape(zh_url("console-insights", programme.slug)) + "$")
    )
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    # No activity has happened or is to come: those three tables are empty, with no chart.
    drawn = set(CHARTS) - {"participation", "undersubscribed", "organizers"}
    boxes = page.locator("[data-chart]")
    expect(boxes).to_have_count(len(drawn))
    for key in drawn:
        canvas = page.locator(f"#chart-{key} canvas").first
        expect(canvas).to_be_attached()
        box = canvas.bounding_box()
        assert box is not None and box["width"] > 0 and box["height"] > 0, key
    for key in KPIS:
        expect(page.locator(f"#kpi-{key}")).to_be_attached()
    # the buckets' table: 2,500 above 2,000; 400 in 300–800; 100 under 300
    expect(page.locator("#table-buckets tbody tr")).to_have_count(4)
    expect(page.locator("#table-buckets tbody tr").last).to_contain_text("2500")
    screenshot("insights-01-dashboard", page)
