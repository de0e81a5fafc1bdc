"""The recognition API: the public board, the resident's ranks, stars and opt-out (PUT,
idempotent), the settings for programme-wide administrators; 404 for anyone else."""

import pytest
import time_machine
from django.utils.translation import gettext

from jifen.recognition import standings
from jifen.recognition.models import Preference
from jifen.recognition.names import settings_of
from jifen.recognition.tests.worlds import NOW, december, pair
from jifen.testing import make_resident_user, make_staff


@pytest.fixture
def people(programme, community):
    found = december(community)
    with time_machine.travel(NOW, tick=False):
        standings.refresh(programme)
        yield found


def test_anyone_reads_a_board_with_public_names(api_as, programme, people):
    answer = api_as(None).get("/programmes/xingfuli/leaderboard", {"board": "pairs"})
    body = answer.json()
    assert answer.status_code == 200
    assert (body["starts_on"], body["computed_at"]) == ("2026-12-01", "2026-12-15T02:00:00Z")
    assert [(p["rank"], p["name"], p["points"]) for p in body["places"]] == [
        (1, pair("王*明", "王*英"), 400),
        (2, pair("李*红", "李*"), 350),
    ]


def test_an_unknown_board_is_refused(api_as, programme, people):
    answer = api_as(None).get("/programmes/xingfuli/leaderboard", {"board": "streets"})
    assert answer.status_code == 422


def test_the_resident_reads_their_ranks_and_stars(api_as, programme, people):
    api = api_as(make_resident_user(member=people["wang"]))
    ranks = {
        (r["board"], r["period"]): r
        for r in api.get("/programmes/xingfuli/me/ranks").json()["ranks"]
    }
    assert (ranks["members", "month"]["rank"], ranks["members", "all"]["points"]) == (1, 1800)
    assert ranks["pairs", "year"]["points"] == 900
    stars = api.get("/programmes/xingfuli/me/stars").json()
    assert (stars["stars"], stars["lifetime_earned"], stars["points_to_next"]) == (1, 1800, 200)


def test_a_member_without_a_place_has_no_rank(api_as, programme, people):
    ranks = api_as(make_resident_user(member=people["zhang"])).get("/programmes/xingfuli/me/ranks")
    households = [r for r in ranks.json()["ranks"] if r["board"] == "households"]
    assert {(r["rank"], r["points"]) for r in households} == {(None, 0)}


def test_the_opt_out_is_idempotent(api_as, programme, people):
    api = api_as(make_resident_user(member=people["li"]))
    for _ in range(2):
        answer = api.call(
            "put",
            "/programmes/xingfuli/me/recognition-preference",
            {"hide_name": True},
            **{"Idempotency-Key": "k1"},
        )
        assert answer.status_code == 200 and answer.json() == {"hide_name": True}
    assert Preference.objects.filter(member=people["li"], hide_name=True).count() == 1
    names = [p["name"] for p in api.get("/programmes/xingfuli/leaderboard").json()["places"]]
    assert gettext("Anonymous resident") in names and "李*" not in names


def test_a_non_boolean_preference_is_refused(api_as, programme, people):
    api = api_as(make_resident_user(member=people["li"]))
    answer = api.call("put", "/programmes/xingfuli/me/recognition-preference", {"hide_name": "yes"})
    assert answer.status_code == 422


def test_an_admin_patches_some_settings(api_as, programme, admin):
    api = api_as(admin)
    answer = api.patch(
        "/programmes/xingfuli/recognition-settings",
        {"name_display": "real", "star_thresholds": [100, 200]},
    )
    assert answer.status_code == 200
    assert (answer.json()["star_thresholds"], answer.json()["monthly_top"]) == ([100, 200], 20)
    assert settings_of(programme).name_display == "real"


def test_bad_settings_are_refused_and_change_nothing(api_as, programme, admin):
    api = api_as(admin)
    same = api.patch("/programmes/xingfuli/recognition-settings", {"star_thresholds": [100, 100]})
    huge = api.patch("/programmes/xingfuli/recognition-settings", {"monthly_top": 10**30})
    assert (same.status_code, same.json()["code"]) == (422, "invalid_recognition_settings")
    assert huge.status_code in (400, 422)  # the edge refuses numbers no column stores
    assert settings_of(programme).star_thresholds == [1000, 2000, 3000, 4000, 5000]


def test_settings_are_not_found_for_limited_staff_and_other_programmes(
    api_as, programme, community, other_admin
):
    assert (
        api_as(make_staff(programme=programme, community=community))
        .get("/programmes/xingfuli/recognition-settings")
        .status_code
        == 404
    )
    assert api_as(other_admin).get("/programmes/xingfuli/recognition-settings").status_code == 404
    assert api_as(other_admin).get("/programmes/xingfuli/me/ranks").status_code == 404
