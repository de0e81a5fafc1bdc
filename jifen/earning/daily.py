"""The daily check-in: 1 point a day, and a bonus for every 7 days in a row (as the rule's
numbers say). Once a day per resident, whatever the retries."""

from datetime import timedelta

from jifen.earning import crediting, errors, rules
from jifen.earning.claims import check_earnable
from jifen.earning.models import Earning, EarningSource, Rule, RuleKind
from jifen.lib import clock
from jifen.lib.periods import local
from jifen.programmes.models import Member

LOOKBACK_DAYS = 366


def checkin_rule(member: Member) -> Rule | None:
    return Rule.objects.filter(
        programme_id=member.programme_id, kind=RuleKind.CHECKIN, is_active=True
    ).first()


def streak_before(member: Member, rule: Rule) -> int:
    """Days in a row the member checked in, ending yesterday."""
    today = local(clock.now(), member.programme.timezone).date()
    prefix = f"checkin:{rule.pk}:{member.pk}:"
    days = set(
        Earning.objects.filter(
            programme_id=member.programme_id,
            occurrence__startswith=prefix,
            created_at__gte=clock.now() - timedelta(days=LOOKBACK_DAYS),
        ).values_list("occurrence", flat=True)
    )
    streak = 0
    day = today - timedelta(days=1)
    while f"{prefix}{day.isoformat()}" in days:
        streak += 1
        day -= timedelta(days=1)
    return streak


def daily_checkin(*, member: Member, rule: Rule | None = None) -> crediting.Outcome:
    """Check in for today. A second check-in the same day is refused (AlreadyCheckedInToday)."""
    rule = rule or checkin_rule(member)
    if rule is None or rule.kind != RuleKind.CHECKIN:
        raise errors.RuleInactive()
    version = crediting.current_version(rule)
    config = crediting.config_of(version)
    now = clock.now()
    check_earnable(rule, config, member, now)
    today = local(now, member.programme.timezone).date()
    occurrence = f"checkin:{rule.pk}:{member.pk}:{today.isoformat()}"
    if Earning.objects.filter(programme_id=member.programme_id, occurrence=occurrence).exists():
        raise errors.AlreadyCheckedInToday()
    streak = streak_before(member, rule) + 1
    points, explanation = rules.base_points(config, rules.Facts(streak=streak))
    outcome = crediting.record(
        member=member,
        version=version,
        source=EarningSource.CHECKIN,
        occurrence=occurrence,
        points=points,
        explanation=explanation,
        notice=False,
    )
    if outcome.award is None and outcome.earning.created_at < now:
        raise errors.AlreadyCheckedInToday()
    return outcome
