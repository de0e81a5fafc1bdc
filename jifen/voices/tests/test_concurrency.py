"""On PostgreSQL: ten answers of one member sent at the same moment record one response (the
participation's unique pair decides), and ten workers running the half-year job at once open
one survey."""

import pytest
import time_machine
from django.db import connection

from jifen.testing import at_once
from jifen.voices import errors, services
from jifen.voices.jobs import open_half_year_surveys
from jifen.voices.models import Answer, Participation, Response, Survey, SurveyKind
from jifen.voices.testing import answers_of, make_survey

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="concurrency is proven on PostgreSQL"
    ),
]


@pytest.mark.django_db(transaction=True)
def test_ten_answers_at_once_record_one(programme, member):
    survey = make_survey(programme=programme)
    answers = answers_of(survey, 5, 9)
    results = at_once(
        lambda i: services.answer_survey(survey=survey, member=member, answers=answers),
        threads=10,
    )
    refused = [r for r in results if isinstance(r, errors.SurveyAlreadyAnswered)]
    assert len(refused) == 9
    assert Participation.objects.count() == Response.objects.count() == 1
    assert Answer.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_the_half_year_job_at_once_opens_one(programme):
    make_survey(programme=programme, kind=SurveyKind.HALF_YEAR, is_template=True, opened=False)
    with time_machine.travel("2026-07-01 08:00 +0800", tick=False):
        at_once(lambda i: open_half_year_surveys(), threads=10)
    assert Survey.objects.filter(programme=programme, period="2026-H2").count() == 1
