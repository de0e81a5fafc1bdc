"""Public notice (公示), objections and appeals.

An award on notice waits `notice_days` on the public board; anyone in the programme may
object during the window, which opens an appeal and keeps the award pending; when the window
ends unopposed the worker posts it. A resident may appeal an award, a refused claim or a
missing award within the programme's appeal days; reviewers answer within its working days,
and an upheld appeal corrects through the ledger (an award or a reversal) and links to it."""

from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils.translation import gettext as _

from jifen.accounts.models import User
from jifen.audit.services import record as audit
from jifen.earning import crediting, errors, rules
from jifen.earning.claims import same_household
from jifen.earning.models import (
    Activity,
    ActivityStatus,
    Appeal,
    AppealKind,
    AppealStatus,
    Attendance,
    Claim,
    ClaimStatus,
    Earning,
    EarningSettings,
    EarningSource,
    EarningStatus,
    SignUp,
    SignUpStatus,
)
from jifen.ledger import services as ledger
from jifen.ledger.models import Transaction
from jifen.lib import clock
from jifen.lib.periods import local
from jifen.programmes.models import Member, Programme

DEFAULT_WEEKEND = [6, 7]


def settings_of(programme: Programme) -> EarningSettings:
    found, _created = EarningSettings.objects.get_or_create(
        programme=programme, defaults={"weekend": DEFAULT_WEEKEND}
    )
    return found


def working_days_later(start: datetime, days: int, settings: EarningSettings, tz: str) -> datetime:
    """The end of the `days`-th working day after `start` (local time): weekends and the
    programme's holidays do not count."""
    off = set(settings.weekend or [])
    holidays = {str(d) for d in settings.holidays or []}
    day = local(start, tz).date()
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if day.isoweekday() in off or day.isoformat() in holidays:
            continue
        counted += 1
    end = local(start, tz).replace(
        year=day.year, month=day.month, day=day.day, hour=23, minute=59, second=59, microsecond=0
    )
    return end


def _open_appeal(
    *,
    kind: str,
    member: Member,
    subject: Member,
    reason: str,
    earning: Earning | None = None,
    claim: Claim | None = None,
    activity: Activity | None = None,
) -> Appeal:
    reason = reason.strip()
    if not reason:
        raise ledger_reason_required()
    programme = member.programme
    settings = settings_of(programme)
    now = clock.now()
    open_already = Appeal.objects.filter(
        programme=programme, subject=subject, status=AppealStatus.OPEN, kind=kind
    )
    if earning is not None:
        open_already = open_already.filter(earning=earning)
    if claim is not None:
        open_already = open_already.filter(claim=claim)
    if activity is not None:
        open_already = open_already.filter(activity=activity)
    if kind == AppealKind.OBJECTION:  # many may object to one award, each once
        open_already = open_already.filter(member=member)
    if open_already.exists():
        raise errors.AppealOpenAlready()
    return Appeal.objects.create(
        programme=programme,
        kind=kind,
        member=member,
        subject=subject,
        earning=earning,
        claim=claim,
        activity=activity,
        reason=reason[:500],
        due_at=working_days_later(now, settings.answer_working_days, settings, programme.timezone),
        created_at=now,
    )


def ledger_reason_required() -> Exception:
    from jifen.ledger.errors import ReasonRequired

    return ReasonRequired()


def object_to(*, earning: Earning, member: Member, reason: str) -> Appeal:
    """Object to an award on public notice: it stays pending until a reviewer answers."""
    if member.programme_id != earning.programme_id:
        raise errors.AppealNotAllowed()
    with transaction.atomic():
        locked = Earning.objects.select_for_update().get(pk=earning.pk)
        if locked.status not in (EarningStatus.NOTICE, EarningStatus.OBJECTED):
            raise errors.NoticeOver()
        if locked.notice_ends_at and locked.notice_ends_at <= clock.now():
            raise errors.NoticeOver()
        appeal = _open_appeal(
            kind=AppealKind.OBJECTION,
            member=member,
            subject=locked.member,
            reason=reason,
            earning=locked,
        )
        locked.status = EarningStatus.OBJECTED
        locked.save(update_fields=["status"])
    return appeal


def _within(moment: datetime | None, programme: Programme) -> None:
    days = settings_of(programme).appeal_days
    if moment is None or clock.now() > moment + timedelta(days=days):
        raise errors.AppealTooLate(days=days)


