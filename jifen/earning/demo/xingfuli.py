"""幸福里社区: 004's rule table as rules and a smart bin's key, set up before the history;
then the history's events (activities, claims, daily check-ins, the bin), which the
ledger's history step plays in date order with its own."""

from datetime import timedelta
from functools import partial

from jifen.accounts.models import User
from jifen.earning import services
from jifen.earning.demo.activities import today_and_upcoming, weekly_activities
from jifen.earning.demo.claims import (
    LITTER,
    SHOPPING,
    SUGGESTION,
    Case,
    answer,
    appeal_refusal,
    approve,
    claims,
    file,
    green_belts,
    refuse,
)
from jifen.earning.demo.common import RuleSpec, attempt, create_rules
from jifen.earning.demo.town import Town, build_town, history_start
from jifen.earning.models import DeviceKey
from jifen.earning.models import RuleCategory as C
from jifen.lib import clock, demo_steps
from jifen.lib.demo_steps import Event
from jifen.programmes.demo import SLUG
from jifen.programmes.models import Programme, RoleKind

NEW = {"newcomer_multiplier": 2}  # a new resident's first time counts double
FAMILY = {"parent_child_multiplier": 2}  # a parent and their child together: double each
MENTOR = {"mentor": {"above": 300, "below": 50, "points": 5}}  # brings a low-points resident
ONCE_A_MONTH = {"caps": [{"scope": "member", "period": "month", "limit": 50}]}
A_BIN_A_DAY = {"caps": [{"scope": "household", "period": "day", "limit": 10}]}
RULES = [  # 004's numbers; claims=True: "经核实", a reviewer checks each
    RuleSpec("patrol", "社区巡逻（2小时）", C.PATROL, "fixed", {"points": 10, **NEW}),
    RuleSpec("night-patrol", "夜间巡逻（2小时）", C.PATROL, "fixed", {"points": 20}),
    RuleSpec("late-night-patrol", "深夜巡逻（2小时）", C.PATROL, "fixed", {"points": 30}),
    RuleSpec("sorting-guidance", "垃圾分类指导（每次）", C.SORTING, "fixed", {"points": 5}, True),
    RuleSpec(
        "sorting-guidance-hourly", "垃圾分类督导（每小时）", C.SORTING, "hourly", {"points": 10}
    ),
    RuleSpec(
        "clean-up",
        "社区大扫除（每2小时）",
        C.CLEANING,
        "hourly",
        {"points": 20, "unit_minutes": 120, **NEW, **FAMILY},
        description="每2小时20积分；新居民第一次参加、家长和孩子一起参加，积分翻倍。",
    ),
    RuleSpec("free-clinic", "义诊", C.SERVICE, "fixed", {"points": 50}),
    RuleSpec("tutoring", "辅导功课（每小时）", C.SERVICE, "hourly", {"points": 30}),
    RuleSpec("show", "参加文艺演出", C.CULTURE, "fixed", {"points": 20}),
    RuleSpec("reading-club", "组织读书会", C.CULTURE, "fixed", {"points": 40}, True),
    RuleSpec("organize-activity", "组织社区活动", C.CULTURE, "fixed", {"points": 50}, True),
    RuleSpec(
        "litter-report", "举报乱扔垃圾（经核实）", C.SUGGESTION, "fixed", {"points": 10}, True
    ),
    RuleSpec("suspicious-lead", "提供可疑线索（经核实）", C.PATROL, "fixed", {"points": 20}, True),
    RuleSpec("safety-lecture", "组织安全知识讲座", C.PATROL, "fixed", {"points": 50}, True),
    RuleSpec(
        "elderly-company", "陪伴老人聊天（每小时）", C.ELDERLY, "hourly", {"points": 15}, True
    ),
    RuleSpec("elderly-shopping", "帮助老人购物", C.ELDERLY, "fixed", {"points": 10}, True),
    RuleSpec("elderly-service", "为老人提供专业服务", C.ELDERLY, "fixed", {"points": 30}),
    RuleSpec(
        "culture",
        "参加文化活动",
        C.CULTURE,
        "fixed",
        {"points": 10, **NEW, **FAMILY, **MENTOR},
        description="积分300以上的居民带积分不足50的居民一起参加，两人各加5分。",
    ),
    RuleSpec("venue-materials", "提供场地或物资支持", C.OTHER, "fixed", {"points": 20}, True),
    RuleSpec("creative-work", "文艺创作（每件作品）", C.CULTURE, "fixed", {"points": 30}, True),
    RuleSpec(
        "green-belt",
        "认领绿化带养护（每月）",
        C.CLEANING,
        "fixed",
        {"points": 50, **ONCE_A_MONTH},
        True,
    ),
    RuleSpec(
        "suggestion",
        "合理化建议（被采纳）",
        C.SUGGESTION,
        "range",
        {"min": 20, "max": 100},
        True,
        notice_days=3,
        description="建议被采纳后由审核员评定20–100分，公示3天无异议后入账。",
    ),
    RuleSpec(
        "daily-checkin",
        "每日签到",
        C.DAILY,
        "checkin",
        {"points": 1, "streak_days": 7, "streak_bonus": 10},
        description="每天签到1分，连续签到7天额外奖励10分。",
    ),
    RuleSpec(
        "elderly-activity",
        "老年人参加社区活动",
        C.ELDERLY,
        "fixed",
        {"points": 10, "eligible": {"groups": ["elderly"]}},
        description="鼓励老人走出家门：65岁以上的居民参加即得积分。",
    ),
    RuleSpec(
        "smart-bin",
        "智能垃圾桶分类投放",
        C.SORTING,
        "fixed",
        {"points": 5, **A_BIN_A_DAY},
        devices=True,
    ),
]
SMART_BIN = "东区3栋智能垃圾桶"
CHECKIN_DAYS, REGULARS = 28, 15


