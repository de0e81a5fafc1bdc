"""Writes of the voices app: surveys made, opened, closed and answered; feedback posted,
replied to and closed. Every text from outside is checked storable here too (the edges check
it first)."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet

from jifen.accounts.models import User
from jifen.audit.services import record as audit
from jifen.lib import clock
from jifen.lib.periods import local
from jifen.lib.storable import check_text
from jifen.programmes.models import Community, Member, Programme
from jifen.voices import errors
from jifen.voices.models import (
    SCORE_RANGE,
    Answer,
    Feedback,
    FeedbackStatus,
    Invitation,
    Participation,
    Question,
    QuestionKind,
    Reply,
    Response,
    Survey,
    SurveyKind,
    SurveyStatus,
)

MAX_TEXT = 2000
MAX_QUESTIONS = 30


@dataclass(frozen=True)
class QuestionData:
    kind: str
    text: str
    required: bool = True


def _clean(text: str, *, limit: int, what: type[errors.InvalidInput], name: str) -> str:
    text = check_text(text).strip()
    if len(text) > limit:
        raise what(problem=f"{name} > {limit}")
    return text


def create_survey(
    *,
    programme: Programme,
    title: str,
    questions: Sequence[QuestionData],
    actor: User | None,
    description: str = "",
    anonymous: bool = True,
    kind: str = SurveyKind.OTHER,
    community: Community | None = None,
    is_template: bool = False,
) -> Survey:
    title = _clean(title, limit=120, what=errors.InvalidSurvey, name="title")
    if not title:
        raise errors.InvalidSurvey(problem="title")
    if community is not None and community.programme_id != programme.pk:
        raise errors.InvalidSurvey(problem="community")
    survey = Survey(
        programme=programme,
        title=title,
        description=_clean(description, limit=MAX_TEXT, what=errors.InvalidSurvey, name="text"),
        anonymous=anonymous,
        kind=kind,
        community=community,
        is_template=is_template,
        created_by=actor,
    )
    with transaction.atomic():
        survey.save()
        set_questions(survey=survey, questions=questions, actor=actor)
    return survey


def set_questions(*, survey: Survey, questions: Sequence[QuestionData], actor: User | None) -> None:
    """Replace a draft survey's questions."""
    if survey.status != SurveyStatus.DRAFT:
        raise errors.SurveyNotEditable()
    if not questions or len(questions) > MAX_QUESTIONS:
        raise errors.InvalidSurvey(problem=f"1–{MAX_QUESTIONS} questions")
    rows = []
    for i, q in enumerate(questions):
        if q.kind not in QuestionKind.values:
            raise errors.InvalidSurvey(problem="kind")
        text = _clean(q.text, limit=300, what=errors.InvalidSurvey, name="question")
        if not text:
            raise errors.InvalidSurvey(problem="question")
        rows.append(
            Question(survey=survey, position=i, kind=q.kind, text=text, required=q.required)
        )
    with transaction.atomic():
        survey.questions.all().delete()
        Question.objects.bulk_create(rows)
    audit(actor=actor, action="survey.questions", target=survey, programme=survey.programme)


def update_survey(
    *,
    survey: Survey,
    actor: User | None,
    questions: Sequence[QuestionData] | None = None,
    **fields: object,
) -> Survey:
    """Change a survey's title, description or anonymity (anonymity and questions only while
    it is a draft: answers already given keep what they were given under)."""
    if ("anonymous" in fields or questions is not None) and survey.status != SurveyStatus.DRAFT:
        raise errors.SurveyNotEditable()
    with transaction.atomic():
        if "title" in fields:
            title = _clean(str(fields["title"]), limit=120, what=errors.InvalidSurvey, name="title")
            if not title:
                raise errors.InvalidSurvey(problem="title")
            survey.title = title
        if "description" in fields:
            survey.description = _clean(
                str(fields["description"]), limit=MAX_TEXT, what=errors.InvalidSurvey, name="text"
            )
        if "anonymous" in fields:
            survey.anonymous = bool(fields["anonymous"])
        survey.save(update_fields=["title", "description", "anonymous"])
        if questions is not None:
            set_questions(survey=survey, questions=questions, actor=actor)
        audit(actor=actor, action="survey.change", target=survey, programme=survey.programme)
    return survey


def delete_survey(*, survey: Survey, actor: User | None) -> None:
    """Delete a draft; an opened survey keeps its answers and is closed instead."""
    if survey.status != SurveyStatus.DRAFT or survey.participations.exists():
        raise errors.SurveyNotEditable()
    with transaction.atomic():
        audit(actor=actor, action="survey.delete", target=survey, programme=survey.programme)
        survey.delete()


def copy_survey(template: Survey, **fields: object) -> Survey:
    """A draft copy of `template` with its questions, `fields` set on the copy."""
    copy = Survey(
        programme=template.programme,
        title=template.title,
        description=template.description,
        anonymous=template.anonymous,
        kind=template.kind,
        community=template.community,
    )
    for name, value in fields.items():
        setattr(copy, name, value)
    copy.save()
    Question.objects.bulk_create(
        Question(survey=copy, position=q.position, kind=q.kind, text=q.text, required=q.required)
        for q in template.questions.all()
    )
    return copy


def open_survey(*, survey: Survey, actor: User | None) -> Survey:
    with transaction.atomic():
        locked = Survey.objects.select_for_update().get(pk=survey.pk)
        if locked.is_template:
            raise errors.InvalidSurvey(problem="template")
        if locked.status == SurveyStatus.OPEN:
            return locked
        if not locked.questions.exists():
            raise errors.InvalidSurvey(problem="questions")
        locked.status, locked.opened_at, locked.closed_at = SurveyStatus.OPEN, clock.now(), None
        locked.save(update_fields=["status", "opened_at", "closed_at"])
        audit(actor=actor, action="survey.open", target=locked, programme=locked.programme)
    return locked


