"""The earning API: rules and their versions, activities from creation to closing, sign-ups
and check-ins, claims with photos, the notice board, objections and appeals, and the
resident's own — each refusal with its stable code and nothing written."""

import base64
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jifen.earning import services
from jifen.earning.models import (
    ActivityStatus,
    Appeal,
    Attendance,
    Claim,
    ClaimPhoto,
    Earning,
    EarningStatus,
)
from jifen.ledger.models import Transaction
from jifen.ledger.queries import summary_of
from jifen.lib import clock
from jifen.programmes.cardtokens import card_token
from jifen.programmes.models import RoleKind
from jifen.testing import (
    at_once,
    make_activity,
    make_member,
    make_rule,
    make_staff,
)
from jifen.testing_earning import png_base64

P = "/programmes/xingfuli"


@pytest.fixture
def patrol(programme):
    return make_rule(
        programme=programme, code="patrol", name="巡逻", allows_claims=True, config={"points": 10}
    )


@pytest.fixture
def organizer(programme, community):
    return make_staff(programme=programme, kind=RoleKind.ORGANIZER, community=community)


@pytest.fixture
def reviewer(programme):
    return make_staff(programme=programme, kind=RoleKind.REVIEWER)


def _at(hours: float):
    return clock.now() + timedelta(hours=hours)


def _in(hours: float) -> str:
    return _at(hours).isoformat()


# Rules


def test_a_rule_is_created_changed_into_a_new_version_and_read_with_its_versions(api_as, admin):
    api = api_as(admin)
    made = api.post(
        f"{P}/rules",
        {"code": "clean-up", "name": "清洁", "kind": "hourly", "config": {"points": 20}},
    )
    assert made.status_code == 201, made.json()
    assert made.json()["config"] == {"points": 20, "unit_minutes": 60, "rounding": "down"}
    changed = api.patch(f"{P}/rules/clean-up", {"config": {"points": 25}, "notice_days": 2})
    assert (changed.json()["version"], changed.json()["notice_days"]) == (2, 2)
    detail = api.get(f"{P}/rules/clean-up").json()
    assert [v["number"] for v in detail["versions"]] == [2, 1]
    assert detail["versions"][1]["config"]["points"] == 20
    assert [r["code"] for r in api.get(f"{P}/rules").json()] == ["clean-up"]


def test_a_rule_refusal_has_its_code_and_writes_nothing(api_as, admin, patrol):
    api = api_as(admin)
    taken = api.post(
        f"{P}/rules", {"code": "patrol", "name": "x", "kind": "fixed", "config": {"points": 1}}
    )
    zero = api.post(f"{P}/rules", {"code": "zero", "name": "x", "kind": "fixed", "config": {}})
    assert (taken.status_code, taken.json()["code"]) == (409, "rule_code_taken")
    assert (zero.status_code, zero.json()["code"]) == (422, "invalid_rule")
    assert [r["code"] for r in api.get(f"{P}/rules").json()] == ["patrol"]


def test_the_preview_says_what_a_rule_gives_and_what_the_caps_leave(
    api_as, admin, programme, member
):
    make_rule(
        programme=programme,
        code="sorting",
        kind="criteria",
        config={
            "criteria": [{"code": "c1", "label": "分类"}, {"code": "c2", "label": "干净"}],
            "combos": [{"requires": ["c1", "c2"], "points": 2}],
            "extras": [{"code": "photo", "label": "照片", "points": 1}],
            "caps": [{"scope": "household", "period": "day", "limit": 5}],
        },
    )
    query = {"criteria": ["c1", "c2", "photo"], "member": member.public_id}
    shown = api_as(admin).get(f"{P}/rules/sorting/preview", query).json()
    assert (shown["points"], shown["left"]) == (3, 5)
    assert "3" in shown["text"]


# Activities


