"""Activities recommended to a resident, scored and explained, from three signals:

- their interests (Member.interest_tags): a tag that names the activity's category (文艺,
  读书 and 体育 name culture and sport; 垃圾分类 sorting; 助老 the elderly; 环保 clean-up;
  志愿服务 service and patrols), or that appears in its title;
- their history: the share of the activities they attended that were of its category, and
  the share that were under its very rule;
- their neighbours: the share of their household's attendances of its category, the share of
  their community's others' that were under its rule, and household members already signed
  up for it.

    score = 3·interest + 1·tag in title + 2·own category share + 1·own rule share
            + 1.5·household category share + 1·community rule share + 1·household signed up

Only activities the resident can join now are offered: open, not started, sign-up open, not
full, of their community (or everyone's), that they are eligible for and not signed up to.
`score` and `profile_of` also serve the offline evaluation (bench/recommend.py), which builds
a profile as it stood before a moment."""

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _

from jifen.earning import rules
from jifen.earning.activity_listings import Offer
from jifen.earning.crediting import config_of, current_version
from jifen.earning.models import Activity, ActivityStatus, Attendance, RuleCategory, SignUp
from jifen.lib import clock
from jifen.programmes.models import Member

# Interest tags (the demo's Chinese ones, and English) → the categories they name.
TAG_CATEGORIES: dict[str, tuple[str, ...]] = {
    "文艺": ("culture",),
    "读书": ("culture",),
    "体育": ("culture",),
    "culture": ("culture",),
    "sport": ("culture",),
    "reading": ("culture",),
    "垃圾分类": ("sorting",),
    "sorting": ("sorting",),
    "助老": ("elderly",),
    "elderly": ("elderly",),
    "环保": ("cleaning", "sorting"),
    "environment": ("cleaning", "sorting"),
    "cleaning": ("cleaning",),
    "志愿服务": ("service", "patrol", "elderly"),
    "volunteer": ("service", "patrol", "elderly"),
    "patrol": ("patrol",),
}
K = TypeVar("K", str, int)
WEIGHTS = {
    "interest": 3.0,
    "title": 1.0,
    "own": 2.0,
    "rule": 1.0,
    "household": 1.5,
    "community": 1.0,
    "household_signed_up": 1.0,
}


@dataclass(frozen=True)
class Profile:
    """What the recommender knows of a resident."""

    tags: tuple[str, ...]
    interests: frozenset[str]  # categories their tags name
    own: Counter[str]  # their attendances per category
    rules: Counter[int]  # their attendances per rule
    household: Counter[str]  # their household's (others') attendances per category
    community: Counter[int]  # their community's (others') attendances per rule
    household_signups: frozenset[int]  # activities their household's others signed up to


@dataclass(frozen=True)
class Recommendation:
    activity: Activity
    score: float
    reasons: list[str]  # the strongest first

    @property
    def reason(self) -> str:
        return self.reasons[0] if self.reasons else ""


def _share(counts: Counter[K], key: K) -> float:
    total = sum(counts.values())
    return counts[key] / total if total else 0.0


def score(activity: Activity, profile: Profile) -> tuple[float, list[str]]:
    """The activity's score for the profile, and the reasons behind it, the strongest first."""
    category = activity.category
    label = (
        str(RuleCategory(category).label).lower() if category in RuleCategory.values else category
    )
    named = [t for t in profile.tags if category in TAG_CATEGORIES.get(t.lower(), ())]
    in_title = [t for t in profile.tags if t and t in activity.title]
    parts: list[tuple[float, str]] = [
        (
            WEIGHTS["interest"] * bool(named),
            _("Matches your interest “%(tag)s”") % {"tag": (named or [""])[0]},
        ),
        (
            WEIGHTS["title"] * bool(in_title),
            _("About “%(tag)s”, one of your interests") % {"tag": (in_title or [""])[0]},
        ),
        (
            WEIGHTS["own"] * _share(profile.own, category),
            _("You often take part in %(category)s") % {"category": label},
        ),
        (
            WEIGHTS["rule"] * _share(profile.rules, activity.rule_id),
            _("Like an activity you attended"),
        ),
        (
            WEIGHTS["household"] * _share(profile.household, category),
            _("Your household takes part in %(category)s") % {"category": label},
        ),
        (
            WEIGHTS["community"] * _share(profile.community, activity.rule_id),
            _("Popular with your neighbours"),
        ),
        (
            WEIGHTS["household_signed_up"] * (activity.pk in profile.household_signups),
            _("Someone in your household has signed up"),
        ),
    ]
    kept = sorted((p for p in parts if p[0] > 0), key=lambda p: -p[0])
    return sum(weight for weight, _text in kept), [text for _weight, text in kept]


