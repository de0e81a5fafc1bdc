"""Every API write takes an `Idempotency-Key`: the same key and body again writes nothing and
answers the first status and body with `Idempotent-Replayed: true`; the same key with
another request is 409 idempotency_conflict. The writes come from the OpenAPI description,
so a new one without an entry in WRITES fails here."""

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from jifen.api.main import api
from jifen.api.tests.conftest import ApiClient
from jifen.audit.models import AuditEntry
from jifen.earning.services import checkin_code
from jifen.ledger.models import Approval, Hold, Transaction
from jifen.ledger.services import award_points, hold_points, request_approval
from jifen.lib import clock
from jifen.programmes.cardtokens import card_token
from jifen.programmes.models import Member, RoleKind
from jifen.recognition.models import Preference
from jifen.testing import make_member, make_staff
from jifen.testing_earning import EARNING_MODELS, make_earning_world
from jifen.testing_rewards import REWARD_MODELS, make_rewards_world
from jifen.voices import services as voices_services
from jifen.voices.testing import VOICE_MODELS, make_survey

P = "/programmes/{slug}"
A = P + "/activities/{activity}"
R = {"rule": "{rule}"}
# The earning writes (jifen.api.earning, jifen.api.devices), in the same shape.
EARNING_WRITES: dict[str, tuple[str, str, Any, tuple[str, Any]]] = {
    "POST /rules": (
        "admin",
        P + "/rules",
        {"code": "new", "name": "x", "kind": "fixed", "config": {"points": 5}},
        ("", {"code": "new", "name": "x", "kind": "fixed", "config": {"points": 6}}),
    ),
    "PATCH /rules/{rule_code}": (
        "admin",
        P + "/rules/{rule}",
        {"config": {"points": 11}},
        ("", {"config": {"points": 12}}),
    ),
    "POST /activities": (
        "admin",
        P + "/activities",
        {**R, "title": "A", "starts_at": "{starts_at}", "ends_at": "{ends_at}"},
        ("", {**R, "title": "B", "starts_at": "{starts_at}", "ends_at": "{ends_at}"}),
    ),
    "PATCH /activities/{activity_id}": ("admin", A, {"title": "A"}, ("", {"title": "B"})),
    "POST /activities/{activity_id}/cancel": ("admin", A + "/cancel", None, (A + "/close", None)),
    "POST /activities/{activity_id}/close": ("admin", A + "/close", None, (A + "/cancel", None)),
    "POST /activities/{activity_id}/signups": (
        "admin",
        A + "/signups",
        {"member": "{member}"},
        ("", {"member": "{attendee}"}),
    ),
    "POST /activities/{activity_id}/signups/{member}/cancel": (
        "admin",
        A + "/signups/{other}/cancel",
        None,
        (A + "/signups/{attendee}/cancel", None),
    ),
    "POST /activities/{activity_id}/checkins": (
        "admin",
        A + "/checkins",
        {"member": "{member}"},
        ("", {"member": "{other}"}),
    ),
    "POST /activities/{activity_id}/checkins/card": (
        "admin",
        A + "/checkins/card",
        {"token": "{card}"},
        ("", {"token": "{other_card}"}),
    ),
    "POST /activities/{activity_id}/checkins/phone": (
        "admin",
        A + "/checkins/phone",
        {"phone": "{phone}"},
        ("", {"phone": "{other_phone}"}),
    ),
    "POST /activities/{activity_id}/checkins/roster": (
        "admin",
        A + "/checkins/roster",
        None,
        (A + "/close", None),
    ),
    "POST /activities/{activity_id}/checkouts": (
        "admin",
        A + "/checkouts",
        {"member": "{attendee}", "minutes": 30},
        ("", {"member": "{attendee}", "minutes": 40}),
    ),
    "POST /activities/{activity_id}/appeals": (
        "admin",
        P + "/activities/{closed_activity}/appeals",
        {"member": "{member}", "reason": "x"},
        ("", {"member": "{member}", "reason": "y"}),
    ),
    "POST /me/activities/{activity_id}/signup": (
        "resident",
        P + "/me/activities/{activity}/signup",
        None,
        (P + "/me/activities/{joined_activity}/signup", None),
    ),
    "POST /me/activities/{activity_id}/signup/cancel": (
        "resident",
        P + "/me/activities/{joined_activity}/signup/cancel",
        None,
        (P + "/me/activities/{activity}/signup/cancel", None),
    ),
    "POST /me/activities/{activity_id}/checkin": (
        "resident",
        P + "/me/activities/{activity}/checkin",
        {"checkin_code": "{code}"},
        ("", {"checkin_code": "x"}),
    ),
    "POST /me/activities/{activity_id}/appeals": (
        "resident",
        P + "/me/activities/{closed_activity}/appeals",
        {"reason": "x"},
        ("", {"reason": "y"}),
    ),
    "POST /claims": (
        "admin",
        P + "/claims",
        {**R, "member": "{member}"},
        ("", {**R, "member": "{other}"}),
    ),
    "POST /claims/{claim_id}/approve": (
        "reviewer",
        P + "/claims/{claim}/approve",
        {},
        ("", {"points": 5}),
    ),
    "POST /claims/{claim_id}/reject": (
        "reviewer",
        P + "/claims/{claim}/reject",
        {"reason": "x"},
        ("", {"reason": "y"}),
    ),
    "POST /claims/{claim_id}/appeals": (
        "admin",
        P + "/claims/{rejected_claim}/appeals",
        {"reason": "x"},
        ("", {"reason": "y"}),
    ),
    "POST /me/claims": ("resident", P + "/me/claims", R, ("", {**R, "description": "y"})),
    "POST /me/claims/{claim_id}/withdraw": (
        "resident",
        P + "/me/claims/{claim}/withdraw",
        None,
        (P + "/me/claims/{rejected_claim}/withdraw", None),
    ),
    "POST /me/claims/{claim_id}/appeals": (
        "resident",
        P + "/me/claims/{rejected_claim}/appeals",
        {"reason": "x"},
        ("", {"reason": "y"}),
    ),
    "POST /me/checkins": (
        "resident",
        P + "/me/checkins",
        None,
        (P + "/me/activities/{activity}/signup", None),
    ),
    "POST /earnings/{earning_id}/objections": (
        "admin",
        P + "/earnings/{notice_earning}/objections",
        {"member": "{member}", "reason": "x"},
        ("", {"member": "{member}", "reason": "y"}),
    ),
    "POST /earnings/{earning_id}/appeals": (
        "admin",
        P + "/earnings/{posted_earning}/appeals",
        {"reason": "x"},
        ("", {"reason": "y"}),
    ),
    "POST /me/notices/{earning_id}/objections": (
        "resident",
        P + "/me/notices/{notice_earning}/objections",
        {"reason": "x"},
        ("", {"reason": "y"}),
    ),
    "POST /me/earnings/{earning_id}/appeals": (
        "resident",
        P + "/me/earnings/{posted_earning}/appeals",
        {"reason": "x"},
        ("", {"reason": "y"}),
    ),
    "POST /appeals/{appeal_id}/answer": (
        "reviewer",
        P + "/appeals/{appeal}/answer",
        {"uphold": False, "answer": "x"},
        ("", {"uphold": False, "answer": "y"}),
    ),
    "POST /devices": (
        "admin",
        P + "/devices",
        {"name": "A", "rules": ["{rule}"]},
        ("", {"name": "B", "rules": ["{rule}"]}),
    ),
    "POST /devices/{device_id}/revoke": (
        "admin",
        P + "/devices/{device}/revoke",
        None,
        (A + "/cancel", None),
    ),
    "POST /api/v1/devices/events": (
        "device",
        "/devices/events",
        {**R, "member": "{member}"},
        ("", {**R, "member": "{other}"}),
    ),
}
# The rewards writes (jifen.api.rewards and its parts), in the same shape.
RS = P + "/rewards/{r_rice}/stock/{r_store}"
SETTINGS = {
    "code_days": 3,
    "delivery_working_days": 7,
    "refusal_penalty": 2000,
    "settlement_months": 3,
    "zones": [2, 5],
    "donated_needs_goods": True,
}
REWARD_WRITES: dict[str, tuple[str, str, Any, tuple[str, Any]]] = {
    "POST /rewards": (
        "admin",
        P + "/rewards",
        {"name": "A", "kind": "goods", "points": 5},
        ("", {"name": "A", "kind": "goods", "points": 6}),
    ),
    "PATCH /rewards/{reward}": (
        "admin",
        P + "/rewards/{r_rice}",
        {"points": 11},
        ("", {"points": 12}),
    ),
    "POST /rewards/{reward}/stock/{store}/restock": (
        "admin",
        RS + "/restock",
        {"add": 1},
        ("", {"add": 2}),
    ),
    "POST /rewards/{reward}/stock/{store}/unlimited": (
        "admin",
        RS + "/unlimited",
        None,
        (RS + "/remove", None),
    ),
    "POST /rewards/{reward}/stock/{store}/remove": (
        "admin",
        RS + "/remove",
        None,
        (RS + "/unlimited", None),
    ),
    "PUT /reward-settings": (
        "admin",
        P + "/reward-settings",
        SETTINGS,
        ("", {**SETTINGS, "code_days": 4}),
    ),
    "POST /stores": (
        "admin",
        P + "/stores",
        {"code": "new", "name": "A"},
        ("", {"code": "new", "name": "B"}),
    ),
    "PATCH /stores/{store}": ("admin", P + "/stores/{r_store}", {"name": "A"}, ("", {"name": "B"})),
    "PUT /stores/{store}/cashiers": (
        "admin",
        P + "/stores/{r_store}/cashiers",
        {"cashiers": []},
        ("", {"cashiers": ["cashier"]}),
    ),
    "POST /me/rewards/{reward}/redeem": (
        "resident",
        P + "/me/rewards/{r_rice}/redeem",
        {},
        ("", {"quantity": 2}),
    ),
    "POST /me/redemptions/{redemption_id}/cancel": (
        "resident",
        P + "/me/redemptions/{r_code}/cancel",
        None,
        (P + "/me/redemptions/{r_spare}/cancel", None),
    ),
    "POST /me/rewards/{reward}/waitlist": (
        "resident",
        P + "/me/rewards/{r_sold_out}/waitlist",
        {},
        ("", {"store": "{r_store}"}),
    ),
    "POST /me/waitlist/{entry_id}/leave": (
        "resident",
        P + "/me/waitlist/{r_wait}/leave",
        None,
        (P + "/me/redemptions/{r_code}/cancel", None),
    ),
    "POST /redemptions": (
        "admin",
        P + "/redemptions",
        {"member": "{member}", "reward": "{r_rice}"},
        ("", {"member": "{member}", "reward": "{r_rice}", "quantity": 2}),
    ),
    "POST /redemptions/{redemption_id}/step": (
        "admin",
        P + "/redemptions/{r_delivery}/step",
        {"step": "notified"},
        ("", {"step": "shipped"}),
    ),
    "POST /redemptions/{redemption_id}/refuse": (
        "admin",
        P + "/redemptions/{r_delivery}/refuse",
        {"reason": "other"},
        ("", {"reason": "damaged"}),
    ),
    "POST /redemptions/{redemption_id}/cancel": (
        "admin",
        P + "/redemptions/{r_code}/cancel",
        None,
        (P + "/redemptions/{r_spare}/cancel", None),
    ),
    "POST /counter/{store}/verify": (
        "admin",
        P + "/counter/{r_store}/verify",
        {"code": "{r_code_text}"},
        ("", {"code": "{r_spare_text}"}),
    ),
    "POST /settlements/{store}/{starts_on}/settle": (
        "admin",
        P + "/settlements/{r_store}/{r_period}/settle",
        None,
        (P + "/redemptions/{r_code}/cancel", None),
    ),
}
RECOGNITION_WRITES: dict[str, tuple[str, str, Any, tuple[str, Any]]] = {
    "PUT /me/recognition-preference": (
        "resident",
        P + "/me/recognition-preference",
        {"hide_name": True},
        ("", {"hide_name": False}),
    ),
    "PATCH /recognition-settings": (
        "admin",
        P + "/recognition-settings",
        {"monthly_top": 15},
        ("", {"monthly_top": 16}),
    ),
}
# The voices writes (jifen.api.voices), in the same shape.
SURVEY = {"title": "A", "questions": [{"kind": "text", "text": "x"}]}
VOICE_WRITES: dict[str, tuple[str, str, Any, tuple[str, Any]]] = {
    "POST /me/surveys/{survey_id}/answers": (
        "resident",
        P + "/me/surveys/{v_survey}/answers",
        {"answers": [{"question": "{v_q1}", "score": 5}, {"question": "{v_q2}", "score": 9}]},
        ("", {"answers": [{"question": "{v_q1}", "score": 4}, {"question": "{v_q2}", "score": 9}]}),
    ),
    "POST /me/feedback": ("resident", P + "/me/feedback", {"text": "A"}, ("", {"text": "B"})),
    "POST /surveys": ("admin", P + "/surveys", SURVEY, ("", {**SURVEY, "title": "B"})),
    "PATCH /surveys/{survey_id}": (
        "admin",
        P + "/surveys/{v_draft}",
        {"title": "A"},
        ("", {"title": "B"}),
    ),
    "POST /surveys/{survey_id}/open": (
        "admin",
        P + "/surveys/{v_draft}/open",
        None,
        (P + "/surveys/{v_draft}/close", None),
    ),
    "POST /surveys/{survey_id}/close": (
        "admin",
        P + "/surveys/{v_survey}/close",
        None,
        (P + "/surveys/{v_survey}/open", None),
    ),
    "POST /feedback/{feedback_id}/replies": (
        "admin",
        P + "/feedback/{v_feedback}/replies",
        {"text": "A"},
        ("", {"text": "B"}),
    ),
    "POST /feedback/{feedback_id}/close": (
        "admin",
        P + "/feedback/{v_feedback}/close",
        None,
        (P + "/feedback/{v_feedback}/replies", {"text": "B"}),
    ),
}
# Operation → (who calls, path, body, another path or body that the same key must refuse).
WRITES: dict[str, tuple[str, str, Any, tuple[str, Any]]] = {
    "POST /members": ("admin", P + "/members", "{new_member}", ("", "{other_member}")),
    "PATCH /members/{public_id}": (
        "admin",
        P + "/members/{member}",
        {"display_name": "A"},
        ("", {"display_name": "B"}),
    ),
    "POST /awards": (
        "admin",
        P + "/awards",
        {"member": "{member}", "amount": 5, "reason": "x"},
        ("", {"member": "{member}", "amount": 6, "reason": "x"}),
    ),
    "POST /awards/bulk": (
        "admin",
        P + "/awards/bulk",
        {"reason": "x", "awards": [["{member}", 5]]},
        ("", {"reason": "x", "awards": [["{member}", 6]]}),
    ),
    "POST /holds": (
        "admin",
        P + "/holds",
        {"member": "{member}", "amount": 5, "reference": "r"},
        ("", {"member": "{member}", "amount": 6, "reference": "r"}),
    ),
    "POST /holds/{hold_id}/{action}": (
        "admin",
        P + "/holds/{hold}/settle",
        None,
        (P + "/holds/{hold}/release", None),
    ),
    "POST /me/donations": ("resident", P + "/me/donations", {"amount": 1}, ("", {"amount": 2})),
    "POST /approvals": (
        "admin",
        P + "/approvals",
        {"kind": "adjust", "member": "{member}", "amount": 3, "reason": "x"},
        ("", {"kind": "adjust", "member": "{member}", "amount": 4, "reason": "x"}),
    ),
    "POST /approvals/{approval_id}/{decision}": (
        "admin",
        P + "/approvals/{approval}/approve",
        None,
        (P + "/approvals/{approval}/reject", None),
    ),
    "PATCH /policy": (
        "admin",
        P + "/policy",
        {"rolling_months": 6, "expiry_mode": "rolling"},
        ("", {"rolling_months": 7, "expiry_mode": "rolling"}),
    ),
    "POST /transactions/{public_id}/reverse": (
        "admin",
        P + "/transactions/{transaction}/reverse",
        {"reason": "x"},
        ("", {"reason": "y"}),
    ),
    **EARNING_WRITES,
    **REWARD_WRITES,
    **VOICE_WRITES,
    **RECOGNITION_WRITES,
}


