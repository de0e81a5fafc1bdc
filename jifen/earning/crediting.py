"""The one way an earning reaches the ledger: `record` makes the Earning (on notice when the
rule says so, else posted at once through `award_points`), `record_many` does the same for
an activity's attendees through one `bulk_award`, and `post` credits an Earning whose notice
ended. Each Earning is posted exactly once: its occurrence is unique, its posting is keyed by
its own id, and the move from notice to posted is a guarded update."""

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction

from jifen.accounts.models import User
from jifen.earning import rules
from jifen.earning.models import (
    Activity,
    Claim,
    Earning,
    EarningSource,
    EarningStatus,
    Rule,
    RuleVersion,
)
from jifen.ledger import errors as ledger_errors
from jifen.ledger import services as ledger
from jifen.ledger.models import CapPeriod
from jifen.lib import clock
from jifen.lib.bulk_sql import SQLValue, insert_select, saved_instances
from jifen.lib.ids import new_public_ids
from jifen.lib.periods import period_key
from jifen.programmes.models import Member


@dataclass(frozen=True)
class Outcome:
    """What one earning did: its record, and the ledger's result when it was posted now."""

    earning: Earning
    award: ledger.AwardResult | None  # None: on notice (or nothing credited by the caps)

    @property
    def on_notice(self) -> bool:
        return self.earning.status == EarningStatus.NOTICE


def config_of(version: RuleVersion) -> rules.RuleConfig:
    return rules.parse(version.rule.kind, version.config)


def current_version(rule: Rule) -> RuleVersion:
    version = RuleVersion.objects.get(rule=rule, number=rule.version)
    version.rule = rule  # the caller's, with what it has read already (its programme)
    return version


def rule_limits(
    rule: Rule, config: rules.RuleConfig, member: Member, at: datetime
) -> list[ledger.Limit]:
    """The rule's own caps for `member` at `at`, as counters beside the programme's."""
    tz = rule.programme.timezone
    limits = []
    for cap in config.caps:
        owner = member.household_id if cap.scope == "household" else member.pk
        if owner is None:
            owner_scope = f"member:{member.pk}"
        else:
            owner_scope = f"{cap.scope}:{owner}"
        limits.append(
            ledger.Limit(
                f"{owner_scope}:rule:{rule.pk}",
                period_key(cap.period, at, tz),
                cap.limit,
                _cap_refusal(cap),
            )
        )
    return limits


def _cap_refusal(cap: rules.RuleCap) -> Callable[[], ledger_errors.CapReached]:
    return lambda: ledger_errors.CapReached(limit=cap.limit, period=CapPeriod(cap.period).label)


def reason_of(version: RuleVersion) -> str:
    """The reason on the ledger entry: the rule's name (the history shows it)."""
    return version.rule.name[:200]


def reference_of(version: RuleVersion, occurrence: str) -> str:
    """The transaction's reference: rule code and version, then what earned it."""
    return f"{version.rule.code}@v{version.number} {occurrence}"[:100]


def record(
    *,
    member: Member,
    version: RuleVersion,
    source: str,
    occurrence: str,
    points: int,
    explanation: rules.Explanation,
    actor: User | None = None,
    activity: Activity | None = None,
    claim: Claim | None = None,
    notice: bool = True,
) -> Outcome:
    """Record one earning: on notice for the rule's notice days (when `notice`), else posted
    now. The same occurrence twice returns the first earning (nothing is written)."""
    found = Earning.objects.filter(programme=member.programme, occurrence=occurrence).first()
    if found is not None:
        return Outcome(found, None)
    now = clock.now()
    days = version.rule.notice_days if notice else 0
    try:
        return _record(
            member,
            version,
            source,
            occurrence,
            points,
            explanation,
            actor,
            activity,
            claim,
            days,
            now,
        )
    except IntegrityError:  # the same occurrence, recorded at this very moment
        found = Earning.objects.filter(programme=member.programme, occurrence=occurrence).first()
        if found is None:
            raise
        return Outcome(found, None)


def _record(
    member: Member,
    version: RuleVersion,
    source: str,
    occurrence: str,
    points: int,
    explanation: rules.Explanation,
    actor: User | None,
    activity: Activity | None,
    claim: Claim | None,
    days: int,
    now: datetime,
) -> Outcome:
    with transaction.atomic():
        earning = Earning.objects.create(
            programme=member.programme,
            member=member,
            rule_version=version,
            source=source,
            occurrence=occurrence,
            activity=activity,
            claim=claim,
            points=points,
            explanation=explanation,
            status=EarningStatus.NOTICE if days else EarningStatus.POSTED,
            notice_ends_at=now + timedelta(days=days) if days else None,
            created_by=actor,
            created_at=now,
        )
        if days:
            return Outcome(earning, None)
        return Outcome(earning, _credit(earning, actor))


def post(earning: Earning, *, actor: User | None = None) -> Outcome:
    """Credit an earning whose notice is over (or whose objection was dismissed after it),
    exactly once: a second call, or a concurrent one, credits nothing."""
    with transaction.atomic():
        moved = Earning.objects.filter(
            pk=earning.pk, status__in=[EarningStatus.NOTICE, EarningStatus.OBJECTED]
        ).update(status=EarningStatus.POSTED)
        if not moved:
            earning.refresh_from_db()
            return Outcome(earning, None)
        earning.status = EarningStatus.POSTED
        return Outcome(earning, _credit(earning, actor, keep_when_full=True))


