"""Claims, public notice, objections, appeals, the daily check-in and devices, through the
services: each credits through the ledger once, and a refusal writes nothing."""

import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from PIL import Image

from jifen.earning import errors, services
from jifen.earning.appeals import settings_of, working_days_later
from jifen.earning.models import (
    AppealStatus,
    Claim,
    ClaimStatus,
    DeviceEvent,
    Earning,
    EarningStatus,
)
from jifen.idempotency.services import IdempotencyConflict
from jifen.ledger.errors import CapReached
from jifen.ledger.models import Transaction
from jifen.ledger.queries import summary_of
from jifen.lib import clock
from jifen.lib.images import clean_photo
from jifen.programmes.models import RoleKind
from jifen.testing import (
    make_activity,
    make_household,
    make_member,
    make_resident_user,
    make_rule,
    make_staff,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
SORTING = {
    "criteria": [{"code": "resorted", "label": "二次分拣"}],
    "combos": [{"requires": ["resorted"], "points": 2}],
    "bands": {"measure": "accuracy", "steps": [[60, 1], [70, 2], [80, 3]]},
    "windows": [["07:00", "09:00"], ["18:30", "20:30"]],
    "caps": [{"scope": "household", "period": "day", "limit": 2}],
}


@pytest.fixture
def reviewer(programme):
    return make_staff(programme=programme, kind=RoleKind.REVIEWER, username="reviewer")


@pytest.fixture
def suggestion(programme):
    return make_rule(
        programme=programme,
        code="suggestion",
        name="合理化建议",
        kind="range",
        config={"min": 20, "max": 100},
        allows_claims=True,
        requires_review=True,
        notice_days=3,
    )


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "green").save(out, "JPEG")
    return out.getvalue()


def test_a_suggestion_is_approved_within_the_range_and_counts_after_notice(
    suggestion, member, reviewer
):
    claim = services.submit_claim(
        member=member,
        rule=suggestion,
        actor=None,
        description="楼道加装扶手",
        photos=[clean_photo(jpeg())],
    )
    assert claim.photos.count() == 1
    with pytest.raises(errors.InvalidRule):
        services.approve_claim(claim=claim, actor=reviewer, points=101)
    outcome = services.approve_claim(claim=claim, actor=reviewer, points=80)
    assert outcome.on_notice and summary_of(member).balance == 0
    with pytest.raises(errors.ClaimDecided):
        services.approve_claim(claim=claim, actor=reviewer, points=80)

    assert services.post_due_notices(programme=member.programme) == 0
    with time_machine.travel(clock.now() + timedelta(days=3, minutes=1)):
        assert services.post_due_notices(programme=member.programme) == 1
        assert services.post_due_notices(programme=member.programme) == 0
    earning = Earning.objects.get(claim=claim)
    assert earning.status == EarningStatus.POSTED and earning.credited == 80
    assert summary_of(member).balance == 80
    assert earning.transaction.reference.startswith("suggestion@v1 claim:")


def test_an_objection_keeps_the_award_pending_until_the_appeal_is_answered(
    suggestion, member, community, reviewer
):
    claim = services.submit_claim(member=member, rule=suggestion, actor=None)
    earning = services.approve_claim(claim=claim, actor=reviewer, points=50).earning
    neighbour = make_member(community=community)
    appeal = services.object_to(earning=earning, member=neighbour, reason="没有这回事")
    with time_machine.travel(clock.now() + timedelta(days=4)):
        assert services.post_due_notices(programme=member.programme) == 0
        services.answer_appeal(appeal=appeal, actor=reviewer, uphold=False, answer="经核实属实")
    earning.refresh_from_db()
    assert earning.status == EarningStatus.POSTED and summary_of(member).balance == 50


def test_an_upheld_objection_cancels_the_award(suggestion, member, community, reviewer):
    claim = services.submit_claim(member=member, rule=suggestion, actor=None)
    earning = services.approve_claim(claim=claim, actor=reviewer, points=50).earning
    appeal = services.object_to(
        earning=earning, member=make_member(community=community), reason="重复申报"
    )
    answered = services.answer_appeal(appeal=appeal, actor=reviewer, uphold=True, answer="属实")
    earning.refresh_from_db()
    assert answered.status == AppealStatus.UPHELD and earning.status == EarningStatus.CANCELLED
    with time_machine.travel(clock.now() + timedelta(days=4)):
        services.post_due_notices(programme=member.programme)
    assert summary_of(member).balance == 0


