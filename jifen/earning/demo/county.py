"""清河县: the county bureau's love-supermarket card (001 篇三). Each village reviews its
households once a month (its clerk files, the supervisor decides), the results stay a week
on the public notice board, then count within the village's monthly quota by population
and 20 a month per household: the two small villages use up their 250."""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from jifen.accounts.models import User
from jifen.earning import services
from jifen.earning.demo.common import RuleSpec, create_rules, new_programme, offer_roles, settle
from jifen.earning.models import Claim, Earning, EarningStatus, Rule
from jifen.earning.models import RuleCategory as C
from jifen.ledger import services as ledger
from jifen.lib import clock, demo_steps
from jifen.lib.demo_steps import Event
from jifen.programmes import services as programmes
from jifen.programmes.models import Community, Member, Programme, RoleKind

SLUG = "qinghe"
VILLAGES = [  # (name, population, households taking part)
    ("东坡村", 2680, 16),
    ("西坡村", 1950, 14),
    ("南塬村", 4950, 10),
    ("西河村", 7320, 9),
    ("北岭社区", 10480, 9),
    ("城关社区", 13760, 10),
]
SMALL = 2  # the first villages: ≤ 3,000 people, 250 points a month, which run out
POLICY = ledger.PolicySettings(
    caps=(ledger.Cap("household", "month", 20),),  # 每户每月积分上限为20分
    quotas_enabled=True,
    quota_tiers=(  # 第四条: a village's points a month by its population
        ledger.QuotaTier(3000, 250),
        ledger.QuotaTier(6000, 500),
        ledger.QuotaTier(9000, 750),
        ledger.QuotaTier(12000, 1000),
        ledger.QuotaTier(None, 1500),
    ),
    expiry_mode="rolling",  # 积分在有效期限内可累积
    rolling_months=24,
)
RULES = [  # awarded after the village's review and a week's public notice
    RuleSpec("caring-conduct", "爱心行为", C.OTHER, "range", {"min": 1, "max": 20}, True, 7),
    RuleSpec("self-reliance", "立志脱贫", C.OTHER, "range", {"min": 1, "max": 20}, True, 7),
]
DEEDS = {
    "caring-conduct": ("参加村道清扫义务劳动", "照顾邻居孤寡老人", "调解邻里纠纷", "参加防汛值守"),
    "self-reliance": ("发展庭院养殖，按期还贷", "参加技能培训后外出务工", "种植中药材增收"),
}
REVIEWS = (93, 63, 33, 3)  # days ago: three months counted, this month's still on notice


@dataclass
class County:
    programme: Programme
    staff: dict[str, User]
    rules: dict[str, Rule]
    villages: list[tuple[Community, list[list[Member]]]]
    rng: random.Random
    now: datetime  # when the demo is built: what comes later has not happened yet


@demo_steps.register(order=40)
def county_cards(*, programme: Programme, staff: dict[str, User], seed: int) -> None:
    """The county's programme, villages, policy (quotas, 20 a month per household), rules
    and households, then four monthly reviews, in date order."""
    rng = random.Random(seed + 40)
    admin = staff[RoleKind.ADMIN]
    about = (
        "县民政局统一发放积分卡：各村每月评议，张榜公示后计分，积分可在县、村爱心超市兑换。"
        "每一分抵现金一元，但不能兑现金。"
    )
    county = new_programme(admin, "清河县爱心超市积分", SLUG, about)
    communities = [
        programmes.save_community(actor=admin, programme=county, name=name, population=people)
        for name, people, _count in VILLAGES
    ]
    offer_roles(county, staff, communities[0])  # the organizer is 东坡村's points clerk
    ledger.update_policy(actor=admin, programme=county, settings=POLICY)
    villages = [(c, settle(rng, c, {"": v[2]})) for c, v in zip(communities, VILLAGES, strict=True)]
    now = clock.now()
    with clock.at(now - timedelta(days=REVIEWS[0] + 7)):
        rules = create_rules(county, RULES, admin)
    place = County(county, staff, rules, villages, rng, now)
    events = [e for ago in REVIEWS for e in _review(place, now - timedelta(days=ago))]
    # The other apps' events (the village stores' redemptions), in the same date order.
    events += demo_steps.events(programme=county, staff=staff, seed=seed)
    demo_steps.play(events)


def _review(c: County, day: datetime) -> list[Event]:
    """One month's review (评议) in every village: filed in the morning, decided in the
    afternoon, posted when the week's notice ends (the worker's job); a neighbour objects
    to one of 东坡村's awards."""
    filed = day.replace(hour=9, minute=0, second=0, microsecond=0)
    decided = filed.replace(hour=15)
    events: list[Event] = []
    for n, (_village, households) in enumerate(c.villages):
        for household in households:
            if n < SMALL or c.rng.random() < 0.7:
                events += _household(c, n, household, filed, decided)
            filed += timedelta(minutes=3)
    objected = decided + timedelta(days=1)
    events.append((objected, partial(_objection, c)))
    ends = decided + timedelta(days=7, hours=1)
    events.append((ends, partial(services.post_due_notices, programme=c.programme)))
    return [e for e in events if e[0] < c.now]


def _household(
    c: County, n: int, household: list[Member], filed: datetime, decided: datetime
) -> list[Event]:
    """One award, sometimes two (the second may meet the household's 20 a month)."""
    codes = ["caring-conduct"] + (["self-reliance"] if c.rng.random() < 0.25 else [])
    events: list[Event] = []
    for code in codes:
        low, high = (14, 20) if n < SMALL and code == "caring-conduct" else (5, 12)
        holder: dict[str, Claim] = {}
        text = c.rng.choice(DEEDS[code])
        events += [
            (filed, partial(_file, c, n, household[0], code, text, holder)),
            (decided, partial(_decide, c, holder, c.rng.randint(low, high))),
        ]
    return events


def _file(c: County, n: int, head: Member, code: str, text: str, holder: dict[str, Claim]) -> None:
    clerk = c.staff[RoleKind.ORGANIZER if n == 0 else RoleKind.ADMIN]
    claim = services.submit_claim(member=head, rule=c.rules[code], actor=clerk, description=text)
    holder["claim"] = claim


def _decide(c: County, holder: dict[str, Claim], points: int) -> None:
    reviewer = c.staff[RoleKind.REVIEWER]
    services.approve_claim(claim=holder["claim"], actor=reviewer, points=points)


def _objection(c: County) -> None:
    """Upheld within two days (the award is withdrawn); this month's still waits."""
    village, households = c.villages[0]
    on_notice = Earning.objects.filter(
        programme=c.programme, member__community=village, status=EarningStatus.NOTICE
    )
    earning = on_notice.order_by("id").last()
    if earning is None:
        return
    neighbour = next(h[0] for h in households if h[0].pk != earning.member_id)
    reason = "该户本月并未参加义务劳动"
    appeal = services.object_to(earning=earning, member=neighbour, reason=reason)
    answered = clock.now() + timedelta(days=2)
    if answered < c.now:
        with clock.at(answered):
            services.answer_appeal(
                appeal=appeal,
                actor=c.staff[RoleKind.ADMIN],
                uphold=True,
                answer="经村评议小组核实，异议属实，撤销该户本月积分",
            )
