"""The worker's surveys: the half-yearly one opens from the template once per half-year (the
one before it closed), and an activity's attendees are invited to a survey after it closes."""

import time_machine

from jifen.earning import services as earning
from jifen.testing import make_activity, make_member, make_rule
from jifen.voices import services
from jifen.voices.jobs import open_activity_surveys, open_half_year_surveys, open_scheduled_surveys
from jifen.voices.models import Survey, SurveyKind, SurveyStatus
from jifen.voices.testing import make_survey


def test_the_half_year_survey_opens_once_per_half_year(programme, other_programme, member):
    template = make_survey(
        programme=programme,
        title="半年满意度",
        kind=SurveyKind.HALF_YEAR,
        is_template=True,
        opened=False,
    )
    with time_machine.travel("2026-07-01 08:00 +0800", tick=False):
        first = open_half_year_surveys()
        assert [s.period for s in first] == ["2026-H2"]
        assert open_half_year_surveys() == []
        open_scheduled_surveys()
    survey = first[0]
    assert survey.status == SurveyStatus.OPEN and survey.title == "半年满意度 2026-H2"
    assert [q.text for q in survey.questions.all()] == [q.text for q in template.questions.all()]
    assert list(services.surveys_for(member)) == [survey]
    with time_machine.travel("2026-12-31 23:59 +0800", tick=False):
        assert open_half_year_surveys() == []
    with time_machine.travel("2027-01-01 00:01 +0800", tick=False):
        (second,) = open_half_year_surveys()
    assert second.period == "2027-H1"
    survey.refresh_from_db()
    assert survey.status == SurveyStatus.CLOSED
    template.refresh_from_db()
    assert template.status == SurveyStatus.DRAFT
    assert not Survey.objects.filter(programme=other_programme).exists()
    assert Survey.objects.filter(programme=programme, kind=SurveyKind.HALF_YEAR).count() == 3


def test_no_template_no_half_year_survey(programme):
    assert open_half_year_surveys() == []


def test_a_closed_activity_invites_its_attendees(programme, community, member):
    make_survey(
        programme=programme,
        title="活动反馈",
        kind=SurveyKind.ACTIVITY,
        is_template=True,
        opened=False,
    )
    absent = make_member(community=community, name="没来的")
    activity = make_activity(rule=make_rule(programme=programme), title="清扫楼道")
    earning.check_in(activity=activity, member=member, method="name")
    assert open_activity_surveys() == []  # still open
    earning.close_activity(activity=activity, actor=None)
    (survey,) = open_activity_surveys()
    assert open_activity_surveys() == []
    assert survey.title == "活动反馈：清扫楼道" and survey.activity == activity
    assert list(services.surveys_for(member)) == [survey]
    assert list(services.surveys_for(absent)) == []