@demo_steps.register(order=6)
def xingfuli_rules(*, programme: Programme, staff: dict[str, User], seed: int) -> None:
    """004's rules and the smart bin's key, set up before the history's first day."""
    admin = staff[RoleKind.ADMIN]
    with clock.at(history_start(programme)):
        rules = create_rules(programme, RULES, admin)
        services.create_device_key(
            programme=programme, name=SMART_BIN, rules=[rules["smart-bin"]], actor=admin
        )


@demo_steps.register_events(order=20)
def xingfuli_history(*, programme: Programme, staff: dict[str, User], seed: int) -> list[Event]:
    """The earning side of 幸福里's six months, for the ledger's history step to play."""
    if programme.slug != SLUG:  # another programme's history (the county's) is played
        return []
    town = build_town(programme, staff, seed)
    return [
        *weekly_activities(town),
        *today_and_upcoming(town),
        *claims(town),
        *green_belts(town),
        *_daily_checkins(town),
        *_smart_bin(town),
        *_resident_story(town),
    ]


def _daily_checkins(town: Town) -> list[Event]:
    """Regulars check in most days; the demo resident checked in 7 days in a row three
    weeks ago (the bonus) and the 6 days up to yesterday: today's check-in is the 7th."""
    regulars = town.pick(REGULARS, town.today, lambda m: bool(m.phone) and not m.is_child)
    events: list[Event] = []
    for member in [m for m in regulars if m.pk != town.resident.pk]:
        keen = town.rng.uniform(0.55, 0.97)
        for ago in range(CHECKIN_DAYS, 0, -1):
            if town.rng.random() < keen:
                at = town.at(town.today - timedelta(days=ago), town.rng.randint(7, 21), 30)
                events.append(
                    (at, partial(attempt, partial(services.daily_checkin, member=member)))
                )
    for ago in [*range(20, 13, -1), *range(6, 0, -1)]:
        at = town.at(town.today - timedelta(days=ago), 7, 45)
        events.append((at, partial(services.daily_checkin, member=town.resident)))
    return events


def _smart_bin(town: Town) -> list[Event]:
    """The bin by 3栋 reads a resident's card at each drop: 5 points, 10 a household a day
    (a third drop is refused, as the bin's screen says)."""
    device = DeviceKey.objects.get(programme=town.programme, name=SMART_BIN)
    east = town.communities[0].pk
    users = town.pick(40, town.today - timedelta(days=30), lambda m: m.community_id == east)
    events: list[Event] = []
    for ago in range(21, 0, -1):
        day = town.today - timedelta(days=ago)
        for n in range(town.rng.randint(5, 9)):
            drop = partial(
                services.post_event,
                device=device,
                key=f"bin3-{day.isoformat()}-{n}",
                member=town.rng.choice(users),
                rule=town.rules["smart-bin"],
            )
            at = town.at(day, town.rng.randint(7, 20), town.rng.randint(0, 59))
            events.append((at, partial(attempt, drop)))
    return events


def _resident_story(town: Town) -> list[Event]:
    """The demo resident: a refused litter report, appealed and upheld; shopping for an
    elderly neighbour; a suggestion sent yesterday, waiting for review."""
    me = town.resident
    report = Case(LITTER, me, town.now - timedelta(days=40), "5楼有人从窗户往外扔垃圾袋")
    refused = report.at + timedelta(days=1)
    appealed = refused + timedelta(hours=20)
    shopping = Case(SHOPPING, me, town.now - timedelta(days=18), "帮隔壁独居的刘奶奶买菜和药")
    idea = Case(SUGGESTION, me, town.now - timedelta(days=1), "建议在小区东门增设快递柜雨棚")
    why = "照片里能看到是从5楼窗户扔下来的，我可以带工作人员去现场看"
    return [
        (report.at, partial(file, town, report)),
        (refused, partial(refuse, town, report, "照片看不清乱扔垃圾的行为，无法核实")),
        (appealed, partial(appeal_refusal, report, why)),
        (appealed + timedelta(days=2), partial(answer, town, report, True)),
        (shopping.at, partial(file, town, shopping)),
        (shopping.at + timedelta(days=1), partial(approve, town, shopping)),
        (idea.at, partial(file, town, idea)),
    ]
