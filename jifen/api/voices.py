"""The voices API, tagged "voices": for the resident under /programmes/<slug>/me/… the open
surveys and answering one (once: a second answer is 409 survey_already_answered, a retry
with the same Idempotency-Key gets the first answer back), their feedback with staff's
replies, and posting feedback; for staff ("manage_voices") surveys created, changed (their
questions while a draft), opened and closed, their results, the feedback box with replies and
closing.

Every object is looked up through jifen.voices.access: another programme's or community's
answers 404 like a missing one. An anonymous survey's results and a feedback marked
anonymous never name the resident."""

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Literal

from django.http import Http404, HttpResponse
from ninja import Field, Query, Router, Schema, Status
from pydantic import StrictBool

from jifen.api.auth import ApiRequest
from jifen.api.earnings import Key, once
from jifen.api.inputs import IdIn, InputSchema, Int
from jifen.programmes import errors as programme_errors
from jifen.programmes.access import StaffScope, access_community, access_programme, resident_member
from jifen.programmes.models import Community, Member
from jifen.voices import errors, services
from jifen.voices.access import (
    access_feedback,
    access_survey,
    feedback_in_scope,
    result_communities,
    surveys_in_scope,
)
from jifen.voices.models import Feedback, Survey
from jifen.voices.queries import Results, results

router = Router(tags=["voices"])
CAN = "manage_voices"
Kind = Literal["satisfaction", "nps", "text"]
SurveyKind_ = Literal["half_year", "activity", "other"]
Status_ = Literal["draft", "open", "closed"]
FeedbackStatus_ = Literal["open", "answered", "closed"]
Text = Annotated[str, Field(min_length=1, max_length=2000)]


class QuestionOut(Schema):
    id: int
    kind: Kind
    text: str
    required: bool


class SurveyOut(Schema):
    public_id: str
    title: str
    description: str
    kind: SurveyKind_
    anonymous: bool
    status: Status_
    is_template: bool
    community_id: int | None
    activity: str | None = Field(description="The activity's public id (kind activity).")
    period: str = Field(description="The half-year of a half-yearly survey, e.g. 2026-H2.")
    questions: list[QuestionOut]
    opened_at: datetime | None
    closed_at: datetime | None
    created_at: datetime


class MySurveyOut(Schema):
    public_id: str
    title: str
    description: str
    anonymous: bool
    answered: bool
    questions: list[QuestionOut]


class QuestionIn(InputSchema):
    kind: Kind
    text: str = Field(min_length=1, max_length=300)
    required: StrictBool = True


class SurveyIn(InputSchema):
    title: str = Field(min_length=1, max_length=120)
    description: str = Field("", max_length=2000)
    kind: SurveyKind_ = "other"
    anonymous: StrictBool = True
    is_template: StrictBool = Field(
        False, description="A template the worker copies (half_year, activity); never opened."
    )
    community_id: IdIn | None = Field(None, description="None: the whole programme.")
    questions: list[QuestionIn] = Field(min_length=1, max_length=services.MAX_QUESTIONS)


class SurveyPatch(InputSchema):
    """Only the fields sent change; a survey's questions only while it is a draft."""

    title: str | None = Field(None, min_length=1, max_length=120)
    description: str | None = Field(None, max_length=2000)
    anonymous: StrictBool | None = None
    questions: list[QuestionIn] | None = Field(
        None, min_length=1, max_length=services.MAX_QUESTIONS
    )


class SurveyAnswerIn(InputSchema):
    question: IdIn
    score: Annotated[Int, Field(ge=0, le=10)] | None = Field(
        None, description="1–5 for satisfaction, 0–10 for NPS."
    )
    text: str | None = Field(None, max_length=2000)


class AnswersIn(InputSchema):
    answers: list[SurveyAnswerIn] = Field(max_length=services.MAX_QUESTIONS)


class AnsweredOut(Schema):
    survey: str
    answered: bool
    anonymous: bool


class QuestionResultOut(Schema):
    question: QuestionOut
    answered: int
    histogram: dict[str, int] = Field(description="Answers by score.")
    satisfaction_rate: float | None = Field(description="% of 4 and 5 (satisfaction).")
    nps: float | None = Field(description="% promoters (9–10) − % detractors (0–6).")
    average: float | None
    texts: list[str]


