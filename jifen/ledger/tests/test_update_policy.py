"""Changing the ledger policy: what is saved is what awards then obey; every change is one
audit entry saying what changed; settings no programme could mean are refused, changing
nothing."""

from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest

from jifen.audit.models import AuditEntry
from jifen.ledger import errors
from jifen.ledger.models import LedgerPolicy
from jifen.ledger.queries import award_ceiling, policy_settings
from jifen.ledger.services import Cap, PolicySettings, QuotaTier, award_points, update_policy
from jifen.programmes.models import Programme
from jifen.testing import make_household, make_member

DAY_50 = PolicySettings(caps=(Cap("member", "day", 50),))


def _saved(programme: Programme) -> tuple:
    policy = LedgerPolicy.objects.filter(programme=programme).values().first()
    value = Programme.objects.get(pk=programme.pk).point_value
    return policy, value, AuditEntry.objects.filter(action="policy.update").count()


def test_a_new_programme_reads_the_defaults_with_the_county_quota_table(programme):
    settings = policy_settings(programme)
    assert settings == PolicySettings()
    assert settings.quota_tiers[0] == QuotaTier(3000, 250)
    assert settings.quota_tiers[-1] == QuotaTier(None, 1500)
    assert award_ceiling(programme) is None


def test_an_award_is_held_to_the_cap_once_it_is_saved(admin, programme, member):
    update_policy(actor=admin, programme=programme, settings=DAY_50)
    assert award_points(member=member, amount=80, reason="义诊").awarded == 50
    assert award_ceiling(programme) == 50


def test_refuse_mode_refuses_an_award_over_the_cap(admin, programme, member):
    update_policy(actor=admin, programme=programme, settings=replace(DAY_50, when_capped="refuse"))
    with pytest.raises(errors.CapReached):
        award_points(member=member, amount=80, reason="义诊")


def test_a_household_cap_counts_every_member_of_the_household(admin, programme, community):
    household = make_household(community=community)
    first, second = (make_member(community=community, household=household) for _ in range(2))
    caps = (Cap("household", "week", 30),)
    update_policy(actor=admin, programme=programme, settings=PolicySettings(caps=caps))
    award_points(member=first, amount=20, reason="a")
    assert award_points(member=second, amount=20, reason="b").awarded == 10


def test_a_cap_lowered_mid_period_holds_the_rest_of_the_period(admin, programme, member):
    update_policy(actor=admin, programme=programme, settings=DAY_50)
    award_points(member=member, amount=40, reason="a")
    lowered = PolicySettings(caps=(Cap("member", "day", 30),))
    update_policy(actor=admin, programme=programme, settings=lowered)
    with pytest.raises(errors.CapReached):
        award_points(member=member, amount=5, reason="b")


def test_the_saved_quota_table_decides_a_communitys_quota(admin, programme, member):
    tiers = (QuotaTier(1000, 30), QuotaTier(None, 60))  # the community has 2,500 people
    settings = PolicySettings(quotas_enabled=True, quota_tiers=tiers)
    update_policy(actor=admin, programme=programme, settings=settings)
    assert award_points(member=member, amount=100, reason="a").awarded == 60


def test_one_audit_entry_says_what_changed_from_and_to(admin, programme):
    settings = replace(DAY_50, point_value=Decimal("0.50"), rolling_months=6)
    update_policy(actor=admin, programme=programme, settings=settings)
    entry = AuditEntry.objects.get(action="policy.update")
    assert (entry.actor, entry.programme) == (admin, programme)
    assert entry.data["changes"] == {
        "caps": {"from": [], "to": [{"scope": "member", "period": "day", "limit": 50}]},
        "rolling_months": {"from": 12, "to": 6},
        "point_value": {"from": "1.00", "to": "0.50"},
    }
    assert Programme.objects.get(pk=programme.pk).point_value == Decimal("0.50")


def test_saving_the_same_settings_again_records_nothing(admin, programme):
    update_policy(actor=admin, programme=programme, settings=DAY_50)
    update_policy(actor=admin, programme=programme, settings=DAY_50)
    assert AuditEntry.objects.filter(action="policy.update").count() == 1


def _with(**changes: Any) -> PolicySettings:  # also values of the wrong type, to be refused
    return replace(PolicySettings(), **changes)


@pytest.mark.parametrize(
    ("settings", "error"),
    [
        (_with(caps=(Cap("member", "day", 0),)), errors.CapInvalid),
        (_with(caps=(Cap("member", "day", -5),)), errors.CapInvalid),
        (_with(caps=(Cap("member", "day", 10**9),)), errors.CapInvalid),
        (_with(caps=(Cap("member", "day", True),)), errors.CapInvalid),
        (_with(caps=(Cap("family", "day", 5),)), errors.CapInvalid),
        (_with(caps=(Cap("member", "hour", 5),)), errors.CapInvalid),
        (_with(caps=(Cap("member", "day", 5), Cap("member", "day", 9))), errors.CapRepeated),
        (
            _with(quota_tiers=(QuotaTier(6000, 500), QuotaTier(3000, 250), QuotaTier(None, 1))),
            errors.QuotaTiersInvalid,
        ),
        (_with(quota_tiers=(QuotaTier(None, 500), QuotaTier(None, 250))), errors.QuotaTiersInvalid),
        (_with(quota_tiers=(QuotaTier(3000, 250),)), errors.QuotaTiersInvalid),
        (_with(quota_tiers=(QuotaTier(3000, 0), QuotaTier(None, 9))), errors.QuotaTiersInvalid),
        (_with(quota_tiers=()), errors.QuotaTiersInvalid),
        (
            _with(quota_tiers=tuple(QuotaTier(n, 1) for n in range(1, 11)) + (QuotaTier(None, 1),)),
            errors.QuotaTiersInvalid,
        ),
        (_with(rolling_months=0), errors.RollingMonthsInvalid),
        (_with(rolling_months=121), errors.RollingMonthsInvalid),
        (_with(point_value=Decimal("-1")), errors.PointValueInvalid),
        (_with(point_value=Decimal("0.001")), errors.PointValueInvalid),
        (_with(point_value=Decimal("10001")), errors.PointValueInvalid),
        (_with(point_value=Decimal("NaN")), errors.PointValueInvalid),
        (_with(when_capped="ignore"), errors.PolicyChoiceInvalid),
        (_with(expiry_mode="sometimes"), errors.PolicyChoiceInvalid),
        (_with(quotas_enabled=1), errors.PolicyChoiceInvalid),
    ],
)
def test_settings_no_programme_could_mean_are_refused_and_change_nothing(
    admin, programme, settings, error
):
    update_policy(actor=admin, programme=programme, settings=DAY_50)
    before = _saved(programme)
    with pytest.raises(error):
        update_policy(actor=admin, programme=programme, settings=settings)
    assert _saved(programme) == before
