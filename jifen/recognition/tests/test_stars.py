"""Stars by lifetime earned points: the thresholds, the way to the next star, and that
spending and expiry never take a star away; the settings and the opt-out services."""

from datetime import UTC, datetime

import pytest
from django.utils.translation import ngettext

from jifen.ledger import services as ledger
from jifen.ledger.models import Account
from jifen.recognition import errors, queries, services
from jifen.recognition.models import Preference
from jifen.recognition.names import settings_of
from jifen.recognition.stars import stars_for
from jifen.recognition.tests.worlds import award

DEFAULT = [1000, 2000, 3000, 4000, 5000]


@pytest.mark.parametrize(
    ("lifetime", "count", "next_at", "progress"),
    [
        (0, 0, 1000, 0),
        (999, 0, 1000, 99),
        (1000, 1, 2000, 0),
        (1500, 1, 2000, 50),
        (5000, 5, None, 100),
    ],
)
def test_it_counts_a_star_for_each_threshold_reached(lifetime, count, next_at, progress):
    stars = stars_for(lifetime, DEFAULT)
    assert (stars.count, stars.next_at, stars.progress) == (count, next_at, progress)


def test_a_star_has_the_programmes_name_or_says_how_many():
    assert stars_for(2500, DEFAULT, ["新星", "银星"]).name == "银星"
    assert stars_for(3500, DEFAULT, ["新星", "银星"]).name == ngettext(
        "%(count)d star", "%(count)d stars", 3
    ) % {"count": 3}
    assert stars_for(10, DEFAULT).name == ""


def test_spending_and_expiry_never_lower_a_members_stars(programme, member):
    award(member, 1200, "2026-01-05 10:00 +0800")
    ledger.donate_points(member=member, amount=100)
    ledger.expire_lots(programme=programme, now=datetime(2030, 1, 1, tzinfo=UTC))
    wallet = Account.objects.get(member=member)
    stars = queries.stars_of(member)
    assert wallet.balance == 0
    assert (stars.count, stars.lifetime, stars.to_next) == (1, 1200, 800)


def test_a_member_without_a_wallet_has_no_star(member):
    assert queries.stars_of(member).count == 0


def test_the_opt_out_can_be_set_twice_and_undone(member):
    services.set_preference(member=member, hide_name=True)
    services.set_preference(member=member, hide_name=True)
    assert Preference.objects.get(member=member).hide_name is True
    services.set_preference(member=member, hide_name=False)
    assert Preference.objects.filter(member=member, hide_name=True).count() == 0


def test_settings_are_saved_with_thresholds_in_order(programme, admin):
    services.update_settings(
        programme=programme,
        actor=admin,
        star_thresholds=[300, 100],
        star_names=["a"],
        monthly_top=5,
    )
    found = settings_of(programme)
    assert (found.star_thresholds, found.star_names, found.monthly_top) == ([100, 300], ["a"], 5)


@pytest.mark.parametrize(
    "change",
    [
        {"star_thresholds": [100, 100]},
        {"star_thresholds": []},
        {"star_thresholds": [0]},
        {"star_thresholds": [100], "star_names": ["a", "b"]},
        {"name_display": "loud"},
        {"monthly_top": 0},
        {"title_name": " "},
    ],
)
def test_bad_settings_are_refused_and_change_nothing(programme, admin, change):
    given = {"star_thresholds": [100], "star_names": [], **change}
    with pytest.raises(errors.InvalidRecognitionSettings):
        services.update_settings(programme=programme, actor=admin, **given)
    assert settings_of(programme).star_thresholds == DEFAULT
