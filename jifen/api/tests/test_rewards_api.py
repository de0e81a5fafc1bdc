"""The rewards API: the resident's catalogue, redeeming with a code and its QR, their codes,
cancelling and the waitlist; staff's stores, cashiers, catalogue, stock and settings,
redemptions with their delivery steps and refusals, redeeming on a resident's behalf; the
counter, which looks a code up without using it and verifies it once; settlements with their
files. Each refusal has its stable code and writes nothing; another community's or
programme's object is not found."""

import io
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from jifen.ledger.models import Hold
from jifen.ledger.queries import summary_of
from jifen.lib import clock
from jifen.programmes.models import RoleKind
from jifen.rewards import codes, services
from jifen.rewards.models import (
    Redemption,
    RedemptionStatus,
    RewardArea,
    RewardKind,
    Settlement,
    WaitlistEntry,
    WaitStatus,
)
from jifen.testing import make_community, make_member, make_resident_user, make_staff, pdf_text
from jifen.testing_earning import png_base64
from jifen.testing_hostile import HUGE, NUL, SURROGATE, TOO_BIG
from jifen.testing_rewards import give_points, make_reward, make_rewards_world

P = "/programmes/xingfuli"


@pytest.fixture
def world(member):
    give_points(member, 100)
    return make_rewards_world(member=member)  # 30 points held: 70 left


@pytest.fixture
def me(api_as, resident, world):
    return api_as(resident)


@pytest.fixture
def staff(api_as, admin, world):
    return api_as(admin)


def _written() -> list[int]:
    return [Redemption.objects.count(), Hold.objects.count(), WaitlistEntry.objects.count()]


def _refused(response: Any, status: int, code: str) -> None:
    assert (response.status_code, response.json()["code"]) == (status, code), response.json()


# The resident's catalogue


def test_the_catalogue_shows_stock_left_what_is_affordable_and_why_not(me, world, member):
    make_reward(store=world.store, name="夏季西瓜", points=5, months=[7, 8])
    make_reward(store=world.store, name="物业费券", points=500)
    shown = me.get(f"{P}/me/rewards").json()
    items = {i["name"]: i for i in shown["items"]}
    assert shown["balance"] == 70 and 10 in shown["zones"]
    assert items["大米 5kg"]["shelves"][0]["left"] == 3 and items["大米 5kg"]["zone"] == 10
    assert (items["健身卡"]["in_stock"], items["健身卡"]["refusal"]) == (False, "")
    assert "7, 8" in items["夏季西瓜"]["refusal"]
    assert items["物业费券"]["affordable"] is False


def test_the_catalogue_filters_by_zone_category_area_and_what_is_affordable(me, world):
    make_reward(store=world.store, name="物业费券", points=500, category="housing")
    make_reward(store=world.store, name="捐赠图书", points=30, area=RewardArea.DONATED)

    def names(**query: Any) -> set[str]:
        return {i["name"] for i in me.get(f"{P}/me/rewards", query).json()["items"]}

    assert names(zone=500) == names(category="housing") == {"物业费券"}
    assert names(area="donated") == {"捐赠图书"}
    assert "物业费券" not in names(affordable="true")


def test_an_item_shows_its_stores_and_that_the_resident_waits_for_it(me, world):
    shown = me.get(f"{P}/me/rewards/{world.gone.public_id}").json()
    assert shown["shelves"][0]["store"]["code"] == "store-east"
    assert (shown["waitlist_open"], shown["waiting"], shown["in_stock"]) == (True, True, False)


def test_the_privileges_are_those_the_points_reach(me, world, programme):
    for threshold, perk in ((50, "priority_signup"), (800, "parcels")):
        services.save_reward(
            programme=programme,
            actor=None,
            name=f"≥{threshold}",
            kind=RewardKind.PRIVILEGE,
            points=0,
            perk=perk,
            min_balance=threshold,
        )
    assert [p["perk"] for p in me.get(f"{P}/me/privileges").json()] == ["priority_signup"]


# Redeeming


def test_redeeming_holds_the_points_and_answers_the_code_with_its_qr(me, world, member):
    made = me.post(f"{P}/me/rewards/{world.rice.public_id}/redeem", {"store": "store-east"})
    body = made.json()
    assert made.status_code == 201, body
    assert codes.is_valid(body["code"]) and body["display_code"].count("-") == 2
    assert body["qr_svg"].startswith("<svg") and body["expires_at"]
    assert (body["status"], body["points"], summary_of(member).balance) == ("open", 10, 60)