def test_nobody_decides_a_claim_of_their_own_household(suggestion, community, programme):
    home = make_household(community=community)
    claimant = make_member(community=community, household=home)
    relative = make_member(community=community, household=home)
    user = make_resident_user(member=relative)
    make_staff(programme=programme, kind=RoleKind.REVIEWER)  # someone else could
    from jifen.programmes.models import Role

    Role.objects.create(user=user, programme=programme, kind=RoleKind.REVIEWER)
    claim = services.submit_claim(member=claimant, rule=suggestion, actor=None)
    with pytest.raises(errors.OwnClaim):
        services.approve_claim(claim=claim, actor=user, points=30)
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.SUBMITTED


def test_a_claim_on_a_rule_that_allows_none_writes_nothing(programme, member):
    patrol = make_rule(programme=programme, name="巡逻")
    with pytest.raises(errors.ClaimsNotAllowed):
        services.submit_claim(member=member, rule=patrol, actor=None)
    assert not Claim.objects.exists()


def test_a_refused_claim_is_appealed_and_credited_when_upheld(suggestion, member, reviewer):
    claim = services.submit_claim(member=member, rule=suggestion, actor=None)
    services.reject_claim(claim=claim, actor=reviewer, reason="不具体")
    appeal = services.appeal_refused_claim(claim=claim, member=member, reason="已补充方案")
    assert appeal.due_at > clock.now()
    answered = services.answer_appeal(
        appeal=appeal, actor=reviewer, uphold=True, answer="采纳", points=60
    )
    assert answered.correction is not None and summary_of(member).balance == 60


def test_appeals_close_after_the_window(suggestion, member, reviewer):
    claim = services.submit_claim(member=member, rule=suggestion, actor=None)
    services.reject_claim(claim=claim, actor=reviewer, reason="不具体")
    with time_machine.travel(clock.now() + timedelta(days=3, hours=1)):
        with pytest.raises(errors.AppealTooLate):
            services.appeal_refused_claim(claim=claim, member=member, reason="迟到的申诉")


def test_an_award_appealed_for_more_gets_the_difference(programme, community, member, reviewer):
    patrol = make_rule(programme=programme, name="巡逻", config={"points": 10})
    activity = make_activity(rule=patrol)
    services.check_in(activity=activity, member=member, method="name")
    (earning,) = services.close_activity(activity=activity, actor=None).earnings
    appeal = services.appeal_award(earning=earning, member=member, reason="夜间巡逻应为20分")
    services.answer_appeal(appeal=appeal, actor=reviewer, uphold=True, answer="更正", points=20)
    assert summary_of(member).balance == 20


def test_an_award_appealed_for_less_is_reversed_and_redone(programme, member, reviewer):
    patrol = make_rule(programme=programme, name="巡逻", config={"points": 30})
    activity = make_activity(rule=patrol)
    services.check_in(activity=activity, member=member, method="name")
    (earning,) = services.close_activity(activity=activity, actor=None).earnings
    appeal = services.appeal_award(earning=earning, member=member, reason="记错了")
    answered = services.answer_appeal(
        appeal=appeal, actor=reviewer, uphold=True, answer="更正", points=10
    )
    assert answered.correction.kind == "reverse" and summary_of(member).balance == 10


def test_missing_award_for_an_attendee_not_credited(programme, member, reviewer):
    patrol = make_rule(programme=programme, name="巡逻", config={"points": 10})
    activity = make_activity(rule=patrol)
    services.sign_up(activity=activity, member=member)
    services.close_activity(activity=activity, actor=None)  # nobody checked in
    appeal = services.appeal_missing(activity=activity, member=member, reason="我参加了")
    services.answer_appeal(appeal=appeal, actor=reviewer, uphold=True, answer="补录")
    assert summary_of(member).balance == 10
    with pytest.raises(errors.AppealNotAllowed):  # credited now: nothing is missing
        services.appeal_missing(activity=activity, member=member, reason="再来一次")