class ResultsOut(Schema):
    survey: str
    responses: int
    satisfaction_rate: float | None
    nps: float | None
    questions: list[QuestionResultOut]


class ReplyOut(Schema):
    text: str
    created_at: datetime


class MyFeedbackOut(Schema):
    public_id: str
    text: str
    anonymous: bool
    status: FeedbackStatus_
    created_at: datetime
    replies: list[ReplyOut]


class FeedbackOut(MyFeedbackOut):
    member: str | None = Field(description="The writer's public id; None when anonymous.")
    member_name: str | None
    community_id: int


class FeedbackIn(InputSchema):
    text: Text
    anonymous: StrictBool = Field(False, description="Hide my name from staff.")


class ReplyIn(InputSchema):
    text: Text


class FeedbackFilters(InputSchema):
    status: FeedbackStatus_ | None = None


def _questions(survey: Survey) -> list[dict[str, Any]]:
    return [
        {"id": q.pk, "kind": q.kind, "text": q.text, "required": q.required}
        for q in survey.questions.all()
    ]


def survey_json(survey: Survey) -> dict[str, Any]:
    names = ["public_id", "title", "description", "kind", "anonymous", "status", "is_template"]
    names += ["community_id", "period", "opened_at", "closed_at", "created_at"]
    fields = {name: getattr(survey, name) for name in names}
    activity = survey.activity.public_id if survey.activity_id and survey.activity else None
    out = {**fields, "activity": activity, "questions": _questions(survey)}
    return SurveyOut.model_validate(out).model_dump(mode="json")


def results_json(found: Results) -> dict[str, Any]:
    return {
        "survey": found.survey.public_id,
        "responses": found.responses,
        "satisfaction_rate": found.satisfaction_rate,
        "nps": found.nps,
        "questions": [
            {
                "question": {
                    "id": q.question.pk,
                    "kind": q.question.kind,
                    "text": q.question.text,
                    "required": q.question.required,
                },
                "answered": q.answered,
                "histogram": {str(k): v for k, v in q.histogram.items()},
                "satisfaction_rate": q.satisfaction_rate
                if q.question.kind == "satisfaction"
                else None,
                "nps": q.nps if q.question.kind == "nps" else None,
                "average": q.average,
                "texts": q.texts,
            }
            for q in found.questions
        ],
    }


def _replies(feedback: Feedback) -> list[dict[str, Any]]:
    return [{"text": r.text, "created_at": r.created_at} for r in feedback.replies.all()]


def my_feedback_json(feedback: Feedback) -> dict[str, Any]:
    out = {
        "public_id": feedback.public_id,
        "text": feedback.text,
        "anonymous": feedback.anonymous,
        "status": feedback.status,
        "created_at": feedback.created_at,
        "replies": _replies(feedback),
    }
    return MyFeedbackOut.model_validate(out).model_dump(mode="json")


def feedback_json(feedback: Feedback) -> dict[str, Any]:
    """Staff's view: the writer named unless they asked not to be."""
    member: Member | None = None if feedback.anonymous else feedback.member
    out = {
        **my_feedback_json(feedback),
        "member": member.public_id if member else None,
        "member_name": member.display_name if member else None,
        "community_id": feedback.community_id,
    }
    return FeedbackOut.model_validate(out).model_dump(mode="json")


def _community(scope: StaffScope, community_id: int | None) -> Community | None:
    if community_id is None:
        if scope.community_ids is not None:  # a village's staff survey their village
            raise errors.InvalidSurvey(problem="community_id")
        return None
    try:
        return access_community(scope, community_id)
    except Http404:
        raise programme_errors.CommunityNotInProgramme(name=str(community_id)) from None


def _question_data(questions: list[QuestionIn]) -> list[services.QuestionData]:
    return [services.QuestionData(q.kind, q.text, q.required) for q in questions]


# The resident.