def test_a_redemption_retried_with_its_key_is_one_redemption(me, world, member):
    url = f"{P}/me/rewards/{world.rice.public_id}/redeem"
    first = me.post(url, {}, **{"Idempotency-Key": "tap-1"})
    again = me.post(url, {}, **{"Idempotency-Key": "tap-1"})
    assert (again.status_code, again.json()) == (201, first.json())
    assert again.headers["Idempotent-Replayed"] == "true"
    assert summary_of(member).balance == 60


@pytest.mark.parametrize(
    ("reward", "body", "status", "code"),
    [
        ("gone", {}, 422, "out_of_stock"),
        ("expensive", {}, 422, "insufficient_points"),
        ("summer", {}, 422, "out_of_season"),
        ("rice", {"store": "nowhere"}, 422, "not_at_store"),
        ("rice", {"quantity": 11}, 422, "invalid_input"),
        ("parcel", {}, 422, "delivery_address_required"),
        ("once", {}, 422, "member_limit_reached"),
    ],
)
def test_a_refused_redemption_has_its_code_and_writes_nothing(
    me, world, member, reward, body, status, code
):
    rewards = {
        "expensive": make_reward(store=world.store, points=500),
        "summer": make_reward(store=world.store, points=5, months=[7]),
        "once": make_reward(store=world.store, points=5, member_limit=1),
        **{name: getattr(world, name) for name in ("gone", "rice", "parcel")},
    }
    if reward == "once":
        services.redeem(member=member, reward=rewards["once"])
    before = _written()
    response = me.post(f"{P}/me/rewards/{rewards[reward].public_id}/redeem", body)
    _refused(response, status, code)
    assert _written() == before


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"quantity": TOO_BIG}, 400, "invalid_number"),
        ({"address": f"3{NUL}01"}, 400, "invalid_text"),
        ({"store": SURROGATE}, 400, "invalid_text"),
        ({"address": HUGE}, 413, "request_too_large"),
    ],
)
def test_hostile_input_to_redeem_is_refused_before_anything_is_written(
    me, world, body, status, code
):
    before = _written()
    response = me.post(f"{P}/me/rewards/{world.rice.public_id}/redeem", body)
    _refused(response, status, code)
    assert _written() == before


def test_a_privilege_is_not_redeemed(me, world, programme):
    privilege = services.save_reward(
        programme=programme,
        actor=None,
        name="优先报名",
        kind=RewardKind.PRIVILEGE,
        points=0,
        perk="priority_signup",
        min_balance=1,
    )
    _refused(
        me.post(f"{P}/me/rewards/{privilege.public_id}/redeem", {}), 422, "privilege_not_spent"
    )


# The resident's codes and waits


def test_my_redemptions_are_paged_newest_first_and_filtered(me, world):
    first = me.get(f"{P}/me/redemptions", {"limit": 2}).json()
    rest = me.get(f"{P}/me/redemptions", {"limit": 2, "cursor": first["next_cursor"]}).json()
    ids = [r["public_id"] for r in first["items"] + rest["items"]]
    assert ids == [world.spare_code.public_id, world.code.public_id, world.delivery.public_id]
    assert rest["next_cursor"] is None
    assert me.get(f"{P}/me/redemptions", {"status": "cancelled"}).json()["items"] == []
    _refused(me.get(f"{P}/me/redemptions", {"cursor": "nonsense"}), 422, "invalid_cursor")


def test_cancelling_my_code_gives_the_points_back_once(me, world, member):
    url = f"{P}/me/redemptions/{world.code.public_id}"
    assert me.get(url).json()["qr_svg"]
    cancelled = me.post(url + "/cancel", {}).json()
    assert (cancelled["status"], cancelled["qr_svg"], summary_of(member).balance) == (
        "cancelled",
        None,
        80,
    )
    _refused(me.post(url + "/cancel", {}), 409, "not_cancellable")
    assert summary_of(member).balance == 80


def test_another_residents_code_is_not_found(api_as, world, community):
    neighbour = make_resident_user(member=make_member(community=community, name="李明"))
    url = f"{P}/me/redemptions/{world.code.public_id}"
    assert api_as(neighbour).get(url).status_code == 404
    assert api_as(neighbour).post(url + "/cancel", {}).status_code == 404
    assert Redemption.objects.get(pk=world.code.pk).status == RedemptionStatus.OPEN