def appeal_award(*, earning: Earning, member: Member, reason: str) -> Appeal:
    """The resident thinks an award is wrong (too few points, the wrong rule)."""
    earning = Earning.objects.select_related("rule_version__rule").get(pk=earning.pk)
    if earning.member_id != member.pk or earning.status != EarningStatus.POSTED:
        raise errors.AppealNotAllowed()
    _within(earning.posted_at, member.programme)
    with transaction.atomic():
        return _open_appeal(
            kind=AppealKind.AWARD, member=member, subject=member, reason=reason, earning=earning
        )


def appeal_refused_claim(*, claim: Claim, member: Member, reason: str) -> Appeal:
    claim = Claim.objects.get(pk=claim.pk)
    if claim.member_id != member.pk or claim.status != ClaimStatus.REJECTED:
        raise errors.AppealNotAllowed()
    _within(claim.decided_at, member.programme)
    with transaction.atomic():
        return _open_appeal(
            kind=AppealKind.REFUSED_CLAIM, member=member, subject=member, reason=reason, claim=claim
        )


def appeal_missing(*, activity: Activity, member: Member, reason: str) -> Appeal:
    """Attended (or signed up), not credited."""
    activity = Activity.objects.get(pk=activity.pk)
    if activity.programme_id != member.programme_id or activity.status != ActivityStatus.CLOSED:
        raise errors.AppealNotAllowed()
    if Earning.objects.filter(occurrence=f"activity:{activity.pk}:{member.pk}").exists():
        raise errors.AppealNotAllowed()
    took_part = (
        Attendance.objects.filter(activity=activity, member=member).exists()
        or SignUp.objects.filter(
            activity=activity, member=member, status=SignUpStatus.CONFIRMED
        ).exists()
    )
    if not took_part:
        raise errors.AppealNotAllowed()
    _within(activity.closed_at, member.programme)
    with transaction.atomic():
        return _open_appeal(
            kind=AppealKind.MISSING, member=member, subject=member, reason=reason, activity=activity
        )


def answer_appeal(
    *, appeal: Appeal, actor: User, uphold: bool, answer: str, points: int | None = None
) -> Appeal:
    """Answer an appeal. Upheld, it corrects through the ledger and links the correction:
    an objection cancels the pending award; an appeal of an award re-credits it at `points`
    (the difference awarded, or the award reversed and the right amount awarded); a refused
    claim or a missing award is credited under its rule (`points` for a range rule).
    Dismissed, an objected award goes back on notice (posted at once if its window ended)."""
    if same_household(actor, appeal.subject) or same_household(actor, appeal.member):
        raise errors.OwnClaim()
    answer = answer.strip()
    if not answer:
        raise ledger_reason_required()
    with transaction.atomic():
        locked = Appeal.objects.select_for_update().get(pk=appeal.pk)
        if locked.status != AppealStatus.OPEN:
            raise errors.AppealAnswered()
        correction = None
        locked.answer = answer[:500]
        if uphold:
            correction = _correct(locked, actor, points)
        elif locked.kind == AppealKind.OBJECTION and locked.earning is not None:
            _dismiss_objection(locked.earning, actor)
        locked.status = AppealStatus.UPHELD if uphold else AppealStatus.DISMISSED
        locked.answer, locked.answered_by, locked.answered_at = answer[:500], actor, clock.now()
        locked.correction = correction
        locked.save(update_fields=["status", "answer", "answered_by", "answered_at", "correction"])
        audit(
            actor=actor,
            action="appeal.uphold" if uphold else "appeal.dismiss",
            target=locked,
            programme=locked.programme,
        )
    return locked