def test_an_activity_is_created_listed_by_cursor_and_changed(api_as, admin, patrol, community):
    api = api_as(admin)
    for n in range(3):
        body = {"title": f"巡逻{n}", "rule": "patrol", "starts_at": _in(n), "ends_at": _in(n + 2)}
        assert (
            api.post(f"{P}/activities", {**body, "community_id": community.pk}).status_code == 201
        )
    first = api.get(f"{P}/activities", {"limit": 2}).json()
    second = api.get(f"{P}/activities", {"limit": 2, "cursor": first["next_cursor"]}).json()
    titles = [a["title"] for a in first["items"] + second["items"]]
    assert titles == ["巡逻2", "巡逻1", "巡逻0"] and second["next_cursor"] is None
    public_id = first["items"][0]["public_id"]
    changed = api.patch(f"{P}/activities/{public_id}", {"capacity": 20, "place": "东门"})
    assert (changed.json()["capacity"], changed.json()["place"]) == (20, "东门")


def test_the_activity_list_costs_the_same_queries_for_more_activities(
    api_as, admin, patrol, member
):
    api = api_as(admin)
    make_activity(rule=patrol)
    with CaptureQueriesContext(connection) as few:
        api.get(f"{P}/activities")
    for _ in range(5):
        services.check_in(activity=make_activity(rule=patrol), member=member, method="name")
    with CaptureQueriesContext(connection) as many:
        assert len(api.get(f"{P}/activities").json()["items"]) == 6
    assert len(many) == len(few)


def test_closing_credits_each_attendee_once_and_says_how_many_with_how_many_points(
    api_as, organizer, patrol, community, member
):
    activity = make_activity(rule=patrol, community=community)
    other = make_member(community=community)
    api = api_as(organizer)
    url = f"{P}/activities/{activity.public_id}"
    api.post(f"{url}/checkins/card", {"token": card_token(member)})
    api.post(f"{url}/checkins", {"member": other.public_id})
    closed = api.post(f"{url}/close", None, **{"Idempotency-Key": "close-1"})
    again = api.post(f"{url}/close", None)
    assert closed.json()["credited"] == 2 and closed.json()["points"] == 20
    assert closed.json()["activity"]["status"] == "closed"
    assert again.json()["already_closed"] and again.json()["credited"] == 2
    assert Transaction.objects.filter(member__in=[member, other]).count() == 2
    replay = api.post(f"{url}/close", None, **{"Idempotency-Key": "close-1"})
    assert replay.headers["Idempotent-Replayed"] == "true" and replay.json() == closed.json()


def test_a_closed_activity_can_be_neither_changed_nor_cancelled(api_as, admin, patrol):
    activity = make_activity(rule=patrol)
    services.close_activity(activity=activity, actor=admin)
    api = api_as(admin)
    changed = api.patch(f"{P}/activities/{activity.public_id}", {"title": "改"})
    cancelled = api.post(f"{P}/activities/{activity.public_id}/cancel", None)
    assert [changed.json()["code"], cancelled.json()["code"]] == ["activity_not_open"] * 2
    activity.refresh_from_db()
    assert activity.title != "改" and activity.status == ActivityStatus.CLOSED


# Sign-ups and check-ins


def test_a_full_activity_puts_the_next_on_the_waitlist_and_a_cancel_promotes_them(
    api_as, organizer, patrol, community
):
    activity = make_activity(rule=patrol, community=community, capacity=1)
    first, second = make_member(community=community), make_member(community=community)
    api = api_as(organizer)
    url = f"{P}/activities/{activity.public_id}/signups"
    assert api.post(url, {"member": first.public_id}).json()["status"] == "confirmed"
    assert api.post(url, {"member": second.public_id}).json()["status"] == "waiting"
    cancelled = api.post(f"{url}/{first.public_id}/cancel", None).json()
    assert cancelled["promoted"]["member"]["public_id"] == second.public_id
    listed = api.get(url).json()["items"]
    assert [s["status"] for s in listed] == ["cancelled", "confirmed"]


