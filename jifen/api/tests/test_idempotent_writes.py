"""Every API write takes an `Idempotency-Key`: the same key and body again writes nothing and
answers the first status and body with `Idempotent-Replayed: true`; the same key with
another request is 409 idempotency_conflict. The writes come from the OpenAPI description,
so a new one without an entry in WRITES fails here."""

from typing import Any

import pytest

from jifen.api.main import api
from jifen.audit.models import AuditEntry
from jifen.ledger.models import Approval, Hold, Transaction
from jifen.ledger.services import award_points, hold_points, request_approval
from jifen.programmes.models import Member, RoleKind
from jifen.testing import make_staff

P = "/programmes/{slug}"
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
def world(programme, member, resident, member_body):
    award_points(member=member, amount=100, reason="seed")
    reviewer = make_staff(programme=programme, kind=RoleKind.REVIEWER)
    return {
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


def state() -> list[Any]:
    return [
        Transaction.objects.count(),
        Member.objects.count(),
        list(Member.objects.order_by("pk").values_list("display_name", flat=True)),
        list(Approval.objects.order_by("pk").values_list("status", flat=True)),
        list(Hold.objects.order_by("pk").values_list("status", flat=True)),
        AuditEntry.objects.count(),
    ]


def _send(api: Any, write: str, path: str, body: Any, key: str) -> Any:
    method = write.split()[0].lower()  # the operation's own method, from its WRITES name
    return api.call(method, path, body if body is not None else {}, **{"Idempotency-Key": key})


@pytest.mark.parametrize("write", sorted(WRITES))
def test_the_same_key_twice_writes_once_and_replays_the_answer(
    api_with_token, admin, resident, world, write
):
    who, path, body, _ = WRITES[write]
    api = api_with_token(admin if who == "admin" else resident)
    path, body = _filled(path, world), _filled(body, world)
    before = state()
    first = _send(api, write, path, body, "k-1")
    done = state()
    again = _send(api, write, path, body, "k-1")
    assert first.status_code in (200, 201), first.json()
    assert done != before and state() == done
    assert (again.status_code, again.json()) == (first.status_code, first.json())
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers


@pytest.mark.parametrize("write", sorted(WRITES))
def test_the_same_key_for_another_request_is_a_conflict(
    api_with_token, admin, resident, world, write
):
    who, path, body, (other_path, other_body) = WRITES[write]
    api = api_with_token(admin if who == "admin" else resident)
    _send(api, write, _filled(path, world), _filled(body, world), "k-1")
    before = state()
    response = _send(
        api, write, _filled(other_path or path, world), _filled(other_body, world), "k-1"
    )
    assert (response.status_code, response.json()["code"]) == (409, "idempotency_conflict")
    assert state() == before
