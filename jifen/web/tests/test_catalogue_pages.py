"""The console's catalogue, stock, stores, redemption settings, orders and settlements: each
page renders for an administrator, each form saves through the rewards services, bad and
hostile input is refused in the page's language and writes nothing, and staff of another
programme or limited to a community get 404 (a cashier sees their own stores' settlements)."""

import io

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook
from PIL import Image

from jifen.audit.models import AuditEntry
from jifen.ledger.queries import summary_of
from jifen.programmes.models import RoleKind
from jifen.rewards import services
from jifen.rewards.models import (
    DeliveryStep,
    Handover,
    Redemption,
    RedemptionStatus,
    Reward,
    RewardSettings,
    Settlement,
    Stock,
    Store,
    StoreCashier,
)
from jifen.testing import make_member, make_staff, pdf_text
from jifen.testing_rewards import give_points, make_reward, make_store

REWARD = {"name": "大米 5kg", "kind": "goods", "points": "100", "category": "food"}
REWARD |= {"area": "goods", "handover": "pickup", "member_limit_period": "month"}
REWARD |= {"is_active": "on"}
STORE = {"code": "village-1", "name": "爱心超市", "kind": "supermarket"}
SETTINGS = {"code_days": "7", "delivery_working_days": "7", "refusal_penalty": "2000"}
SETTINGS |= {"settlement_months": "3", "zones": "2 5 10 20 30 50"}


def url(name, programme, *args, language="en"):
    with translation.override(language):
        return reverse(name, args=[programme.slug, *args])


@pytest.fixture
def console(client, admin):
    client.force_login(admin)
    return client


@pytest.fixture
def store(programme):
    return make_store(programme=programme, code="county", name="县积分超市")


@pytest.fixture
def rice(store):
    return make_reward(store=store, name="大米 5kg", points=100, units=3)


@pytest.fixture
def delivery(member, store):
    gift = make_reward(store=store, name="慰问品", points=300, handover=Handover.DELIVERY)
    give_points(member, 1000)
    return services.redeem(member=member, reward=gift, address="幸福路 1 号")


def writes():
    return [m.objects.count() for m in (Reward, Stock, Store, StoreCashier, Settlement, AuditEntry)]


def jpeg():
    data = io.BytesIO()
    Image.new("RGB", (16, 16), "red").save(data, "JPEG")
    return SimpleUploadedFile("rice.jpg", data.getvalue(), content_type="image/jpeg")


def test_every_page_renders_for_an_administrator(console, programme, store, rice, delivery):
    for name, args in [
        ("console-rewards", []),
        ("console-reward-new", []),
        ("console-reward", [rice.public_id]),
        ("console-reward-stock", [rice.public_id]),
        ("console-stock-remove", [rice.public_id, store.code]),
        ("console-stores", []),
        ("console-store-new", []),
        ("console-store", [store.code]),
        ("console-reward-settings", []),
        ("console-orders", []),
        ("console-order", [delivery.public_id]),
        ("console-settlements", []),
        ("console-settlement", [store.code, "2026-10-01"]),
        ("console-settlement-settle", [store.code, "2026-10-01"]),
    ]:
        response = console.get(url(name, programme, *args))
        assert response.status_code == 200, name
    assert "大米 5kg" in console.get(url("console-rewards", programme)).content.decode()


def test_an_administrator_adds_a_reward_with_its_photo_months_and_communities(
    console, programme, community
):
    data = {**REWARD, "months": ["1", "2"], "communities": [str(community.pk)], "photo": jpeg()}
    data |= {"monthly_limit": "50", "member_limit": "1"}
    response = console.post(url("console-reward-new", programme), data)
    reward = Reward.objects.get()
    assert response.status_code == 302 and reward.months == [1, 2] and reward.image
    assert list(reward.communities.all()) == [community] and reward.member_limit == 1


def test_a_privilege_is_saved_with_its_perk_and_threshold(console, programme):
    data = {**REWARD, "kind": "privilege", "points": "0", "perk": "priority_signup"}
    console.post(url("console-reward-new", programme), {**data, "min_lifetime": "800"})
    assert Reward.objects.get().perk == "priority_signup"