def test_joining_and_leaving_the_waitlist(me, world, member):
    sold_out = make_reward(store=world.store, name="电影票", points=10, units=0, waitlist=True)
    url = f"{P}/me/rewards/{sold_out.public_id}/waitlist"
    joined = me.post(url, {})
    assert joined.status_code == 201 and joined.json()["status"] == "waiting"
    assert me.post(url, {}).json()["id"] == joined.json()["id"]
    assert len(me.get(f"{P}/me/waitlist").json()) == 2
    left = me.post(f"{P}/me/waitlist/{joined.json()['id']}/leave", {}).json()
    assert left["status"] == "withdrawn" and len(me.get(f"{P}/me/waitlist").json()) == 1


def test_a_reward_in_stock_has_no_waitlist(me, world):
    url = f"{P}/me/rewards/{world.rice.public_id}/waitlist"
    _refused(me.post(url, {}), 422, "waitlist_not_offered")


def test_another_residents_wait_is_not_found(api_as, world, community):
    neighbour = make_resident_user(member=make_member(community=community, name="李明"))
    response = api_as(neighbour).post(f"{P}/me/waitlist/{world.wait.pk}/leave", {})
    assert response.status_code == 404
    assert WaitlistEntry.objects.get(pk=world.wait.pk).status == WaitStatus.WAITING


# Staff: stores and cashiers


def test_a_store_is_created_changed_and_listed(staff, world, community):
    made = staff.post(f"{P}/stores", {"code": "village-2", "name": "爱心超市", "kind": "partner"})
    assert made.status_code == 201, made.json()
    changed = staff.patch(f"{P}/stores/village-2", {"community_id": community.pk, "name": "新"})
    assert (changed.json()["community_id"], changed.json()["name"]) == (community.pk, "新")
    assert [s["code"] for s in staff.get(f"{P}/stores").json()] == ["village-2", "store-east"]
    assert staff.get(f"{P}/stores/store-east").json()["cashiers"][0]["username"] == "cashier"


def test_a_store_refusal_has_its_code(staff, world):
    _refused(
        staff.post(f"{P}/stores", {"code": "store-east", "name": "x"}), 409, "store_code_taken"
    )
    _refused(staff.post(f"{P}/stores", {"code": "a b", "name": "x"}), 422, "invalid_store")
    _refused(staff.patch(f"{P}/stores/store-east", {"name": None}), 422, "invalid_input")


def test_the_cashiers_are_the_programmes_cashiers_only(staff, world, admin):
    url = f"{P}/stores/store-east/cashiers"
    assert staff.call("put", url, {"cashiers": []}).json()["cashiers"] == []
    _refused(staff.call("put", url, {"cashiers": [admin.username]}), 422, "not_a_cashier")
    _refused(staff.call("put", url, {"cashiers": ["nobody-at-all"]}), 422, "not_a_cashier")
    assert staff.call("put", url, {"cashiers": ["cashier"]}).status_code == 200


# Staff: the catalogue, stock and settings


def test_a_reward_is_created_with_its_image_and_changed(staff, world, community):
    body = {"name": "理发", "kind": "service", "points": 50, "image": png_base64()}
    made = staff.post(f"{P}/rewards", {**body, "communities": [community.pk]})
    assert made.status_code == 201, made.json()
    reward = made.json()["public_id"]
    assert made.json()["has_image"] and made.json()["communities"] == [community.pk]
    image = staff.get(f"{P}/rewards/{reward}/image")
    assert (image.status_code, image["Content-Type"]) == (200, "image/png")
    changed = staff.patch(f"{P}/rewards/{reward}", {"points": 40, "monthly_limit": 5}).json()
    assert (changed["points"], changed["monthly_limit"], changed["name"]) == (40, 5, "理发")
    assert changed["has_image"] and reward in {
        r["public_id"] for r in staff.get(f"{P}/rewards").json()
    }


