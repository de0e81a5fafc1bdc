"""The ledger world of the insights tests (worked out in test_kpis.py's docstring)."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine

from jifen.ledger import services
from jifen.programmes.access import access_programme
from jifen.programmes.models import Member, Programme, RoleKind
from jifen.testing import make_member, make_staff

TODAY = "2026-06-15 12:00 +0800"


def _joined(member: Member, day: date) -> Member:
    Member.objects.filter(pk=member.pk).update(joined_on=day)
    member.refresh_from_db()
    return member


@pytest.fixture
def world(programme, community, other_community):
    Programme.objects.filter(pk=programme.pk).update(point_value=Decimal("0.50"))
    a = _joined(make_member(community=community, name="A"), date(2025, 1, 10))
    b = _joined(make_member(community=community, name="B"), date(2025, 1, 10))
    c = _joined(make_member(community=community, name="C"), date(2026, 3, 5))
    d = _joined(make_member(community=other_community, name="D"), date(2026, 5, 20))
    with time_machine.travel("2025-03-10 10:00 +0800", tick=False):
        services.award_points(member=a, amount=100, reason="t")
        services.award_points(member=b, amount=50, reason="t")
    with time_machine.travel("2026-01-02 10:00 +0800", tick=False):
        services.expire_lots(programme=programme)
    with time_machine.travel("2026-05-10 10:00 +0800", tick=False):
        services.award_points(member=a, amount=300, reason="t")
        services.award_points(member=c, amount=100, reason="t")
    with time_machine.travel("2026-06-05 10:00 +0800", tick=False):
        services.award_points(member=a, amount=200, reason="t")
        services.award_points(member=d, amount=500, reason="t")
        services.donate_points(member=a, amount=40)
        services.settle_hold(hold=services.hold_points(member=a, amount=60, reference="r"))
    with time_machine.travel(TODAY, tick=False):
        yield {"a": a, "b": b, "c": c, "d": d}


@pytest.fixture
def everyone(world, admin):
    return access_programme(admin, "xingfuli", "view_insights")


@pytest.fixture
def east(world, programme, community):
    reviewer = make_staff(programme=programme, kind=RoleKind.REVIEWER, community=community)
    return access_programme(reviewer, "xingfuli", "view_insights")
