"""The rule-change simulator: a past period replayed under a proposed change (a rule's points,
a per-member cap, a bonus), its issuance, quota use, Gini and distribution before and after.
It only reads: nothing is written, no counter is locked.

"Before" is the ledger itself: the period's award transactions (not reversed), each with the
earning behind it (its rule and requested points) when there is one, and what it credited.
"After" replays the same awards in their order with the change applied, then through the
programme's caps, the rules' own caps and the communities' monthly quotas, counted in memory:
each counter starts from what the ledger's counter holds less what the replayed awards
charged to it (the use of awards outside the replay), so an unchanged replay gives back the
ledger's figures. A proposed cap has no ledger counter: it counts from the period's start.

A rule's new points scale each of its earnings (10 points under a 5-point rule become 20
under a 10-point one, keeping what a streak or a multiplier added); a rule whose
configuration has no base points (a range decided by a reviewer) earns the new points flat.

The Gini and the buckets are jifen.insights.metrics', as on the dashboard: the Gini counts
every member of the scope who had joined by the period's end, those who earned nothing as 0;
the buckets of points earned count those who earned something."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Max, Q, Sum
from django.utils.translation import gettext_lazy as _

from jifen.earning import rules
from jifen.earning.crediting import rule_limits
from jifen.earning.models import Earning, Rule
from jifen.insights import metrics
from jifen.ledger.models import WALLETS, Asset, Counter, Posting, Transaction, TransactionKind
from jifen.ledger.queries import Limit, award_limits, policy_of, quota_for, truncates
from jifen.lib.errors import InvalidInput
from jifen.lib.periods import period_key
from jifen.programmes.access import StaffScope
from jifen.programmes.models import Member

MAX_DAYS = 366
MAX_CAP = 1_000_000
MAX_MULTIPLIER = 10
CAP_PERIODS = ("day", "week", "month", "year", "period")
BUCKETS = tuple(label for label, _, _ in metrics.BUCKETS)  # 篇二's: < 300 … > 2,000


class InvalidPeriod(InvalidInput):
    code = "simulation_period_invalid"
    message = _("The period must end on or after its first day and last at most %(days)s days.")


class UnknownRule(InvalidInput):
    code = "simulation_rule_unknown"
    message = _("The programme has no earning rule “%(rule)s”.")


class ValueOutOfRange(InvalidInput):
    code = "simulation_value_out_of_range"
    message = _("%(what)s must be between %(low)s and %(high)s.")


@dataclass(frozen=True)
class Change:
    """A proposed change: new points per rule code, a per-member cap on points per period
    (None: none), a multiplier on a member's first participation ever, +N per rule code."""

    points: dict[str, int] = field(default_factory=dict)
    cap: int | None = None
    cap_period: str = "month"
    first_multiplier: int = 1
    bonus: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Side:
    """The period's figures one way (before or after)."""

    issued: int
    members: int  # members who earned something
    gini: float | None  # None when nothing was earned
    earned: list[int]  # members per bucket of points earned in the period (those who earned)
    balances: list[int]  # wallets (members' and households') per bucket of balance at its end
    by_rule: dict[str, int]  # points issued per rule code ("" for awards without a rule)


@dataclass(frozen=True)
class QuotaUse:
    community: str
    quota: int | None  # the months' quotas added up; None when quotas are off
    before: int
    after: int


@dataclass(frozen=True)
class Simulation:
    start: date
    end: date
    awards: int
    before: Side
    after: Side
    quotas: list[QuotaUse]


@dataclass
class _Award:
    member: Member
    at: datetime
    credited: int
    requested: int
    rule: Rule | None
    base: int  # the rule version's base points, 0 when it has none
    charged: list[list[int]]
    config: rules.RuleConfig | None = None  # the rule version's, whose caps it met
    wallet: int = 0  # the account it credited: the member's, or the household's


def simulate(scope: StaffScope, *, start: date, end: date, change: Change) -> Simulation:
    """Replay the period start … end (local days, both included) of the scope's members under
    `change`. Raises InvalidPeriod, UnknownRule, ValueOutOfRange."""
    _check(scope, start, end, change)
    tz = scope.programme.timezone
    since, until = _moment(start, tz), _moment(end + timedelta(days=1), tz)
    awards = _awards(scope, since, until)
    after = _replay(scope, awards, change, since)
    before = {i: a.credited for i, a in enumerate(awards)}
    balances = _balances(scope, until)
    population = scope.members().filter(joined_on__lte=end).count()
    return Simulation(
        start,
        end,
        len(awards),
        _side(awards, before, balances, {}, population),
        _side(awards, after, balances, _deltas(awards, before, after), population),
        _quotas(scope, awards, before, after, start, end),
    )