def test_a_reward_refusal_has_its_code_and_writes_nothing(staff, world):
    before = list(staff.get(f"{P}/rewards").json())
    bad_image = {"name": "x", "kind": "goods", "points": 5, "image": "bm90IGFuIGltYWdl"}
    _refused(staff.post(f"{P}/rewards", bad_image), 422, "photo_not_an_image")
    paid_privilege = {"name": "x", "kind": "privilege", "points": 5, "perk": "parcels"}
    _refused(staff.post(f"{P}/rewards", paid_privilege), 422, "invalid_reward")
    elsewhere = {"name": "x", "kind": "goods", "points": 5, "communities": [10**9]}
    _refused(staff.post(f"{P}/rewards", elsewhere), 422, "unknown_community")
    _refused(
        staff.post(f"{P}/rewards", {"name": "x", "kind": "goods", "points": 2**63}),
        400,
        "invalid_number",
    )
    assert staff.get(f"{P}/rewards").json() == before


def test_restocking_serves_the_waitlist_highest_balance_first(staff, world, member):
    url = f"{P}/rewards/{world.gone.public_id}/stock/store-east"
    done = staff.post(url + "/restock", {"add": 1}).json()
    (served,) = done["served"]
    assert Redemption.objects.get(public_id=served).member == member
    assert done["reward"]["shelves"][0] == {
        "store": {"code": "store-east", "name": world.store.name, "kind": "supermarket"},
        "quantity": 1,
        "left": 0,
    }


def test_a_shelf_is_made_unlimited_and_removed(staff, world):
    url = f"{P}/rewards/{world.rice.public_id}/stock/store-east"
    assert staff.post(url + "/unlimited", {}).json()["reward"]["shelves"][0]["left"] is None
    assert staff.post(url + "/remove", {}).json()["shelves"] == []
    assert staff.post(url + "/remove", {}).status_code == 404
    _refused(staff.post(url + "/restock", {"add": 0}), 422, "invalid_input")


def test_the_settings_are_read_and_replaced(staff, world):
    settings = staff.get(f"{P}/reward-settings").json()
    assert (settings["code_days"], settings["refusal_penalty"]) == (7, 2000)
    changed = {**settings, "code_days": 3, "zones": [5, 2]}
    assert staff.call("put", f"{P}/reward-settings", changed).json()["zones"] == [2, 5]
    wrong = {**settings, "settlement_months": 5}
    _refused(staff.call("put", f"{P}/reward-settings", wrong), 422, "invalid_reward_settings")
    assert staff.get(f"{P}/reward-settings").json()["code_days"] == 3


def test_the_staff_catalogue_costs_the_same_queries_for_more_rewards(staff, world, community):
    with CaptureQueriesContext(connection) as few:
        staff.get(f"{P}/rewards")
    for n in range(4):
        make_reward(store=world.store, name=f"书 {n}", points=20, communities=[community])
    with CaptureQueriesContext(connection) as many:
        assert len(staff.get(f"{P}/rewards").json()) == 8
    assert len(many) == len(few)


# Staff: redemptions and deliveries


def test_the_redemption_list_costs_the_same_queries_for_more_redemptions(staff, world, member):
    with CaptureQueriesContext(connection) as few:
        staff.get(f"{P}/redemptions")
    for _ in range(2):
        services.redeem(member=member, reward=world.rice)
    with CaptureQueriesContext(connection) as many:
        assert len(staff.get(f"{P}/redemptions").json()["items"]) == 5
    assert len(many) == len(few)


def test_staff_list_redemptions_by_status_store_hand_over_and_overdue(staff, world):
    def ids(**query: Any) -> list[str]:
        return [r["public_id"] for r in staff.get(f"{P}/redemptions", query).json()["items"]]

    assert len(ids()) == 3 and len(ids(store="store-east", status="open")) == 3
    assert ids(handover="delivery") == [world.delivery.public_id]
    assert ids(overdue="true") == []
    # Past the 7 working days, and within the session's two weeks.
    with time_machine.travel(clock.now() + timedelta(days=13)):
        assert ids(overdue="true") == [world.delivery.public_id]
    assert staff.get(f"{P}/redemptions", {"store": "nowhere"}).status_code == 404


def test_a_delivery_moves_forward_only_and_delivered_settles_it(staff, world):
    url = f"{P}/redemptions/{world.delivery.public_id}"
    assert staff.post(url + "/step", {"step": "notified"}).json()["step"] == "notified"
    _refused(staff.post(url + "/step", {"step": "notified"}), 409, "delivery_step_not_allowed")
    done = staff.post(url + "/step", {"step": "delivered"}).json()
    assert (done["status"], done["step"]) == ("fulfilled", "delivered")
    assert Hold.objects.get(pk=world.delivery.hold_id).status == "settled"


