"""An administrator types 001 篇一's garbage-sorting rule into the console: three
criteria, the combinations that give 1, 2 and 4 points, a photo worth one more, at most 5 per
household a day. As she ticks the criteria a household met and names a resident, the panel
beside the form says what they would get and what their cap leaves today, without saving.
She saves, then raises a number: the rule page lists both versions.

Controls are found by name and by the ids of rows, which no translation changes."""

import pytest
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import expect

from jifen.earning import crediting
from jifen.earning.models import EarningSource, Rule
from jifen.testing import make_household, make_member, make_rule

pytestmark = pytest.mark.browser


def en_url(name, *args):
    """The page in English, whose words the assertions read (the data stay Chinese)."""
    with translation.override("en"):
        return reverse(name, args=args)


@pytest.fixture
def household_member(community):
    household = make_household(community=community)
    return make_member(community=community, name="李秀兰", phone="13700137000", household=household)


def test_an_administrator_types_a_criteria_rule_and_tries_it_before_saving(
    page, admin, programme, household_member, sign_in, screenshot
):
    sign_in(page, "admin")
    page.goto(en_url("console-rule-new", programme.slug) + "?kind=criteria")
    form = page.locator("form.policy")
    form.locator("[name=name]").fill("垃圾分类（篇一）")
    form.locator("[name=category]").select_option("sorting")
    for row, label in enumerate(["分类投放", "破袋投放", "桶边整洁"], start=1):
        form.locator(f"[name=criterion_{row}_label]").fill(label)
    for combo, (ticked, points) in enumerate(
        [(["1"], 1), (["2"], 1), (["1", "2"], 2), (["1", "2", "3"], 4)], start=1
    ):
        for number in ticked:
            form.locator(f"[name=combo_{combo}_requires][value='{number}']").check()
        form.locator(f"[name=combo_{combo}_points]").fill(str(points))
    form.locator("[name=extra_1_code]").fill("photo")
    form.locator("[name=extra_1_label]").fill("分享照片")
    form.locator("[name=extra_1_points]").fill("1")
    form.locator("[name=cap_1_limit]").fill("5")

    preview = page.locator("#rule-preview")
    expect(preview.locator("[name=sample_criteria][value=c1]")).to_be_visible()
    for code in ("c1", "c2", "photo"):
        preview.locator(f"[name=sample_criteria][value={code}]").check()
    preview.locator("[name=sample_resident]").fill("13700137000")
    expect(page.locator("#preview-text")).to_contain_text("→ 3 points")
    expect(page.locator("#preview-text")).to_contain_text("5 left today")
    expect(page.locator("#preview-resident")).to_contain_text("李秀兰")
    assert not Rule.objects.exists()  # trying it out saved nothing
    screenshot("rule-editor-preview", page)

    form.locator("button[type=submit]").click()
    expect(page.locator("#versions")).to_contain_text("分类投放 + 破袋投放 + 桶边整洁 → 4")
    rule = Rule.objects.get()
    assert rule.kind == "criteria" and rule.version == 1
    screenshot("rule-page", page)


def test_raising_a_number_adds_a_version_and_the_preview_sees_the_household_s_day(
    page, admin, programme, household_member, sign_in, screenshot
):
    rule = make_rule(
        programme=programme,
        code="sorting",
        name="垃圾分类",
        kind="criteria",
        config={
            "criteria": [{"code": "c1", "label": "分类投放"}],
            "combos": [{"requires": ["c1"], "points": 1}],
            "caps": [{"scope": "household", "period": "day", "limit": 5}],
        },
    )
    crediting.record(
        member=household_member,
        version=crediting.current_version(rule),
        source=EarningSource.CLAIM,
        occurrence="claim:morning",
        points=1,
        explanation=[["combo", 1, ["c1"]]],
        notice=False,
    )
    sign_in(page, "admin")
    page.goto(en_url("console-rule-edit", programme.slug, "sorting"))
    page.locator("[name=combo_1_points]").fill("2")
    preview = page.locator("#rule-preview")
    preview.locator("[name=sample_criteria][value=c1]").check()
    preview.locator("[name=sample_resident]").fill("李秀兰")
    expect(page.locator("#preview-text")).to_contain_text("→ 2 points")
    expect(page.locator("#preview-text")).to_contain_text("4 left today")
    page.locator("form.policy button[type=submit]").click()
    expect(page.locator("#version-2")).to_contain_text("分类投放 → 2")
    expect(page.locator("#version-1")).to_contain_text("分类投放 → 1")
    screenshot("rule-versions", page)
