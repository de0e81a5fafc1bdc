"""Periodic voices work, run by `jifen worker`: the half-yearly survey opened from the
programme's template once per half-year, and a survey after each closed activity for its
attendees (from the programme's activity template).

A programme takes part by keeping a template: a survey marked `is_template` of kind
half_year (or activity). Without one, nothing is opened for it."""

from datetime import timedelta

from django.db import IntegrityError, transaction

from jifen.earning.models import Activity, ActivityStatus, Attendance
from jifen.lib import clock
from jifen.lib.jobs import register
from jifen.lib.periods import local
from jifen.programmes.models import Member, Programme
from jifen.voices import newsletter, services
from jifen.voices.models import Survey, SurveyKind, SurveyStatus

# Activities closed this long ago or less still get their survey (the worker may be down).
ACTIVITY_WINDOW = timedelta(days=7)


def half_year(programme: Programme) -> str:
    day = local(clock.now(), programme.timezone).date()
    return f"{day.year}-H{1 if day.month <= 6 else 2}"


def template_of(programme_id: int, kind: str) -> Survey | None:
    return (
        Survey.objects.filter(programme_id=programme_id, kind=kind, is_template=True)
        .order_by("-created_at", "-id")
        .first()
    )


def open_half_year_surveys() -> list[Survey]:
    """For each programme with a half-yearly template and no survey for this half-year: copy
    the template, open it, and close the half-yearly surveys still open before it."""
    opened = []
    programme_ids = set(
        Survey.objects.filter(kind=SurveyKind.HALF_YEAR, is_template=True).values_list(
            "programme_id", flat=True
        )
    )
    for programme in Programme.objects.filter(pk__in=programme_ids):
        period = half_year(programme)
        if Survey.objects.filter(programme=programme, period=period).exists():
            continue
        template = template_of(programme.pk, SurveyKind.HALF_YEAR)
        if template is None:
            continue
        try:
            with transaction.atomic():
                for old in Survey.objects.filter(
                    programme=programme, kind=SurveyKind.HALF_YEAR, status=SurveyStatus.OPEN
                ).exclude(is_template=True):
                    services.close_survey(survey=old, actor=None)
                survey = services.copy_survey(
                    template, period=period, title=f"{template.title} {period}"
                )
                opened.append(services.open_survey(survey=survey, actor=None))
        except IntegrityError:  # another worker opened it first
            continue
    return opened


def open_activity_surveys() -> list[Survey]:
    """A survey for each activity closed in the last week that has none, in programmes with
    an activity template; its attendees are invited."""
    opened = []
    programme_ids = set(
        Survey.objects.filter(kind=SurveyKind.ACTIVITY, is_template=True).values_list(
            "programme_id", flat=True
        )
    )
    activities = Activity.objects.filter(
        programme_id__in=programme_ids,
        status=ActivityStatus.CLOSED,
        closed_at__gte=clock.now() - ACTIVITY_WINDOW,
        survey__isnull=True,
    ).order_by("closed_at", "pk")
    for activity in activities:
        template = template_of(activity.programme_id, SurveyKind.ACTIVITY)
        if template is None:
            continue
        try:
            with transaction.atomic():
                survey = services.copy_survey(
                    template,
                    activity=activity,
                    community=activity.community,
                    title=f"{template.title}：{activity.title}"[:120],
                )
                attendees = Member.objects.filter(
                    pk__in=Attendance.objects.filter(activity=activity).values("member_id")
                )
                services.invite(survey, list(attendees))
                opened.append(services.open_survey(survey=survey, actor=None))
        except IntegrityError:
            continue
    return opened


@register("voices-surveys", every_seconds=600)
def open_scheduled_surveys() -> None:
    open_half_year_surveys()
    open_activity_surveys()


@register("voices-newsletter", every_seconds=3600)
def send_newsletters() -> None:
    """Last month's newsletter to each programme, once, when mail is configured."""
    if not newsletter.mail_configured():
        return
    for programme in Programme.objects.all():
        newsletter.send_newsletter(programme, newsletter.last_month(programme))
