"""Claims: a resident (or staff on their behalf) claims points under a rule that allows it,
with photos and the criteria or measured values the rule reads; a reviewer approves (within
the rule's range) or refuses with a reason. Nobody decides a claim of their own household."""

from collections.abc import Mapping, Sequence
from datetime import datetime

from django.db import transaction

from jifen.accounts.models import User
from jifen.audit.services import record as audit
from jifen.earning import crediting, errors, rules
from jifen.earning.models import (
    Claim,
    ClaimPhoto,
    ClaimStatus,
    EarningSource,
    Rule,
    RuleKind,
    RuleVersion,
)
from jifen.lib import clock
from jifen.lib.images import CleanPhoto, photo_path, store_photo
from jifen.programmes.models import Member, MemberStatus

MAX_PHOTOS = 3


def facts_for(
    config: rules.RuleConfig,
    criteria: Sequence[str],
    measures: Mapping[str, object],
    chosen: int | None = None,
) -> rules.Facts:
    """The facts of a claim or a device's event, checked against what the rule reads."""
    codes = config.codes
    for code in criteria:
        if code not in codes:
            raise errors.UnknownCriterion(code=str(code)[:40])
    values: dict[str, int] = {}
    for name in config.measures:
        value = measures.get(name)
        if value is None and name != "minutes":
            continue
        if type(value) is not int or not 0 <= value <= rules.MAX_MEASURE:
            raise errors.MeasureRequired(measure=name, max=rules.MAX_MEASURE)
        values[name] = value
    if config.kind in ("hourly", "amount") and not values:
        raise errors.MeasureRequired(measure=sorted(config.measures)[0], max=rules.MAX_MEASURE)
    return rules.Facts(criteria=frozenset(criteria), measures=values, chosen=chosen)


def check_earnable(rule: Rule, config: rules.RuleConfig, member: Member, at: datetime) -> None:
    """What any claim or event under `rule` must meet: the rule on, the member active and
    eligible, the time within the rule's windows."""
    if not rule.is_active:
        raise errors.RuleInactive()
    if member.status != MemberStatus.ACTIVE or member.programme_id != rule.programme_id:
        raise errors.NotCardOfProgramme()
    groups = rules.member_groups(member)
    if not rules.eligible(config, community_id=member.community_id, groups=groups):
        raise errors.NotEligible(name=member.display_name, rule=rule.name)
    if not rules.in_window(config, at, rule.programme.timezone):
        spans = ", ".join(f"{a:%H:%M}–{b:%H:%M}" for a, b in config.windows)
        raise errors.OutsideWindow(rule=rule.name, windows=spans)


def submit_claim(
    *,
    member: Member,
    rule: Rule,
    actor: User | None,
    description: str = "",
    criteria: Sequence[str] = (),
    measures: Mapping[str, object] | None = None,
    photos: Sequence[CleanPhoto] = (),
    occurred_at: datetime | None = None,
) -> Claim:
    """File a claim for review. The photos were checked and re-encoded (jifen.lib.images)."""
    if not rule.allows_claims:
        raise errors.ClaimsNotAllowed(rule=rule.name)
    if len(photos) > MAX_PHOTOS:
        raise errors.TooManyPhotos(max=MAX_PHOTOS)
    version = crediting.current_version(rule)
    config = crediting.config_of(version)
    when = occurred_at or clock.now()
    if when > clock.now():
        when = clock.now()
    check_earnable(rule, config, member, when)
    facts = facts_for(config, criteria, measures or {})
    proposed = 0 if config.kind == RuleKind.RANGE else rules.base_points(config, facts)[0]
    if config.kind != RuleKind.RANGE and proposed <= 0:
        raise errors.NothingEarned(rule=rule.name)
    stored = [store_photo(p, folder=f"claims/{member.programme_id}") for p in photos]
    try:
        return _save_claim(
            member,
            rule,
            version,
            actor,
            description,
            criteria,
            facts,
            when,
            proposed,
            photos,
            stored,
        )
    except BaseException:
        for path in stored:  # the claim was not kept: neither are its photos
            photo_path(path).unlink(missing_ok=True)
        raise