def _correct(appeal: Appeal, actor: User, points: int | None) -> Transaction | None:
    kind = appeal.kind
    if kind == AppealKind.OBJECTION:
        assert appeal.earning is not None
        Earning.objects.filter(
            pk=appeal.earning.pk, status__in=[EarningStatus.NOTICE, EarningStatus.OBJECTED]
        ).update(status=EarningStatus.CANCELLED)
        if appeal.earning.claim_id:  # the claim is refused now: its claimant may appeal that
            Claim.objects.filter(pk=appeal.earning.claim_id).update(
                status=ClaimStatus.REJECTED,
                decided_by=actor,
                decided_at=clock.now(),
                decision_reason=(_("Objection upheld: %(answer)s") % {"answer": appeal.answer})[
                    :200
                ],
            )
        return None
    if kind == AppealKind.AWARD:
        return _correct_award(appeal, actor, points)
    if kind == AppealKind.REFUSED_CLAIM:
        claim = appeal.claim
        assert claim is not None
        version = claim.rule_version
        facts = rules.Facts(
            criteria=frozenset(claim.criteria), measures=claim.measures, chosen=points
        )
        amount, explanation = rules.base_points(crediting.config_of(version), facts)
        Claim.objects.filter(pk=claim.pk).update(status=ClaimStatus.APPROVED)
        return _credit(appeal, version, f"claim:{claim.pk}", amount, explanation, actor, claim)
    assert appeal.activity is not None
    activity = appeal.activity
    version = crediting.current_version(activity.rule)
    config = crediting.config_of(version)
    if points is not None:
        if config.kind == "range":  # the reviewer's choice, within the rule's range
            rules.base_points(config, rules.Facts(chosen=points))
        amount, explanation = points, [["appeal", points]]
    else:
        minutes = int((activity.ends_at - activity.starts_at).total_seconds() // 60)
        amount, explanation = rules.base_points(config, rules.Facts(measures={"minutes": minutes}))
    return _credit(
        appeal, version, f"activity:{activity.pk}:{appeal.subject.pk}", amount, explanation, actor
    )


def _credit(
    appeal: Appeal,
    version: crediting.RuleVersion,
    occurrence: str,
    amount: int,
    explanation: rules.Explanation,
    actor: User,
    claim: Claim | None = None,
) -> Transaction | None:
    if amount <= 0:
        raise errors.NothingEarned(rule=version.rule.name)
    outcome = crediting.record(
        member=appeal.subject,
        version=version,
        source=EarningSource.APPEAL,
        occurrence=occurrence,
        points=amount,
        explanation=explanation,
        actor=actor,
        claim=claim,
        activity=appeal.activity,
        notice=False,
    )
    return outcome.award.transaction if outcome.award else None


def _correct_award(appeal: Appeal, actor: User, points: int | None) -> Transaction | None:
    earning = appeal.earning
    assert earning is not None
    if points is None or points < 0:
        raise errors.MeasureRequired(measure=_("points"), max=rules.MAX_RULE_POINTS)
    given = earning.credited or 0
    version = earning.rule_version
    if points > given:
        return _credit(
            appeal,
            version,
            f"appeal:{appeal.pk}",
            points - given,
            [["appeal", points - given]],
            actor,
        )
    if points == given or earning.transaction is None:
        return None
    reversal = ledger.reverse_transaction(
        original=earning.transaction,
        actor=actor,
        reason=_("Appeal upheld: %(answer)s") % {"answer": appeal.public_id},
    )
    if points:
        _credit(appeal, version, f"appeal:{appeal.pk}", points, [["appeal", points]], actor)
    return reversal


def _dismiss_objection(earning: Earning, actor: User) -> None:
    others = Appeal.objects.filter(
        earning=earning, kind=AppealKind.OBJECTION, status=AppealStatus.OPEN
    ).count()
    if others > 1:  # another objection still waits: the award stays pending
        return
    locked = Earning.objects.get(pk=earning.pk)
    if locked.status != EarningStatus.OBJECTED:
        return
    if locked.notice_ends_at and locked.notice_ends_at > clock.now():
        Earning.objects.filter(pk=locked.pk).update(status=EarningStatus.NOTICE)
    else:
        crediting.post(locked, actor=actor)


def post_due_notices(*, programme: Programme, limit: int = 500) -> int:
    """Post the awards whose notice ended unopposed; returns how many were posted."""
    due = list(
        Earning.objects.filter(
            programme=programme, status=EarningStatus.NOTICE, notice_ends_at__lte=clock.now()
        )
        .select_related("member__programme", "member__household", "rule_version__rule__programme")
        .order_by("notice_ends_at", "id")[:limit]
    )
    posted = 0
    for earning in due:
        posted += crediting.post(earning).earning.status == EarningStatus.POSTED
    return posted


def overdue(programme: Programme) -> "list[Appeal]":
    return list(
        Appeal.objects.filter(
            programme=programme, status=AppealStatus.OPEN, due_at__lt=clock.now()
        ).select_related("member", "subject")
    )


def today(programme: Programme) -> date:
    return local(clock.now(), programme.timezone).date()
