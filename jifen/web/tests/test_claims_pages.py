"""The claim, notice, objection and appeal pages of residents, and the reviewers' inbox: each
page calls the earning services and shows their refusals; photos reach only the claimant and
staff who may see the resident; a refused upload writes nothing."""

import io
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from PIL import ExifTags, Image

from jifen.earning import errors, services
from jifen.earning.models import (
    Appeal,
    AppealKind,
    AppealStatus,
    Claim,
    ClaimPhoto,
    ClaimStatus,
    Earning,
    EarningStatus,
)
from jifen.ledger.queries import summary_of
from jifen.lib import clock
from jifen.lib.images import PhotoNotAnImage, PhotoTooLarge
from jifen.programmes.models import Role, RoleKind
from jifen.testing import (
    make_activity,
    make_community,
    make_household,
    make_member,
    make_resident_user,
    make_rule,
    make_staff,
    text_of,
)
from jifen.web.common import ACTING_FOR_SESSION_KEY

SHANGHAI = ZoneInfo("Asia/Shanghai")


def url(name: str, *args) -> str:
    with translation.override("en"):
        return reverse(name, args=args)


def english(message) -> str:
    with translation.override("en"):
        return str(message)


def jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Phonemaker"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (39.0, 54.0, 27.0)
    out = io.BytesIO()
    Image.new("RGB", (80, 60), "green").save(out, "JPEG", exif=exif)
    return out.getvalue()