def test_the_service_refusal_is_shown_on_the_form_and_nothing_is_written(console, programme):
    before = writes()
    data = {**REWARD, "kind": "privilege", "points": "5"}
    response = console.post(url("console-reward-new", programme, language="zh-hans"), data)
    assert response.status_code == 422 and 'role="alert"' in response.content.decode()
    assert writes() == before


@pytest.mark.parametrize(
    "field, value",
    [
        ("points", "9" * 30),
        ("points", "-1"),
        ("points", "1e400"),
        ("name", "米" * 101),
        ("kind", "spaceship"),
        ("months", "13"),
        ("available_from", "2026-02-30"),
    ],
)
def test_bad_reward_input_is_refused_in_the_pages_language(console, programme, field, value):
    before = writes()
    response = console.post(
        url("console-reward-new", programme, language="zh-hans"), {**REWARD, field: value}
    )
    assert response.status_code == 422
    assert writes() == before
    page = response.content.decode()
    assert "form-error" in page and any(word in page for word in ("确保", "输入", "选择", "有效"))


def test_a_nul_character_or_a_photo_that_is_not_one_writes_nothing(console, programme):
    before = writes()
    response = console.post(url("console-reward-new", programme), {**REWARD, "name": "大\x00米"})
    assert response.status_code == 400
    fake = SimpleUploadedFile("x.jpg", b"not a photo", content_type="image/jpeg")
    response = console.post(url("console-reward-new", programme), {**REWARD, "photo": fake})
    assert response.status_code == 422 and writes() == before


def test_editing_a_reward_keeps_what_was_not_changed(console, programme, rice):
    response = console.post(
        url("console-reward", programme, rice.public_id), {**REWARD, "points": "120"}
    )
    rice.refresh_from_db()
    assert response.status_code == 302 and rice.points == 120


def test_adding_units_serves_the_waitlist_and_says_how_many(console, programme, store, member):
    rice = make_reward(store=store, points=100, units=0, waitlist=True)
    give_points(member, 500)
    services.join_waitlist(member=member, reward=rice, store=store)
    response = console.post(
        url("console-reward-stock", programme, rice.public_id),
        {"store": store.code, "add": "2"},
        follow=True,
    )
    assert "1 waiting resident was served" in response.content.decode()
    assert Redemption.objects.filter(member=member).count() == 1


def test_a_shelf_is_made_unlimited_and_removed(console, programme, store, rice):
    target = url("console-reward-stock", programme, rice.public_id)
    console.post(target, {"store": store.code, "add": "0", "unlimited": "on"})
    assert Stock.objects.get().quantity is None
    console.post(url("console-stock-remove", programme, rice.public_id, store.code))
    assert not Stock.objects.exists()


def test_too_many_units_or_another_programmes_store_are_refused(
    console, programme, rice, other_programme
):
    other = make_store(programme=other_programme, code="elsewhere")
    before = [s.quantity for s in Stock.objects.all()]
    target = url("console-reward-stock", programme, rice.public_id)
    assert console.post(target, {"store": "county", "add": "9" * 20}).status_code == 422
    assert console.post(target, {"store": other.code, "add": "1"}).status_code == 422
    assert [s.quantity for s in Stock.objects.all()] == before


def test_a_store_is_added_with_its_community_and_given_cashiers(console, programme, community):
    response = console.post(
        url("console-store-new", programme), {**STORE, "community": str(community.pk)}
    )
    store = Store.objects.get(code="village-1")
    assert response.status_code == 302 and store.community == community
    cashier = make_staff(programme=programme, kind=RoleKind.CASHIER, username="cashier")
    console.post(url("console-store-cashiers", programme, store.code), {"cashiers": [cashier.pk]})
    assert list(StoreCashier.objects.values_list("user_id", flat=True)) == [cashier.pk]


def test_a_store_code_taken_or_a_non_cashier_is_refused(console, programme, store, admin):
    before = writes()
    response = console.post(url("console-store-new", programme), {**STORE, "code": store.code})
    assert response.status_code == 422 and "county" in response.content.decode()
    response = console.post(
        url("console-store-cashiers", programme, store.code), {"cashiers": [admin.pk]}
    )
    assert response.status_code == 422 and writes() == before


