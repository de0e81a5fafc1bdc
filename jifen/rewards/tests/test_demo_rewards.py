"""The demo's rewards: 幸福里's supermarket and partner shops and 清河县's county and village
stores with their catalogues and cashiers, six months of redemptions in every state through
the services, a settled quarter equal to the ledger, and `jifen verify` passing after it."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction

from jifen.accounts.models import User
from jifen.earning.demo import COUNTY
from jifen.lib import clock
from jifen.lib.periods import local
from jifen.programmes import demo
from jifen.programmes.models import Member, Programme
from jifen.rewards.models import (
    DeliveryStep,
    Handover,
    Perk,
    Redemption,
    RedemptionStatus,
    RefusalReason,
    Reward,
    RewardArea,
    RewardKind,
    Settlement,
    Stock,
    Store,
    StoreCashier,
    StoreKind,
    WaitlistEntry,
    WaitStatus,
)
from jifen.rewards.redeeming import available
from jifen.rewards.settlement import ledger_points
from jifen.transparency.verify import verify_programme

PASSWORD = "demo pass for tests"


@pytest.fixture(scope="module")
def _demo(django_db_setup, django_db_blocker):
    """One demo for the module, as building it takes a while: built in a transaction that
    is rolled back at the end, each test running in a savepoint within it."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        built = demo.build_demo(password=PASSWORD)
    yield built
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)


@pytest.fixture
def xingfuli(_demo, db) -> Programme:
    return _demo.programme


@pytest.fixture
def county(xingfuli) -> Programme:
    return Programme.objects.get(slug=COUNTY)


def cashiers_of(programme: Programme) -> dict[str, set[str]]:
    rows = StoreCashier.objects.filter(store__programme=programme)
    found: dict[str, set[str]] = {}
    for store, user in rows.values_list("store__code", "user__username"):
        found.setdefault(user, set()).add(store)
    return found


def test_xingfuli_has_its_supermarket_partner_shops_and_004s_catalogue(xingfuli):
    stores = Store.objects.filter(programme=xingfuli)
    names = {r.name: r for r in Reward.objects.filter(programme=xingfuli)}

    assert set(stores.filter(kind=StoreKind.PARTNER).values_list("code", flat=True)) == {
        "barber",
        "gym",
        "property",
        "bookshop",
    }
    prices = {n: names[n].points for n in ("大米5公斤", "理发", "月度停车卡", "健身月卡")}
    assert prices == {"大米5公斤": 100, "理发": 50, "月度停车卡": 200, "健身月卡": 500}
    assert (names["物业费八折券"].points, names["物业费九折券"].points) == (500, 300)
    assert names["物业费八折券"].handover == Handover.DELIVERY
    assert (names["月度停车卡"].member_limit, names["月度停车卡"].member_limit_period) == (
        1,
        "month",
    )
    star = names["年度社区之星"]
    assert (star.kind, star.points, star.member_limit_period) == (RewardKind.HONOUR, 1000, "year")
    assert names["端午粽子礼盒"].months == [6] and names["中秋月饼礼盒"].months == [9, 10]


def test_privileges_come_with_points_and_are_not_on_a_shelf(xingfuli):
    privileges = Reward.objects.filter(programme=xingfuli, kind=RewardKind.PRIVILEGE)
    trips = privileges.get(perk=Perk.PRIORITY_SIGNUP)

    assert (trips.points, trips.min_balance) == (0, 800)
    assert set(privileges.values_list("perk", flat=True)) == set(Perk.values)
    assert not Stock.objects.filter(reward__in=privileges).exists()


def test_the_county_has_its_store_a_store_per_village_and_the_zones(county):
    villages = set(county.communities.values_list("id", flat=True))
    stores = Store.objects.filter(programme=county)
    goods = Reward.objects.filter(programme=county, area=RewardArea.GOODS)

    assert stores.filter(community__isnull=True).count() == 1
    assert set(stores.exclude(community=None).values_list("community", flat=True)) == villages
    assert set(goods.values_list("points", flat=True)) == {2, 5, 10, 20, 30, 50}
    assert Reward.objects.filter(programme=county, area=RewardArea.DONATED).count() >= 2
    assert Stock.objects.filter(store__community__isnull=False, quantity__gt=0).count() > 30


