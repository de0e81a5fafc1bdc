"""The points API: awards with instant feedback, holds, donations, approvals, reversals,
statements, the public log — and no endpoint answers another programme's staff."""

import pytest

from jifen.ledger.models import Hold, Transaction
from jifen.ledger.queries import summary_of
from jifen.ledger.services import award_points, hold_points
from jifen.programmes.models import RoleKind
from jifen.testing import make_staff
from jifen.transparency.sequencer import seal_all


@pytest.fixture
def organizer(programme):
    return make_staff(programme=programme, kind=RoleKind.ORGANIZER)


def test_an_award_answers_with_the_instant_feedback_in_chinese(
    api_as, organizer, member, programme
):
    award_points(member=member, amount=245, reason="seed")
    response = api_as(organizer).post(
        f"/programmes/{programme.slug}/awards",
        {"member": member.public_id, "amount": 5, "reason": "巡逻"},
        **{"Accept-Language": "zh-hans"},
    )
    assert response.status_code == 201
    assert response.json()["balance"] == 250 and response.json()["awarded"] == 5
    assert "250" in response.json()["message"]


def test_a_retried_award_with_the_same_key_is_not_paid_twice(
    api_with_token, organizer, member, programme
):
    api = api_with_token(organizer)
    body = {"member": member.public_id, "amount": 5, "reason": "巡逻"}
    first = api.post(f"/programmes/{programme.slug}/awards", body, **{"Idempotency-Key": "a1"})
    again = api.post(f"/programmes/{programme.slug}/awards", body, **{"Idempotency-Key": "a1"})
    assert first.json()["transaction"] == again.json()["transaction"]
    assert summary_of(member).balance == 5
    other = api.post(
        f"/programmes/{programme.slug}/awards", {**body, "amount": 6}, **{"Idempotency-Key": "a1"}
    )
    assert (other.status_code, other.json()["code"]) == (409, "idempotency_conflict")


def test_bad_awards_get_one_error_format(api_as, organizer, member, programme):
    api = api_as(organizer)
    bad = api.post(
        f"/programmes/{programme.slug}/awards",
        {"member": member.public_id, "amount": 0, "reason": "x"},
    )
    assert (bad.status_code, bad.json()["code"]) == (422, "invalid_input")
    assert Transaction.objects.count() == 0


def test_a_cashier_holds_and_settles(api_as, programme, member):
    award_points(member=member, amount=100, reason="seed")
    api = api_as(make_staff(programme=programme, kind=RoleKind.CASHIER))
    hold = api.post(
        f"/programmes/{programme.slug}/holds",
        {"member": member.public_id, "amount": 50, "reference": "理发"},
    ).json()
    assert (
        api.post(f"/programmes/{programme.slug}/holds/{hold['id']}/settle", {}).status_code == 200
    )
    again = api.post(f"/programmes/{programme.slug}/holds/{hold['id']}/release", {})
    assert again.json()["code"] == "hold_not_open"
    assert summary_of(member).balance == 50


def test_a_resident_donates_and_reads_their_statement(api_as, resident, member, programme):
    award_points(member=member, amount=30, reason="义诊")
    api = api_as(resident)
    assert api.post(f"/programmes/{programme.slug}/me/donations", {"amount": 10}).status_code == 201
    points = api.get(f"/programmes/{programme.slug}/me/points").json()
    assert points["summary"] == {"balance": 20, "lifetime_earned": 30, "currency": "积分"}
    assert [e["amount"] for e in points["entries"]] == [-10, 30]


def test_an_adjustment_is_requested_and_approved_by_someone_else(api_as, admin, programme, member):
    reviewer = make_staff(programme=programme, kind=RoleKind.REVIEWER)
    asked = (
        api_as(admin)
        .post(
            f"/programmes/{programme.slug}/approvals",
            {"kind": "adjust", "member": member.public_id, "amount": 20, "reason": "补录"},
        )
        .json()
    )
    own = api_as(admin).post(f"/programmes/{programme.slug}/approvals/{asked['id']}/approve", {})
    assert own.json()["code"] == "self_approval"
    done = api_as(reviewer).post(
        f"/programmes/{programme.slug}/approvals/{asked['id']}/approve", {}
    )
    assert done.json()["status"] == "approved" and summary_of(member).balance == 20


def test_an_administrator_reverses_a_transaction(api_as, admin, programme, member):
    tx = award_points(member=member, amount=20, reason="x").transaction
    response = api_as(admin).post(
        f"/programmes/{programme.slug}/transactions/{tx.public_id}/reverse", {"reason": "重复"}
    )
    assert response.status_code == 201 and summary_of(member).balance == 0


