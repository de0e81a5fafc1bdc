"""Satisfaction per half-year from the surveys' answers, and its empty state."""

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from jifen.insights.satisfaction import SatisfactionHalf, satisfaction
from jifen.programmes.access import access_programme
from jifen.testing import make_member, text_of
from jifen.voices import services
from jifen.voices.testing import answers_of, make_survey


@pytest.fixture
def scope(admin):
    return access_programme(admin, "xingfuli", "view_insights")


def test_satisfied_answers_over_all_answers_per_half_year(programme, community, scope):
    a, b, c = (make_member(community=community) for _ in range(3))
    with time_machine.travel("2025-10-08 10:00 +0800", tick=False):
        survey = make_survey(programme=programme)
        services.answer_survey(survey=survey, member=c, answers=answers_of(survey, 4, 8))
    with time_machine.travel("2026-03-10 10:00 +0800", tick=False):
        services.answer_survey(survey=survey, member=a, answers=answers_of(survey, 5, 9))
        services.answer_survey(survey=survey, member=b, answers=answers_of(survey, 3, 6))
    with time_machine.travel("2026-06-15 12:00 +0800", tick=False):
        rows = satisfaction(scope)
    # 2025-H2: C's 4 → 1 of 1; 2026-H1: A's 5 and B's 3 → 1 of 2
    assert rows == [
        SatisfactionHalf("2024-H2", 0, 0, None),
        SatisfactionHalf("2025-H1", 0, 0, None),
        SatisfactionHalf("2025-H2", 1, 1, 1.0),
        SatisfactionHalf("2026-H1", 1, 2, 0.5),
    ]


def test_without_answers_the_dashboard_says_so(programme, admin, scope):
    assert satisfaction(scope) is None
    client = Client()
    client.force_login(admin)
    html = client.get(reverse("console-insights", args=["xingfuli"])).content.decode()
    assert text_of(html, "empty-satisfaction")
    assert 'id="table-satisfaction"' not in html