def test_a_refusal_for_personal_reasons_takes_the_penalty_never_below_zero(staff, world, member):
    refused = staff.post(
        f"{P}/redemptions/{world.delivery.public_id}/refuse", {"reason": "personal"}
    )
    assert (refused.json()["status"], refused.json()["penalty_due"]) == ("refused", 2000)
    assert summary_of(member).balance == 0
    again = staff.post(f"{P}/redemptions/{world.delivery.public_id}/refuse", {"reason": "other"})
    _refused(again, 409, "delivery_step_not_allowed")


def test_staff_cancel_a_code_on_the_residents_behalf(staff, world, member):
    done = staff.post(f"{P}/redemptions/{world.code.public_id}/cancel", {}).json()
    assert done["status"] == "cancelled" and summary_of(member).balance == 80


def test_staff_redeem_on_a_residents_behalf_and_are_recorded(staff, world, member, admin):
    body = {"member": member.public_id, "reward": world.rice.public_id, "store": "store-east"}
    made = staff.post(f"{P}/redemptions", body)
    assert made.status_code == 201, made.json()
    assert Redemption.objects.get(public_id=made.json()["public_id"]).created_by == admin
    _refused(staff.post(f"{P}/redemptions", {**body, "quantity": 9}), 422, "out_of_stock")


def test_a_cashier_sees_the_redemptions_of_their_stores_only(api_as, world, programme, member):
    cashier = api_as(world.cashier)
    assert len(cashier.get(f"{P}/redemptions").json()["items"]) == 3
    elsewhere = api_as(make_staff(programme=programme, kind=RoleKind.CASHIER))
    assert elsewhere.get(f"{P}/redemptions").json()["items"] == []
    assert elsewhere.get(f"{P}/redemptions/{world.code.public_id}").status_code == 404
    assert elsewhere.get(f"{P}/counter/store-east/today").status_code == 404


# The counter


def test_looking_a_code_up_does_not_use_it(api_as, world):
    cashier = api_as(world.cashier)
    shown = cashier.get(f"{P}/counter/store-east/codes/{world.code.code.lower()}")
    assert shown.status_code == 200, shown.json()
    assert (shown.json()["status"], shown.json()["member"]["display_name"]) == ("open", "王*英")
    assert Redemption.objects.get(pk=world.code.pk).status == RedemptionStatus.OPEN
    assert [s["code"] for s in cashier.get(f"{P}/counter").json()] == ["store-east"]


def test_verifying_uses_the_code_once_and_lists_it_today(api_as, world, member):
    cashier = api_as(world.cashier)
    typed = codes.display(world.code.code)
    done = cashier.post(f"{P}/counter/store-east/verify", {"code": typed})
    assert (done.status_code, done.json()["status"]) == (200, "fulfilled")
    _refused(cashier.post(f"{P}/counter/store-east/verify", {"code": typed}), 409, "code_used")
    today = cashier.get(f"{P}/counter/store-east/today").json()["items"]
    assert [r["public_id"] for r in today] == [world.code.public_id]
    assert Hold.objects.get(pk=world.code.hold_id).status == "settled"
    assert summary_of(member).balance == 70


def test_a_verification_retried_with_its_key_gets_the_first_answer(api_as, world):
    cashier = api_as(world.cashier)
    url, body = f"{P}/counter/store-east/verify", {"code": world.code.code}
    first = cashier.post(url, body, **{"Idempotency-Key": "scan-1"})
    again = cashier.post(url, body, **{"Idempotency-Key": "scan-1"})
    assert (again.status_code, again.json()) == (200, first.json())
    assert again.headers["Idempotent-Replayed"] == "true"
    other = cashier.post(url, {"code": world.spare_code.code}, **{"Idempotency-Key": "scan-1"})
    _refused(other, 409, "idempotency_conflict")


def test_the_counter_refuses_what_cannot_be_handed_over(api_as, world, programme, member):
    other_store = services.save_store(programme=programme, actor=None, code="west", name="西")
    services.set_cashiers(store=other_store, users=[world.cashier], actor=None)
    services.cancel(redemption=world.spare_code, actor=None)
    cashier = api_as(world.cashier)

    def look(store: str, code: str) -> Any:
        return cashier.get(f"{P}/counter/{store}/codes/{code}")

    _refused(look("store-east", "ABCDEFGH2"[:8] + "Z"), 422, "code_mistyped")
    _refused(look("store-east", codes.new_code()), 404, "code_unknown")
    _refused(look("west", world.code.code), 422, "code_other_store")
    _refused(look("store-east", world.spare_code.code), 409, "code_cancelled")
    _refused(look("store-east", world.delivery.code), 422, "code_for_delivery")
    with time_machine.travel(clock.now() + timedelta(days=9)):
        _refused(look("store-east", world.code.code), 409, "redemption_code_expired")
    assert Redemption.objects.get(pk=world.code.pk).status == RedemptionStatus.OPEN