def api_writes() -> list[str]:
    prefix = "/api/v1/programmes/{slug}"
    return sorted(
        f"{method.upper()} {path.removeprefix(prefix)}"
        for path, operations in api.get_openapi_schema()["paths"].items()
        for method in operations
        if method != "get"
    )


def test_every_api_write_is_checked_here():
    assert set(api_writes()) == set(WRITES), "add the new write to WRITES"


@pytest.fixture
def reviewer(programme):
    return make_staff(programme=programme, kind=RoleKind.REVIEWER)


@pytest.fixture
def world(programme, member, resident, member_body, reviewer):
    award_points(member=member, amount=100, reason="seed")
    return {
        **_earning_world(member, reviewer),
        **_rewards_world(member),
        **_voices_world(member),
        "slug": programme.slug,
        "member": member.public_id,
        "new_member": member_body,
        "other_member": {**member_body, "display_name": "Y"},
        "hold": hold_points(member=member, amount=5, reference="r").public_id,
        "approval": request_approval(
            kind="adjust", member=member, amount=2, reason="x", actor=reviewer
        ).pk,
        "transaction": award_points(member=member, amount=7, reason="y").transaction.public_id,
    }


def _filled(value: Any, world: dict[str, Any]) -> Any:
    if isinstance(value, str):
        if value.startswith("{") and value.endswith("}") and value[1:-1] in world:
            return world[value[1:-1]]
        return value.format(**world)
    if isinstance(value, list):
        return [_filled(v, world) for v in value]
    if isinstance(value, dict):
        return {k: _filled(v, world) for k, v in value.items()}
    return value


