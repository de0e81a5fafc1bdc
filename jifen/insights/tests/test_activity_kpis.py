"""Participation, under-subscribed activities, organizers and inactive members on a small
programme worked out by hand (today 2026-06-15; a rule of 10 points a person).

East (东区): A, B, C and E (elderly); west (西区): D.
  读书会 (east, 2026-06-01, capacity 10): A, B, C sign up, A and B come → 20 points
  茶话会 (east, 2026-06-02, the elderly only): nobody signs up, E comes → 10 points
  清洁 (east, 2026-06-20, capacity 10): A signs up → 10 % filled
  义诊 (east, 2026-06-21, capacity 4): A, B sign up → 50 % filled
  合唱 (east, 2026-06-22, capacity 2): A, B sign up → full
李老师 organizes 读书会 and 茶话会."""

from datetime import datetime

import pytest
import time_machine

from jifen.earning import activities
from jifen.earning.models import CheckInMethod
from jifen.insights import activity_kpis
from jifen.insights.activity_kpis import OrganizerRow
from jifen.programmes.access import access_programme
from jifen.programmes.models import Member, RoleKind
from jifen.testing import make_activity, make_member, make_rule, make_staff, make_user

TZ = "+0800"


def _at(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(f"{day}T{hour:02d}:00:00{TZ}")


@pytest.fixture
def world(programme, community, other_community):
    people = {n: make_member(community=community, name=n) for n in "ABCE"}
    people["D"] = make_member(community=other_community, name="D")
    Member.objects.filter(pk=people["E"].pk).update(is_elderly=True)
    people["E"].refresh_from_db()
    rule = make_rule(programme=programme)
    elderly = make_rule(
        programme=programme, config={"points": 10, "eligible": {"groups": ["elderly"]}}
    )
    teacher = make_user(username="li")
    teacher.display_name = "李老师"
    teacher.save()
    with time_machine.travel("2026-05-30 10:00 +0800", tick=False):
        past = {
            "读书会": make_activity(
                rule=rule,
                community=community,
                starts_at=_at("2026-06-01"),
                capacity=10,
                title="读书会",
            ),
            "茶话会": make_activity(
                rule=elderly, community=community, starts_at=_at("2026-06-02"), title="茶话会"
            ),
        }
        for activity in past.values():
            activity.organizers.add(teacher)
        for n in "ABC":
            activities.sign_up(activity=past["读书会"], member=people[n])
    with time_machine.travel("2026-06-01 11:00 +0800", tick=False):
        for n in "AB":
            activities.check_in(
                activity=past["读书会"], member=people[n], method=CheckInMethod.ROSTER
            )
        activities.check_in(
            activity=past["茶话会"], member=people["E"], method=CheckInMethod.ROSTER
        )
    with time_machine.travel("2026-06-03 10:00 +0800", tick=False):
        for activity in past.values():
            activities.close_activity(activity=activity, actor=None)
    with time_machine.travel("2026-06-15 12:00 +0800", tick=False):
        for title, day, capacity, who in [
            ("清洁", "2026-06-20", 10, "A"),
            ("义诊", "2026-06-21", 4, "AB"),
            ("合唱", "2026-06-22", 2, "AB"),
        ]:
            activity = make_activity(
                rule=rule, community=community, starts_at=_at(day), capacity=capacity, title=title
            )
            for n in who:
                activities.sign_up(activity=activity, member=people[n])
        yield people


@pytest.fixture
def everyone(world, admin):
    return access_programme(admin, "xingfuli", "view_insights")


def test_participation_over_sign_ups_and_eligible_residents(everyone):
    rows = {row.title: row for row in activity_kpis.participation(everyone)}
    assert set(rows) == {"读书会", "茶话会"}  # the three to come have not happened
    reading = rows["读书会"]
    # 2 came of 3 signed up; 4 east residents may join → 2/4
    assert (reading.signups, reading.attendees, reading.eligible) == (3, 2, 4)
    assert reading.of_signups == pytest.approx(2 / 3)
    assert reading.of_eligible == pytest.approx(0.5)
    assert reading.points == 20
    tea = rows["茶话会"]
    # only E is elderly: 1 eligible, 1 came; no sign-ups, so no rate over them
    assert (tea.signups, tea.attendees, tea.eligible, tea.of_signups, tea.of_eligible) == (
        0,
        1,
        1,
        None,
        1.0,
    )


def test_under_subscribed_activities_with_a_suggested_raise(everyone):
    rows = activity_kpis.undersubscribed(everyone)
    # 清洁 1/10 = 10 % < 35 % → +50 %: 10 → 15; 义诊 2/4 = 50 % < 70 % → +20 %: 10 → 12;
    # 合唱 is full: not listed
    assert [(r.title, r.fill, r.raise_percent, r.points, r.suggested_points) for r in rows] == [
        ("清洁", 0.1, 50, 10, 15),
        ("义诊", 0.5, 20, 10, 12),
    ]


def test_each_organizer_is_assessed_on_their_activities(everyone):
    # 读书会 3 sign-ups, 2 came, 20 points; 茶话会 0, 1, 10 → 2 activities, 3, 3, 3/3, 30
    assert activity_kpis.organizers(everyone) == [OrganizerRow("李老师", 2, 3, 3, 1.0, 30)]


def test_inactive_members_never_or_long_ago_credited(everyone, world):
    # A, B and E were credited on 2026-06-03; C and D never
    names = [row.name for row in activity_kpis.inactive_members(everyone)]
    assert names == ["C", "D"]


def test_a_long_silence_makes_a_member_inactive(everyone, world):
    # 12 days since A, B and E were credited: inactive over 10 days, not over 90
    assert len(activity_kpis.inactive_members(everyone, days=10)) == 5


def test_community_limited_staff_see_their_communitys_members(world, programme, other_community):
    reviewer = make_staff(programme=programme, kind=RoleKind.REVIEWER, community=other_community)
    west = access_programme(reviewer, "xingfuli", "view_insights")
    assert [row.name for row in activity_kpis.inactive_members(west)] == ["D"]
    assert activity_kpis.participation(west) == []