def test_the_redemption_settings_are_saved_and_bad_zones_refused(console, programme):
    response = console.post(url("console-reward-settings", programme), SETTINGS)
    assert response.status_code == 302
    assert RewardSettings.objects.get().zones == [2, 5, 10, 20, 30, 50]
    bad = {**SETTINGS, "zones": "2 five", "refusal_penalty": "500"}
    assert console.post(url("console-reward-settings", programme), bad).status_code == 422
    assert RewardSettings.objects.get().refusal_penalty == 2000


def test_a_delivery_goes_forward_and_a_refusal_takes_the_penalty_the_balance_allows(
    console, programme, delivery, member
):
    page = url("console-order", programme, delivery.public_id)
    console.post(page, {"action": "advance", "step": DeliveryStep.SHIPPED})
    assert Redemption.objects.get().step == DeliveryStep.SHIPPED
    console.post(page, {"action": "advance", "step": DeliveryStep.ORDERED})  # never back
    assert Redemption.objects.get().step == DeliveryStep.SHIPPED
    console.post(page, {"action": "refuse", "reason": "personal"})
    shown = console.get(page).content.decode()
    assert "2000 points due, 1000 taken" in shown and summary_of(member).balance == 0


def test_an_order_is_cancelled_and_the_list_filters_overdue_deliveries(
    console, programme, delivery
):
    listed = console.get(url("console-orders", programme) + "?handover=delivery").content
    assert delivery.public_id in listed.decode()
    overdue = console.get(url("console-orders", programme) + "?overdue=on").content
    assert delivery.public_id not in overdue.decode()
    console.post(url("console-order", programme, delivery.public_id), {"action": "cancel"})
    assert Redemption.objects.get().status == RedemptionStatus.CANCELLED


@pytest.fixture
def handed_out(programme, store, rice, member, admin):
    """A bag of rice handed out at the county store in Q2 2026."""
    with time_machine.travel("2026-04-10 10:00 +0800", tick=False):
        give_points(member, 500)
        code = services.redeem(member=member, reward=rice, store=store).code
        services.verify_code(store=store, code=code, actor=admin)


def test_a_period_is_settled_after_a_confirmation_and_downloads_match(
    console, programme, store, handed_out
):
    with time_machine.travel("2026-07-02 10:00 +0800", tick=False):
        confirm = url("console-settlement-settle", programme, store.code, "2026-04-01")
        assert "Mark settled" in console.get(confirm).content.decode()
        assert not Settlement.objects.exists()
        console.post(confirm)
        assert Settlement.objects.get().points == 100
        assert console.post(confirm).status_code == 302  # refused: settled already
        page = console.get(url("console-settlement", programme, store.code, "2026-04-01"))
        pdf = console.get(url("console-settlement-pdf", programme, store.code, "2026-04-01"))
        xlsx = console.get(url("console-settlement-xlsx", programme, store.code, "2026-04-01"))
    assert "Settled on" in page.content.decode() and Settlement.objects.count() == 1
    assert "Points: 100" in pdf_text(pdf.content)
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert ("Points", None, None, None, 100) in list(sheet.iter_rows(values_only=True))


def test_a_period_not_over_is_not_settled(console, programme, store, handed_out):
    with time_machine.travel("2026-05-02 10:00 +0800", tick=False):
        console.post(url("console-settlement-settle", programme, store.code, "2026-04-01"))
    assert not Settlement.objects.exists()


def test_a_day_that_starts_no_period_is_not_found(console, programme, store):
    for day in ("2026-04-02", "2026-13-01", "9" * 30, "x"):
        response = console.get(url("console-settlement", programme, store.code, day))
        assert response.status_code == 404, day


