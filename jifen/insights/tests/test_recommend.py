"""Recommended activities: interests, history and neighbours first; never one the resident
cannot join."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from jifen.earning import services
from jifen.earning.activity_listings import upcoming_for
from jifen.earning.models import Activity, CheckInMethod, Rule
from jifen.insights.recommend import profile_of, recommend, score
from jifen.lib import clock
from jifen.programmes.models import Community, Member, Programme
from jifen.testing import (
    make_activity,
    make_community,
    make_member,
    make_programme,
    make_resident_user,
    make_rule,
)

pytestmark = pytest.mark.django_db


@dataclass
class World:
    programme: Programme
    community: Community
    resident: Member
    culture: Rule
    patrol: Rule


def _soon(days: float) -> datetime:
    return clock.now() + timedelta(days=days)


def _activity(rule: Rule, days: float, **fields: Any) -> Activity:
    fields.setdefault("category", rule.category)
    return make_activity(rule=rule, starts_at=_soon(days), **fields)


@pytest.fixture
def world() -> World:
    """A resident interested in culture who attended a culture activity last week."""
    programme = make_programme()
    community = make_community(programme=programme)
    resident = make_member(community=community)
    Member.objects.filter(pk=resident.pk).update(interest_tags=["culture"])
    resident.refresh_from_db()
    culture = make_rule(programme=programme, code="culture", category="culture")
    patrol = make_rule(programme=programme, code="patrol", category="patrol")
    past = _activity(culture, -7, title="书法课")
    services.check_in(activity=past, member=resident, method=CheckInMethod.ROSTER)
    return World(programme, community, resident, culture, patrol)


def test_a_resident_interested_in_culture_gets_the_culture_activity_first(world):
    patrol = _activity(world.patrol, 1, title="夜间巡逻")  # sooner, but not theirs
    culture = _activity(world.culture, 3, title="合唱团排练")
    found = recommend(world.resident, upcoming_for(world.resident))
    assert [r.activity for r in found] == [culture]
    assert found[0].reason == gettext("Matches your interest “%(tag)s”") % {"tag": "culture"}
    # 3 (interest) + 2 (all of their history is culture) + 1 (the same rule)
    assert found[0].score == 6.0
    assert patrol.pk not in [r.activity.pk for r in found]  # nothing speaks for it


def test_neighbours_history_recommends_what_the_community_attends(world):
    neighbour = make_member(community=world.community)
    past = _activity(world.patrol, -3)
    services.check_in(activity=past, member=neighbour, method=CheckInMethod.ROSTER)
    patrol = _activity(world.patrol, 1)
    culture = _activity(world.culture, 3)
    found = recommend(world.resident, upcoming_for(world.resident))
    assert [r.activity for r in found] == [culture, patrol]
    assert found[1].reason == gettext("Popular with your neighbours")
    assert found[1].score == 1.0  # the neighbours' one attendance was a patrol


def test_it_never_recommends_a_full_closed_past_or_ineligible_activity(world):
    other = make_member(community=world.community)
    full = _activity(world.culture, 2, capacity=1)
    services.sign_up(activity=full, member=other)
    cancelled = _activity(world.culture, 2)
    services.cancel_activity(activity=cancelled, actor=None)
    _activity(world.culture, -0.01, hours=3)  # started a moment ago, still on
    _activity(world.culture, 2, signup_closes_at=_soon(-0.5))
    elderly = make_rule(
        programme=world.programme,
        category="culture",
        config={"points": 5, "eligible": {"groups": ["elderly"]}},
    )
    _activity(elderly, 2)
    _activity(world.culture, 2, community=make_community(programme=world.programme))
    joined = _activity(world.culture, 2)
    services.sign_up(activity=joined, member=world.resident)
    offers = upcoming_for(world.resident)
    assert len(offers) >= 5  # the list shows them; the recommendations must not
    assert recommend(world.resident, offers) == []


def test_a_profile_before_a_moment_leaves_out_later_attendances(world):
    assert sum(profile_of(world.resident, before=_soon(-8)).own.values()) == 0
    assert profile_of(world.resident).own == {"culture": 1}


def test_the_score_explains_itself_strongest_first(world):
    activity = _activity(world.culture, 2, title="culture night")
    with translation.override("en"):
        points, reasons = score(activity, profile_of(world.resident))
    assert points == 7.0  # 3 + 1 (the tag in the title) + 2 + 1
    assert reasons[:2] == [
        "Matches your interest “culture”",
        "You often take part in culture and sport",
    ]


def test_the_activity_list_shows_the_recommendation_on_top_with_its_reason(world):
    _activity(world.patrol, 1, title="夜间巡逻")
    culture = _activity(world.culture, 3, title="合唱团排练")
    client = Client()
    client.force_login(make_resident_user(member=world.resident))
    page = client.get(reverse("resident-activities", args=[world.programme.slug]))
    html = page.content.decode()
    assert page.status_code == 200
    top = html.index('id="recommended"')
    assert top < html.index(f'id="activity-{culture.public_id}"')
    assert (
        f'id="recommended-{culture.public_id}"' in html
        and gettext("Matches your interest “%(tag)s”") % {"tag": "culture"} in html
    )