def _check(scope: StaffScope, start: date, end: date, change: Change) -> None:
    if end < start or (end - start).days >= MAX_DAYS:
        raise InvalidPeriod(days=MAX_DAYS)
    codes = set(change.points) | set(change.bonus)
    known = set(
        Rule.objects.filter(programme=scope.programme, code__in=codes).values_list(
            "code", flat=True
        )
    )
    for code in sorted(codes - known):
        raise UnknownRule(rule=code)
    for points in [*change.points.values(), *change.bonus.values()]:
        _within(_("Points"), points, 0, rules.MAX_RULE_POINTS)
    if change.cap is not None:
        _within(_("The cap"), change.cap, 1, MAX_CAP)
    _within(_("The multiplier"), change.first_multiplier, 1, MAX_MULTIPLIER)
    if change.cap_period not in CAP_PERIODS:
        raise InvalidPeriod(days=MAX_DAYS)


def _within(what: object, value: int, low: int, high: int) -> None:
    if not low <= value <= high:
        raise ValueOutOfRange(what=what, low=low, high=high)


def _moment(day: date, tz: str) -> datetime:
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(tz))


def _awards(scope: StaffScope, since: datetime, until: datetime) -> list[_Award]:
    """The period's award transactions in points to the scope's members, not reversed, in
    order, with the earning behind each (three queries)."""
    txs = list(
        Transaction.objects.filter(
            programme=scope.programme,
            kind=TransactionKind.AWARD,
            created_at__gte=since,
            created_at__lt=until,
            member__in=scope.members(),
            reversal__isnull=True,
            postings__asset=Asset.POINTS,
        )
        .annotate(
            credited=Sum("postings__amount", filter=Q(postings__amount__gt=0)),
            wallet=Max("postings__account_id", filter=Q(postings__amount__gt=0)),
        )
        .select_related("member__community")
        .order_by("created_at", "id")
    )
    earnings = {
        e.transaction_id: e
        for e in Earning.objects.filter(transaction__in=[t.pk for t in txs]).select_related(
            "rule_version__rule__programme"
        )
    }
    awards = [_award(tx, earnings.get(tx.pk)) for tx in txs]
    for award, tx in zip(awards, txs, strict=True):
        award.wallet = int(getattr(tx, "wallet", 0) or 0)
    return awards


def _award(tx: Transaction, earning: Earning | None) -> _Award:
    credited = int(getattr(tx, "credited", 0) or 0)
    assert tx.member is not None  # awards are always to a member
    if earning is None:
        return _Award(tx.member, tx.created_at, credited, credited, None, 0, tx.charged or [])
    rule = earning.rule_version.rule
    base = earning.rule_version.config.get("points", 0) if rule.kind != "range" else 0
    base = base if isinstance(base, int) and base > 0 else 0
    config = rules.parse(rule.kind, earning.rule_version.config)
    charged = tx.charged or []
    return _Award(tx.member, tx.created_at, credited, earning.points, rule, base, charged, config)