def test_each_store_kind_has_its_cashier_and_the_logins_are_printed(xingfuli, county):
    assert cashiers_of(xingfuli) == {
        "cashier": {"supermarket"},
        "shop-cashier": {"barber", "gym", "property", "bookshop"},
    }
    village_codes = set(
        Store.objects.filter(programme=county, community__isnull=False).values_list(
            "code", flat=True
        )
    )
    assert cashiers_of(county) == {"cashier": {"county"}, "aixin-cashier": village_codes}
    printed = demo.format_logins(demo.demo_logins(PASSWORD))
    for login in ("shop-cashier", "aixin-cashier"):
        assert login in printed
        assert User.objects.get(username=login).check_password(PASSWORD)


def test_every_kind_of_redemption_status_is_present(xingfuli, county):
    rows = Redemption.objects.filter(programme__in=[xingfuli, county])
    in_xingfuli = rows.filter(programme=xingfuli)

    assert set(rows.values_list("status", flat=True)) == set(RedemptionStatus.values)
    assert set(in_xingfuli.values_list("status", flat=True)) == set(RedemptionStatus.values)
    assert rows.filter(programme=county, status=RedemptionStatus.FULFILLED).count() > 50
    assert rows.filter(status=RedemptionStatus.CANCELLED).count() >= 3
    assert rows.filter(status=RedemptionStatus.EXPIRED).count() >= 3


def test_six_months_of_redemptions_most_verified_at_the_counter_by_its_cashier(xingfuli):
    rows = Redemption.objects.filter(programme=xingfuli)
    handed = rows.filter(status=RedemptionStatus.FULFILLED, handover=Handover.PICKUP)

    assert rows.earliest("created_at").created_at < clock.now() - timedelta(days=150)
    assert handed.count() > rows.count() / 2
    for r in handed.select_related("store"):
        assert StoreCashier.objects.filter(store=r.store, user=r.closed_by).exists()


def test_deliveries_are_delivered_one_refused_with_the_penalty_one_overdue(xingfuli):
    orders = Redemption.objects.filter(programme=xingfuli, handover=Handover.DELIVERY)
    refused = orders.get(status=RedemptionStatus.REFUSED)

    assert orders.filter(step=DeliveryStep.DELIVERED).count() >= 3
    assert refused.refusal_reason == RefusalReason.PERSONAL and refused.penalty_due == 2000
    assert refused.penalty_transaction is not None
    assert orders.filter(status=RedemptionStatus.OPEN, due_at__lt=clock.now()).exists()


def test_the_demo_resident_has_codes_to_show_now(xingfuli):
    me = Member.objects.get(programme=xingfuli, phone=demo.RESIDENT_PHONE)
    mine = Redemption.objects.filter(member=me)

    open_codes = mine.filter(status=RedemptionStatus.OPEN, expires_at__gt=clock.now())
    assert {r.reward.name for r in open_codes} == {"大米5公斤", "理发"}
    assert mine.filter(status=RedemptionStatus.FULFILLED).exists()


def test_donated_goods_were_redeemed_only_after_goods_in_the_same_month(county):
    donated = Redemption.objects.filter(programme=county, area=RewardArea.DONATED)

    assert donated.exists()
    for r in donated:
        day = local(r.created_at, county.timezone)
        start = day.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        goods = Redemption.objects.filter(member=r.member, area=RewardArea.GOODS)
        assert goods.filter(created_at__gte=start, created_at__lte=r.created_at).exists()


def test_the_blanket_is_sold_out_with_households_waiting(county):
    blanket = Reward.objects.get(programme=county, waitlist=True)
    stock = Stock.objects.select_related("store", "reward").get(reward=blanket)

    assert available(stock) == 0
    assert WaitlistEntry.objects.filter(reward=blanket, status=WaitStatus.WAITING).count() >= 2


def test_the_settled_quarter_equals_the_ledger(xingfuli, county):
    settled = Settlement.objects.filter(programme__in=[xingfuli, county]).select_related("store")

    assert {s.store.code for s in settled} == {"supermarket", "county", "dongpo"}
    assert len({s.starts_on for s in settled}) == 1
    for s in settled:
        points, count = ledger_points(s.store, s.starts_on, s.ends_on)
        assert (s.points, s.items) == (points, count)
    assert settled.get(store__code="supermarket").points > 0


def test_jifen_verify_passes_after_the_demo(xingfuli, county):
    for programme in (xingfuli, county):
        report = verify_programme(programme)
        assert report.leaves > 0 and report.queued == 0


def test_running_the_demo_again_changes_nothing(xingfuli):
    counted = [Store.objects, Reward.objects, Redemption.objects, Settlement.objects, User.objects]
    before = [rows.count() for rows in counted]

    for args in (["--if-empty"], []):
        call_command("demo", *args, stdout=StringIO())

    assert [rows.count() for rows in counted] == before
