"""The demo's earning: it builds its three programmes with their history, and its
configuration reproduces every number of the seed documents (001 篇一, 篇三, 篇五; 004)
through the real services."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction

from jifen.accounts.models import User
from jifen.earning import errors, services
from jifen.earning.demo import COUNTY, VILLAGE
from jifen.earning.models import (
    Activity,
    ActivityStatus,
    Appeal,
    AppealStatus,
    Attendance,
    CheckInMethod,
    Claim,
    ClaimStatus,
    DeviceKey,
    Earning,
    EarningStatus,
    Rule,
    RuleVersion,
    SignUpStatus,
)
from jifen.earning.rules import Facts
from jifen.ledger.errors import CapReached
from jifen.ledger.models import Counter
from jifen.ledger.queries import summary_of
from jifen.ledger.services import bulk_award
from jifen.lib import clock
from jifen.programmes import demo
from jifen.programmes.models import Member, Programme
from jifen.programmes.services import save_community
from jifen.testing import make_activity, make_household, make_member

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(scope="module")
def _demo(django_db_setup, django_db_blocker):
    """One demo for the module, as building it takes a while: built in a transaction that
    is rolled back at the end, each test running in a savepoint within it."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        built = demo.build_demo(password="demo pass for tests")
    yield built
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)


@pytest.fixture
def xingfuli(_demo, db) -> Programme:
    return _demo.programme


@pytest.fixture
def village(xingfuli) -> Programme:
    return Programme.objects.get(slug=VILLAGE)


@pytest.fixture
def county(xingfuli) -> Programme:
    return Programme.objects.get(slug=COUNTY)


@pytest.fixture
def reviewer(xingfuli) -> User:
    return User.objects.get(username="reviewer")


def rule(programme: Programme, code: str) -> Rule:
    return Rule.objects.get(programme=programme, code=code)


def household(programme: Programme, size: int = 1, community: str = "") -> list[Member]:
    """A new household (nothing earned yet) in the community, else the programme's first."""
    places = programme.communities.order_by("id")
    place = places.get(name=community) if community else places[0]
    home = make_household(community=place)
    return [make_member(community=place, household=home) for _ in range(size)]


def tomorrow_at(hour: int, minute: int = 0) -> datetime:
    day = clock.now().astimezone(SHANGHAI).date() + timedelta(days=1)
    return datetime.combine(day, time(hour, minute), SHANGHAI)


def flagged(member: Member, **flags: bool) -> Member:
    for name, value in flags.items():
        setattr(member, name, value)
    member.save()
    return member


# The demo as built ----------------------------------------------------------------------


def test_the_demo_has_its_three_programmes(xingfuli):
    assert set(Programme.objects.values_list("slug", flat=True)) == {"xingfuli", VILLAGE, COUNTY}
    assert Rule.objects.filter(programme=xingfuli).count() == 25
    assert DeviceKey.objects.filter(programme=xingfuli, name="东区3栋智能垃圾桶").exists()


def test_six_months_of_activities_are_closed_and_a_few_are_open(xingfuli):
    activities = Activity.objects.filter(programme=xingfuli)
    closed = activities.filter(status=ActivityStatus.CLOSED)
    now = clock.now()

    assert closed.count() > 100 and closed.earliest("starts_at").starts_at < now - timedelta(
        days=170
    )
    assert not closed.filter(earnings__isnull=True).exists()  # every one credited someone
    assert activities.filter(status="open", starts_at__lte=now, ends_at__gt=now).count() == 1
    upcoming = activities.filter(status="open", starts_at__gt=now)
    assert upcoming.count() == 5
    assert upcoming.filter(signups__status=SignUpStatus.WAITING).exists()


def test_residents_checked_in_by_every_method(xingfuli):
    methods = set(
        Attendance.objects.filter(activity__programme=xingfuli).values_list("method", flat=True)
    )

    assert methods == set(CheckInMethod.values)


def test_claims_have_photos_refusals_with_reasons_appeals_and_one_overdue(xingfuli):
    claims = Claim.objects.filter(programme=xingfuli)
    appeals = Appeal.objects.filter(programme=xingfuli)

    assert claims.filter(photos__isnull=False).distinct().count() >= 20
    refused = claims.filter(status=ClaimStatus.REJECTED)
    assert refused.count() >= 10 and not refused.filter(decision_reason="").exists()
    assert claims.filter(status=ClaimStatus.SUBMITTED).count() >= 3
    assert {"upheld", "dismissed", "open"} <= set(appeals.values_list("status", flat=True))
    assert appeals.filter(status=AppealStatus.OPEN, due_at__lt=clock.now()).count() >= 1