def close_survey(*, survey: Survey, actor: User | None) -> Survey:
    with transaction.atomic():
        locked = Survey.objects.select_for_update().get(pk=survey.pk)
        if locked.status == SurveyStatus.CLOSED:
            return locked
        locked.status, locked.closed_at = SurveyStatus.CLOSED, clock.now()
        locked.save(update_fields=["status", "closed_at"])
        audit(actor=actor, action="survey.close", target=locked, programme=locked.programme)
    return locked


def invite(survey: Survey, members: QuerySet[Member] | Sequence[Member]) -> int:
    rows = [Invitation(survey=survey, member=m) for m in members]
    Invitation.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def surveys_for(member: Member) -> QuerySet[Survey]:
    """The surveys `member` may answer: open, of their programme, for everyone, their
    community, or by invitation."""
    invited = Invitation.objects.filter(member=member).values("survey_id")
    return (
        Survey.objects.filter(programme_id=member.programme_id, status=SurveyStatus.OPEN)
        .filter(Q(community__isnull=True) | Q(community_id=member.community_id))
        .filter(Q(activity__isnull=True) | Q(pk__in=invited))
        .exclude(is_template=True)
    )


def answered_of(member: Member, surveys: Sequence[Survey]) -> set[int]:
    """The ids of those surveys the member has answered (one query)."""
    return set(
        Participation.objects.filter(member=member, survey__in=list(surveys)).values_list(
            "survey_id", flat=True
        )
    )


def has_answered(survey: Survey, member: Member) -> bool:
    return Participation.objects.filter(survey=survey, member=member).exists()


def answer_survey(*, survey: Survey, member: Member, answers: Mapping[int, object]) -> Response:
    """Record `member`'s answers (question id → score or text), once. Raises SurveyNotOpen,
    SurveyAlreadyAnswered or InvalidAnswer."""
    if not surveys_for(member).filter(pk=survey.pk).exists():
        raise errors.SurveyNotOpen()
    questions = {q.pk: q for q in survey.questions.all()}
    unknown = set(answers) - set(questions)
    if unknown:
        raise errors.InvalidAnswer(problem="question")
    today = local(clock.now(), survey.programme.timezone).date()
    rows = []
    for qid, question in questions.items():
        value = answers.get(qid)
        if value is None or value == "":
            if question.required:
                raise errors.InvalidAnswer(problem=question.text)
            continue
        row = Answer(
            question=question,
            kind=question.kind,
            programme_id=survey.programme_id,
            submitted_on=today,
        )
        if question.kind == QuestionKind.TEXT:
            if not isinstance(value, str):
                raise errors.InvalidAnswer(problem=question.text)
            row.text = _clean(value, limit=MAX_TEXT, what=errors.InvalidAnswer, name="text")
            if not row.text:
                if question.required:
                    raise errors.InvalidAnswer(problem=question.text)
                continue
        else:
            low, high = SCORE_RANGE[QuestionKind(question.kind)]
            if isinstance(value, str) and value.isascii() and value.strip().isdigit():
                value = int(value.strip()) if len(value.strip()) <= 3 else high + 1
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise errors.InvalidAnswer(problem=question.text)
            row.score = value
        rows.append(row)
    response = Response(
        survey=survey,
        programme_id=survey.programme_id,
        member=None if survey.anonymous else member,
        community_id=member.community_id,
        submitted_on=today,
    )
    try:
        with transaction.atomic():
            Participation.objects.create(survey=survey, member=member)
            response.save(force_insert=True)
            for row in rows:
                row.response = response
            Answer.objects.bulk_create(rows)
    except IntegrityError:
        raise errors.SurveyAlreadyAnswered() from None
    return response


# The feedback box.


def post_feedback(*, member: Member, text: str, anonymous: bool = False) -> Feedback:
    text = _clean(text, limit=MAX_TEXT, what=errors.InvalidFeedback, name="text")
    if not text:
        raise errors.InvalidFeedback(problem="text")
    return Feedback.objects.create(
        programme_id=member.programme_id,
        member=member,
        community_id=member.community_id,
        text=text,
        anonymous=anonymous,
    )


def reply_feedback(*, feedback: Feedback, text: str, actor: User) -> Reply:
    text = _clean(text, limit=MAX_TEXT, what=errors.InvalidFeedback, name="reply")
    if not text:
        raise errors.InvalidFeedback(problem="reply")
    with transaction.atomic():
        locked = Feedback.objects.select_for_update().get(pk=feedback.pk)
        if locked.status == FeedbackStatus.CLOSED:
            raise errors.FeedbackClosed()
        reply = Reply.objects.create(feedback=locked, text=text, author=actor)
        locked.status, locked.answered_at = FeedbackStatus.ANSWERED, reply.created_at
        locked.save(update_fields=["status", "answered_at"])
        audit(actor=actor, action="feedback.reply", target=locked, programme=locked.programme)
    feedback.status, feedback.answered_at = locked.status, locked.answered_at
    return reply


def close_feedback(*, feedback: Feedback, actor: User) -> Feedback:
    with transaction.atomic():
        locked = Feedback.objects.select_for_update().get(pk=feedback.pk)
        if locked.status != FeedbackStatus.CLOSED:
            locked.status = FeedbackStatus.CLOSED
            locked.save(update_fields=["status"])
            audit(actor=actor, action="feedback.close", target=locked, programme=locked.programme)
    return locked