def test_another_programmes_admin_gets_404_everywhere(
    client, programme, other_admin, store, rice, delivery
):
    client.force_login(other_admin)
    for name, args in [
        ("console-rewards", []),
        ("console-reward", [rice.public_id]),
        ("console-reward-stock", [rice.public_id]),
        ("console-store", [store.code]),
        ("console-reward-settings", []),
        ("console-orders", []),
        ("console-order", [delivery.public_id]),
        ("console-settlements", []),
        ("console-settlement", [store.code, "2026-10-01"]),
        ("console-settlement-pdf", [store.code, "2026-10-01"]),
    ]:
        assert client.get(url(name, programme, *args)).status_code == 404, name
    other_url = url("console-reward", other_admin.roles.get().programme, rice.public_id)
    assert client.get(other_url).status_code == 404


def test_a_community_limited_admin_may_not_change_the_catalogue(
    client, programme, community, other_community, rice, delivery
):
    village = make_staff(programme=programme, kind=RoleKind.ADMIN, community=other_community)
    client.force_login(village)
    before = writes()
    for name, args in [
        ("console-rewards", []),
        ("console-reward", [rice.public_id]),
        ("console-stores", []),
        ("console-reward-settings", []),
        ("console-order", [delivery.public_id]),  # a resident of the other community
    ]:
        assert client.get(url(name, programme, *args)).status_code == 404, name
        assert client.post(url(name, programme, *args), REWARD).status_code in (404, 405), name
    assert writes() == before


def test_a_cashier_sees_only_their_own_stores_settlements(client, programme, store, community):
    village = make_store(programme=programme, code="village", name="爱心超市")
    cashier = make_staff(programme=programme, kind=RoleKind.CASHIER)
    services.set_cashiers(store=village, users=[cashier], actor=None)
    client.force_login(cashier)
    listed = client.get(url("console-settlements", programme)).content.decode()
    assert "爱心超市" in listed and "县积分超市" not in listed
    theirs = url("console-settlement", programme, village.code, "2026-10-01")
    assert client.get(theirs).status_code == 200
    other = url("console-settlement", programme, store.code, "2026-10-01")
    assert client.get(other).status_code == 404
    settle = url("console-settlement-settle", programme, village.code, "2026-10-01")
    assert client.get(settle).status_code == 404


def test_a_cashier_sees_orders_of_their_store_only(client, programme, store, delivery, member):
    village = make_store(programme=programme, code="village")
    cashier = make_staff(programme=programme, kind=RoleKind.CASHIER)
    services.set_cashiers(store=village, users=[cashier], actor=None)
    client.force_login(cashier)
    assert client.get(url("console-order", programme, delivery.public_id)).status_code == 404
    make_member(community=member.community)
    assert delivery.public_id not in client.get(url("console-orders", programme)).content.decode()


def test_broken_utf8_and_huge_numbers_in_a_raw_form_write_nothing(console, programme):
    before = writes()
    body = "name=%ED%A0%80&kind=goods&points=%ED%A0%80&category=food&area=goods"
    body += "&handover=pickup&member_limit_period=month&monthly_limit=" + "9" * 400
    response = console.post(
        url("console-reward-new", programme),
        body,
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code in (400, 422) and writes() == before


@pytest.mark.parametrize("name", ["console-rewards", "console-orders", "console-stores"])
def test_a_list_page_reads_the_same_number_of_times_for_more_rows(
    console, programme, store, member, name
):
    give_points(member, 10_000)

    def queries() -> int:
        with CaptureQueriesContext(connection) as seen:
            assert console.get(url(name, programme)).status_code == 200
        return len(seen)

    make_reward(store=store, handover=Handover.DELIVERY, points=10)
    first = queries()
    for _ in range(4):
        reward = make_reward(store=store, handover=Handover.DELIVERY, points=10)
        services.redeem(member=member, reward=reward, address="幸福路 1 号")
        make_store(programme=programme)
    assert queries() == first


def test_a_refusal_without_its_reason_is_refused_on_the_form(console, programme, delivery):
    page = url("console-order", programme, delivery.public_id, language="zh-hans")
    response = console.post(page, {"action": "refuse", "reason": "bored"})
    assert response.status_code == 422 and "form-error" in response.content.decode()
    assert Redemption.objects.get().status == RedemptionStatus.OPEN