def profile_of(member: Member, *, before: datetime | None = None) -> Profile:
    """The resident's profile from the attendances and the household's sign-ups before
    `before` (all of them if None): three grouped queries, and one for the sign-ups."""
    attended = Attendance.objects.filter(activity__programme_id=member.programme_id)
    if before is not None:
        attended = attended.filter(checked_in_at__lt=before)
    own = attended.filter(member=member)
    household = Counter[str]()
    signups: frozenset[int] = frozenset()
    if member.household_id is not None:
        others = attended.filter(member__household_id=member.household_id).exclude(member=member)
        household = _per_category(others)
        rows = SignUp.objects.filter(member__household_id=member.household_id).exclude(
            member=member
        )
        if before is not None:
            rows = rows.filter(created_at__lt=before)
        signups = frozenset(rows.values_list("activity_id", flat=True))
    tags = tuple(str(t) for t in member.interest_tags or [])
    return Profile(
        tags,
        frozenset(c for t in tags for c in TAG_CATEGORIES.get(t.lower(), ())),
        _per_category(own),
        _per_rule(own),
        household,
        _per_rule(attended.filter(member__community_id=member.community_id).exclude(member=member)),
        signups,
    )


def _per_rule(rows: QuerySet[Attendance]) -> Counter[int]:
    grouped = rows.values("activity__rule_id").annotate(n=Count("id"))
    return Counter({r["activity__rule_id"]: r["n"] for r in grouped})


def _per_category(rows: object) -> Counter[str]:
    grouped = rows.values("activity__category").annotate(n=Count("id"))  # type: ignore[attr-defined]
    return Counter({r["activity__category"]: r["n"] for r in grouped})


def recommend(member: Member, offers: list[Offer], *, limit: int = 3) -> list[Recommendation]:
    """The best `limit` of the resident's offers (jifen.earning.activity_listings.upcoming_for)
    that they can join now, scored, the best first (the soonest of equal scores)."""
    configs: dict[int, rules.RuleConfig] = {}  # one rule's version read once
    joinable = [o.activity for o in offers if _joinable(o, member, configs)]
    if not joinable:
        return []
    profile = profile_of(member)
    scored = [(score(a, profile), a) for a in joinable]
    ranked = sorted(
        (x for x in scored if x[0][0] > 0), key=lambda x: (-x[0][0], x[1].starts_at, x[1].pk)
    )
    return [Recommendation(a, round(s, 2), reasons) for (s, reasons), a in ranked[:limit]]


def _joinable(offer: Offer, member: Member, configs: dict[int, rules.RuleConfig]) -> bool:
    """Open, not started, sign-up open now, a place left, not signed up, eligible."""
    a, now = offer.activity, clock.now()
    if offer.signup is not None or offer.full or a.status != ActivityStatus.OPEN:
        return False
    if a.starts_at <= now or (a.signup_closes_at and a.signup_closes_at <= now):
        return False
    if a.signup_opens_at and a.signup_opens_at > now:
        return False
    if a.community_id and a.community_id != member.community_id:
        return False
    if a.rule_id not in configs:
        configs[a.rule_id] = config_of(current_version(a.rule))
    config = configs[a.rule_id]
    return rules.eligible(
        config, community_id=member.community_id, groups=rules.member_groups(member)
    )