def _earning_world(member, reviewer) -> dict[str, Any]:
    """The earning objects the earning writes name (jifen.testing_earning), by name."""
    other = make_member(community=member.community)
    e = make_earning_world(
        community=member.community, member=member, other=other, reviewer=reviewer
    )
    now = clock.now()
    names = "activity joined_activity closed_activity claim rejected_claim".split()
    names += "posted_earning notice_earning appeal device".split()
    return {
        **{name: getattr(e, name).public_id for name in names},
        "rule": e.rule.code,
        "other": other.public_id,
        "attendee": e.attendee.public_id,
        "card": card_token(member),
        "other_card": card_token(other),
        "phone": member.phone,
        "other_phone": other.phone,
        "code": checkin_code(e.activity),
        "starts_at": now.isoformat(),
        "ends_at": (now + timedelta(hours=2)).isoformat(),
        "device_secret": e.device_secret,
    }


def _rewards_world(member) -> dict[str, Any]:
    """The rewards objects the rewards writes name (jifen.testing_rewards), as r_<name>."""
    r = make_rewards_world(member=member)
    return {
        "r_rice": r.rice.public_id,
        "r_sold_out": r.sold_out.public_id,
        "r_store": r.store.code,
        "r_code": r.code.public_id,
        "r_spare": r.spare_code.public_id,
        "r_delivery": r.delivery.public_id,
        "r_wait": r.wait.pk,
        "r_period": r.period.isoformat(),
        "r_code_text": r.code.code,
        "r_spare_text": r.spare_code.code,
    }