def test_a_second_scan_of_one_resident_changes_nothing(
    api_as, organizer, patrol, community, member
):
    activity = make_activity(rule=patrol, community=community)
    api = api_as(organizer)
    url = f"{P}/activities/{activity.public_id}/checkins"
    first = api.post(f"{url}/card", {"token": card_token(member)})
    again = api.post(f"{url}/phone", {"phone": "138 0013 8000"})
    assert (first.status_code, first.json()["created"]) == (201, True)
    assert (again.status_code, again.json()["created"]) == (200, False)
    assert Attendance.objects.filter(activity=activity).count() == 1


def test_the_roster_checks_in_those_signed_up_and_check_out_sets_minutes(
    api_as, organizer, patrol, community, member
):
    activity = make_activity(rule=patrol, community=community)
    services.sign_up(activity=activity, member=member)
    api = api_as(organizer)
    url = f"{P}/activities/{activity.public_id}"
    assert api.post(f"{url}/checkins/roster", None).json() == {"checked_in": 1}
    out = api.post(f"{url}/checkouts", {"member": member.public_id, "minutes": 90}).json()
    assert out["minutes"] == 90
    [listed] = api.get(f"{url}/attendances").json()["items"]
    assert (listed["method"], listed["minutes"]) == ("roster", 90)


def test_a_scan_outside_the_activity_is_refused_and_writes_nothing(
    api_as, organizer, patrol, community, member
):
    later = make_activity(
        rule=patrol, community=community, starts_at=clock.now() + timedelta(hours=3)
    )
    response = api_as(organizer).post(
        f"{P}/activities/{later.public_id}/checkins/card", {"token": card_token(member)}
    )
    assert (response.status_code, response.json()["code"]) == (422, "outside_activity")
    assert not Attendance.objects.exists()


def test_another_communitys_organizer_finds_neither_the_activity_nor_the_resident(
    api_as, programme, other_community, patrol, community, member
):
    theirs = make_staff(programme=programme, kind=RoleKind.ORGANIZER, community=other_community)
    mine = make_activity(rule=patrol, community=community)
    everyone = make_activity(rule=patrol)
    api = api_as(theirs)
    assert api.get(f"{P}/activities/{mine.public_id}").status_code == 404
    by_phone = api.post(
        f"{P}/activities/{everyone.public_id}/checkins/phone", {"phone": "13800138000"}
    )
    assert by_phone.status_code == 404
    assert not Attendance.objects.exists()


def test_the_resident_checks_in_with_the_code_on_the_screen_and_an_old_code_is_refused(
    api_as, organizer, resident, patrol, community, member
):
    activity = make_activity(rule=patrol, community=community)
    old = services.checkin_code(activity, clock.now() - timedelta(seconds=90))
    me = api_as(resident)
    url = f"{P}/me/activities/{activity.public_id}/checkin"
    expired = me.post(url, {"checkin_code": old})
    assert (expired.status_code, expired.json()["code"]) == (422, "code_expired")
    assert not Attendance.objects.exists()
    shown = api_as(organizer).get(f"{P}/activities/{activity.public_id}/checkin-code").json()
    checked = me.post(url, {"checkin_code": shown["code"]})
    assert checked.status_code == 201 and checked.json()["attendance"]["method"] == "code"


def test_the_resident_sees_their_activities_and_signs_up(
    api_as, resident, patrol, community, other_community
):
    mine = make_activity(rule=patrol, community=community)
    make_activity(rule=patrol, community=other_community)  # not theirs: not listed
    everyone = make_activity(rule=patrol)
    me = api_as(resident)
    signed = me.post(f"{P}/me/activities/{mine.public_id}/signup", None)
    assert (signed.status_code, signed.json()["signup"]) == (201, "confirmed")
    listed = {a["public_id"]: a["signup"] for a in me.get(f"{P}/me/activities").json()["items"]}
    assert listed == {mine.public_id: "confirmed", everyone.public_id: None}
    cancelled = me.post(f"{P}/me/activities/{mine.public_id}/signup/cancel", None)
    assert cancelled.json()["signup"] == "cancelled"