def photo_file(content: bytes | None = None, name: str = "photo.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content or jpeg_with_gps(), content_type="image/jpeg")


@pytest.fixture
def suggestion(programme):
    return make_rule(
        programme=programme,
        code="suggestion",
        name="合理化建议",
        kind="range",
        config={"min": 20, "max": 100},
        allows_claims=True,
        requires_review=True,
        notice_days=3,
    )


@pytest.fixture
def reviewer(programme):
    return make_staff(programme=programme, kind=RoleKind.REVIEWER, username="reviewer")


@pytest.fixture
def claim(suggestion, member):
    return services.submit_claim(member=member, rule=suggestion, actor=None, description="扶手")


@pytest.fixture
def on_notice(claim, reviewer):
    return services.approve_claim(claim=claim, actor=reviewer, points=80).earning


def send_claim(client, programme, **fields):
    data = {"rule": "suggestion", "description": "楼道加装扶手", **fields}
    return client.post(url("resident-claim-new", programme.slug), data, follow=True)


def stored_photos() -> set[Path]:
    """Every stored claim photo (the media folder is shared by the tests of a run)."""
    return {p for p in Path(settings.MEDIA_ROOT).glob("claims/**/*") if p.is_file()}


# Claiming.


def test_a_claim_with_a_photo_is_filed_and_the_photo_kept_without_its_exif(
    client, programme, resident, suggestion
):
    client.force_login(resident)
    response = send_claim(client, programme, photos=[photo_file()])
    assert "Your claim was sent" in response.text
    photo = ClaimPhoto.objects.get(claim__member__user=resident)
    kept = Image.open(settings.MEDIA_ROOT / photo.path)
    assert photo.content_type == "image/jpeg" and kept.format == "JPEG"
    assert dict(kept.getexif()) == {} and b"Phonemaker" not in kept.fp.read()
    assert Claim.objects.get().description == "楼道加装扶手"


def test_the_claim_form_offers_the_rules_criteria_and_measures_and_a_camera(
    client, programme, resident
):
    make_rule(
        programme=programme,
        code="sorting",
        kind="criteria",
        config={
            "criteria": [{"code": "resorted", "label": "二次分拣"}],
            "combos": [{"requires": ["resorted"], "points": 2}],
            "bands": {"measure": "accuracy", "steps": [[60, 1], [80, 3]]},
        },
        allows_claims=True,
    )
    client.force_login(resident)
    page = client.get(url("resident-claim-new", programme.slug) + "?rule=sorting").text
    assert 'value="resorted"' in page and "二次分拣" in page
    assert 'name="measure_accuracy"' in page
    assert 'accept="image/jpeg,image/png,image/webp"' in page and 'capture="environment"' in page


@pytest.mark.parametrize(
    ("upload", "refusal"),
    [
        (photo_file(b"%PDF-1.4 not a photo", "notes.pdf"), PhotoNotAnImage()),
        (photo_file(b"\xff\xd8" + b"\0" * (6 * 2**20)), PhotoTooLarge(max=5)),
    ],
    ids=["not an image", "6 MB"],
)
def test_a_refused_photo_gets_its_message_and_nothing_is_written(
    client, programme, resident, suggestion, upload, refusal
):
    client.force_login(resident)
    before = stored_photos()
    response = send_claim(client, programme, photos=[upload])
    assert response.status_code == 422
    assert english(refusal.message % refusal.params) in response.text
    assert Claim.objects.count() == 0 and stored_photos() == before


def test_a_photo_refusal_is_in_the_pages_language(client, programme, resident, suggestion):
    client.force_login(resident)
    with translation.override("fr"):
        address = reverse("resident-claim-new", args=[programme.slug])
        expected = str(PhotoNotAnImage())
    response = client.post(address, {"rule": "suggestion", "photos": [photo_file(b"x")]})
    assert response.status_code == 422 and expected in response.text


def test_a_50_mb_upload_is_refused_unread_with_the_too_large_page(
    client, programme, resident, suggestion
):
    client.force_login(resident)
    before = stored_photos()
    big = photo_file(b"\0" * (50 * 2**20))
    response = client.post(
        url("resident-claim-new", programme.slug), {"rule": "suggestion", "photos": [big]}
    )
    assert response.status_code == 400
    assert "Too much at once" in response.text
    assert Claim.objects.count() == 0 and stored_photos() == before


def test_four_photos_are_refused(client, programme, resident, suggestion):
    client.force_login(resident)
    response = send_claim(client, programme, photos=[photo_file() for _ in range(4)])
    assert response.status_code == 422 and "At most 3 photos." in response.text
    assert Claim.objects.count() == 0


def test_a_claim_under_a_rule_that_allows_none_is_refused_clearly(client, programme, resident):
    make_rule(programme=programme, code="patrol", name="巡逻")
    client.force_login(resident)
    response = send_claim(client, programme, rule="patrol")
    assert response.status_code == 422
    assert english(errors.ClaimsNotAllowed.message % {"rule": "巡逻"}) in response.text
    assert Claim.objects.count() == 0


def test_staff_acting_on_behalf_claim_for_the_resident(client, programme, member, suggestion):
    organizer = make_staff(programme=programme, kind=RoleKind.ORGANIZER)
    client.force_login(organizer)
    session = client.session
    session[ACTING_FOR_SESSION_KEY] = {"programme": programme.slug, "member": member.public_id}
    session.save()
    send_claim(client, programme)
    claim = Claim.objects.get()
    assert claim.member == member and claim.submitted_by == organizer


def test_my_claims_show_the_status_the_points_and_the_refusal_with_an_appeal_button(
    client, programme, resident, claim, reviewer
):
    services.reject_claim(claim=claim, actor=reviewer, reason="不够具体")
    client.force_login(resident)
    page = client.get(url("resident-claims", programme.slug)).text
    row = text_of(page, f"claim-{claim.public_id}")
    assert "refused" in row and "不够具体" in row
    assert url("resident-appeal-claim", programme.slug, claim.public_id) in page


# Reviewing.


def test_a_reviewer_sees_the_claim_with_its_photo_and_the_range_to_choose_from(
    client, programme, member, suggestion, reviewer
):
    claim = services.submit_claim(member=member, rule=suggestion, actor=None)
    client.force_login(reviewer)
    page = client.get(url("console-review", programme.slug)).text
    assert 'min="20" max="100"' in page
    assert url("console-claim-approve", programme.slug, claim.public_id) in page


def test_a_reviewer_approves_within_the_range_and_the_award_goes_on_notice(
    client, programme, claim, reviewer
):
    client.force_login(reviewer)
    address = url("console-claim-approve", programme.slug, claim.public_id)
    response = client.post(address, {"points": "80"}, follow=True)
    assert "Approved: 80 points, on public notice until" in response.text
    earning = Earning.objects.get(claim=claim)
    assert earning.points == 80 and earning.status == EarningStatus.NOTICE


@pytest.mark.parametrize("points", ["101", "19", ""])
def test_points_outside_the_range_are_refused(client, programme, claim, reviewer, points):
    client.force_login(reviewer)
    address = url("console-claim-approve", programme.slug, claim.public_id)
    response = client.post(address, {"points": points}, follow=True)
    assert 'class="flash error"' in response.text
    assert Claim.objects.get().status == ClaimStatus.SUBMITTED and not Earning.objects.exists()


def test_a_reviewer_refuses_with_a_reason(client, programme, claim, reviewer):
    client.force_login(reviewer)
    address = url("console-claim-reject", programme.slug, claim.public_id)
    assert "Give the reason" in client.post(address, {"reason": ""}, follow=True).text
    client.post(address, {"reason": "重复申报"})
    refused = Claim.objects.get()
    assert refused.status == ClaimStatus.REJECTED and refused.decision_reason == "重复申报"


def test_nobody_decides_a_claim_of_their_own_household(client, programme, community, suggestion):
    home = make_household(community=community)
    claimant = make_member(community=community, household=home)
    relative = make_resident_user(member=make_member(community=community, household=home))
    Role.objects.create(user=relative, programme=programme, kind=RoleKind.REVIEWER)
    claim = services.submit_claim(member=claimant, rule=suggestion, actor=None)
    client.force_login(relative)
    page = client.get(url("console-review", programme.slug)).text
    assert "This claim is of your own household" in page
    address = url("console-claim-approve", programme.slug, claim.public_id)
    response = client.post(address, {"points": "50"}, follow=True)
    assert english(errors.OwnClaim.message) in response.text
    assert Claim.objects.get().status == ClaimStatus.SUBMITTED


# Public notice, objections, appeals.


def test_the_notice_board_masks_names_and_shows_no_phone_nor_photo(
    client, programme, member, on_notice, community
):
    client.force_login(make_resident_user(member=make_member(community=community)))
    page = client.get(url("resident-notices", programme.slug)).text
    assert text_of(page, f"notice-{on_notice.public_id}").startswith("王*英 · 合理化建议 · +80")
    assert "王秀英" not in page and member.phone not in page and "photos" not in page


def test_an_objection_then_an_upheld_answer_cancels_the_award(
    client, programme, community, on_notice, reviewer
):
    neighbour = make_resident_user(member=make_member(community=community))
    client.force_login(neighbour)
    sent = {"earning": on_notice.public_id, "reason": "没有这回事"}
    response = client.post(url("resident-notices", programme.slug), sent, follow=True)
    assert "Your objection was recorded." in response.text
    appeal = Appeal.objects.get(kind=AppealKind.OBJECTION)
    answer(client, reviewer, appeal, "uphold", "核实：属实")
    on_notice.refresh_from_db()
    assert on_notice.status == EarningStatus.CANCELLED
    assert Appeal.objects.get().status == AppealStatus.UPHELD


def answer(client, reviewer, appeal, decision: str, text: str, points: str = ""):
    client.force_login(reviewer)
    address = url("console-appeal-answer", appeal.programme.slug, appeal.public_id)
    data = {"decision": decision, "answer": text, "points": points}
    return client.post(address, data, follow=True)


def test_a_dismissed_objection_goes_back_on_notice_and_is_credited_when_it_ends(
    client, programme, community, member, resident, on_notice, reviewer
):
    objector = make_member(community=community)
    appeal = services.object_to(earning=on_notice, member=objector, reason="有疑问")
    client.force_login(reviewer)
    inbox = client.get(url("console-review", programme.slug)).text
    assert text_of(inbox, f"notice-{on_notice.public_id}").endswith("1")  # one objection
    answer(client, reviewer, appeal, "dismiss", "经核实无误")
    on_notice.refresh_from_db()
    assert on_notice.status == EarningStatus.NOTICE
    with time_machine.travel(clock.now() + timedelta(days=3, minutes=1)):
        assert services.post_due_notices(programme=programme) == 1
    client.force_login(resident)
    history = client.get(url("resident-points", programme.slug)).text
    assert "+80" in text_of(history, "history")


def test_overdue_appeals_come_first_and_are_counted(
    client, programme, community, member, suggestion, reviewer
):
    monday = datetime(2026, 12, 7, 10, 0, tzinfo=SHANGHAI)  # answers due Thursday, Friday
    with time_machine.travel(monday):
        claim = services.submit_claim(member=member, rule=suggestion, actor=None)
        earning = services.approve_claim(claim=claim, actor=reviewer, points=30).earning
        late = services.object_to(
            earning=earning, member=make_member(community=community), reason="a"
        )
    with time_machine.travel(monday + timedelta(days=1)):
        services.object_to(earning=earning, member=make_member(community=community), reason="b")
    client.force_login(reviewer)
    with time_machine.travel(monday + timedelta(days=4)):  # Friday 10:00
        page = client.get(url("console-review", programme.slug)).text
    assert text_of(page, "overdue-count") == "1 overdue"
    first = page.index('class="appeal')
    assert page.index(f'id="appeal-{late.public_id}"') < page.index('id="appeal-', first + 30)
    assert f'<article class="appeal overdue" id="appeal-{late.public_id}"' in page


def test_a_refused_claim_appealed_and_upheld_is_credited_and_linked_to_its_proof(
    client, programme, member, resident, claim, reviewer
):
    services.reject_claim(claim=claim, actor=reviewer, reason="不具体")
    client.force_login(resident)
    address = url("resident-appeal-claim", programme.slug, claim.public_id)
    response = client.post(address, {"reason": "已补充方案"}, follow=True)
    assert "Your appeal was sent." in response.text
    appeal = Appeal.objects.get()
    assert "Give the points" in answer(client, reviewer, appeal, "uphold", "采纳").text
    answer(client, reviewer, appeal, "uphold", "采纳", points="60")
    assert summary_of(member).balance == 60
    client.force_login(resident)
    page = client.get(url("resident-appeals", programme.slug)).text
    correction = Appeal.objects.get().correction
    assert f"?entry={correction.public_id}" in page and "采纳" in page


def test_an_award_is_appealed_from_my_appeals_and_corrected(
    client, programme, member, resident, reviewer
):
    patrol = make_rule(programme=programme, name="巡逻", config={"points": 10})
    activity = make_activity(rule=patrol)
    services.check_in(activity=activity, member=member, method="name")
    (earning,) = services.close_activity(activity=activity, actor=None).earnings
    client.force_login(resident)
    page = client.get(url("resident-appeals", programme.slug)).text
    address = url("resident-appeal-award", programme.slug, earning.public_id)
    assert address in text_of(page, "appealable-awards") or address in page
    client.post(address, {"reason": "夜间巡逻应为20分"})
    answer(client, reviewer, Appeal.objects.get(), "uphold", "更正", points="20")
    assert summary_of(member).balance == 20


def test_a_missing_award_is_appealed_for_an_activity_signed_up_for(
    client, programme, member, resident, reviewer
):
    activity = make_activity(rule=make_rule(programme=programme, name="清扫"))
    services.sign_up(activity=activity, member=member)
    services.close_activity(activity=activity, actor=None)
    client.force_login(resident)
    address = url("resident-appeal-missing", programme.slug, activity.public_id)
    assert address in client.get(url("resident-appeals", programme.slug)).text
    client.post(address, {"reason": "我参加了"})
    answer(client, reviewer, Appeal.objects.get(kind=AppealKind.MISSING), "uphold", "补录")
    assert summary_of(member).balance == 10


def test_another_resident_cannot_open_an_appeal_form_of_mine(
    client, programme, community, claim, reviewer
):
    services.reject_claim(claim=claim, actor=reviewer, reason="x")
    client.force_login(make_resident_user(member=make_member(community=community)))
    address = url("resident-appeal-claim", programme.slug, claim.public_id)
    assert client.get(address).status_code == 404
    assert client.post(address, {"reason": "y"}).status_code == 404


# Photos.


@pytest.fixture
def photo(programme, member, suggestion):
    from jifen.lib.images import clean_photo

    claim = services.submit_claim(
        member=member, rule=suggestion, actor=None, photos=[clean_photo(jpeg_with_gps())]
    )
    return claim.photos.get()


def test_the_photo_is_served_privately_to_the_programmes_staff_and_to_the_claimant(
    client, programme, resident, reviewer, photo
):
    client.force_login(reviewer)
    response = client.get(url("console-claim-photo", programme.slug, photo.public_id))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"].startswith("private")
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"
    client.force_login(resident)
    mine = client.get(url("resident-claim-photo", programme.slug, photo.public_id))
    assert mine.status_code == 200 and mine["Cache-Control"].startswith("private")


def test_the_photo_is_not_found_for_another_programmes_staff_another_community_or_resident(
    client, programme, community, photo, other_admin
):
    elsewhere = make_community(programme=programme, name="西区")
    callers = [
        other_admin,
        make_staff(programme=programme, kind=RoleKind.REVIEWER, community=elsewhere),
        make_resident_user(member=make_member(community=community)),
    ]
    for caller in callers:
        client.force_login(caller)
        for name in ("console-claim-photo", "resident-claim-photo"):
            assert client.get(url(name, programme.slug, photo.public_id)).status_code == 404


# Pages of many rows cost a fixed number of queries.


def fill(programme, community, suggestion, reviewer, count: int) -> None:
    """`count` claims waiting, awards on notice and objections, appeals of refused claims."""
    for _ in range(count):
        claimant = make_member(community=community)
        waiting = services.submit_claim(member=claimant, rule=suggestion, actor=None)
        services.submit_claim(member=claimant, rule=suggestion, actor=None)
        earning = services.approve_claim(claim=waiting, actor=reviewer, points=30).earning
        services.object_to(earning=earning, member=claimant, reason="x")
        refused = services.submit_claim(member=claimant, rule=suggestion, actor=None)
        services.reject_claim(claim=refused, actor=reviewer, reason="x")
        services.appeal_refused_claim(claim=refused, member=claimant, reason="y")


def queries_of(client, address: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(address).status_code == 200
    return len(queries)


def test_the_inbox_and_the_notice_board_cost_the_same_queries_for_more_rows(
    client, programme, community, suggestion, reviewer, resident
):
    inbox, board = url("console-review", programme.slug), url("resident-notices", programme.slug)
    fill(programme, community, suggestion, reviewer, 2)
    client.force_login(reviewer)
    few = queries_of(client, inbox)
    client.force_login(resident)
    few_board = queries_of(client, board)
    fill(programme, community, suggestion, reviewer, 6)
    assert queries_of(client, board) == few_board
    client.force_login(reviewer)
    assert queries_of(client, inbox) == few


@pytest.mark.parametrize(
    ("field", "value", "status"),
    [
        ("description", "a\x00b", 400),
        ("description", "长" * 3000, 422),
        ("measure_accuracy", str(2**63), 422),
        ("measure_accuracy", "1e400", 422),
        ("criteria", "nonesuch", 422),
        ("occurred_at", "2026-13-40T99:99", 422),
    ],
)
def test_the_claim_form_refuses_hostile_fields_and_writes_nothing(
    client, programme, resident, field, value, status
):
    make_rule(
        programme=programme,
        code="sorting",
        kind="criteria",
        config={
            "criteria": [{"code": "resorted", "label": "二次分拣"}],
            "combos": [{"requires": ["resorted"], "points": 2}],
            "bands": {"measure": "accuracy", "steps": [[60, 1]]},
        },
        allows_claims=True,
    )
    client.force_login(resident)
    data = {"rule": "sorting", "measure_accuracy": "70", field: value}
    response = client.post(url("resident-claim-new", programme.slug), data)
    assert response.status_code == status and Claim.objects.count() == 0