def _voices_world(member) -> dict[str, Any]:
    """An open survey (its first two questions' ids), a draft and the member's feedback."""
    survey = make_survey(programme=member.programme)
    q1, q2, _ = survey.questions.all()
    return {
        "v_survey": survey.public_id,
        "v_q1": q1.pk,
        "v_q2": q2.pk,
        "v_draft": make_survey(programme=member.programme, opened=False).public_id,
        "v_feedback": voices_services.post_feedback(member=member, text="x").public_id,
    }


def state() -> list[Any]:
    return [
        Transaction.objects.count(),
        Member.objects.count(),
        list(Member.objects.order_by("pk").values_list("display_name", flat=True)),
        list(Approval.objects.order_by("pk").values_list("status", flat=True)),
        list(Hold.objects.order_by("pk").values_list("status", flat=True)),
        AuditEntry.objects.count(),
        *[list(model.objects.order_by("pk").values()) for model in EARNING_MODELS],
        *[list(model.objects.order_by("pk").values()) for model in REWARD_MODELS],
        *[list(model.objects.order_by("pk").values()) for model in VOICE_MODELS],
        list(Preference.objects.order_by("pk").values_list("hide_name", flat=True)),
    ]


def _caller(who: str, world: dict[str, Any], users: dict[str, Any], api_with_token) -> Any:
    if who == "device":
        headers = {"Authorization": f"Bearer {world['device_secret']}"}
        return ApiClient(Client(), headers)
    return api_with_token(users[who])


