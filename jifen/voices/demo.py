"""The demo's voices, after the history: every demo programme keeps a half-yearly template,
from which the worker's job opened this half-year's survey some days ago, anonymous, and about
a third of each programme's active residents have answered it since (mostly satisfied, a few
words in Chinese from some). 幸福里社区 also keeps an after-activity template, so that its
latest closed activity (and any other closed in the week before it) has had its survey for
the attendees (named: the organizer follows up), answered by half of them; and its feedback
box holds five notes, three of them answered by the staff, one posted without a name.
Seeded: the same seed gives the same answers."""

import random
from datetime import datetime, timedelta

from jifen.accounts.models import User
from jifen.earning.demo import COUNTY, VILLAGE
from jifen.earning.models import Activity, ActivityStatus
from jifen.lib import clock, demo_steps
from jifen.lib.periods import local
from jifen.programmes.demo import SLUG
from jifen.programmes.models import Member, Programme, RoleKind
from jifen.voices import jobs, services
from jifen.voices.models import QuestionKind, Survey, SurveyKind
from jifen.voices.services import QuestionData

PROGRAMMES = (SLUG, VILLAGE, COUNTY)
# The half-year's survey was opened this many days ago (or on the half-year's first day).
OPENED_DAYS_AGO = 12

HALF_YEAR = [
    QuestionData(QuestionKind.SATISFACTION, "您对社区积分活动的组织满意吗？"),
    QuestionData(QuestionKind.SATISFACTION, "您对积分兑换（超市、商户）满意吗？"),
    QuestionData(QuestionKind.NPS, "您有多大可能向邻居推荐参加积分活动？"),
    QuestionData(QuestionKind.TEXT, "您对积分制还有什么意见和建议？", required=False),
]
AFTER_ACTIVITY = [
    QuestionData(QuestionKind.SATISFACTION, "您对这次活动满意吗？"),
    QuestionData(QuestionKind.TEXT, "下次活动我们可以怎样做得更好？", required=False),
]
SUGGESTIONS = [
    "希望兑换的商品再多一些，比如米面粮油。",
    "活动时间能不能多安排在周末？上班族参加不了。",
    "积分规则贴在公告栏上就更清楚了。",
    "志愿者服务很暖心，谢谢社区！",
    "希望多组织一些适合老年人的活动。",
    "超市开门时间太短，下班后去已经关门了。",
    "小程序签到有时候扫不上码。",
    "建议增加亲子类的活动。",
]
ACTIVITY_WORDS = ["组织得很好，下次还来。", "人有点多，希望分批进行。", "时间再短一点就好了。"]
# (text, anonymous, the staff's reply or "")
FEEDBACK = [
    (
        "3号楼楼道里堆了很多杂物，存在消防隐患，希望社区能协调清理。",
        False,
        "感谢您的反映！网格员已与3号楼住户沟通，本周六组织志愿者集中清理。",
    ),
    (
        "积分超市的鸡蛋经常缺货，能不能多进一些？",
        False,
        "已联系供货商，从下周起每周二、周五各补货一次。",
    ),
    ("小区东门的路灯坏了好几天了，晚上出行不方便。", True, ""),
    (
        "我参加了垃圾分类督导，但积分一直没到账，麻烦查一下。",
        False,
        "已核实：您的督导记录在公示期内，公示结束后自动到账，请留意积分明细。",
    ),
    ("建议在活动室增加几台血压计，方便老人自测。", False, ""),
]


