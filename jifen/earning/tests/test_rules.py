"""The rule engine reproduces the numbers of the source documents."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from jifen.earning import rules
from jifen.earning.errors import InvalidRule

SHANGHAI = ZoneInfo("Asia/Shanghai")

# 001 篇一: criterion 1 or 2 met → 1; both → 2; 1, 2 and 3 → 4; sharing a photo → +1.
PIAN_YI = {
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
# 001 篇五: accuracy ≥ 60 % → 1, ≥ 70 % → 2, ≥ 80 % → 3; re-sorted with a volunteer → 2.
PIAN_WU = {
    "criteria": [{"code": "resorted", "label": "志愿者指导二次分拣"}],
    "combos": [{"requires": ["resorted"], "points": 2}],
    "bands": {"measure": "accuracy", "steps": [[60, 1], [70, 2], [80, 3]]},
    "windows": [["07:00", "09:00"], ["18:30", "20:30"]],
    "caps": [{"scope": "household", "period": "day", "limit": 2}],
}


def points(kind, config, **facts):
    return rules.base_points(rules.parse(kind, config), rules.Facts(**facts))[0]


@pytest.mark.parametrize(
    ("met", "expected"),
    [
        ({"c1"}, 1),
        ({"c2"}, 1),
        ({"c1", "c2"}, 2),
        ({"c1", "c2", "c3"}, 4),
        ({"c3"}, 0),
        ({"c1", "photo"}, 2),
        ({"c1", "c2", "c3", "photo"}, 5),
    ],
)
def test_pian_yi_criteria(met, expected):
    assert points("criteria", PIAN_YI, criteria=frozenset(met)) == expected


@pytest.mark.parametrize(
    ("accuracy", "expected"), [(0, 0), (59, 0), (60, 1), (69, 1), (70, 2), (80, 3), (100, 3)]
)
def test_pian_wu_accuracy_bands(accuracy, expected):
    assert points("criteria", PIAN_WU, measures={"accuracy": accuracy}) == expected


def test_pian_wu_resorting_gives_two_whatever_the_accuracy():
    assert points("criteria", PIAN_WU, criteria=frozenset({"resorted"})) == 2
    met = frozenset({"resorted"})
    assert points("criteria", PIAN_WU, criteria=met, measures={"accuracy": 85}) == 3


@pytest.mark.parametrize(
    ("hour", "minute", "inside"),
    [(6, 59, False), (7, 0, True), (8, 59, True), (9, 0, False), (18, 30, True), (20, 30, False)],
)
def test_drop_off_windows_in_local_time(hour, minute, inside):
    config = rules.parse("criteria", PIAN_WU)
    moment = datetime(2026, 12, 3, hour, minute, tzinfo=SHANGHAI)
    assert rules.in_window(config, moment, "Asia/Shanghai") is inside
    # The same instant seen from UTC is the same answer: windows are the programme's time.
    assert rules.in_window(config, moment.astimezone(ZoneInfo("UTC")), "Asia/Shanghai") is inside


def test_suggestion_range_is_the_reviewers_choice():
    config = {"min": 20, "max": 100}
    assert points("range", config, chosen=80) == 80
    assert points("range", config, chosen=20) == 20
    for wrong in (19, 101):
        with pytest.raises(InvalidRule):
            points("range", config, chosen=wrong)


def test_one_point_per_rmb_rounded_down():
    assert points("amount", {"points": 1, "unit_amount": 1}, measures={"amount": 128}) == 128
    assert points("amount", {"points": 1, "unit_amount": 10}, measures={"amount": 129}) == 12


@pytest.mark.parametrize(
    ("minutes", "rounding", "expected"),
    [(120, "down", 20), (179, "down", 20), (180, "nearest", 40), (121, "up", 40), (0, "up", 0)],
)
def test_clean_up_twenty_points_per_two_hours(minutes, rounding, expected):
    config = {"points": 20, "unit_minutes": 120, "rounding": rounding}
    assert points("hourly", config, measures={"minutes": minutes}) == expected


@pytest.mark.parametrize(("streak", "expected"), [(1, 1), (6, 1), (7, 11), (8, 1), (14, 11)])
def test_daily_check_in_with_a_seven_day_streak(streak, expected):
    config = {"points": 1, "streak_days": 7, "streak_bonus": 10}
    assert points("checkin", config, streak=streak) == expected


def test_doubling_for_a_newcomer_and_for_parent_and_child():
    config = rules.parse(
        "fixed", {"points": 10, "newcomer_multiplier": 2, "parent_child_multiplier": 2}
    )
    assert rules.with_bonuses(config, 10, newcomer=True)[0] == 20
    assert rules.with_bonuses(config, 10, parent_child=True)[0] == 20
    assert rules.with_bonuses(config, 10)[0] == 10


@pytest.mark.parametrize(
    ("kind", "config"),
    [
        ("fixed", {"points": 0}),
        ("fixed", {"points": 10**30}),
        ("fixed", {"points": True}),
        ("range", {"min": 100, "max": 20}),
        ("criteria", {"combos": [{"requires": ["nope"], "points": 1}]}),
        ("criteria", {"bands": {"measure": "accuracy", "steps": [[70, 2], [60, 1]]}}),
        ("fixed", {"points": 1, "windows": [["09:00", "07:00"]]}),
        ("fixed", {"points": 1, "windows": [["25:00", "26:00"]]}),
        ("fixed", {"points": 1, "caps": [{"scope": "planet", "period": "day", "limit": 1}]}),
        ("fixed", {"points": 1, "eligible": {"groups": ["aliens"]}}),
        ("teleport", {"points": 1}),
        ("fixed", "points"),
    ],
)
def test_invalid_configurations_are_refused_with_a_reason(kind, config):
    with pytest.raises(InvalidRule):
        rules.parse(kind, config)


def test_a_configuration_reads_back_as_it_was_written():
    for kind, config in [("criteria", PIAN_YI), ("criteria", PIAN_WU)]:
        parsed = rules.parse(kind, config)
        assert rules.parse(kind, rules.dump(parsed)) == parsed
