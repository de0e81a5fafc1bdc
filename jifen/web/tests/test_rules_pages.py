"""The console's rule editor, earning settings and device keys: an administrator makes every
kind of rule through the form (001 篇一's criteria table, 篇五's accuracy bands, windows and
cap), a change of numbers adds a version, bad input is refused in the page's language and
writes nothing, the preview says what a resident's caps leave, a device key is shown once."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from jifen.audit.models import AuditEntry
from jifen.earning import crediting, rules
from jifen.earning.devices import device_for
from jifen.earning.models import DeviceKey, EarningSettings, EarningSource, Rule, RuleVersion
from jifen.programmes.models import RoleKind
from jifen.testing import make_household, make_member, make_rule, make_staff, text_of
from jifen.web.errors import PAGES

BASE = {"name": "垃圾分类", "category": "sorting", "notice_days": "0", "is_active": "on"}
# 001 篇一 as an administrator types it: three criteria, four combinations, a photo, a cap.
PIAN_YI = {
    "criterion_1_label": "分类投放",
    "criterion_2_label": "破袋投放",
    "criterion_3_label": "桶边整洁",
    "combo_1_requires": ["1"],
    "combo_1_points": "1",
    "combo_2_requires": ["2"],
    "combo_2_points": "1",
    "combo_3_requires": ["1", "2"],
    "combo_3_points": "2",
    "combo_4_requires": ["1", "2", "3"],
    "combo_4_points": "4",
    "extra_1_code": "photo",
    "extra_1_label": "分享照片",
    "extra_1_points": "1",
    "cap_1_limit": "5",
    "cap_1_scope": "household",
    "cap_1_period": "day",
}
# 001 篇五: accuracy bands typed out of order, re-sorting → 2, two drop-off windows, 2 a day.
PIAN_WU = {
    "criterion_1_code": "resorted",
    "criterion_1_label": "志愿者指导二次分拣",
    "combo_1_requires": ["1"],
    "combo_1_points": "2",
    "band_measure": "accuracy",
    "band_1_threshold": "80",
    "band_1_points": "3",
    "band_2_threshold": "60",
    "band_2_points": "1",
    "band_3_threshold": "70",
    "band_3_points": "2",
    "window_1_start": "07:00",
    "window_1_end": "09:00",
    "window_2_start": "18:30",
    "window_2_end": "20:30",
    "cap_1_limit": "2",
    "cap_1_scope": "household",
    "cap_1_period": "day",
}


def url(name, programme, *args, language="en"):
    with translation.override(language):
        return reverse(name, args=[programme.slug, *args])


@pytest.fixture
def console(client, admin):
    client.force_login(admin)
    return client


def add(console, programme, kind, fields, language="en"):
    data = {"kind": kind, **BASE, **fields}
    return console.post(url("console-rule-new", programme, language=language), data)


def as_sent(form):
    """What a form sends as it was shown: its values, unticked boxes and empty fields left out."""
    return {k: v for k, v in form.initial.items() if v is not None and v is not False and v != []}


def config_of(rule):
    return RuleVersion.objects.get(rule=rule, number=rule.version).config


def points(rule, **facts):
    parsed = rules.parse(rule.kind, config_of(rule))
    return rules.base_points(parsed, rules.Facts(**facts))[0]


@pytest.mark.parametrize(
    ("kind", "fields", "expected"),
    [
        ("fixed", {"points": "10"}, {"points": 10}),
        (
            "hourly",
            {"points": "20", "unit_minutes": "120", "rounding": "nearest"},
            {"points": 20, "unit_minutes": 120, "rounding": "nearest"},
        ),
        ("amount", {"points": "1", "unit_amount": "1"}, {"points": 1, "unit_amount": 1}),
        ("range", {"min": "20", "max": "100"}, {"min": 20, "max": 100}),
        (
            "checkin",
            {"points": "1", "streak_days": "7", "streak_bonus": "10"},
            {"points": 1, "streak_days": 7, "streak_bonus": 10},
        ),
    ],
)
def test_each_kind_of_rule_is_made_through_the_form(console, programme, kind, fields, expected):
    response = add(console, programme, kind, fields)
    rule = Rule.objects.get(programme=programme)
    assert response.status_code == 302 and response["Location"].endswith(f"/rule/{rule.code}/")
    assert (rule.kind, rule.version, rule.name) == (kind, 1, "垃圾分类")
    assert config_of(rule) == expected
    assert rule.code.startswith("rule-")  # made up: a Chinese name has no Latin letters


def test_a_rule_form_sent_twice_makes_one_rule(console, programme):
    data = {"points": "10", "form_key": "k-rule"}
    first, again = (add(console, programme, "fixed", data) for _ in range(2))
    assert (again.status_code, again["Location"]) == (302, first["Location"])
    assert Rule.objects.count() == 1 and RuleVersion.objects.count() == 1


def test_pian_yi_criteria_table_gives_its_points_with_a_household_cap(console, programme):
    assert add(console, programme, "criteria", PIAN_YI).status_code == 302
    rule = Rule.objects.get(programme=programme)
    met = [({"c1"}, 1), ({"c2"}, 1), ({"c1", "c2"}, 2), ({"c1", "c2", "c3"}, 4)]
    for criteria, expected in met + [({"c1", "c2", "photo"}, 3)]:
        assert points(rule, criteria=frozenset(criteria)) == expected, criteria
    assert config_of(rule)["caps"] == [{"scope": "household", "period": "day", "limit": 5}]
    assert config_of(rule)["extras"] == [{"code": "photo", "label": "分享照片", "points": 1}]


def test_pian_wu_accuracy_bands_windows_and_cap(console, programme):
    assert add(console, programme, "criteria", PIAN_WU).status_code == 302
    rule = Rule.objects.get(programme=programme)
    config = config_of(rule)
    assert config["bands"] == {"measure": "accuracy", "steps": [[60, 1], [70, 2], [80, 3]]}
    assert config["windows"] == [["07:00", "09:00"], ["18:30", "20:30"]]
    assert config["caps"] == [{"scope": "household", "period": "day", "limit": 2}]
    for accuracy, expected in [(59, 0), (60, 1), (75, 2), (80, 3)]:
        assert points(rule, measures={"accuracy": accuracy}) == expected
    assert points(rule, criteria=frozenset({"resorted"})) == 2


def test_the_list_and_the_rule_page_say_the_numbers_in_words(console, programme):
    add(console, programme, "criteria", PIAN_WU)
    rule = Rule.objects.get(programme=programme)
    listed = text_of(console.get(url("console-rules", programme)).text, f"rule-{rule.code}")
    assert "accuracy ≥ 60 → 1, ≥ 70 → 2, ≥ 80 → 3" in listed
    assert "only 07:00–09:00, 18:30–20:30" in listed
    assert "at most 2 per household per day" in listed
    page = console.get(url("console-rule", programme, rule.code)).text
    assert "志愿者指导二次分拣 → 2" in text_of(page, "version-1")


def test_editing_the_numbers_adds_version_2_and_keeps_version_1(console, programme, admin):
    rule = make_rule(programme=programme, code="patrol", name="巡逻")
    edit = url("console-rule-edit", programme, "patrol")
    data = {**as_sent(console.get(edit).context["form"]), "points": "20"}
    assert console.post(edit, data).status_code == 302
    rule.refresh_from_db()
    assert rule.version == 2
    assert [v.config["points"] for v in rule.versions.order_by("number")] == [10, 20]
    assert RuleVersion.objects.get(rule=rule, number=2).created_by == admin
    page = console.get(url("console-rule", programme, "patrol")).text
    assert "20 points each time" in text_of(page, "version-2")
    assert "10 points each time" in text_of(page, "version-1")


def test_renaming_a_rule_keeps_its_version(console, programme):
    rule = make_rule(programme=programme, code="patrol", name="巡逻")
    data = {**BASE, "name": "夜间巡逻", "points": "10"}
    assert console.post(url("console-rule-edit", programme, "patrol"), data).status_code == 302
    rule.refresh_from_db()
    assert (rule.name, rule.version) == ("夜间巡逻", 1)


@pytest.mark.parametrize(
    ("kind", "fields", "message"),
    [
        ("range", {"min": "100", "max": "20"}, "the range needs 0 &lt; minimum ≤ maximum"),
        (
            "fixed",
            {"points": "1", "window_1_start": "09:00", "window_1_end": "07:00"},
            "a time window must end after it starts",
        ),
        ("fixed", {"points": str(10**30)}, "less than or equal to 100000"),
        ("fixed", {"points": "1", "window_1_start": "07:00"}, "Give both the start and the end"),
        ("criteria", {"combo_1_points": "1"}, "Tick the criteria this combination needs"),
        ("criteria", {"criterion_1_label": "x"}, "give the points of the criteria"),
    ],
)
def test_invalid_input_is_shown_on_the_form_and_writes_nothing(
    console, programme, kind, fields, message
):
    response = add(console, programme, kind, fields)
    assert response.status_code == 422
    assert message in response.text
    assert not Rule.objects.exists() and not AuditEntry.objects.filter(action="rule.create")


def test_a_refusal_is_in_the_pages_language(console, programme):
    response = add(console, programme, "fixed", {"points": str(10**30)}, language="zh-hans")
    assert response.status_code == 422
    assert "确保该值小于或等于100000" in response.text
    assert not Rule.objects.exists()


def test_a_nul_character_is_refused_at_the_edge_in_the_pages_language(console, programme):
    response = add(console, programme, "fixed", {"points": "1", "name": "巡\x00逻"}, "zh-hans")
    assert response.status_code == 400
    with translation.override("zh-hans"):
        assert str(PAGES[400][2]) in response.text  # the 400 page, in the URL's language
    assert not Rule.objects.exists()


def test_a_code_already_taken_is_shown_on_its_field(console, programme):
    make_rule(programme=programme, code="patrol")
    response = add(console, programme, "fixed", {"points": "10", "code": "patrol"})
    assert response.status_code == 422
    assert "already has a rule with the code “patrol”" in response.text
    assert Rule.objects.count() == 1


@pytest.fixture
def household_member(community):
    household = make_household(community=community)
    return make_member(community=community, name="李秀兰", phone="13700137000", household=household)


def test_the_preview_says_what_the_households_cap_leaves_today(
    console, programme, household_member
):
    rule = make_rule(programme=programme, code="sorting", kind="criteria", config=_pian_yi())
    version = crediting.current_version(rule)
    crediting.record(
        member=household_member,
        version=version,
        source=EarningSource.CLAIM,
        occurrence="claim:first",
        points=1,
        explanation=[["combo", 1, ["c1"]]],
        notice=False,
    )
    query = as_sent(console.get(url("console-rule-edit", programme, "sorting")).context["form"])
    query |= {"sample_criteria": ["c1", "c2", "photo"], "sample_resident": "13700137000"}
    response = console.get(
        url("console-rule-preview", programme, "sorting"), query, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200 and "<nav" not in response.text  # the panel alone
    text = text_of(response.text, "preview-text")
    assert text == (
        "criteria met: 分类投放、破袋投放; +分享照片 → 3 points; "
        "4 left today for this resident or household"
    )
    assert "李秀兰" in text_of(response.text, "preview-resident")


def test_the_preview_of_a_new_rule_follows_the_form(console, programme):
    query = {"kind": "hourly", **BASE, "points": "20", "unit_minutes": "120"}
    query |= {"rounding": "down", "sample_minutes": "250"}
    response = console.get(url("console-rule-new-preview", programme), query)
    assert response.status_code == 200 and "<nav" in response.text  # without htmx: the page
    text = text_of(response.text, "preview-text")
    assert text == "250 minutes; 20 points per 120 minutes → 40 points"
    assert not Rule.objects.exists()


def _pian_yi():
    return {
        "criteria": [
            {"code": "c1", "label": "分类投放"},
            {"code": "c2", "label": "破袋投放"},
            {"code": "c3", "label": "桶边整洁"},
        ],
        "combos": [
            {"requires": ["c1"], "points": 1},
            {"requires": ["c2"], "points": 1},
            {"requires": ["c1", "c2"], "points": 2},
            {"requires": ["c1", "c2", "c3"], "points": 4},
        ],
        "extras": [{"code": "photo", "label": "分享照片", "points": 1}],
        "caps": [{"scope": "household", "period": "day", "limit": 5}],
    }


def test_the_edit_form_shows_a_stored_criteria_table_as_it_was_typed(console, programme):
    make_rule(programme=programme, code="sorting", kind="criteria", config=_pian_yi())
    initial = console.get(url("console-rule-edit", programme, "sorting")).context["form"].initial
    assert initial["criterion_2_label"] == "破袋投放"
    assert initial["combo_4_requires"] == ["1", "2", "3"] and initial["combo_4_points"] == 4
    assert (initial["extra_1_code"], initial["cap_1_limit"]) == ("photo", 5)


# Device keys.


def test_a_device_key_is_made_once_per_form_and_its_secret_shown_once(console, programme):
    make_rule(programme=programme, code="bin", allows_devices=True)
    data = {"name": "东区智能垃圾桶", "rules": ["bin"], "per_minute": "60", "form_key": "k-1"}
    first = console.post(url("console-devices", programme), data)
    assert first.status_code == 200
    secret = first.text.split('value="jfd_', 1)[1].split('"', 1)[0]
    device = device_for("jfd_" + secret)
    assert device is not None and [r.code for r in device.rules.all()] == ["bin"]
    assert device.per_minute == 60
    again = console.post(url("console-devices", programme), data, follow=True)
    assert DeviceKey.objects.count() == 1
    assert secret not in again.text and "This form was sent already" in again.text


def test_a_revoked_device_key_no_longer_works(console, programme):
    console.post(url("console-devices", programme), {"name": "kiosk", "per_minute": "600"})
    device = DeviceKey.objects.get()
    revoke = url("console-device-revoke", programme)
    confirm = console.get(revoke, {"device": device.public_id})
    assert confirm.status_code == 200 and "kiosk" in confirm.text
    assert DeviceKey.objects.get().revoked_at is None  # asking to confirm changes nothing
    assert console.post(revoke, {"device": device.public_id}).status_code == 302
    device.refresh_from_db()
    assert device.revoked_at is not None
    assert AuditEntry.objects.filter(action="device.revoke").count() == 1


# Earning settings.


def test_the_earning_settings_are_saved(console, programme):
    data = {
        "appeal_days": "3",
        "answer_working_days": "3",
        "weekend": ["6", "7"],
        "holidays": "2026-10-01\n2026-10-02, 2026-10-01",
        "checkin_rotation_seconds": "30",
    }
    assert console.post(url("console-earning-settings", programme), data).status_code == 302
    saved = EarningSettings.objects.get(programme=programme)
    assert (saved.weekend, saved.holidays) == ([6, 7], ["2026-10-01", "2026-10-02"])
    assert AuditEntry.objects.filter(action="earning_settings.update").count() == 1


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"holidays": "2026-13-01"}, "“2026-13-01” is not a date"),
        ({"holidays": "国庆"}, "is not a date"),
        ({"weekend": [str(d) for d in range(1, 8)]}, "at least one day a week"),
        ({"appeal_days": "0"}, "greater than or equal to 1"),
    ],
)
def test_bad_earning_settings_are_refused_and_write_nothing(console, programme, changes, message):
    data = {"appeal_days": "3", "answer_working_days": "3", "checkin_rotation_seconds": "30"}
    response = console.post(url("console-earning-settings", programme), {**data, **changes})
    assert response.status_code == 422 and message in response.text
    assert not EarningSettings.objects.exists()


# Who may do what.


def test_other_programmes_staff_find_nothing(client, programme, other_admin):
    make_rule(programme=programme, code="patrol")
    console_of_p1 = [
        url("console-rule", programme, "patrol"),
        url("console-rule-edit", programme, "patrol"),
        url("console-rule-preview", programme, "patrol"),
        url("console-rules", programme),
        url("console-devices", programme),
        url("console-earning-settings", programme),
    ]
    client.force_login(other_admin)
    for address in console_of_p1:
        assert client.get(address).status_code == 404, address
        sent = client.post(address, {**BASE, "points": "99"})
        assert sent.status_code in (404, 405), address  # the preview takes only GET
    assert Rule.objects.get(code="patrol").version == 1


def test_their_own_rules_under_the_same_code_stay_theirs(client, programme, other_programme):
    make_rule(programme=programme, code="patrol", name="P1 patrol")
    make_rule(programme=other_programme, code="patrol", name="P2 patrol")
    client.force_login(make_staff(programme=other_programme, kind=RoleKind.ADMIN))
    page = client.get(url("console-rule", other_programme, "patrol")).text
    assert "P2 patrol" in page and "P1 patrol" not in page


def test_a_reviewer_reads_the_rules_but_cannot_change_them(client, programme):
    make_rule(programme=programme, code="patrol")
    client.force_login(make_staff(programme=programme, kind=RoleKind.REVIEWER))
    listing = client.get(url("console-rules", programme))
    assert listing.status_code == 200 and "rule/patrol/" in listing.text
    assert "/rules/new/" not in listing.text
    assert client.get(url("console-rule", programme, "patrol")).status_code == 200
    assert client.get(url("console-rule-edit", programme, "patrol")).status_code == 404
    assert client.get(url("console-devices", programme)).status_code == 404


def test_the_rule_list_takes_the_same_queries_however_many_rules(console, programme):
    make_rule(programme=programme)
    console.get(url("console-rules", programme))
    with CaptureQueriesContext(connection) as one:
        console.get(url("console-rules", programme))
    for _ in range(5):
        make_rule(programme=programme, kind="criteria", config=_pian_yi())
    with CaptureQueriesContext(connection) as six:
        console.get(url("console-rules", programme))
    assert len(six) == len(one)