def test_awards_are_on_notice_one_of_them_objected_to(xingfuli):
    pending = Earning.objects.filter(programme=xingfuli, notice_ends_at__gt=clock.now())

    assert pending.filter(status=EarningStatus.NOTICE).exists()
    objected = pending.get(status=EarningStatus.OBJECTED)
    assert objected.appeals.get().status == AppealStatus.OPEN


def test_the_demo_resident_has_a_history_a_claim_an_appeal_and_a_streak(xingfuli):
    me = Member.objects.get(programme=xingfuli, phone=demo.RESIDENT_PHONE)

    assert Attendance.objects.filter(member=me, activity__status="closed").count() >= 10
    assert Claim.objects.filter(member=me, status=ClaimStatus.SUBMITTED).exists()
    assert Appeal.objects.filter(member=me, kind="refused_claim", status="upheld").exists()
    assert Earning.objects.filter(
        member=me, created_at__gt=clock.now() - timedelta(hours=2)
    ).exists()
    assert services.daily_checkin(member=me).earning.points == 1 + 10  # today is the 7th day


def test_village_households_reached_both_daily_caps(village):
    cut = Earning.objects.filter(programme=village, status="posted")
    for code in ("sorting-photos", "dropoff-sorting"):
        mine = cut.filter(rule_version__rule__code=code)
        assert any(e.credited < e.points for e in mine), code
    refused = Claim.objects.filter(programme=village, decision_reason__contains="上限")
    assert refused.exists()


def test_one_or_two_villages_used_their_whole_quota(county):
    full = {
        c.scope
        for c in Counter.objects.filter(programme=county, scope__endswith=":quota")
        if c.used == c.ceiling
    }

    assert 1 <= len(full) <= 2
    assert Earning.objects.filter(programme=county, status=EarningStatus.NOTICE).count() > 20


# 004's table ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "minutes", "points"),
    [
        ("patrol", 120, 10),
        ("night-patrol", 120, 20),
        ("late-night-patrol", 120, 30),
        ("sorting-guidance", 0, 5),
        ("sorting-guidance-hourly", 60, 10),
        ("clean-up", 120, 20),
        ("free-clinic", 0, 50),
        ("tutoring", 60, 30),
        ("show", 0, 20),
        ("reading-club", 0, 40),
        ("organize-activity", 0, 50),
        ("litter-report", 0, 10),
        ("suspicious-lead", 0, 20),
        ("safety-lecture", 0, 50),
        ("elderly-company", 60, 15),
        ("elderly-shopping", 0, 10),
        ("elderly-service", 0, 30),
        ("culture", 0, 10),
        ("venue-materials", 0, 20),
        ("creative-work", 0, 30),
        ("green-belt", 0, 50),
        ("smart-bin", 0, 5),
    ],
)
def test_each_rule_of_the_004_table_gives_its_points(xingfuli, code, minutes, points):
    found = rule(xingfuli, code)
    config = RuleVersion.objects.get(rule=found, number=found.version).config
    facts = Facts(measures={"minutes": minutes})

    assert services.preview(rule=found, config=config, facts=facts).points == points


def test_the_reports_count_only_after_verification(xingfuli):
    for code in ("litter-report", "suspicious-lead", "green-belt", "suggestion"):
        found = rule(xingfuli, code)
        assert found.allows_claims and found.requires_review, code


# 001 篇一: criteria 1 or 2 → 1, both → 2, 1 + 2 + 3 → 4, a shared photo → +1; 5 a day --------


@pytest.mark.parametrize(
    ("met", "points"),
    [
        (["c1"], 1),
        (["c2"], 1),
        (["c1", "c2"], 2),
        (["c1", "c2", "c3"], 4),
        (["c1", "c2", "c3", "photo"], 5),
        (["c1", "photo"], 2),
    ],
)
def test_pian_yi_criteria_give_their_points(village, reviewer, met, points):
    (member,) = household(village)

    claim = services.submit_claim(
        member=member, rule=rule(village, "sorting-photos"), actor=reviewer, criteria=met
    )

    assert claim.proposed == points


