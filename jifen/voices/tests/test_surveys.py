"""Surveys: a member answers once (named or anonymous), an anonymous answer stores no member,
and the results' satisfaction rate and NPS equal figures worked out by hand."""

from datetime import date

import pytest
import time_machine
from django.db import connection

from jifen.testing import make_member
from jifen.voices import errors, services
from jifen.voices.models import Answer, Participation, Response
from jifen.voices.queries import results, satisfaction
from jifen.voices.testing import answers_of, make_survey


@pytest.fixture
def members(community):
    return [make_member(community=community, name=f"居民{i}") for i in range(10)]


def test_satisfaction_counts_fours_and_fives_in_the_period(programme, members):
    survey = make_survey(programme=programme)
    # Local days in Shanghai: 30 Nov 23:30 +08 is November; 1 Dec 00:10 +08 is December.
    with time_machine.travel("2026-11-30 23:30 +0800", tick=False):
        for m, score in zip(members[:4], [5, 4, 3, 1], strict=True):
            services.answer_survey(survey=survey, member=m, answers=answers_of(survey, score, 8))
    with time_machine.travel("2026-12-01 00:10 +0800", tick=False):
        for m, score in zip(members[4:7], [4, 2, 5], strict=True):
            services.answer_survey(survey=survey, member=m, answers=answers_of(survey, score, 8))
    assert satisfaction(programme, date(2026, 11, 1), date(2026, 12, 1)) == (2, 4)
    assert satisfaction(programme, date(2026, 12, 1), date(2027, 1, 1)) == (2, 3)
    assert satisfaction(programme, date(2026, 11, 1), date(2027, 1, 1)) == (4, 7)
    assert satisfaction(programme, date(2025, 1, 1), date(2026, 1, 1)) == (0, 0)


def test_satisfaction_is_the_programmes_own(programme, other_programme, members):
    survey = make_survey(programme=programme)
    services.answer_survey(survey=survey, member=members[0], answers=answers_of(survey, 5, 9))
    assert satisfaction(other_programme, date(2000, 1, 1), date(2100, 1, 1)) == (0, 0)


def test_results_on_hand_computed_data(programme, members):
    survey = make_survey(programme=programme)
    # Satisfaction 5,5,4,3,2 → 3 of 5 satisfied = 60 %.
    # NPS 10,9,8,7,6 → promoters 2, detractors 1 of 5 → 40 % − 20 % = 20.
    for m, s, n in zip(members, [5, 5, 4, 3, 2], [10, 9, 8, 7, 6], strict=False):
        services.answer_survey(survey=survey, member=m, answers=answers_of(survey, s, n, "好"))
    out = results(survey)
    assert out.responses == 5
    assert out.satisfaction_rate == 60.0
    assert out.nps == 20.0
    sat, rec, text = out.questions
    assert sat.histogram == {1: 0, 2: 1, 3: 1, 4: 1, 5: 2}
    assert sat.average == 3.8
    assert rec.promoters == 2 and rec.detractors == 1
    assert text.texts == ["好"] * 5


def test_all_detractors_give_minus_100(programme, members):
    survey = make_survey(programme=programme)
    for m in members[:3]:
        services.answer_survey(survey=survey, member=m, answers=answers_of(survey, 1, 0))
    assert results(survey).nps == -100.0
    assert results(survey).satisfaction_rate == 0.0


def test_a_member_answers_once(programme, member):
    survey = make_survey(programme=programme, anonymous=True)
    services.answer_survey(survey=survey, member=member, answers=answers_of(survey, 5, 10))
    with pytest.raises(errors.SurveyAlreadyAnswered):
        services.answer_survey(survey=survey, member=member, answers=answers_of(survey, 1, 0))
    assert Response.objects.filter(survey=survey).count() == 1
    assert Answer.objects.filter(response__survey=survey, score=1).count() == 0
    assert services.has_answered(survey, member)


def test_an_anonymous_answer_stores_no_member(programme, member):
    survey = make_survey(programme=programme, anonymous=True)
    services.answer_survey(survey=survey, member=member, answers=answers_of(survey, 4, 9, "灯坏了"))
    response = Response.objects.get(survey=survey)
    assert response.member_id is None
    assert not response.key.isdigit()
    participation = Participation.objects.get(survey=survey)
    assert participation.member_id == member.pk
    # No column of the answer tables holds the member's id or the participation's key.
    with connection.cursor() as cursor:
        for table in ("voices_response", "voices_answer"):
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - our own table names
            names = [c[0] for c in cursor.description]
            for row in cursor.fetchall():
                values = dict(zip(names, row, strict=True))
                assert values.get("member_id") is None
                assert participation.key not in [str(v) for v in values.values()]
                assert not any(isinstance(v, str) and ":" in v for v in values.values())


def test_a_named_answer_keeps_the_member(programme, member):
    survey = make_survey(programme=programme, anonymous=False)
    services.answer_survey(survey=survey, member=member, answers=answers_of(survey, 4, 9))
    assert Response.objects.get(survey=survey).member_id == member.pk


def test_answers_are_checked(programme, member):
    survey = make_survey(programme=programme)
    for bad in ([6, 9], [0, 9], [5, 11], [5, -1], [True, 9], ["5x", 9], [None, 9], [5, 10**30]):
        with pytest.raises(errors.InvalidAnswer):
            services.answer_survey(survey=survey, member=member, answers=answers_of(survey, *bad))
    assert not services.has_answered(survey, member)


def test_a_closed_or_draft_survey_takes_no_answer(programme, member):
    draft = make_survey(programme=programme, opened=False)
    with pytest.raises(errors.SurveyNotOpen):
        services.answer_survey(survey=draft, member=member, answers=answers_of(draft, 5, 9))
    survey = make_survey(programme=programme)
    services.close_survey(survey=survey, actor=None)
    with pytest.raises(errors.SurveyNotOpen):
        services.answer_survey(survey=survey, member=member, answers=answers_of(survey, 5, 9))
