"""The ledger's KPIs on a small programme worked out by hand.

The world (东区 east, 西区 west; point value 0.50; today 2026-06-15, Asia/Shanghai):
  A, B east, joined 2025-01-10; C east, joined 2026-03-05; D west, joined 2026-05-20.
  2025-03-10  A +100, B +50
  2026-01-02  the year-end expiry takes A's 100 and B's 50      → expired 150 in 2026-01
  2026-05-10  A +300, C +100                                     → issued 400 in 2026-05
  2026-06-05  A +200, D +500; A donates 40; A redeems 60        → issued 700, donated 40,
                                                                   redeemed 60 in 2026-06
Balances now: A 100−100+300+200−40−60 = 400, B 0, C 100, D 500."""

from decimal import Decimal

import pytest

from jifen.insights import kpis
from jifen.insights.kpis import BucketRow, FlowMonth, GrowthMonth, LiabilityRow, PeopleMonth
from jifen.ledger.queries import summary_of
from jifen.programmes.access import access_programme
from jifen.programmes.models import RoleKind
from jifen.testing import make_staff


def _month(rows, month):
    return next(row for row in rows if row.month == month)


def test_balances_are_as_worked_out(world):
    balances = {k: summary_of(m).balance for k, m in world.items()}
    assert balances == {"a": 400, "b": 0, "c": 100, "d": 500}


def test_points_issued_redeemed_expired_and_donated_per_month(everyone):
    rows = kpis.flows(everyone)
    assert [r.month for r in rows] == [f"2025-{m:02d}" for m in range(7, 13)] + [
        f"2026-{m:02d}" for m in range(1, 7)
    ]
    assert _month(rows, "2026-01") == FlowMonth("2026-01", 0, 0, 150, 0)
    assert _month(rows, "2026-05") == FlowMonth("2026-05", 400, 0, 0, 0)
    assert _month(rows, "2026-06") == FlowMonth("2026-06", 700, 60, 0, 40)
    assert _month(rows, "2025-12") == FlowMonth("2025-12", 0, 0, 0, 0)


def test_a_community_limited_reviewer_counts_only_its_community(east):
    # June without D's 500 (west): issued 200
    assert _month(kpis.flows(east), "2026-06") == FlowMonth("2026-06", 200, 60, 0, 40)
    assert kpis.liability(east) == [LiabilityRow("东区", 500, Decimal("250.00"))]


def test_outstanding_liability_in_money(everyone):
    # east 400 + 0 + 100 = 500 points, west 500; × 0.50
    assert kpis.liability(everyone) == [
        LiabilityRow("东区", 500, Decimal("250.00")),
        LiabilityRow("西区", 500, Decimal("250.00")),
    ]


def test_balance_buckets_now(everyone):
    # B 0 and C 100 under 300; A 400 and D 500 in 300–800
    assert kpis.buckets(everyone) == [
        BucketRow("< 300", 2, 100),
        BucketRow("300–800", 2, 900),
        BucketRow("800–2,000", 0, 0),
        BucketRow("> 2,000", 0, 0),
    ]


def test_member_growth_against_twenty_percent_a_year(everyone):
    rows = kpis.member_growth(everyone)
    # baseline: A and B joined before 2025-07-01 → 2; after n months 2 × 1.2^(n/12) rounds to 2
    assert rows[0] == GrowthMonth("2025-07", 0, 2, 2)
    assert _month(rows, "2026-03") == GrowthMonth("2026-03", 1, 3, 2)
    assert _month(rows, "2026-05") == GrowthMonth("2026-05", 1, 4, 2)
    assert rows[-1] == GrowthMonth("2026-06", 0, 4, 2)  # 2 × 1.2 = 2.4 → 2


def test_new_active_and_lost_members(everyone):
    rows = kpis.people(everyone)
    assert len(rows) == 12
    # May: D joined; A and C earned; nobody earned in April, so nobody was lost
    assert _month(rows, "2026-05") == PeopleMonth("2026-05", 1, 2, 0)
    # June: A and D earned; C, active in May, was not
    assert _month(rows, "2026-06") == PeopleMonth("2026-06", 0, 2, 1)


def test_matthew_effect_per_month(everyone):
    rows = kpis.matthew(everyone)
    may, june = _month(rows, "2026-05"), _month(rows, "2026-06")
    # May, 4 members: 0, 0, 100, 300; Σ i·x = 3·100 + 4·300 = 1500;
    # G = 2·1500/(4·400) − 5/4 = 0.625; top ⌈0.4⌉ = 1 member: 300/400 = 0.75
    assert (may.earners, may.members, may.points) == (2, 4, 400)
    assert may.gini == pytest.approx(0.625)
    assert may.top10_share == pytest.approx(0.75)
    # June: 0, 0, 200, 500; Σ i·x = 600 + 2000 = 2600; G = 5200/2800 − 1.25 = 0.6071…;
    # top: 500/700
    assert june.gini == pytest.approx(5200 / 2800 - 1.25)
    assert june.top10_share == pytest.approx(500 / 700)
    # March: C joined (3 members), nobody earned: nothing to measure
    assert _month(rows, "2026-03").gini is None


def test_volunteer_retention_per_year(everyone):
    rows = {row.year: row for row in kpis.retention(everyone)}
    # active in 2025: A and B; in 2026: A, C, D → 1 of 2 kept
    assert (rows["2026"].active_before, rows["2026"].retained, rows["2026"].rate) == (2, 1, 0.5)
    # nobody was active in 2024: no rate
    assert (rows["2025"].active_before, rows["2025"].rate) == (0, None)


def test_no_growth_target_without_members_to_grow_from(world, programme, other_community):
    reviewer = make_staff(programme=programme, kind=RoleKind.REVIEWER, community=other_community)
    west = access_programme(reviewer, "xingfuli", "view_insights")
    # the west's only member, D, joined in May: nobody at the start of the window
    rows = kpis.member_growth(west)
    assert _month(rows, "2026-05") == GrowthMonth("2026-05", 1, 1, None)
    assert {row.target for row in rows} == {None}