def test_the_public_log_gives_heads_and_proofs_to_anyone(api_as, programme, member):
    tx = award_points(member=member, amount=5, reason="x").transaction
    api = api_as(None)
    assert (
        api.get(f"/programmes/{programme.slug}/log/inclusion/{tx.public_id}").status_code == 404
    )  # not sealed yet
    seal_all()
    head = api.get(f"/programmes/{programme.slug}/log/head").json()
    assert head["head"]["size"] == 1 and head["public_key"]
    proof = api.get(f"/programmes/{programme.slug}/log/inclusion/{tx.public_id}").json()
    assert proof["leaf_index"] == 0 and proof["path"] == []
    assert api.get(f"/programmes/{programme.slug}/log/heads").json()[0]["serial"] == 1


@pytest.fixture
def foreign(programme, member, admin):
    """Objects of programme A, for staff of programme B to try."""
    award_points(member=member, amount=50, reason="seed")
    hold = hold_points(member=member, amount=5, reference="x")
    tx = Transaction.objects.first()
    from jifen.ledger.services import request_approval

    approval = request_approval(kind="adjust", member=member, amount=3, reason="x", actor=admin)
    return {
        "slug": programme.slug,
        "member": member.public_id,
        "hold": hold.public_id,
        "tx": tx.public_id,
        "approval": approval.pk,
    }


def test_no_points_endpoint_answers_staff_of_another_programme(api_as, other_admin, foreign):
    api, s = api_as(other_admin), foreign["slug"]
    before = (Transaction.objects.count(), Hold.objects.filter(status="open").count())
    calls = [
        (
            "post",
            f"/programmes/{s}/awards",
            {"member": foreign["member"], "amount": 1, "reason": "x"},
        ),
        (
            "post",
            f"/programmes/{s}/awards/bulk",
            {"reason": "x", "awards": [[foreign["member"], 1]]},
        ),
        (
            "post",
            f"/programmes/{s}/holds",
            {"member": foreign["member"], "amount": 1, "reference": "x"},
        ),
        ("post", f"/programmes/{s}/holds/{foreign['hold']}/settle", {}),
        ("post", f"/programmes/{s}/me/donations", {"amount": 1}),
        (
            "post",
            f"/programmes/{s}/approvals",
            {"kind": "adjust", "member": foreign["member"], "amount": 1, "reason": "x"},
        ),
        ("post", f"/programmes/{s}/approvals/{foreign['approval']}/approve", {}),
        ("post", f"/programmes/{s}/transactions/{foreign['tx']}/reverse", {"reason": "x"}),
        ("get", f"/programmes/{s}/me/points", None),
        ("get", f"/programmes/{s}/members/{foreign['member']}/points", None),
    ]
    for method, path, body in calls:
        response = api.post(path, body) if method == "post" else api.get(path)
        assert (response.status_code, response.json()["code"]) == (404, "not_found"), path
    assert (Transaction.objects.count(), Hold.objects.filter(status="open").count()) == before


# Beyond a 64-bit integer the edge refuses the body before any schema reads it; within it but
# beyond what one request may move, the schema does.
EDGE, SCHEMA = (400, "invalid_number"), (422, "invalid_input")


@pytest.mark.parametrize(
    ("path", "body", "refusal"),
    [
        ("/approvals", {"kind": "adjust", "amount": -(2**63), "reason": "x"}, SCHEMA),
        ("/approvals", {"kind": "adjust", "amount": 2**63, "reason": "x"}, EDGE),
        ("/approvals", {"kind": "grant", "amount": 2**63, "reason": "x"}, EDGE),
        ("/approvals", {"kind": "grant", "amount": 1_000_001, "reason": "x"}, SCHEMA),
        ("/holds", {"amount": 2**63, "reference": "r"}, EDGE),
        ("/holds", {"amount": 1_000_001, "reference": "r"}, SCHEMA),
        ("/me/donations", {"amount": 2**63}, EDGE),
        ("/awards/bulk", {"reason": "x", "awards": [["m", 2**63]]}, EDGE),
        ("/awards/bulk", {"reason": "x", "awards": [["m", 1_000_001]]}, SCHEMA),
    ],
)
def test_amounts_beyond_what_the_database_holds_are_refused(
    api_as, admin, resident, member, programme, path, body, refusal
):
    caller = resident if path.startswith("/me/") else admin
    response = api_as(caller).post(
        f"/programmes/{programme.slug}{path}", {"member": member.public_id, **body}
    )
    assert (response.status_code, response.json()["code"]) == refusal
    assert Transaction.objects.count() == 0


def test_a_negative_page_size_of_the_head_history_is_invalid_input(api_as, programme):
    response = api_as(None).get(f"/programmes/{programme.slug}/log/heads", {"limit": -5})
    assert (response.status_code, response.json()["code"]) == (422, "invalid_input")