# Claims


def test_a_resident_claims_with_a_photo_and_a_reviewer_approves_with_instant_feedback(
    api_as, resident, reviewer, patrol, member
):
    claimed = api_as(resident).post(
        f"{P}/me/claims", {"rule": "patrol", "description": "扫雪", "photos": [png_base64()]}
    )
    assert claimed.status_code == 201, claimed.json()
    [photo] = claimed.json()["photos"]
    assert photo["content_type"] == "image/png"
    api = api_as(reviewer)
    inbox = api.get(f"{P}/claims", {"status": "submitted"}).json()["items"]
    assert [c["public_id"] for c in inbox] == [claimed.json()["public_id"]]
    url = f"{P}/claims/{claimed.json()['public_id']}"
    image = api.get(f"{url}/photos/{photo['public_id']}")
    assert image["Content-Type"] == "image/png" and b"".join(image).startswith(b"\x89PNG")
    approved = api.post(f"{url}/approve", {}, **{"Accept-Language": "zh-hans"})
    assert (
        approved.json()["status"] == "posted" and approved.json()["claim"]["status"] == "approved"
    )
    assert approved.json()["balance"] == 10 == summary_of(member).balance
    assert "10" in approved.json()["message"]


def test_staff_file_a_claim_on_behalf_and_a_refusal_needs_a_reason(
    api_as, organizer, reviewer, patrol, member
):
    filed = api_as(organizer).post(f"{P}/claims", {"member": member.public_id, "rule": "patrol"})
    assert filed.status_code == 201
    url = f"{P}/claims/{filed.json()['public_id']}/reject"
    empty = api_as(reviewer).post(url, {"reason": ""})
    refused = api_as(reviewer).post(url, {"reason": "没有照片"})
    assert empty.status_code == 422
    assert (refused.json()["status"], refused.json()["decision_reason"]) == ("rejected", "没有照片")


def test_a_claim_on_a_rule_that_allows_none_is_refused_and_writes_nothing(
    api_as, resident, programme
):
    make_rule(programme=programme, code="activity-only")
    response = api_as(resident).post(f"{P}/me/claims", {"rule": "activity-only"})
    assert (response.status_code, response.json()["code"]) == (422, "claims_not_allowed")
    assert not Claim.objects.exists()


@pytest.mark.parametrize(
    "photo",
    [
        base64.b64encode(b"GIF89a not a photo").decode(),
        "not base64!",
        base64.b64encode(b"").decode(),
    ],
)
def test_a_bad_photo_is_refused_and_nothing_is_kept(api_as, resident, patrol, settings, photo):
    response = api_as(resident).post(f"{P}/me/claims", {"rule": "patrol", "photos": [photo]})
    assert (response.status_code, response.json()["code"]) == (422, "photo_not_an_image")
    assert not Claim.objects.exists() and not ClaimPhoto.objects.exists()


def test_a_resident_withdraws_a_waiting_claim_but_sees_no_one_elses(
    api_as, resident, patrol, member, community
):
    other = make_member(community=community)
    theirs = services.submit_claim(member=other, rule=patrol, actor=None)
    mine = services.submit_claim(member=member, rule=patrol, actor=None)
    me = api_as(resident)
    assert me.post(f"{P}/me/claims/{theirs.public_id}/withdraw", None).status_code == 404
    assert me.post(f"{P}/me/claims/{mine.public_id}/withdraw", None).json()["status"] == "withdrawn"
    assert [c["public_id"] for c in me.get(f"{P}/me/claims").json()["items"]] == [mine.public_id]


# Notices, objections and appeals


@pytest.fixture
def on_notice(programme, community, reviewer):
    rule = make_rule(programme=programme, code="suggestion", allows_claims=True, notice_days=3)
    author = make_member(community=community, name="李建国")
    claim = services.submit_claim(member=author, rule=rule, actor=None)
    return services.approve_claim(claim=claim, actor=reviewer).earning


