"""The pure formulas on numbers worked out by hand."""

import pytest

from jifen.insights import metrics


def test_gini_of_one_member_with_everything_among_four():
    # sorted 0, 0, 0, 10: Σ i·x = 4·10 = 40; G = 2·40/(4·10) − 5/4 = 2 − 1.25 = 0.75
    assert metrics.gini([10, 0, 0, 0]) == pytest.approx(0.75)


def test_gini_of_equal_shares_is_zero():
    # Σ i·x = 5·(1+2+3+4) = 50; G = 2·50/(4·20) − 5/4 = 1.25 − 1.25 = 0
    assert metrics.gini([5, 5, 5, 5]) == pytest.approx(0.0)


def test_gini_of_one_two_three():
    # Σ i·x = 1 + 4 + 9 = 14; G = 2·14/(3·6) − 4/3 = 28/18 − 24/18 = 4/18
    assert metrics.gini([3, 1, 2]) == pytest.approx(4 / 18)


def test_gini_is_none_without_anyone_or_anything():
    assert metrics.gini([]) is None
    assert metrics.gini([0, 0]) is None


def test_top_ten_percent_share_of_ten_members():
    # ⌈10 × 0.1⌉ = 1 member: 100 of 100+50+30+10+5+5 = 200 → 0.5
    assert metrics.top_share([5, 100, 0, 30, 0, 10, 50, 0, 5, 0]) == pytest.approx(0.5)


def test_top_ten_percent_of_eleven_members_is_two():
    # ⌈11 × 0.1⌉ = 2 members: (100 + 50) / (100 + 50 + 9·10 = 240) = 0.625
    assert metrics.top_share([100, 50, *[10] * 9]) == pytest.approx(0.625)


def test_top_share_is_none_for_nothing():
    assert metrics.top_share([]) is None
    assert metrics.top_share([0, 0, 0]) is None


@pytest.mark.parametrize(
    ("balance", "bucket"),
    [(0, 0), (299, 0), (300, 1), (799, 1), (800, 2), (2000, 2), (2001, 3), (10**9, 3)],
)
def test_each_boundary_falls_in_its_bucket(balance, bucket):
    assert metrics.bucket_of(balance) == bucket


def test_bucket_counts():
    # 0, 299 → "< 300"; 300 → "300–800"; 2000 → "800–2,000"; 2001, 5000 → "> 2,000"
    assert metrics.bucket_counts([0, 299, 300, 2000, 2001, 5000]) == [2, 1, 1, 2]


def test_rate_is_none_over_nothing():
    assert metrics.rate(2, 3) == pytest.approx(2 / 3)
    assert metrics.rate(0, 0) is None


def test_growth_target_compounds_twenty_percent_a_year():
    assert metrics.growth_target(100, 12) == 120
    assert metrics.growth_target(100, 6) == 110  # 100 × 1.2^0.5 = 109.54 → 110
    assert metrics.growth_target(100, 24) == 144


@pytest.mark.parametrize(
    ("signups", "capacity", "percent"),
    [(0, 10, 50), (3, 10, 50), (4, 10, 20), (6, 10, 20), (7, 10, 0), (10, 10, 0)],
)
def test_suggested_raise_by_how_full_the_activity_is(signups, capacity, percent):
    # fill 0.3 < 0.35 → +50 %; 0.35 ≤ 0.4, 0.6 < 0.7 → +20 %; 0.7 and more → 0
    assert metrics.suggested_raise(signups, capacity) == percent


def test_raised_points_round_up():
    assert metrics.raised_points(10, 20) == 12  # 10 × 1.2
    assert metrics.raised_points(7, 20) == 9  # 7 × 1.2 = 8.4 → 9
    assert metrics.raised_points(10, 50) == 15


def test_retained_counts_members_active_in_both_periods():
    assert metrics.retained({1, 2, 3}, {2, 3, 4}) == 2


def test_with_zeros_fills_the_population():
    assert metrics.with_zeros([5, 3], 4) == [5, 3, 0, 0]