def test_hostile_codes_are_refused_without_a_server_error(api_as, world):
    cashier = api_as(world.cashier)
    url = f"{P}/counter/store-east/verify"
    _refused(cashier.post(url, {"code": NUL}), 400, "invalid_text")
    _refused(cashier.post(url, {"code": "x" * 101}), 422, "invalid_input")
    assert cashier.get(f"{P}/counter/store-east/codes/{'9' * 300}").status_code == 422


# Settlements


def test_a_period_is_listed_read_settled_once_and_downloaded(staff, world, admin):
    services.verify_code(store=world.store, code=world.code.code, actor=admin)
    now = staff.get(f"{P}/settlements").json()
    (current,) = now["items"]
    assert (current["items"], current["points"], current["money"]) == (1, 10, "10.00")
    assert current["lines"][0]["name"] == "大米 5kg" and not current["over"]
    last = f"{P}/settlements/store-east/{world.period.isoformat()}"
    settled = staff.post(last + "/settle", {})
    assert settled.status_code == 201 and settled.json()["settled_by"] == "admin"
    _refused(staff.post(last + "/settle", {}), 409, "already_settled")
    period = now["starts_on"]
    _refused(staff.post(f"{P}/settlements/store-east/{period}/settle", {}), 422, "period_not_over")
    assert Settlement.objects.count() == 1


def test_the_statement_files_open_with_the_same_totals(staff, world, admin):
    services.verify_code(store=world.store, code=world.code.code, actor=admin)
    period = staff.get(f"{P}/settlements").json()["starts_on"]
    url = f"{P}/settlements/store-east/{period}"
    pdf = staff.get(url + "/pdf")
    assert pdf["Content-Type"] == "application/pdf" and "大米 5kg" in pdf_text(pdf.content)
    sheet = load_workbook(io.BytesIO(staff.get(url + "/xlsx").content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert ("大米 5kg", "商品专区", 1, 10) in [row[:4] for row in rows]  # the programme's language


def test_a_period_is_named_by_its_first_day(staff, world):
    assert staff.get(f"{P}/settlements/store-east/2026-02-01").status_code == 404
    assert staff.get(f"{P}/settlements/store-east/not-a-day").status_code == 404
    assert staff.get(f"{P}/settlements/store-east/2026-01-01").json()["ends_on"] == "2026-03-31"
    assert staff.get(f"{P}/settlements", {"period": "2026-02-14"}).json()["starts_on"] == (
        "2026-01-01"
    )


# Other communities and programmes


STAFF_READS = [
    "/rewards/{reward}",
    "/stores/store-east",
    "/redemptions/{code}",
    "/counter/store-east/today",
    "/settlements/store-east/2026-01-01",
]


def test_another_programmes_staff_find_nothing(api_as, world, other_admin):
    outsider = api_as(other_admin)
    for path in STAFF_READS:
        url = P + path.format(reward=world.rice.public_id, code=world.code.public_id)
        assert outsider.get(url).status_code == 404, path
    verify = outsider.post(f"{P}/counter/store-east/verify", {"code": world.code.code})
    assert verify.status_code == 404
    assert Redemption.objects.get(pk=world.code.pk).status == RedemptionStatus.OPEN


def test_staff_of_another_community_do_not_reach_its_store_or_its_residents(
    api_as, world, programme
):
    west = make_community(programme=programme, name="西区")
    village = api_as(make_staff(programme=programme, kind=RoleKind.ADMIN, community=west))
    for path in STAFF_READS[1:]:
        url = P + path.format(code=world.code.public_id)
        assert village.get(url).status_code == 404, path
    assert village.get(f"{P}/stores").json() == []
    assert village.post(f"{P}/redemptions/{world.code.public_id}/cancel", {}).status_code == 404
    assert village.post(f"{P}/stores", {"code": "mine", "name": "x"}).status_code == 404
    assert Redemption.objects.get(pk=world.code.pk).status == RedemptionStatus.OPEN