def test_a_resident_objects_to_an_award_on_notice_and_a_reviewer_dismisses_it(
    api_as, resident, reviewer, on_notice
):
    me = api_as(resident)
    [board] = me.get(f"{P}/me/notices").json()["items"]
    assert board["public_id"] == on_notice.public_id and board["status"] == "notice"
    assert board["member"]["display_name"] == "李*国"  # masked, as on the notice board
    objected = me.post(f"{P}/me/notices/{on_notice.public_id}/objections", {"reason": "他没来"})
    assert objected.status_code == 201 and objected.json()["about"] == "objection"
    on_notice.refresh_from_db()
    assert on_notice.status == EarningStatus.OBJECTED
    url = f"{P}/appeals/{objected.json()['public_id']}/answer"
    answered = api_as(reviewer).post(url, {"uphold": False, "answer": "核实来了"})
    assert answered.json()["status"] == "dismissed"
    on_notice.refresh_from_db()
    assert on_notice.status == EarningStatus.NOTICE


def test_staff_list_the_awards_on_notice(api_as, admin, on_notice):
    listed = api_as(admin).get(f"{P}/earnings", {"status": "notice"}).json()["items"]
    assert [e["public_id"] for e in listed] == [on_notice.public_id]
    assert api_as(admin).get(f"{P}/earnings", {"status": "posted"}).json()["items"] == []


def test_an_appeal_of_a_refused_claim_is_upheld_through_the_ledger(
    api_as, resident, reviewer, patrol, member
):
    claim = services.submit_claim(member=member, rule=patrol, actor=None)
    services.reject_claim(claim=claim, actor=reviewer, reason="无照片")
    made = api_as(resident).post(f"{P}/me/claims/{claim.public_id}/appeals", {"reason": "有照片"})
    assert made.status_code == 201 and made.json()["about"] == "refused_claim"
    url = f"{P}/appeals/{made.json()['public_id']}/answer"
    upheld = api_as(reviewer).post(url, {"uphold": True, "answer": "补发"}).json()
    assert upheld["status"] == "upheld" and upheld["correction"]
    assert summary_of(member).balance == 10
    twice = api_as(reviewer).post(url, {"uphold": True, "answer": "补发"})
    assert (twice.status_code, twice.json()["code"]) == (409, "appeal_answered")


def test_overdue_appeals_are_listed_on_their_own(api_as, resident, reviewer, patrol, member):
    with time_machine.travel(_at(-14 * 24)):
        claim = services.submit_claim(member=member, rule=patrol, actor=None)
        services.reject_claim(claim=claim, actor=reviewer, reason="无照片")
        late = services.appeal_refused_claim(claim=claim, member=member, reason="有照片")
    claim = services.submit_claim(member=member, rule=patrol, actor=None)
    services.reject_claim(claim=claim, actor=reviewer, reason="无照片")
    api_as(resident).post(f"{P}/me/claims/{claim.public_id}/appeals", {"reason": "有照片"})
    api = api_as(reviewer)
    [listed] = api.get(f"{P}/appeals", {"overdue": "true"}).json()["items"]
    assert listed["public_id"] == late.public_id and listed["overdue"]
    assert len(api.get(f"{P}/appeals").json()["items"]) == 2


def test_an_appeal_for_a_missing_award_needs_a_closed_activity_one_took_part_in(
    api_as, organizer, patrol, community, member
):
    activity = make_activity(rule=patrol, community=community)
    url = f"{P}/activities/{activity.public_id}/appeals"
    body = {"member": member.public_id, "reason": "我来了"}
    early = api_as(organizer).post(url, body)
    services.sign_up(activity=activity, member=member)
    services.close_activity(activity=activity, actor=organizer)
    made = api_as(organizer).post(url, body)
    assert (early.status_code, early.json()["code"]) == (422, "appeal_not_allowed")
    assert made.status_code == 201 and made.json()["about"] == "missing"
    assert Appeal.objects.count() == 1


# The daily check-in


