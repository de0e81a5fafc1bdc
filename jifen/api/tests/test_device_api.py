"""The device API: a smart bin posts events with its own key, once per Idempotency-Key, at
most its events a minute, and only for its own programme's residents; staff make, list and
revoke keys."""

import pytest
from django.db import connection
from django.test import Client

from jifen.accounts.services import create_personal_token
from jifen.earning import services
from jifen.earning.models import DeviceEvent, DeviceKey, Earning
from jifen.ledger.models import Transaction
from jifen.ledger.queries import summary_of
from jifen.programmes.cardtokens import card_token
from jifen.programmes.models import Member, RoleKind
from jifen.testing import at_once, make_rule, make_staff

SORTING = {
    "criteria": [{"code": "c1", "label": "分类正确"}],
    "combos": [{"requires": ["c1"], "points": 2}],
    "bands": {"measure": "accuracy", "steps": [[60, 1], [80, 3]]},
}
EVENTS = "/api/v1/devices/events"


@pytest.fixture
def bin_rule(programme):
    return make_rule(
        programme=programme, code="bin", kind="criteria", config=SORTING, allows_devices=True
    )


@pytest.fixture
def device(bin_rule):
    return services.create_device_key(
        programme=bin_rule.programme, name="垃圾桶", rules=[bin_rule], actor=None
    )


def post(secret, body, key="e-1", **headers):
    if key is not None:
        headers["Idempotency-Key"] = key
    if secret is not None:
        headers["Authorization"] = f"Bearer {secret}"
    return Client().post(EVENTS, body, content_type="application/json", headers=headers)


def event(member, **measures):
    return {"rule": "bin", "member": member.public_id, "measures": measures or {"accuracy": 85}}


def test_an_event_is_credited_with_the_instant_feedback(device, member):
    response = post(device.secret, event(member), **{"Accept-Language": "zh-hans"})
    assert response.status_code == 201, response.json()
    answer = response.json()
    assert (answer["points"], answer["credited"], answer["status"]) == (3, 3, "posted")
    assert answer["balance"] == 3 == summary_of(member).balance
    assert answer["message"] == "本次获得3积分，当前总积分3"


def test_a_card_names_the_resident_as_well(device, member):
    body = {"rule": "bin", "card": card_token(member), "criteria": ["c1"]}
    response = post(device.secret, body)
    assert response.json()["member"] == member.public_id and response.json()["points"] == 2


def test_the_same_key_replays_the_first_answer_and_another_event_under_it_conflicts(device, member):
    first = post(device.secret, event(member))
    again = post(device.secret, event(member))
    other = post(device.secret, event(member, accuracy=65))
    assert again.headers["Idempotent-Replayed"] == "true"
    assert (again.status_code, again.json()) == (first.status_code, first.json())
    assert (other.status_code, other.json()["code"]) == (409, "idempotency_conflict")
    assert (DeviceEvent.objects.count(), Earning.objects.count()) == (1, 1)


def test_an_event_without_an_idempotency_key_is_refused(device, member):
    response = post(device.secret, event(member), key=None)
    assert (response.status_code, response.json()["code"]) == (422, "idempotency_key_required")
    assert not DeviceEvent.objects.exists()


def test_a_revoked_or_unknown_key_is_refused_and_a_personal_token_is_not_a_device(
    device, member, admin
):
    services.revoke_device_key(device=device.device, actor=None)
    revoked = post(device.secret, event(member))
    unknown = post("jfd_" + "x" * 43, event(member))
    _, token = create_personal_token(user=admin, name="staff")
    assert (revoked.status_code, revoked.json()["code"]) == (403, "device_key_revoked")
    assert (unknown.status_code, unknown.json()["code"]) == (403, "device_key_revoked")
    assert post(token, event(member)).status_code == 401
    assert post(None, event(member)).status_code == 401
    assert not DeviceEvent.objects.exists()


def test_another_programmes_key_reaches_none_of_this_programmes_residents(
    device, member, other_programme
):
    theirs = make_rule(programme=other_programme, code="bin", kind="criteria", config=SORTING)
    theirs.allows_devices = True
    theirs.save()
    key = services.create_device_key(
        programme=other_programme, name="他们的", rules=[theirs], actor=None
    )
    by_id = post(key.secret, event(member))
    by_card = post(key.secret, {"rule": "bin", "card": card_token(member)}, key="e-2")
    assert (by_id.status_code, by_id.json()["code"]) == (404, "not_found")
    assert (by_card.status_code, by_card.json()["code"]) == (422, "card_not_valid")
    assert not DeviceEvent.objects.exists() and summary_of(member).balance == 0