@router.get("/programmes/{slug}/me/surveys", response=list[MySurveyOut])
def my_surveys(request: ApiRequest, slug: str) -> list[dict[str, Any]]:
    """The open surveys the resident may answer, and whether they have."""
    member = resident_member(request.auth, slug)
    surveys = list(services.surveys_for(member).prefetch_related("questions"))
    done = services.answered_of(member, surveys)
    return [
        {
            "public_id": s.public_id,
            "title": s.title,
            "description": s.description,
            "anonymous": s.anonymous,
            "answered": s.pk in done,
            "questions": _questions(s),
        }
        for s in surveys
    ]


@router.post("/programmes/{slug}/me/surveys/{survey_id}/answers", response={201: AnsweredOut})
def answer_survey(
    request: ApiRequest,
    response: HttpResponse,
    slug: str,
    survey_id: str,
    body: AnswersIn,
    key: Key = None,
) -> Status[Any]:
    """Answer an open survey, once. Scores: 1–5 satisfaction, 0–10 NPS."""
    member = resident_member(request.auth, slug)
    survey = services.surveys_for(member).filter(public_id=survey_id[:16]).first()
    if survey is None:
        raise Http404
    answers: dict[int, object] = {}
    for a in body.answers:
        answers[a.question] = a.score if a.score is not None else a.text

    def perform() -> tuple[int, Any]:
        services.answer_survey(survey=survey, member=member, answers=answers)
        return 201, {"survey": survey.public_id, "answered": True, "anonymous": survey.anonymous}

    return once(request, response, member.programme, key, body, perform)


@router.get("/programmes/{slug}/me/feedback", response=list[MyFeedbackOut])
def my_feedback(request: ApiRequest, slug: str) -> list[dict[str, Any]]:
    """The resident's feedback, newest first, with staff's replies."""
    member = resident_member(request.auth, slug)
    rows = Feedback.objects.filter(member=member).prefetch_related("replies")[:200]
    return [my_feedback_json(f) for f in rows]


@router.post("/programmes/{slug}/me/feedback", response={201: MyFeedbackOut})
def post_feedback(
    request: ApiRequest, response: HttpResponse, slug: str, body: FeedbackIn, key: Key = None
) -> Status[Any]:
    """Post to the feedback box. `anonymous` hides the writer's name from staff (the resident
    still sees the replies)."""
    member = resident_member(request.auth, slug)

    def perform() -> tuple[int, Any]:
        made = services.post_feedback(member=member, text=body.text, anonymous=body.anonymous)
        return 201, my_feedback_json(made)

    return once(request, response, member.programme, key, body, perform)


# Staff: surveys.


@router.get("/programmes/{slug}/surveys", response=list[SurveyOut])
def list_surveys(request: ApiRequest, slug: str) -> list[dict[str, Any]]:
    scope = access_programme(request.auth, slug, CAN)
    rows = surveys_in_scope(scope).prefetch_related("questions")[:500]
    return [survey_json(s) for s in rows]


@router.post("/programmes/{slug}/surveys", response={201: SurveyOut})
def create_survey(
    request: ApiRequest, response: HttpResponse, slug: str, body: SurveyIn, key: Key = None
) -> Status[Any]:
    scope = access_programme(request.auth, slug, CAN)

    def perform() -> tuple[int, Any]:
        survey = services.create_survey(
            programme=scope.programme,
            title=body.title,
            description=body.description,
            kind=body.kind,
            anonymous=body.anonymous,
            is_template=body.is_template,
            community=_community(scope, body.community_id),
            questions=_question_data(body.questions),
            actor=request.auth,
        )
        return 201, survey_json(survey)

    return once(request, response, scope.programme, key, body, perform)


@router.get("/programmes/{slug}/surveys/{survey_id}", response=SurveyOut)
def get_survey(request: ApiRequest, slug: str, survey_id: str) -> dict[str, Any]:
    scope = access_programme(request.auth, slug, CAN)
    return survey_json(access_survey(scope, survey_id[:16]))