def _wanted(award: _Award, change: Change, first: bool) -> int:
    """What the award would request under the change, before any cap."""
    points = award.requested
    code = award.rule.code if award.rule else None
    if code in change.points:
        new = change.points[code]
        points = (points * new + award.base // 2) // award.base if award.base else new
    if code in change.bonus:
        points += change.bonus[code]
    return points * change.first_multiplier if first else points


def _replay(
    scope: StaffScope, awards: list[_Award], change: Change, since: datetime
) -> dict[int, int]:
    """What each award (by its index) credits under the change."""
    policy = policy_of(scope.programme)
    tz = scope.programme.timezone
    limits = []
    for a in awards:
        mine = award_limits(policy, a.member, a.at)
        if a.rule is not None and a.config is not None:
            mine += rule_limits(a.rule, a.config, a.member, a.at)
        if change.cap is not None:
            key = (
                "period"
                if change.cap_period == "period"
                else period_key(change.cap_period, a.at, tz)
            )
            mine.append(
                Limit(f"member:{a.member.pk}:simulated", key, change.cap, lambda: InvalidInput())
            )
        limits.append(mine)
    used = _seeds(scope, awards, limits)
    earlier = _earned_before(scope, since)
    seen: set[int] = set()
    out = {}
    for i, (a, mine) in enumerate(zip(awards, limits, strict=True)):
        first = a.member.pk not in earlier and a.member.pk not in seen
        seen.add(a.member.pk)
        out[i] = _take(used, mine, _wanted(a, change, first), truncates(policy))
    return out


def _take(
    used: dict[tuple[str, str], int], limits: list[Limit], amount: int, truncate: bool
) -> int:
    """As jifen.ledger.limits charges an award, in memory."""
    if not limits or amount <= 0:
        return max(amount, 0)
    room = min(x.ceiling - used[(x.scope, x.period)] for x in limits)
    granted = min(amount, room)
    if granted <= 0 or (granted < amount and not truncate):
        return 0
    for x in {(x.scope, x.period) for x in limits}:
        used[x] += granted
    return granted


def _seeds(
    scope: StaffScope, awards: list[_Award], limits: list[list[Limit]]
) -> dict[tuple[str, str], int]:
    """Each counter's use by awards outside the replay: the ledger's counter less what the
    replayed awards charged to it."""
    keys = {(x.scope, x.period) for mine in limits for x in mine}
    used: dict[tuple[str, str], int] = defaultdict(int)
    periods = {period for _, period in keys}
    counters = Counter.objects.filter(programme=scope.programme, period__in=periods)
    by_pk = {}
    for c in counters.values_list("pk", "scope", "period", "used"):
        if (c[1], c[2]) in keys:
            by_pk[c[0]] = (c[1], c[2])
            used[(c[1], c[2])] += c[3]
    for a in awards:
        for pk, points in a.charged:
            if pk in by_pk:
                used[by_pk[pk]] -= points
    return used


def _earned_before(scope: StaffScope, since: datetime) -> set[int]:
    """Members with an award before the period: their first participation is behind them."""
    return set(
        Transaction.objects.filter(
            programme=scope.programme, kind=TransactionKind.AWARD, created_at__lt=since
        ).values_list("member_id", flat=True)
    )


def _balances(scope: StaffScope, until: datetime) -> dict[int, int]:
    """Each wallet's balance at the period's end, by account: the scope's members' own and
    their households' (a programme that pools points credits the household)."""
    rows = (
        Posting.objects.filter(
            Q(account__member__in=scope.members()) | Q(account__household__in=scope.households()),
            account__kind__in=WALLETS,
            account__asset=Asset.POINTS,
            transaction__created_at__lt=until,
        )
        .values("account_id")
        .annotate(total=Sum("amount"))
    )
    return {r["account_id"]: int(r["total"]) for r in rows}


def _deltas(awards: list[_Award], before: dict[int, int], after: dict[int, int]) -> dict[int, int]:
    deltas: dict[int, int] = defaultdict(int)
    for i, a in enumerate(awards):
        deltas[a.wallet] += after[i] - before[i]
    return deltas


def _side(
    awards: list[_Award],
    credits: dict[int, int],
    balances: dict[int, int],
    deltas: dict[int, int],
    population: int,
) -> Side:
    earned: dict[int, int] = defaultdict(int)
    by_rule: dict[str, int] = defaultdict(int)
    for i, a in enumerate(awards):
        earned[a.member.pk] += credits[i]
        by_rule[a.rule.code if a.rule else ""] += credits[i]
    earners = [v for v in earned.values() if v > 0]
    wallets = {pk: b + deltas.get(pk, 0) for pk, b in balances.items()}
    return Side(
        sum(credits.values()),
        len(earners),
        _rounded(metrics.gini(metrics.with_zeros(earners, population))),
        metrics.bucket_counts(earners),
        metrics.bucket_counts(wallets.values()),
        dict(sorted(by_rule.items())),
    )


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _quotas(
    scope: StaffScope,
    awards: list[_Award],
    before: dict[int, int],
    after: dict[int, int],
    start: date,
    end: date,
) -> list[QuotaUse]:
    """Each community's points against its monthly quotas over the months the period meets."""
    policy = policy_of(scope.programme)
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    used: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for i, a in enumerate(awards):
        used[a.member.community_id][0] += before[i]
        used[a.member.community_id][1] += after[i]
    out = []
    for community in scope.communities().order_by("name"):
        quota = None
        if policy.quotas_enabled:
            quota = quota_for(community.population, policy.quota_tiers or None) * months
        was, would = used.get(community.pk, [0, 0])
        out.append(QuotaUse(community.name, quota, was, would))
    return out
