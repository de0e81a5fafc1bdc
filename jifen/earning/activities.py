"""Activities: sign-up with a waitlist, check-in and check-out, and closing, which credits
every attendee once through one bulk award."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.crypto import constant_time_compare, salted_hmac

from jifen.accounts.models import User
from jifen.audit.services import record as audit
from jifen.earning import crediting, errors, rules
from jifen.earning.models import (
    Activity,
    ActivityStatus,
    Attendance,
    CheckInMethod,
    Earning,
    EarningSource,
    RuleKind,
    SignUp,
    SignUpStatus,
)
from jifen.ledger.queries import summary_of
from jifen.lib import clock
from jifen.lib.phones import normalise_phone
from jifen.programmes.cardtokens import member_from_card
from jifen.programmes.models import Community, Member, MemberStatus, Programme
from jifen.rewards.models import Perk
from jifen.rewards.privileges import enjoys

# Scans are accepted from this long before the start until the end.
EARLY = timedelta(hours=1)
ACTIVITY_RULE_KINDS = (RuleKind.FIXED, RuleKind.HOURLY, RuleKind.RANGE)
CODE_PREFIX = "JA1:"
# What a change may set (status, closing and the code's key move only through the services).
EDITABLE = (
    "title",
    "description",
    "category",
    "community",
    "place",
    "starts_at",
    "ends_at",
    "capacity",
    "rule",
    "signup_opens_at",
    "signup_closes_at",
    "priority_points",
)


@dataclass(frozen=True)
class CheckIn:
    attendance: Attendance
    created: bool  # False: checked in already (a repeated scan changes nothing)


@dataclass(frozen=True)
class Closed:
    activity: Activity
    earnings: list[Earning]
    already: bool  # closed before: nothing was credited now


def validate_activity(activity: Activity) -> None:
    """What every activity must satisfy, before it is saved."""
    if activity.rule.programme_id != activity.programme_id:
        raise ValueError("a rule of another programme")
    if activity.rule.kind not in ACTIVITY_RULE_KINDS:
        raise errors.InvalidRule(problem="activities use a fixed, per-hour or range rule")
    if activity.ends_at <= activity.starts_at:
        raise errors.InvalidRule(problem="an activity ends after it starts")


@transaction.atomic
def save_activity(
    *, activity: Activity, actor: User | None, organizers: Sequence[User] | None = None
) -> Activity:
    """Create or change an activity (its programme, rule and times checked); only an open
    one changes (ActivityNotOpen), and a change writes only what may change, so that it
    never undoes a close or a cancel made meanwhile."""
    validate_activity(activity)
    creating = activity.pk is None
    if creating:
        activity.created_by = actor
        activity.save()
    else:
        _require_open(Activity.objects.select_for_update().get(pk=activity.pk))
        activity.save(update_fields=EDITABLE)
    if organizers is not None:  # None keeps them; an empty list clears them
        activity.organizers.set(organizers)
    audit(
        actor=actor,
        action="activity.create" if creating else "activity.update",
        target=activity,
        programme=activity.programme,
        data={"title": activity.title},
    )
    return activity


def _require_open(activity: Activity) -> None:
    if activity.status != ActivityStatus.OPEN:
        raise errors.ActivityNotOpen()


def _require_member_may_join(activity: Activity, member: Member) -> None:
    if member.programme_id != activity.programme_id or member.status != MemberStatus.ACTIVE:
        raise errors.NotCardOfProgramme()
    if activity.community_id and member.community_id != activity.community_id:
        assert activity.community is not None
        raise errors.NotForCommunity(community=activity.community.name)
    config = crediting.config_of(crediting.current_version(activity.rule))
    groups = rules.member_groups(member)
    if not rules.eligible(config, community_id=member.community_id, groups=groups):
        raise errors.NotEligible(name=member.display_name, rule=activity.rule.name)


def sign_up(
    *,
    activity: Activity,
    member: Member,
    actor: User | None = None,
    brought_by: Member | None = None,
) -> SignUp:
    """Sign a resident up, or put them on the waitlist when the activity is full (residents
    with the activity's priority points first). Signing up twice changes nothing."""
    now = clock.now()
    with transaction.atomic():
        locked = Activity.objects.select_for_update().get(pk=activity.pk)
        _require_open(locked)
        if (locked.signup_opens_at and now < locked.signup_opens_at) or (
            (locked.signup_closes_at and now > locked.signup_closes_at) or now > locked.ends_at
        ):
            raise errors.SignUpClosed()
        _require_member_may_join(activity, member)
        existing = SignUp.objects.filter(activity=locked, member=member).first()
        if existing and existing.status != SignUpStatus.CANCELLED:
            return existing
        status = SignUpStatus.CONFIRMED if _has_room(locked) else SignUpStatus.WAITING
        priority = bool(
            locked.priority_points and summary_of(member).balance >= locked.priority_points
        ) or enjoys(member, Perk.PRIORITY_SIGNUP)
        if brought_by is not None and brought_by.programme_id != activity.programme_id:
            brought_by = None
        if existing:
            existing.status, existing.priority, existing.updated_at = status, priority, now
            existing.brought_by = brought_by
            existing.save(update_fields=["status", "priority", "updated_at", "brought_by"])
            return existing
        return SignUp.objects.create(
            activity=locked,
            member=member,
            status=status,
            priority=priority,
            brought_by=brought_by,
            created_at=now,
            updated_at=now,
        )


def _has_room(activity: Activity) -> bool:
    if activity.capacity is None:
        return True
    taken = SignUp.objects.filter(activity=activity, status=SignUpStatus.CONFIRMED).count()
    return taken < activity.capacity


def cancel_sign_up(*, activity: Activity, member: Member) -> SignUp | None:
    """Cancel a sign-up; the first on the waitlist takes the place. Returns who moved up."""
    with transaction.atomic():
        locked = Activity.objects.select_for_update().get(pk=activity.pk)
        _require_open(locked)
        mine = SignUp.objects.filter(activity=locked, member=member).first()
        if mine is None or mine.status == SignUpStatus.CANCELLED:
            return None
        was_confirmed = mine.status == SignUpStatus.CONFIRMED
        mine.status, mine.updated_at = SignUpStatus.CANCELLED, clock.now()
        mine.save(update_fields=["status", "updated_at"])
        if not was_confirmed or not _has_room(locked):
            return None
        first = SignUp.objects.filter(activity=locked, status=SignUpStatus.WAITING).first()
        if first is not None:
            first.status, first.updated_at = SignUpStatus.CONFIRMED, clock.now()
            first.save(update_fields=["status", "updated_at"])
        return first


def check_in(
    *,
    activity: Activity,
    member: Member,
    method: str,
    actor: User | None = None,
    scanned: bool = False,
) -> CheckIn:
    """Check a resident in, once: a repeated scan, or two organizers scanning one resident at
    the same moment, give one check-in. `scanned` check-ins (a card, the activity's code)
    are accepted only from an hour before the start until the end."""
    now = clock.now()
    _require_open(activity)
    if scanned and not activity.starts_at - EARLY <= now <= activity.ends_at:
        raise errors.OutsideActivity()
    _require_member_may_join(activity, member)
    found = Attendance.objects.filter(activity=activity, member=member).first()
    if found is not None:
        return CheckIn(found, False)
    try:
        with transaction.atomic():
            created = Attendance.objects.create(
                activity=activity,
                member=member,
                method=method,
                checked_in_at=now,
                checked_in_by=actor,
            )
        return CheckIn(created, True)
    except IntegrityError:  # checked in at this very moment by someone else
        return CheckIn(Attendance.objects.get(activity=activity, member=member), False)


def check_in_card(*, activity: Activity, token: str, actor: User | None) -> CheckIn:
    """The organizer scanned a member card."""
    member = member_from_card(programme_id=activity.programme_id, token=token)
    if member is None:
        raise errors.NotCardOfProgramme()
    return check_in(
        activity=activity, member=member, method=CheckInMethod.CARD, actor=actor, scanned=True
    )


def find_by_phone(programme: Programme, phone: str) -> Member:
    """The active resident with this phone number (for residents without a phone of their
    own to scan with, or without a card)."""
    member = (
        Member.objects.select_related("community", "household")
        .filter(programme=programme, phone=normalise_phone(phone), status=MemberStatus.ACTIVE)
        .first()
    )
    if member is None:
        raise errors.NoSuchResident()
    return member


def check_in_roster(*, activity: Activity, actor: User | None) -> int:
    """Mark everyone signed up (not on the waitlist) as attended; returns how many were new."""
    signed = (
        SignUp.objects.filter(activity=activity, status=SignUpStatus.CONFIRMED)
        .select_related("member__community", "member__household")
        .order_by("id")
    )
    new = 0
    for signup in signed:
        try:
            new += check_in(
                activity=activity, member=signup.member, method=CheckInMethod.ROSTER, actor=actor
            ).created
        except (errors.NotEligible, errors.NotForCommunity, errors.NotCardOfProgramme):
            continue  # left, moved, or no longer eligible: the organizer sees who is missing
    return new


def check_out(*, activity: Activity, member: Member, minutes: int | None = None) -> Attendance:
    """Check a resident out (per-hour rules count from check-in to check-out), or set the
    minutes by hand."""
    _require_open(activity)
    attendance = Attendance.objects.filter(activity=activity, member=member).first()
    if attendance is None:
        raise errors.NotSignedUp(name=member.display_name)
    if minutes is not None:
        if not 0 <= minutes <= 24 * 60:
            raise errors.MeasureRequired(measure="minutes", max=24 * 60)
        attendance.minutes = minutes
    else:
        attendance.checked_out_at = clock.now()
    attendance.save(update_fields=["minutes", "checked_out_at"])
    return attendance


def remove_check_in(*, activity: Activity, member: Member) -> None:
    """Undo a check-in made by mistake (before the activity is closed)."""
    _require_open(activity)
    Attendance.objects.filter(activity=activity, member=member).delete()


def close_activity(*, activity: Activity, actor: User | None) -> Closed:
    """Close the activity and credit every attendee, exactly once: closing it again, or twice
    at the same moment, credits nothing more."""
    with transaction.atomic():
        locked = (
            Activity.objects.select_for_update()
            .select_related("programme", "rule__programme")
            .get(pk=activity.pk)
        )
        if locked.status == ActivityStatus.CLOSED:
            return Closed(locked, list(Earning.objects.filter(activity=locked)), True)
        _require_open(locked)
        version = crediting.current_version(locked.rule)
        planned = plan_awards(locked, version)
        earnings = crediting.record_many(
            activity=locked, version=version, planned=planned, actor=actor
        )
        locked.status = ActivityStatus.CLOSED
        locked.closed_at, locked.closed_by = clock.now(), actor
        locked.save(update_fields=["status", "closed_at", "closed_by"])
        audit(
            actor=actor,
            action="activity.close",
            target=locked,
            programme=locked.programme,
            data={"attendees": len(planned), "points": sum(e.points for e in earnings)},
        )
    return Closed(locked, earnings, False)


def cancel_activity(*, activity: Activity, actor: User | None) -> Activity:
    with transaction.atomic():
        locked = Activity.objects.select_for_update().get(pk=activity.pk)
        _require_open(locked)
        locked.status = ActivityStatus.CANCELLED
        locked.save(update_fields=["status"])
        audit(actor=actor, action="activity.cancel", target=locked, programme=locked.programme)
    return locked


def plan_awards(activity: Activity, version: crediting.RuleVersion) -> list[crediting.Planned]:
    """Each attendee's points under the rule, with the bonuses that apply."""
    config = crediting.config_of(version)
    attendees = _attendees(activity)
    members = [m for m, _ in attendees]
    newcomers = [m.pk for m in members if m.is_new_resident]
    earned_before = set(
        Earning.objects.filter(member__in=newcomers).values_list("member_id", flat=True)
    )
    by_household: dict[int, list[Member]] = {}
    for m in members:
        if m.household_id:
            by_household.setdefault(m.household_id, []).append(m)
    planned = []
    for member, minutes in attendees:
        groups = rules.member_groups(member)
        if not rules.eligible(config, community_id=member.community_id, groups=groups):
            continue
        facts = rules.Facts(measures={"minutes": minutes})
        base, explanation = rules.base_points(config, facts)
        family = by_household.get(member.household_id or 0, [])
        parent_child = any(o.is_child != member.is_child for o in family if o.pk != member.pk)
        newcomer = member.is_new_resident and member.pk not in earned_before
        points, bonus = rules.with_bonuses(
            config, base, newcomer=newcomer, parent_child=parent_child
        )
        planned.append(
            crediting.Planned(
                member, points, explanation + bonus, f"activity:{activity.pk}:{member.pk}"
            )
        )
    planned += _mentor_bonuses(activity, config, {m.pk for m in members})
    return planned


def _attendees(activity: Activity) -> list[tuple[Member, int]]:
    """Each attendee, in the order they were checked in, with the minutes that count. Read
    as values and one Member each, their programme and community set from the few there
    are: thousands of attendees cost two queries and one instance each."""
    rows = list(
        Attendance.objects.filter(activity=activity)
        .order_by("id")
        .values_list("member_id", "minutes", "checked_in_at", "checked_out_at")
    )
    members = Member.objects.in_bulk([row[0] for row in rows])
    communities = Community.objects.in_bulk({m.community_id for m in members.values()})
    for member in members.values():
        _PROGRAMME.set_cached_value(member, activity.programme)
        _COMMUNITY.set_cached_value(member, communities[member.community_id])
    return [
        (members[pk], _minutes(activity, minutes, checked_in_at, checked_out_at))
        for pk, minutes, checked_in_at, checked_out_at in rows
    ]


_PROGRAMME = Member._meta.get_field("programme")
_COMMUNITY = Member._meta.get_field("community")


def _minutes(
    activity: Activity,
    minutes: int | None,
    checked_in_at: datetime,
    checked_out_at: datetime | None,
) -> int:
    """The time that counts: entered by hand, else check-in to check-out, else the
    activity's scheduled length."""
    if minutes is not None:
        return minutes
    if checked_out_at:
        return max(0, int((checked_out_at - checked_in_at).total_seconds() // 60))
    return int((activity.ends_at - activity.starts_at).total_seconds() // 60)


def _mentor_bonuses(
    activity: Activity, config: rules.RuleConfig, attended: set[int]
) -> list[crediting.Planned]:
    """A member with many points who brought one with few: both get the bonus (each pair
    once, both having attended)."""
    mentor = config.mentor
    if mentor is None:
        return []
    out = []
    pairs = SignUp.objects.filter(
        activity=activity, member_id__in=attended, brought_by_id__in=attended
    ).select_related("member", "brought_by")
    for signup in pairs:
        senior, junior = signup.brought_by, signup.member
        assert senior is not None
        if summary_of(senior).lifetime_earned < mentor.above:
            continue
        if summary_of(junior).lifetime_earned >= mentor.below:
            continue
        for who in (senior, junior):
            out.append(
                crediting.Planned(
                    who,
                    mentor.points,
                    [["mentor", mentor.points]],
                    f"mentor:{activity.pk}:{junior.pk}:{who.pk}",
                    EarningSource.BONUS,
                )
            )
    return out


def checkin_code(activity: Activity, at: datetime | None = None, *, seconds: int = 30) -> str:
    """The activity's check-in code for the current time slot: signed, renewed every
    `seconds`, accepted for one slot more (a scan at the turn of a slot still works)."""
    slot = int((at or clock.now()).timestamp()) // seconds
    return f"{CODE_PREFIX}{activity.public_id}.{slot}.{_signature(activity, slot)}"


def _signature(activity: Activity, slot: int) -> str:
    return salted_hmac(
        "jifen.activity-code",
        f"{activity.public_id}.{slot}",
        secret=f"{settings.SECRET_KEY}:{activity.checkin_secret}",
        algorithm="sha256",
    ).hexdigest()[:20]


def check_in_code(*, activity: Activity, member: Member, code: str, seconds: int = 30) -> CheckIn:
    """The resident scanned the activity's code on the organizer's screen."""
    text = code.strip()[:100]
    if not text.startswith(CODE_PREFIX):
        raise errors.CodeInvalid()
    public_id, _, rest = text.removeprefix(CODE_PREFIX).partition(".")
    slot_text, _, signature = rest.partition(".")
    if public_id != activity.public_id or not slot_text.isdigit() or len(slot_text) > 12:
        raise errors.CodeInvalid()
    slot = int(slot_text)
    if not constant_time_compare(signature, _signature(activity, slot)):
        raise errors.CodeInvalid()
    now_slot = int(clock.now().timestamp()) // seconds
    if not now_slot - 1 <= slot <= now_slot:
        raise errors.CodeExpired()
    return check_in(activity=activity, member=member, method=CheckInMethod.CODE, scanned=True)
