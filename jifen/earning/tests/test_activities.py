"""Activities: sign-up and waitlist, check-in once, closing credits once."""

from datetime import timedelta

import pytest

from jifen.earning import errors, services
from jifen.earning.models import ActivityStatus, EarningStatus, SignUpStatus
from jifen.ledger.queries import summary_of
from jifen.lib import clock
from jifen.programmes.cardtokens import card_token
from jifen.testing import make_activity, make_household, make_member, make_rule, text_of


@pytest.fixture
def patrol(programme):
    return make_rule(programme=programme, code="patrol", name="巡逻", config={"points": 10})


def test_closing_credits_every_attendee_once(patrol, community, member, admin):
    activity = make_activity(rule=patrol, community=community)
    other = make_member(community=community)
    services.check_in_card(activity=activity, token=card_token(member), actor=admin)
    again = services.check_in_card(activity=activity, token=card_token(member), actor=admin)
    services.check_in(activity=activity, member=other, method="phone", actor=admin)
    assert again.created is False

    closed = services.close_activity(activity=activity, actor=admin)
    twice = services.close_activity(activity=activity, actor=admin)

    assert closed.activity.status == ActivityStatus.CLOSED
    assert sorted(e.points for e in closed.earnings) == [10, 10]
    assert twice.already and summary_of(member).balance == 10
    earning = closed.earnings[0]
    assert earning.status == EarningStatus.POSTED
    assert earning.transaction.reference.startswith("patrol@v1 activity:")


def test_waitlist_promotes_when_a_place_frees(patrol, community):
    activity = make_activity(rule=patrol, community=community, capacity=1)
    first, second = make_member(community=community), make_member(community=community)
    assert services.sign_up(activity=activity, member=first).status == SignUpStatus.CONFIRMED
    assert services.sign_up(activity=activity, member=second).status == SignUpStatus.WAITING
    promoted = services.cancel_sign_up(activity=activity, member=first)
    assert promoted.member == second and promoted.status == SignUpStatus.CONFIRMED


def test_a_scan_outside_the_activity_is_refused(patrol, community, member, admin):
    activity = make_activity(rule=patrol, starts_at=clock.now() + timedelta(hours=3))
    with pytest.raises(errors.OutsideActivity):
        services.check_in_card(activity=activity, token=card_token(member), actor=admin)


def test_rotating_code_expires(patrol, community, member):
    activity = make_activity(rule=patrol)
    old = services.checkin_code(activity, clock.now() - timedelta(seconds=90))
    with pytest.raises(errors.CodeExpired):
        services.check_in_code(activity=activity, member=member, code=old)
    with pytest.raises(errors.CodeInvalid):
        services.check_in_code(activity=activity, member=member, code=old[:-2] + "xx")
    fresh = services.checkin_code(activity)
    assert services.check_in_code(activity=activity, member=member, code=fresh).created


def test_hourly_rule_and_parent_child_doubling(programme, community, admin):
    tutoring = make_rule(
        programme=programme,
        kind="hourly",
        config={"points": 30, "unit_minutes": 60, "parent_child_multiplier": 2},
    )
    home = make_household(community=community)
    parent = make_member(community=community, household=home)
    child = make_member(community=community, household=home)
    child.is_child = True
    child.save()
    alone = make_member(community=community)
    activity = make_activity(rule=tutoring, hours=2)
    for m in (parent, child, alone):
        services.check_in(activity=activity, member=m, method="name", actor=admin)
    earned = {
        e.member_id: e.points
        for e in services.close_activity(activity=activity, actor=admin).earnings
    }
    assert earned == {parent.pk: 120, child.pk: 120, alone.pk: 60}


def test_the_history_names_the_rule_and_its_version(client, patrol, member, resident):
    from django.urls import reverse

    from jifen.earning.rulebook import update_rule

    update_rule(rule=patrol, actor=None, config={"points": 12})
    activity = make_activity(rule=patrol)
    services.check_in(activity=activity, member=member, method="name")
    services.close_activity(activity=activity, actor=None)
    client.force_login(resident)
    page = client.get(reverse("resident-points", args=[member.programme.slug])).content.decode()
    history = text_of(page, "history") or ""
    assert "巡逻" in history and "规则第2版" in history, history