def test_pian_yi_a_household_gets_at_most_5_a_day(village, reviewer):
    parent, child = household(village, 2)
    photos = rule(village, "sorting-photos")

    def approved(member, met):
        claim = services.submit_claim(member=member, rule=photos, actor=None, criteria=met)
        return services.approve_claim(claim=claim, actor=reviewer).earning

    with time_machine.travel(tomorrow_at(10), tick=False):
        assert approved(parent, ["c1", "c2", "c3"]).credited == 4
        cut = approved(child, ["c1", "c2"])  # the household's 5th point, not its 6th
        assert (cut.points, cut.credited) == (2, 1)
        with pytest.raises(CapReached):
            approved(parent, ["c1"])


# 001 篇五: accuracy ≥ 60/70/80 % → 1/2/3, re-sorted with a volunteer → 2; 2 a day; windows ---


def weigh(village: Programme, member: Member, accuracy: int, key: str):
    station = DeviceKey.objects.get(programme=village)
    return services.post_event(
        device=station,
        key=key,
        member=member,
        rule=rule(village, "dropoff-sorting"),
        measures={"accuracy": accuracy},
    )


@pytest.mark.parametrize(("accuracy", "points"), [(59, 0), (60, 1), (70, 2), (85, 3)])
def test_pian_wu_accuracy_bands(village, accuracy, points):
    (member,) = household(village)

    with time_machine.travel(tomorrow_at(7, 30), tick=False):
        result = weigh(village, member, accuracy, f"test-{accuracy}")

    assert (result.outcome.earning.points if result.outcome else 0) == points


def test_pian_wu_resorting_with_a_volunteer_gives_2(village, reviewer):
    (member,) = household(village)

    with time_machine.travel(tomorrow_at(19), tick=False):
        claim = services.submit_claim(
            member=member,
            rule=rule(village, "dropoff-sorting"),
            actor=reviewer,
            criteria=["resorted"],
        )

    assert claim.proposed == 2


def test_pian_wu_a_household_gets_at_most_2_a_day(village):
    (member,) = household(village)

    with time_machine.travel(tomorrow_at(7, 30), tick=False):
        first = weigh(village, member, 85, "test-am")
    with time_machine.travel(tomorrow_at(19), tick=False), pytest.raises(CapReached):
        weigh(village, member, 70, "test-pm")

    assert (first.outcome.earning.points, first.outcome.earning.credited) == (3, 2)


@pytest.mark.parametrize(
    ("hour", "minute", "accepted"),
    [(6, 59, False), (7, 30, True), (9, 30, False), (18, 30, True), (20, 30, False)],
)
def test_pian_wu_only_in_the_drop_off_windows_shanghai_time(village, hour, minute, accepted):
    (member,) = household(village)

    with time_machine.travel(tomorrow_at(hour, minute), tick=False):
        if accepted:
            assert weigh(village, member, 75, "test-window").outcome.earning.points == 2
        else:
            with pytest.raises(errors.OutsideWindow):
                weigh(village, member, 75, "test-window")


# 004: suggestions 20–100, new residents ×2, parent and child ×2, the 7-day streak, mentors --


def test_an_accepted_suggestion_is_worth_20_to_100_after_3_days_on_notice(xingfuli, reviewer):
    member, other = household(xingfuli, 2)
    suggestion = rule(xingfuli, "suggestion")
    claims = [services.submit_claim(member=m, rule=suggestion, actor=None) for m in (member, other)]

    outcome = services.approve_claim(claim=claims[0], actor=reviewer, points=80)
    with pytest.raises(errors.InvalidRule):
        services.approve_claim(claim=claims[1], actor=reviewer, points=101)

    assert (outcome.earning.points, outcome.on_notice) == (80, True)
    assert outcome.earning.notice_ends_at == outcome.earning.created_at + timedelta(days=3)


def close(activity: Activity, members: list[Member]) -> dict[int, int]:
    for m in members:
        services.check_in(activity=activity, member=m, method=CheckInMethod.NAME)
    closed = services.close_activity(activity=activity, actor=None)
    return {e.member_id: e.points for e in closed.earnings}


