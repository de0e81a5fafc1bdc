"""The demo's voices: each demo programme's half-yearly template and this half-year's open,
anonymous survey answered by about a third of its active residents (a satisfaction rate, an
NPS, a few words in Chinese), 幸福里社区's after-activity surveys answered only by attendees,
and its feedback box with the staff's replies."""

import pytest
from django.db import transaction

from jifen.earning.models import Attendance
from jifen.programmes import demo
from jifen.programmes.models import Member, Programme
from jifen.voices.demo import FEEDBACK, PROGRAMMES
from jifen.voices.jobs import half_year
from jifen.voices.models import (
    Answer,
    Feedback,
    FeedbackStatus,
    Participation,
    Reply,
    Response,
    Survey,
    SurveyKind,
    SurveyStatus,
)
from jifen.voices.queries import results


@pytest.fixture(scope="module")
def _demo(django_db_setup, django_db_blocker):
    """One demo for the module, as building it takes a while: built in a transaction that
    is rolled back at the end, each test running in a savepoint within it."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        built = demo.build_demo(password="demo pass for tests")
    yield built
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)


@pytest.fixture
def programmes(_demo, db) -> list[Programme]:
    return list(Programme.objects.filter(slug__in=PROGRAMMES).order_by("pk"))


@pytest.fixture
def xingfuli(_demo, db) -> Programme:
    return _demo.programme


def test_each_programme_has_its_template_and_this_half_years_open_survey(programmes):
    assert len(programmes) == 3
    for programme in programmes:
        surveys = Survey.objects.filter(programme=programme, kind=SurveyKind.HALF_YEAR)
        assert surveys.filter(is_template=True, status=SurveyStatus.DRAFT).count() == 1
        survey = surveys.get(is_template=False)
        assert (survey.status, survey.period, survey.anonymous) == (
            SurveyStatus.OPEN,
            half_year(programme),
            True,
        )
        assert survey.opened_at is not None


def test_a_third_of_the_active_residents_answered_mostly_satisfied(programmes):
    for programme in programmes:
        survey = Survey.objects.get(programme=programme, period=half_year(programme))
        active = Member.objects.active().filter(programme=programme).count()
        found = results(survey)

        assert found.responses == active // 3 > 0
        assert found.satisfaction_rate is not None and found.satisfaction_rate > 60
        assert found.nps is not None
        assert not Response.objects.filter(survey=survey, member__isnull=False).exists()
        assert not Response.objects.filter(survey=survey, submitted_on__lt=survey.opened_at.date())


def test_some_residents_wrote_a_few_words_in_chinese(xingfuli):
    survey = Survey.objects.get(programme=xingfuli, period=half_year(xingfuli))
    texts = [t for q in results(survey).questions for t in q.texts]

    assert 0 < len(texts) < results(survey).responses / 2
    assert all("\u4e00" <= t[0] <= "\u9fff" for t in texts)


def test_after_activity_surveys_are_answered_by_attendees_under_their_names(xingfuli):
    surveys = Survey.objects.filter(programme=xingfuli, kind=SurveyKind.ACTIVITY)
    assert surveys.filter(is_template=True).count() == 1
    opened = surveys.filter(is_template=False, status=SurveyStatus.OPEN)
    assert opened.exists() and not opened.filter(activity=None).exists()
    for survey in opened:
        attendees = set(
            Attendance.objects.filter(activity=survey.activity).values_list("member_id", flat=True)
        )
        answered = set(
            Participation.objects.filter(survey=survey).values_list("member_id", flat=True)
        )
        named = set(Response.objects.filter(survey=survey).values_list("member_id", flat=True))
        assert answered == named <= attendees
        assert len(answered) == len(attendees) // 2
    assert Answer.objects.filter(response__survey__in=opened).exists()


def test_the_feedback_box_has_notes_and_the_staffs_replies(xingfuli):
    notes = Feedback.objects.filter(programme=xingfuli)
    replies = Reply.objects.filter(feedback__programme=xingfuli)

    assert notes.count() == len(FEEDBACK) and notes.filter(anonymous=True).count() == 1
    assert replies.count() == sum(1 for *_, reply in FEEDBACK if reply) == 3
    assert notes.filter(status=FeedbackStatus.ANSWERED).count() == 3
    assert all(r.created_at > r.feedback.created_at and r.author for r in replies)
    assert not Feedback.objects.exclude(programme=xingfuli).exists()