def _answer(response: Any) -> Any:
    """The body, but for a device key's secret, shown only the first time."""
    body = response.json()
    return {k: v for k, v in body.items() if k != "secret"} if isinstance(body, dict) else body


def _send(api: Any, write: str, path: str, body: Any, key: str) -> Any:
    method = write.split()[0].lower()  # the operation's own method, from its WRITES name
    return api.call(method, path, body if body is not None else {}, **{"Idempotency-Key": key})


@pytest.mark.parametrize("write", sorted(WRITES))
def test_the_same_key_twice_writes_once_and_replays_the_answer(
    api_with_token, admin, resident, reviewer, world, write
):
    who, path, body, _ = WRITES[write]
    users = {"admin": admin, "resident": resident, "reviewer": reviewer}
    api = _caller(who, world, users, api_with_token)
    path, body = _filled(path, world), _filled(body, world)
    before = state()
    first = _send(api, write, path, body, "k-1")
    done = state()
    again = _send(api, write, path, body, "k-1")
    assert first.status_code in (200, 201), first.json()
    assert done != before and state() == done
    assert (again.status_code, _answer(again)) == (first.status_code, _answer(first))
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers


@pytest.mark.parametrize("write", sorted(WRITES))
def test_the_same_key_for_another_request_is_a_conflict(
    api_with_token, admin, resident, reviewer, world, write
):
    who, path, body, (other_path, other_body) = WRITES[write]
    users = {"admin": admin, "resident": resident, "reviewer": reviewer}
    api = _caller(who, world, users, api_with_token)
    _send(api, write, _filled(path, world), _filled(body, world), "k-1")
    before = state()
    response = _send(
        api, write, _filled(other_path or path, world), _filled(other_body, world), "k-1"
    )
    assert (response.status_code, response.json()["code"]) == (409, "idempotency_conflict")
    assert state() == before