def _save_claim(
    member: Member,
    rule: Rule,
    version: RuleVersion,
    actor: User | None,
    description: str,
    criteria: Sequence[str],
    facts: rules.Facts,
    when: datetime,
    proposed: int,
    photos: Sequence[CleanPhoto],
    stored: list[str],
) -> Claim:
    with transaction.atomic():
        claim = Claim.objects.create(
            programme=member.programme,
            member=member,
            rule=rule,
            rule_version=version,
            description=description.strip()[:2000],
            criteria=sorted(set(criteria)),
            measures=dict(facts.measures),
            occurred_at=when,
            proposed=proposed,
            submitted_by=actor,
        )
        ClaimPhoto.objects.bulk_create(
            ClaimPhoto(
                claim=claim,
                path=path,
                content_type=f"image/{p.format.lower()}",
                width=p.width,
                height=p.height,
                size=len(p.content),
                sha256=p.sha256,
            )
            for p, path in zip(photos, stored, strict=True)
        )
    return claim


def same_household(actor: User | None, member: Member) -> bool:
    """Whether `actor` is `member`, or a member of the same household, in its programme."""
    if actor is None:
        return False
    theirs = Member.objects.filter(programme_id=member.programme_id, user=actor)
    return any(
        m.pk == member.pk or (m.household_id and m.household_id == member.household_id)
        for m in theirs
    )


def approve_claim(*, claim: Claim, actor: User, points: int | None = None) -> crediting.Outcome:
    """Approve: a range rule's points are the reviewer's choice (within the range); other
    rules give what the criteria and measures claimed give. On notice when the rule says."""
    if same_household(actor, claim.member):
        raise errors.OwnClaim()
    with transaction.atomic():
        locked = (
            Claim.objects.select_for_update().select_related("rule_version__rule").get(pk=claim.pk)
        )
        if locked.status != ClaimStatus.SUBMITTED:
            raise errors.ClaimDecided()
        version = locked.rule_version
        config = crediting.config_of(version)
        facts = rules.Facts(
            criteria=frozenset(locked.criteria), measures=locked.measures, chosen=points
        )
        amount, explanation = rules.base_points(config, facts)
        if amount <= 0:
            raise errors.NothingEarned(rule=version.rule.name)
        outcome = crediting.record(
            member=locked.member,
            version=version,
            source=EarningSource.CLAIM,
            occurrence=f"claim:{locked.pk}",
            points=amount,
            explanation=explanation,
            actor=actor,
            claim=locked,
        )
        locked.status, locked.decided_by, locked.decided_at = (
            ClaimStatus.APPROVED,
            actor,
            clock.now(),
        )
        locked.save(update_fields=["status", "decided_by", "decided_at"])
        audit(
            actor=actor,
            action="claim.approve",
            target=locked,
            programme=locked.programme,
            data={"points": amount},
        )
    claim.status = locked.status
    return outcome


def reject_claim(*, claim: Claim, actor: User, reason: str) -> Claim:
    if same_household(actor, claim.member):
        raise errors.OwnClaim()
    reason = reason.strip()
    if not reason:
        from jifen.ledger.errors import ReasonRequired

        raise ReasonRequired()
    with transaction.atomic():
        locked = Claim.objects.select_for_update().get(pk=claim.pk)
        if locked.status != ClaimStatus.SUBMITTED:
            raise errors.ClaimDecided()
        locked.status, locked.decided_by, locked.decided_at = (
            ClaimStatus.REJECTED,
            actor,
            clock.now(),
        )
        locked.decision_reason = reason[:200]
        locked.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
        audit(actor=actor, action="claim.reject", target=locked, programme=locked.programme)
    return locked


def withdraw_claim(*, claim: Claim) -> Claim:
    with transaction.atomic():
        locked = Claim.objects.select_for_update().get(pk=claim.pk)
        if locked.status != ClaimStatus.SUBMITTED:
            raise errors.ClaimDecided()
        locked.status = ClaimStatus.WITHDRAWN
        locked.save(update_fields=["status"])
    return locked
