"""Voices: what residents tell the programme — surveys, the feedback box — and the monthly
newsletter the programme tells them back.

A survey has questions of three kinds: satisfaction 1–5, NPS 0–10 and free text. It is named
or anonymous. A member answers a survey once, either way:

- `Participation` records *that* a member answered (survey, member), unique per pair; it is
  what stops a second answer.
- `Response` holds *what* was answered. For a named survey it carries the member; for an
  anonymous one it carries no member, its key is random (not a sequence that would follow
  the participations' order) and it keeps only the local day it was given, not the moment,
  so nothing stored joins an anonymous answer back to the participation beside it.
  (Participations have random keys and no time either.) What the application stores cannot
  link them; the database's physical row order is beyond what it controls.

Both rows are written in one transaction, so an answer is never counted without its
participation, nor the reverse."""

from functools import partial

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jifen.lib import clock
from jifen.lib.ids import new_public_id

_public_id = partial(new_public_id, 12)
_response_key = partial(new_public_id, 20)


class SurveyKind(models.TextChoices):
    HALF_YEAR = "half_year", _("Half-yearly survey")
    ACTIVITY = "activity", _("After an activity")
    OTHER = "other", _("Other survey")


class SurveyStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class QuestionKind(models.TextChoices):
    SATISFACTION = "satisfaction", _("Satisfaction (1–5)")
    NPS = "nps", _("Would you recommend it (0–10)")
    TEXT = "text", _("Free text")


SCORE_RANGE = {QuestionKind.SATISFACTION: (1, 5), QuestionKind.NPS: (0, 10)}


class Survey(models.Model):
    programme = models.ForeignKey(
        "programmes.Programme", on_delete=models.CASCADE, related_name="surveys"
    )
    public_id = models.CharField(max_length=16, unique=True, default=_public_id, editable=False)
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(
        _("kind"), max_length=12, choices=SurveyKind.choices, default=SurveyKind.OTHER
    )
    anonymous = models.BooleanField(_("anonymous"), default=True)
    status = models.CharField(
        _("status"), max_length=8, choices=SurveyStatus.choices, default=SurveyStatus.DRAFT
    )
    # A survey of one community's residents (None: the whole programme).
    community = models.ForeignKey(
        "programmes.Community",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("community"),
    )
    # The activity whose attendees are invited (kind activity); only invitees may answer.
    activity = models.OneToOneField(
        "earning.Activity",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="survey",
    )
    # The half-year a half-yearly survey is for, e.g. "2026-H2" (unique per programme).
    period = models.CharField(max_length=8, blank=True)
    # A template is copied by the half-year job; it is never opened itself.
    is_template = models.BooleanField(default=False)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=clock.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["programme_id", "-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "period"],
                condition=~Q(period=""),
                name="survey_one_per_half_year",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Question(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(_("kind"), max_length=12, choices=QuestionKind.choices)
    text = models.CharField(_("question"), max_length=300)
    required = models.BooleanField(_("required"), default=True)

    class Meta:
        ordering = ["survey_id", "position", "id"]

    def __str__(self) -> str:
        return self.text


class Invitation(models.Model):
    """A member asked to answer a survey of invitees (an activity's attendees)."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="invitations")
    member = models.ForeignKey("programmes.Member", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["survey", "member"], name="survey_invitation_once"),
        ]

    def __str__(self) -> str:
        return f"{self.survey_id}/{self.member_id}"


class Participation(models.Model):
    """That a member answered a survey: the one row that makes them answer it only once. Its
    key is random and it has no time, so the order of participations cannot be lined up with
    the order of anonymous answers."""

    key = models.CharField(primary_key=True, max_length=20, default=_response_key)
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="participations")
    member = models.ForeignKey("programmes.Member", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["survey", "member"], name="survey_answered_once"),
        ]

    def __str__(self) -> str:
        return f"{self.survey_id}/{self.key}"


class Response(models.Model):
    """What was answered. Anonymous: no member, a random key, the day only."""

    key = models.CharField(primary_key=True, max_length=20, default=_response_key)
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    programme = models.ForeignKey(
        "programmes.Programme", on_delete=models.CASCADE, related_name="+"
    )
    member = models.ForeignKey(
        "programmes.Member", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    community = models.ForeignKey(
        "programmes.Community", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The programme's local day the answer was given.
    submitted_on = models.DateField()

    class Meta:
        indexes = [models.Index(fields=["programme", "submitted_on"])]

    def __str__(self) -> str:
        return self.key


class Answer(models.Model):
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    # Denormalised from the question and the response for the KPI reads.
    kind = models.CharField(max_length=12, choices=QuestionKind.choices)
    programme = models.ForeignKey(
        "programmes.Programme", on_delete=models.CASCADE, related_name="+"
    )
    submitted_on = models.DateField()
    score = models.SmallIntegerField(null=True, blank=True)
    text = models.TextField(blank=True)

    class Meta:
        ordering = ["question_id", "id"]
        indexes = [models.Index(fields=["programme", "kind", "submitted_on"])]
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="answer_once"),
        ]

    def __str__(self) -> str:
        return f"{self.question_id}: {self.score if self.score is not None else self.text[:20]}"


class FeedbackStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", _("Closed")


class Feedback(models.Model):
    """A resident's note in the feedback box. The member is always stored, so the resident
    sees staff's replies; `anonymous` hides who wrote it from staff (pages, API, exports)."""

    programme = models.ForeignKey(
        "programmes.Programme", on_delete=models.CASCADE, related_name="feedback"
    )
    public_id = models.CharField(max_length=16, unique=True, default=_public_id, editable=False)
    member = models.ForeignKey("programmes.Member", on_delete=models.CASCADE, related_name="+")
    community = models.ForeignKey(
        "programmes.Community", on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("feedback"))
    anonymous = models.BooleanField(_("hide my name from staff"), default=False)
    status = models.CharField(
        _("status"), max_length=8, choices=FeedbackStatus.choices, default=FeedbackStatus.OPEN
    )
    created_at = models.DateTimeField(default=clock.now)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["programme_id", "-created_at", "-id"]
        indexes = [models.Index(fields=["programme", "status"])]

    def __str__(self) -> str:
        return self.text[:40]


class Reply(models.Model):
    feedback = models.ForeignKey(Feedback, on_delete=models.CASCADE, related_name="replies")
    text = models.TextField(_("reply"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["feedback_id", "created_at", "id"]

    def __str__(self) -> str:
        return self.text[:40]


class NewsletterSubscription(models.Model):
    """A user who receives a programme's monthly newsletter by e-mail (staff always do)."""

    programme = models.ForeignKey(
        "programmes.Programme", on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["programme", "user"], name="newsletter_once"),
        ]

    def __str__(self) -> str:
        return f"{self.programme_id}/{self.user_id}"


class NewsletterSent(models.Model):
    """A month's newsletter sent for a programme, so the command sends it once."""

    programme = models.ForeignKey(
        "programmes.Programme", on_delete=models.CASCADE, related_name="+"
    )
    month = models.CharField(max_length=7)
    recipients = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["programme", "month"], name="newsletter_sent_once"),
        ]

    def __str__(self) -> str:
        return f"{self.programme_id}/{self.month}"