@router.patch("/programmes/{slug}/surveys/{survey_id}", response={200: SurveyOut})
def update_survey(
    request: ApiRequest,
    response: HttpResponse,
    slug: str,
    survey_id: str,
    body: SurveyPatch,
    key: Key = None,
) -> Status[Any]:
    scope = access_programme(request.auth, slug, CAN)
    survey = access_survey(scope, survey_id[:16], change=True)

    def perform() -> tuple[int, Any]:
        fields = body.model_dump(exclude_unset=True, exclude={"questions"})
        services.update_survey(
            survey=survey,
            actor=request.auth,
            questions=None if body.questions is None else _question_data(body.questions),
            **{k: v for k, v in fields.items() if v is not None},
        )
        return 200, survey_json(survey)

    return once(request, response, scope.programme, key, body, perform)


@router.post("/programmes/{slug}/surveys/{survey_id}/open", response={200: SurveyOut})
def open_survey(
    request: ApiRequest, response: HttpResponse, slug: str, survey_id: str, key: Key = None
) -> Status[Any]:
    """Open a survey to answers (opening an open one changes nothing)."""
    return _open_or_close(request, response, slug, survey_id, key, services.open_survey)


@router.post("/programmes/{slug}/surveys/{survey_id}/close", response={200: SurveyOut})
def close_survey(
    request: ApiRequest, response: HttpResponse, slug: str, survey_id: str, key: Key = None
) -> Status[Any]:
    """Close a survey: it takes no more answers; its results stay."""
    return _open_or_close(request, response, slug, survey_id, key, services.close_survey)


def _open_or_close(
    request: ApiRequest,
    response: HttpResponse,
    slug: str,
    survey_id: str,
    key: str | None,
    act: Callable[..., Survey],
) -> Status[Any]:
    scope = access_programme(request.auth, slug, CAN)
    survey = access_survey(scope, survey_id[:16], change=True)

    def perform() -> tuple[int, Any]:
        return 200, survey_json(act(survey=survey, actor=request.auth))

    return once(request, response, scope.programme, key, None, perform)


@router.get("/programmes/{slug}/surveys/{survey_id}/results", response=ResultsOut)
def survey_results(request: ApiRequest, slug: str, survey_id: str) -> dict[str, Any]:
    """Counts, the satisfaction rate, NPS and the free-text answers (a village's staff: their
    village's residents' answers only)."""
    scope = access_programme(request.auth, slug, CAN)
    survey = access_survey(scope, survey_id[:16])
    return results_json(results(survey, community_ids=result_communities(scope)))


# Staff: the feedback box.


@router.get("/programmes/{slug}/feedback", response=list[FeedbackOut])
def list_feedback(
    request: ApiRequest, slug: str, filters: Query[FeedbackFilters]
) -> list[dict[str, Any]]:
    scope = access_programme(request.auth, slug, CAN)
    rows = feedback_in_scope(scope).prefetch_related("replies")
    if filters.status is not None:
        rows = rows.filter(status=filters.status)
    return [feedback_json(f) for f in rows[:500]]


@router.post("/programmes/{slug}/feedback/{feedback_id}/replies", response={201: FeedbackOut})
def reply_feedback(
    request: ApiRequest,
    response: HttpResponse,
    slug: str,
    feedback_id: str,
    body: ReplyIn,
    key: Key = None,
) -> Status[Any]:
    """Reply (the feedback becomes answered; the resident sees the reply)."""
    scope = access_programme(request.auth, slug, CAN)
    feedback = access_feedback(scope, feedback_id[:16])

    def perform() -> tuple[int, Any]:
        services.reply_feedback(feedback=feedback, text=body.text, actor=request.auth)
        return 201, feedback_json(feedback)

    return once(request, response, scope.programme, key, body, perform)


@router.post("/programmes/{slug}/feedback/{feedback_id}/close", response={200: FeedbackOut})
def close_feedback(
    request: ApiRequest, response: HttpResponse, slug: str, feedback_id: str, key: Key = None
) -> Status[Any]:
    scope = access_programme(request.auth, slug, CAN)
    feedback = access_feedback(scope, feedback_id[:16])

    def perform() -> tuple[int, Any]:
        return 200, feedback_json(services.close_feedback(feedback=feedback, actor=request.auth))

    return once(request, response, scope.programme, key, None, perform)
