"""Reads of the voices app: satisfaction over a period (the dashboard's KPI), a survey's
results (counts, satisfaction rate, NPS, free-text answers), feedback lists."""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Count, Q

from jifen.lib.periods import local
from jifen.programmes.models import Programme
from jifen.voices.models import Answer, Participation, Question, QuestionKind, Survey

SATISFIED = 4  # a 1–5 satisfaction of 4 or 5 is "satisfied"
PROMOTER, DETRACTOR = 9, 6  # NPS: 9–10 promoters, 0–6 detractors


def _day(moment: date | datetime, tz: str) -> date:
    """A datetime is read as the local day it falls on (periods start at local midnight)."""
    if isinstance(moment, datetime):
        return local(moment, tz).date() if moment.tzinfo else moment.date()
    return moment


def satisfaction(
    programme: Programme, start: date | datetime, end: date | datetime
) -> tuple[int, int]:
    """(satisfied, all): the 1–5 satisfaction answers of 4 or 5, and all satisfaction
    answers, given on the programme's local days in [start, end). Every survey counts, named or
    anonymous; one query."""
    tz = programme.timezone
    row = Answer.objects.filter(
        programme=programme,
        kind=QuestionKind.SATISFACTION,
        submitted_on__gte=_day(start, tz),
        submitted_on__lt=_day(end, tz),
    ).aggregate(
        satisfied=Count("pk", filter=Q(score__gte=SATISFIED)),
        total=Count("pk"),
    )
    return row["satisfied"], row["total"]


def rate(part: int, whole: int) -> float | None:
    """part / whole as a percentage, None for no answers."""
    return None if whole == 0 else round(100 * part / whole, 1)


def nps(promoters: int, detractors: int, total: int) -> float | None:
    """% promoters − % detractors, None for no answers."""
    return None if total == 0 else round(100 * (promoters - detractors) / total, 1)


@dataclass
class QuestionResult:
    question: Question
    answered: int = 0
    # Satisfaction: answers per score 1…5; NPS: per score 0…10.
    histogram: dict[int, int] = field(default_factory=dict)
    satisfied: int = 0
    promoters: int = 0
    detractors: int = 0
    texts: list[str] = field(default_factory=list)

    @property
    def satisfaction_rate(self) -> float | None:
        return rate(self.satisfied, self.answered)

    @property
    def nps(self) -> float | None:
        return nps(self.promoters, self.detractors, self.answered)

    @property
    def average(self) -> float | None:
        if not self.answered or self.question.kind == QuestionKind.TEXT:
            return None
        return round(sum(s * n for s, n in self.histogram.items()) / self.answered, 2)


@dataclass
class Results:
    survey: Survey
    responses: int
    questions: list[QuestionResult]

    @property
    def satisfaction_rate(self) -> float | None:
        """Over all the survey's satisfaction questions."""
        rows = [q for q in self.questions if q.question.kind == QuestionKind.SATISFACTION]
        return rate(sum(q.satisfied for q in rows), sum(q.answered for q in rows))

    @property
    def nps(self) -> float | None:
        rows = [q for q in self.questions if q.question.kind == QuestionKind.NPS]
        return nps(
            sum(q.promoters for q in rows),
            sum(q.detractors for q in rows),
            sum(q.answered for q in rows),
        )


def results(survey: Survey, *, community_ids: set[int] | None = None) -> Results:
    """The survey's results; with `community_ids`, only the answers of residents of those
    communities (a community-limited role's view). Three queries."""
    answers = Answer.objects.filter(response__survey=survey)
    participations = Participation.objects.filter(survey=survey)
    if community_ids is not None:
        answers = answers.filter(response__community_id__in=community_ids)
        participations = participations.filter(member__community_id__in=community_ids)
    by_question = {q.pk: QuestionResult(q) for q in survey.questions.all()}
    scores = answers.exclude(score=None).values_list("question_id", "score").annotate(n=Count("pk"))
    for qid, score, n in scores:
        row = by_question[qid]
        row.answered += n
        row.histogram[score] = row.histogram.get(score, 0) + n
        if row.question.kind == QuestionKind.SATISFACTION and score >= SATISFIED:
            row.satisfied += n
        if row.question.kind == QuestionKind.NPS:
            if score >= PROMOTER:
                row.promoters += n
            elif score <= DETRACTOR:
                row.detractors += n
    for qid, text in (
        answers.filter(score=None)
        .exclude(text="")
        .values_list("question_id", "text")
        .order_by("question_id", "text")
    ):
        row = by_question[qid]
        row.answered += 1
        row.texts.append(text)
    for row in by_question.values():
        if row.question.kind == QuestionKind.SATISFACTION:
            row.histogram = {s: row.histogram.get(s, 0) for s in range(1, 6)}
        elif row.question.kind == QuestionKind.NPS:
            row.histogram = {s: row.histogram.get(s, 0) for s in range(0, 11)}
    return Results(survey, participations.count(), list(by_question.values()))