def test_answers_are_due_in_working_days(programme):
    settings = settings_of(programme)
    friday = datetime(2026, 12, 4, 10, 0, tzinfo=SHANGHAI)
    due = working_days_later(friday, 3, settings, "Asia/Shanghai")
    assert due.date().isoformat() == "2026-12-09"  # Mon, Tue, Wed
    settings.holidays = ["2026-12-08"]
    assert working_days_later(friday, 3, settings, "Asia/Shanghai").day == 10


def test_daily_check_in_once_a_day_with_a_streak(programme, member):
    make_rule(
        programme=programme,
        kind="checkin",
        name="每日签到",
        config={"points": 1, "streak_days": 7, "streak_bonus": 10},
    )
    start = datetime(2026, 11, 1, 9, 0, tzinfo=SHANGHAI)
    for day in range(7):
        with time_machine.travel(start + timedelta(days=day)):
            services.daily_checkin(member=member)
            if day == 0:
                with pytest.raises(errors.AlreadyCheckedInToday):
                    services.daily_checkin(member=member)
    assert summary_of(member).balance == 7 + 10


def test_a_device_event_is_credited_once_per_key_within_the_caps(programme, community):
    home = make_household(community=community)
    first, second = (make_member(community=community, household=home) for _ in range(2))
    rule = make_rule(
        programme=programme, kind="criteria", name="智能垃圾桶", config=SORTING, allows_devices=True
    )
    device = services.create_device_key(
        programme=programme, name="1号桶", rules=[rule], actor=None
    ).device
    morning = datetime(2026, 12, 3, 7, 30, tzinfo=SHANGHAI)
    with time_machine.travel(morning):
        one = services.post_event(
            device=device, key="e1", member=first, rule=rule, measures={"accuracy": 75}
        )
        again = services.post_event(
            device=device, key="e1", member=first, rule=rule, measures={"accuracy": 75}
        )
        assert again.replayed and again.event.pk == one.event.pk
        with pytest.raises(IdempotencyConflict):
            services.post_event(
                device=device, key="e1", member=first, rule=rule, measures={"accuracy": 90}
            )
        with pytest.raises(CapReached):  # the household's 2 a day are used
            services.post_event(
                device=device, key="e2", member=second, rule=rule, measures={"accuracy": 90}
            )
    assert DeviceEvent.objects.count() == 1
    assert Transaction.objects.filter(kind="award").count() == 1
    with time_machine.travel(morning.replace(hour=9, minute=30)):
        with pytest.raises(errors.OutsideWindow):
            services.post_event(
                device=device, key="e3", member=second, rule=rule, measures={"accuracy": 90}
            )
    services.revoke_device_key(device=device, actor=None)
    with pytest.raises(errors.DeviceKeyRevoked):
        services.post_event(
            device=device, key="e4", member=second, rule=rule, measures={"accuracy": 90}
        )


def test_one_member_objects_once_and_an_upheld_objection_refuses_the_claim(
    suggestion, member, community, reviewer
):
    claim = services.submit_claim(member=member, rule=suggestion, actor=None)
    earning = services.approve_claim(claim=claim, actor=reviewer, points=50).earning
    neighbour = make_member(community=community)
    appeal = services.object_to(earning=earning, member=neighbour, reason="重复申报")
    with pytest.raises(errors.AppealOpenAlready):
        services.object_to(earning=earning, member=neighbour, reason="再说一次")
    services.object_to(earning=earning, member=make_member(community=community), reason="同上")
    services.answer_appeal(appeal=appeal, actor=reviewer, uphold=True, answer="与上月重复")
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.REJECTED and "与上月重复" in claim.decision_reason
    assert services.appeal_refused_claim(claim=claim, member=member, reason="并不重复")


def test_a_missing_award_on_a_range_rule_stays_within_the_range(programme, member, reviewer):
    lecture = make_rule(programme=programme, kind="range", config={"min": 20, "max": 50})
    activity = make_activity(rule=lecture)
    services.sign_up(activity=activity, member=member)
    services.close_activity(activity=activity, actor=None)
    appeal = services.appeal_missing(activity=activity, member=member, reason="我参加了")
    with pytest.raises(errors.InvalidRule):
        services.answer_appeal(appeal=appeal, actor=reviewer, uphold=True, answer="补录", points=80)
    assert summary_of(member).balance == 0