def test_the_daily_check_in_answers_with_the_instant_feedback_once_a_day(
    api_as, resident, programme, member
):
    make_rule(programme=programme, kind="checkin", config={"points": 1}, name="签到")
    me = api_as(resident)
    first = me.post(f"{P}/me/checkins", None, **{"Accept-Language": "zh-hans"})
    again = me.post(f"{P}/me/checkins", None)
    assert first.status_code == 201 and first.json()["balance"] == 1
    assert "1" in first.json()["message"] and first.json()["message"]
    assert (again.status_code, again.json()["code"]) == (409, "checked_in_today")
    assert [e["source"] for e in me.get(f"{P}/me/earnings").json()["items"]] == ["checkin"]


def test_residents_reach_no_staff_endpoint(api_as, resident, patrol):
    activity = make_activity(rule=patrol)
    me = api_as(resident)
    assert me.get(f"{P}/activities").status_code == 404
    assert me.post(f"{P}/activities/{activity.public_id}/close", None).status_code == 404
    assert me.get(f"{P}/claims").status_code == 404
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.OPEN


# Many at once (PostgreSQL)

pg = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrency is proven on PostgreSQL"
)


@pg
@pytest.mark.django_db(transaction=True)
def test_two_organizers_scanning_the_same_fifty_residents_at_once_make_fifty_check_ins(
    programme, community, patrol
):
    from django.test import Client

    from jifen.api.tests.conftest import ApiClient

    activity = make_activity(rule=patrol, community=community)
    residents = [make_member(community=community) for _ in range(50)]
    organizers = [make_staff(programme=programme, kind=RoleKind.ORGANIZER) for _ in range(2)]
    url = f"{P}/activities/{activity.public_id}/checkins/card"

    def scan_all(i: int) -> list[int]:
        """Ten phones per organizer, each scanning all fifty, each starting elsewhere."""
        client = Client()
        client.force_login(organizers[i % 2])
        api, start = ApiClient(client), i * 5 % 50
        order = residents[start:] + residents[:start]
        return [api.post(url, {"token": card_token(m)}).status_code for m in order]

    statuses = [status for scans in at_once(scan_all, threads=20) for status in scans]
    assert statuses.count(201) == 50 and statuses.count(200) == 950
    assert Attendance.objects.filter(activity=activity).count() == 50


@pg
@pytest.mark.django_db(transaction=True)
def test_the_same_activity_closed_twice_at_once_is_credited_once(programme, community, patrol):
    activity = make_activity(rule=patrol, community=community)
    attendees = [make_member(community=community) for _ in range(30)]
    for m in attendees:
        services.check_in(activity=activity, member=m, method="name")
    admins = [make_staff(programme=programme) for _ in range(2)]
    results = at_once(
        lambda i: services.close_activity(activity=activity, actor=admins[i]), threads=2
    )
    assert sorted(r.already for r in results) == [False, True]
    assert Earning.objects.filter(activity=activity).count() == 30
    assert Transaction.objects.filter(member__in=attendees).count() == 30
    assert all(summary_of(m).balance == 10 for m in attendees)


@pg
@pytest.mark.django_db(transaction=True)
def test_the_same_activity_closed_twice_at_once_over_http_is_credited_once(
    programme, community, patrol
):
    from django.test import Client

    from jifen.api.tests.conftest import ApiClient

    activity = make_activity(rule=patrol, community=community)
    attendees = [make_member(community=community) for _ in range(30)]
    for m in attendees:
        services.check_in(activity=activity, member=m, method="name")
    admins = [make_staff(programme=programme) for _ in range(2)]

    def close(i: int) -> dict:
        client = Client()
        client.force_login(admins[i])
        return ApiClient(client).post(f"{P}/activities/{activity.public_id}/close", None).json()

    answers = at_once(close, threads=2)
    assert sorted(a["already_closed"] for a in answers) == [False, True]
    assert all(a["credited"] == 30 for a in answers)
    assert Transaction.objects.filter(member__in=attendees).count() == 30