def _credit(
    earning: Earning, actor: User | None, *, keep_when_full: bool = False
) -> ledger.AwardResult | None:
    """Award the earning's points through the ledger, within the rule's caps and the
    programme's: a cap may cut it (credited says how much). When nothing is left the
    refusal stands (the earning is not kept), except with `keep_when_full` (a notice that
    ended: the earning is kept as credited with 0, and the worker moves on)."""
    version = earning.rule_version
    rule = version.rule
    config = config_of(version)
    now = clock.now()
    try:
        result = ledger.award_points(
            member=earning.member,
            amount=earning.points,
            reason=reason_of(version),
            reference=reference_of(version, earning.occurrence),
            actor=actor,
            idempotency_key=f"earning:{earning.public_id}",
            limits=rule_limits(rule, config, earning.member, earning.created_at),
        )
    except (ledger_errors.CapReached, ledger_errors.QuotaExhausted):
        if not keep_when_full:
            raise
        earning.credited = 0
        earning.posted_at = now
        earning.save(update_fields=["status", "credited", "posted_at"])
        return None
    earning.transaction = result.transaction
    earning.credited = result.awarded
    earning.posted_at = now
    earning.save(update_fields=["status", "transaction", "credited", "posted_at"])
    return result


@dataclass(frozen=True)
class Planned:
    """One attendee's earning, before it is recorded."""

    member: Member
    points: int
    explanation: rules.Explanation
    occurrence: str
    source: str = EarningSource.ACTIVITY


def record_many(
    *,
    activity: Activity,
    version: RuleVersion,
    planned: list[Planned],
    actor: User | None,
) -> list[Earning]:
    """Record every attendee's earning of a closing activity: on notice when the rule says
    so, else credited in one bulk award (one ledger transaction per attendee). Call inside a
    transaction."""
    now = clock.now()
    rule = version.rule
    days = rule.notice_days
    live = [p for p in planned if p.points > 0]
    results: list[ledger.AwardResult | None] = [None] * len(live)
    if live and not days:
        config = config_of(version)
        # A bulk award takes each member once: a mentoring bonus beside the same member's
        # attendance goes in a second round.
        for n, batch in enumerate(_rounds(live)):
            awarded = ledger.bulk_award(
                programme=activity.programme,
                awards=[(live[i].member, live[i].points) for i in batch],
                reason=reason_of(version),
                reference=reference_of(version, f"activity:{activity.public_id}"),
                actor=actor,
                idempotency_key=f"activity:{activity.public_id}" + (f":{n}" if n else ""),
                limits=lambda m: rule_limits(rule, config, m, now),
            )
            for i, result in zip(batch, awarded, strict=True):
                results[i] = result
    return _save_all(activity, version, live, results, actor, days, now)


def _rounds(planned: list[Planned]) -> list[list[int]]:
    """The positions of `planned` in rounds in which each member appears once, in order."""
    rounds: list[list[int]] = []
    seen: dict[int, int] = {}
    for i, p in enumerate(planned):
        n = seen[p.member.pk] = seen.get(p.member.pk, -1) + 1
        if n == len(rounds):
            rounds.append([])
        rounds[n].append(i)
    return rounds


def _save_all(
    activity: Activity,
    version: RuleVersion,
    live: list[Planned],
    results: list[ledger.AwardResult | None],
    actor: User | None,
    days: int,
    now: datetime,
) -> list[Earning]:
    """The earnings written by one statement (per batch on SQLite), not through model
    instances: for thousands of attendees the ORM's bulk_create cost more than the award."""
    if not live:
        return []
    template = Earning(
        programme=activity.programme,
        rule_version=version,
        activity=activity,
        status=EarningStatus.NOTICE if days else EarningStatus.POSTED,
        notice_ends_at=now + timedelta(days=days) if days else None,
        created_by=actor,
        created_at=now,
        posted_at=None if days else now,
    )
    constants: dict[str, SQLValue] = {
        "programme_id": activity.programme_id,
        "rule_version_id": version.pk,
        "activity_id": activity.pk,
        "status": str(template.status),
        "notice_ends_at": template.notice_ends_at,
        "created_by_id": actor.pk if actor else None,
        "created_at": now,
        "posted_at": template.posted_at,
    }
    rows = [
        {
            "public_id": public_id,
            "member_id": p.member.pk,
            "source": str(p.source),
            "occurrence": p.occurrence,
            "points": p.points,
            "explanation": p.explanation,
            "transaction_id": r.transaction.pk if r and r.transaction else None,
            "credited": r.awarded if r else None,
        }
        for public_id, p, r in zip(new_public_ids(len(live), 12), live, results, strict=True)
    ]
    values = [[_column(row, name) for name, _ in _EARNING_COLUMNS] for row in rows]
    saved = dict(
        insert_select("earning_earning", constants, _EARNING_COLUMNS, values, "public_id, id")
    )
    earnings = saved_instances(template, [{**row, "id": saved[row["public_id"]]} for row in rows])
    for earning, p, r in zip(earnings, live, results, strict=True):
        _MEMBER.set_cached_value(earning, p.member)
        _TRANSACTION.set_cached_value(earning, r.transaction if r else None)
    return earnings


_EARNING_COLUMNS = [
    ("public_id", "text"),
    ("member_id", "bigint"),
    ("source", "text"),
    ("occurrence", "text"),
    ("points", "bigint"),
    ("explanation", "jsonb"),
    ("transaction_id", "bigint"),
    ("credited", "bigint"),
]
_MEMBER = Earning._meta.get_field("member")
_TRANSACTION = Earning._meta.get_field("transaction")


def _column(row: Mapping[str, object], name: str) -> object:
    return json.dumps(row[name]) if name == "explanation" else row[name]