def test_a_new_residents_first_patrol_counts_double(xingfuli):
    newcomer, neighbour = household(xingfuli) + household(xingfuli)
    flagged(newcomer, is_new_resident=True)
    patrol = rule(xingfuli, "patrol")

    first = close(make_activity(rule=patrol), [newcomer, neighbour])
    again = close(make_activity(rule=patrol), [newcomer])

    assert first == {newcomer.pk: 20, neighbour.pk: 10} and again == {newcomer.pk: 10}


def test_a_parent_and_child_together_count_double_at_a_clean_up(xingfuli):
    parent, child = household(xingfuli, 2)
    flagged(child, is_child=True)
    (alone,) = household(xingfuli)

    earned = close(make_activity(rule=rule(xingfuli, "clean-up"), hours=2), [parent, child, alone])

    assert earned == {parent.pk: 40, child.pk: 40, alone.pk: 20}  # 20 per 2 hours


def test_seven_days_in_a_row_add_10(xingfuli):
    (member,) = household(xingfuli)
    points = []
    with time_machine.travel(tomorrow_at(8), tick=False) as traveller:
        for _ in range(8):
            points.append(services.daily_checkin(member=member).earning.points)
            traveller.shift(timedelta(days=1))

    assert points == [1, 1, 1, 1, 1, 1, 11, 1]


def test_a_resident_with_many_points_who_brings_one_with_few_both_get_5(xingfuli):
    (newcomer,) = household(xingfuli)
    seniors = Member.objects.filter(programme=xingfuli, status="active").order_by("id")
    senior = next(m for m in seniors if summary_of(m).lifetime_earned >= 300)
    activity = make_activity(rule=rule(xingfuli, "culture"))
    services.sign_up(activity=activity, member=senior)
    services.sign_up(activity=activity, member=newcomer, brought_by=senior)

    close(activity, [senior, newcomer])
    bonus = Earning.objects.filter(activity=activity, source="bonus")

    assert sorted(bonus.values_list("member_id", "points")) == sorted(
        [(senior.pk, 5), (newcomer.pk, 5)]
    )


def test_only_elderly_residents_earn_at_an_elderly_activity(xingfuli):
    elder, young = household(xingfuli, 2)
    flagged(elder, is_elderly=True)
    activity = make_activity(rule=rule(xingfuli, "elderly-activity"))

    assert services.sign_up(activity=activity, member=elder).status == SignUpStatus.CONFIRMED
    with pytest.raises(errors.NotEligible):
        services.sign_up(activity=activity, member=young)


# 001 篇三: a village's monthly quota by population; 20 a month per household ----------------


def next_month_start() -> datetime:
    today = clock.now().astimezone(SHANGHAI).date()
    first = (today.replace(day=1) + timedelta(days=62)).replace(day=1)
    return datetime.combine(first, time(10), SHANGHAI)


@pytest.mark.parametrize(
    ("population", "quota"),
    [
        (3000, 250),
        (3001, 500),
        (6000, 500),
        (6001, 750),
        (9000, 750),
        (9001, 1000),
        (12000, 1000),
        (12001, 1500),
    ],
)
def test_a_village_awards_at_most_its_quota_in_a_month(county, population, quota):
    village = county.communities.get(name="城关社区")
    save_community(
        actor=None, programme=county, name=village.name, population=population, community=village
    )
    homes = [household(county, community=village.name)[0] for _ in range(quota // 20 + 1)]

    with time_machine.travel(next_month_start(), tick=False):
        results = bulk_award(programme=county, awards=[(m, 20) for m in homes], reason="爱心行为")

    assert sum(r.awarded for r in results) == quota


def test_a_county_household_gets_at_most_20_a_month_after_the_public_notice(county, reviewer):
    head, spouse = household(county, 2, community="城关社区")
    start = next_month_start()
    with time_machine.travel(start, tick=False):
        for member, points in ((head, 15), (spouse, 10)):
            claim = services.submit_claim(
                member=member, rule=rule(county, "caring-conduct"), actor=None
            )
            services.approve_claim(claim=claim, actor=reviewer, points=points)
    with time_machine.travel(start + timedelta(days=7, minutes=1), tick=False):
        services.post_due_notices(programme=county)

    credited = Earning.objects.filter(member__in=[head, spouse]).order_by("id")
    assert list(credited.values_list("points", "credited")) == [(15, 15), (10, 5)]