@demo_steps.register(order=70)
def surveys_and_feedback(*, programme: Programme, staff: dict[str, User], seed: int) -> None:
    rng = random.Random(seed + 70)
    admin = staff[RoleKind.ADMIN]
    found = list(Programme.objects.filter(slug__in=PROGRAMMES).order_by("pk"))
    for each in found:
        services.create_survey(
            programme=each,
            title="居民满意度调查",
            description="每半年一次，匿名填写，约三分钟。您的意见帮助我们把积分制办得更好。",
            questions=HALF_YEAR,
            actor=admin,
            kind=SurveyKind.HALF_YEAR,
            is_template=True,
        )
    now = clock.now()
    with clock.at(_opening(programme, now)):
        opened = jobs.open_half_year_surveys()
    for survey in sorted(opened, key=lambda s: s.programme_id):
        _answer(survey, rng, now, share=3)
    if programme.slug == SLUG:
        _after_activity(programme, admin, rng, now)
        _feedback(programme, admin, rng, now)


def _opening(programme: Programme, now: datetime) -> datetime:
    """OPENED_DAYS_AGO days ago, or the half-year's first morning if that is later."""
    day = local(now, programme.timezone)
    first = day.replace(month=1 if day.month <= 6 else 7, day=1, hour=8, minute=0)
    return max(now - timedelta(days=OPENED_DAYS_AGO), first)


def _answer(survey: Survey, rng: random.Random, now: datetime, *, share: int) -> None:
    """One in `share` of those who may answer does, at a moment since it opened."""
    people = _invited(survey)
    assert survey.opened_at is not None
    since = (now - survey.opened_at).total_seconds()
    for member in rng.sample(people, len(people) // share):
        with clock.at(survey.opened_at + timedelta(seconds=rng.uniform(0, since))):
            services.answer_survey(survey=survey, member=member, answers=_answers(survey, rng))


def _invited(survey: Survey) -> list[Member]:
    members = Member.objects.active().filter(programme_id=survey.programme_id).order_by("pk")
    if survey.activity_id is not None:
        members = members.filter(pk__in=survey.invitations.values("member_id"))
    return list(members)


def _answers(survey: Survey, rng: random.Random) -> dict[int, object]:
    words = ACTIVITY_WORDS if survey.activity_id else SUGGESTIONS
    values: dict[int, object] = {}
    for question in survey.questions.all():
        if question.kind == QuestionKind.SATISFACTION:
            values[question.pk] = rng.choices((5, 4, 3, 2, 1), weights=(45, 35, 12, 5, 3))[0]
        elif question.kind == QuestionKind.NPS:
            values[question.pk] = rng.choices(range(11), weights=(1,) * 5 + (2, 3, 8, 12, 14, 12))[
                0
            ]
        elif rng.random() < 0.15:
            values[question.pk] = rng.choice(words)
    return values


def _after_activity(programme: Programme, admin: User, rng: random.Random, now: datetime) -> None:
    """The after-activity template, and the surveys the worker's job opened the hour after the
    latest activity closed (for it and any other closed in the week before)."""
    latest = (
        Activity.objects.filter(programme=programme, status=ActivityStatus.CLOSED)
        .exclude(closed_at=None)
        .order_by("-closed_at", "-pk")
        .first()
    )
    if latest is None or latest.closed_at is None:
        return
    services.create_survey(
        programme=programme,
        title="活动反馈",
        questions=AFTER_ACTIVITY,
        actor=admin,
        anonymous=False,
        kind=SurveyKind.ACTIVITY,
        is_template=True,
    )
    with clock.at(min(latest.closed_at + timedelta(hours=1), now)):
        opened = jobs.open_activity_surveys()
    for survey in opened:
        _answer(survey, rng, now, share=2)


def _feedback(programme: Programme, admin: User, rng: random.Random, now: datetime) -> None:
    members = list(Member.objects.active().filter(programme=programme).order_by("pk"))
    for n, (text, anonymous, reply) in enumerate(FEEDBACK):
        posted = now - timedelta(days=2 * (len(FEEDBACK) - n) + 1, hours=rng.randint(0, 8))
        with clock.at(posted):
            feedback = services.post_feedback(
                member=rng.choice(members), text=text, anonymous=anonymous
            )
        if reply:
            with clock.at(posted + timedelta(hours=rng.randint(3, 30))):
                services.reply_feedback(feedback=feedback, text=reply, actor=admin)
