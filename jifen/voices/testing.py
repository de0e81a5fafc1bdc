"""Builders for the voices tests (and the API's route-access and hostile-input sweeps)."""

from jifen.programmes.models import Programme
from jifen.voices import services
from jifen.voices.models import (
    Answer,
    Feedback,
    Participation,
    Question,
    QuestionKind,
    Reply,
    Response,
    Survey,
)
from jifen.voices.services import QuestionData

QUESTIONS = [
    QuestionData(QuestionKind.SATISFACTION, "您对社区服务满意吗？"),
    QuestionData(QuestionKind.NPS, "您会向邻居推荐积分活动吗？"),
    QuestionData(QuestionKind.TEXT, "您有什么建议？", required=False),
]


def make_survey(
    *, programme: Programme, anonymous: bool = True, opened: bool = True, **fields: object
) -> Survey:
    survey = services.create_survey(
        programme=programme,
        title=str(fields.pop("title", "社区满意度调查")),
        questions=list(fields.pop("questions", QUESTIONS)),  # type: ignore[call-overload]
        actor=None,
        anonymous=anonymous,
        **fields,  # type: ignore[arg-type]
    )
    return services.open_survey(survey=survey, actor=None) if opened else survey


def answers_of(survey: Survey, *values: object) -> dict[int, object]:
    """Question id → value, in the survey's question order."""
    return {q.pk: v for q, v in zip(survey.questions.all(), values, strict=False)}


# The voices tables, for the API sweeps' before-and-after snapshots.
VOICE_MODELS = (Survey, Question, Participation, Response, Answer, Feedback, Reply)