def test_a_rule_the_key_does_not_name_is_refused(device, member, programme):
    make_rule(programme=programme, code="patrol", allows_devices=True)
    response = post(device.secret, {**event(member), "rule": "patrol"})
    assert (response.status_code, response.json()["code"]) == (403, "device_rule_not_allowed")


def test_a_key_over_its_events_a_minute_is_refused(bin_rule, member):
    key = services.create_device_key(
        programme=bin_rule.programme, name="慢", rules=[bin_rule], actor=None, per_minute=2
    )
    statuses = [post(key.secret, event(member), key=f"e-{n}").status_code for n in range(3)]
    refused = post(key.secret, event(member), key="e-9")
    assert statuses == [201, 201, 429] and refused.json()["code"] == "rate_limited"
    assert DeviceEvent.objects.count() == 2


def test_an_event_under_a_rule_with_notice_waits_on_the_board(programme, member):
    rule = make_rule(programme=programme, code="bin", allows_devices=True, notice_days=3)
    key = services.create_device_key(programme=programme, name="桶", rules=[rule], actor=None)
    answer = post(key.secret, {"rule": "bin", "member": member.public_id}).json()
    assert (answer["status"], answer["credited"], answer["balance"]) == ("notice", 0, 0)
    assert answer["message"]


def test_an_event_that_earns_nothing_is_recorded_with_nothing_credited(device, member):
    answer = post(device.secret, event(member, accuracy=10)).json()
    assert (answer["status"], answer["points"], answer["earning"]) == ("none", 0, None)
    assert DeviceEvent.objects.count() == 1 and not Earning.objects.exists()


# Staff manage the keys.


def test_an_administrator_makes_a_key_sees_its_secret_once_and_revokes_it(
    api_as, admin, bin_rule, member
):
    api = api_as(admin)
    made = api.post(
        "/programmes/xingfuli/devices",
        {"name": "东门垃圾桶", "rules": ["bin"]},
        **{"Idempotency-Key": "d1"},
    )
    again = api.post(
        "/programmes/xingfuli/devices",
        {"name": "东门垃圾桶", "rules": ["bin"]},
        **{"Idempotency-Key": "d1"},
    )
    secret = made.json()["secret"]
    assert made.status_code == 201 and secret.startswith("jfd_")
    assert again.json()["secret"] is None and again.json()["device"] == made.json()["device"]
    assert DeviceKey.objects.count() == 1 and secret not in str(DeviceKey.objects.values())
    [listed] = api.get("/programmes/xingfuli/devices").json()
    assert listed["rules"] == ["bin"] and "secret" not in listed
    assert post(secret, event(member)).status_code == 201
    revoked = api.post(f"/programmes/xingfuli/devices/{listed['public_id']}/revoke", None)
    assert revoked.json()["revoked_at"] is not None
    assert post(secret, event(member), key="e-2").json()["code"] == "device_key_revoked"


def test_staff_of_one_community_manage_no_device_key(api_as, programme, community, device):
    limited = make_staff(programme=programme, kind=RoleKind.ADMIN, community=community)
    api = api_as(limited)
    assert api.get("/programmes/xingfuli/devices").status_code == 404
    made = api.post("/programmes/xingfuli/devices", {"name": "x", "rules": ["bin"]})
    revoke = api.post(f"/programmes/xingfuli/devices/{device.device.public_id}/revoke", None)
    assert (made.status_code, revoke.status_code) == (404, 404)
    assert DeviceKey.objects.filter(revoked_at__isnull=True).count() == 1


# Many at once (PostgreSQL)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrency is proven on PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_a_device_retrying_one_key_from_twenty_threads_is_credited_once(programme, community):
    from jifen.testing import make_member

    rule = make_rule(
        programme=programme, code="bin", kind="criteria", config=SORTING, allows_devices=True
    )
    key = services.create_device_key(programme=programme, name="桶", rules=[rule], actor=None)
    member = make_member(community=community)
    answers = at_once(lambda i: post(key.secret, event(member)), threads=20)
    bodies = {str(a.json()) for a in answers}
    assert {a.status_code for a in answers} == {201} and len(bodies) == 1
    assert DeviceEvent.objects.count() == 1 and Earning.objects.count() == 1
    assert Transaction.objects.filter(member=member).count() == 1
    assert summary_of(Member.objects.get(pk=member.pk)).balance == 3
