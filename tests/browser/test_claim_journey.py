"""A resident claims points for a suggestion on her phone, with a photo; a reviewer approves
80 of its 20–100 at a desk; when the three days of public notice are over, the points are
hers. A second award on notice draws a neighbour's objection from the notice board, which
the reviewer answers from the same inbox.

Controls are found by name, form action and the ids of rows, which no translation changes;
the live server runs in this process, so time_machine moves its clock too."""

import io
from datetime import timedelta

import pytest
import time_machine
from PIL import Image
from playwright.sync_api import expect

from jifen.earning import services
from jifen.earning.models import Appeal, AppealStatus, Claim, Earning, EarningStatus
from jifen.lib import clock
from jifen.programmes.models import RoleKind
from jifen.testing import make_member, make_resident_user, make_rule, make_staff

pytestmark = pytest.mark.browser


@pytest.fixture
def suggestion(programme):
    return make_rule(
        programme=programme,
        code="suggestion",
        name="合理化建议",
        kind="range",
        config={"min": 20, "max": 100},
        description="对社区公共事务提出的建议，经采纳后按 20–100 分计",
        allows_claims=True,
        requires_review=True,
        notice_days=3,
    )


@pytest.fixture
def reviewer(programme):
    return make_staff(programme=programme, kind=RoleKind.REVIEWER, username="reviewer")


@pytest.fixture
def neighbour(community):
    member = make_member(community=community, name="李建国", phone="13900000002")
    make_resident_user(member=member)
    return member


@pytest.fixture
def photo(tmp_path):
    path = tmp_path / "handrail.jpg"
    image = Image.new("RGB", (1200, 900), (200, 180, 120))
    image.paste((90, 60, 30), (0, 400, 1200, 460))  # a handrail along the stairwell
    out = io.BytesIO()
    image.save(out, "JPEG")
    path.write_bytes(out.getvalue())
    return path


def test_a_suggestion_is_claimed_approved_within_its_range_and_counts_after_notice(
    new_page, screenshot, sign_in, zh_url, programme, resident, reviewer, suggestion, photo
):
    phone = new_page("phone")
    sign_in(phone, "13800138000")
    phone.goto(zh_url("resident-claim-new", programme.slug))
    phone.locator("#rules a", has_text="合理化建议").click()
    form = phone.locator("#claim-form")
    form.locator("textarea[name=description]").fill("三号楼楼道加装扶手，方便老人上下楼")
    form.locator("input[name=photos]").set_input_files(str(photo))
    screenshot("claim-01-form", phone)
    form.locator("button[type=submit]").click()
    claim = Claim.objects.get()
    expect(phone.locator(f"#claim-{claim.public_id} .status-submitted")).to_be_visible()
    expect(phone.locator(f"#claim-{claim.public_id} .thumbs img")).to_have_count(1)
    screenshot("claim-02-sent", phone)

    desk = new_page("desktop")
    sign_in(desk, "reviewer")
    desk.locator(f'nav a[href="{zh_url("console-review", programme.slug)}"]').click()
    row = desk.locator(f"#claim-{claim.public_id}")
    thumb = row.locator(".thumbs img")
    expect(thumb).to_be_visible()
    desk.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=thumb.element_handle()
    )
    points = row.locator("input[name=points]")
    expect(points).to_have_attribute("min", "20")
    expect(points).to_have_attribute("max", "100")
    points.fill("120")  # beyond the range: the browser does not send it
    assert not points.evaluate("input => input.checkValidity()")
    points.fill("80")
    screenshot("claim-03-inbox", desk)
    row.locator("form.approve button[type=submit]").click()
    earning = Earning.objects.get(claim=claim)
    expect(desk.locator(f"#notice-{earning.public_id}")).to_contain_text("80")
    expect(desk.locator(f"#claim-{claim.public_id}")).to_have_count(0)
    screenshot("claim-04-approved-on-notice", desk)

    phone.goto(zh_url("resident-notices", programme.slug))
    expect(phone.locator(f"#notice-{earning.public_id} .name")).to_have_text("王*英")
    screenshot("claim-05-notice-board", phone)
    with time_machine.travel(clock.now() + timedelta(days=3, minutes=1), tick=True):
        assert services.post_due_notices(programme=programme) == 1
        phone.goto(zh_url("resident-points", programme.slug))
        expect(phone.locator("#history tbody tr").first.locator(".points")).to_have_text("+80")
        expect(phone.locator("#balance")).to_have_text("80")
        screenshot("claim-06-points", phone)
    earning.refresh_from_db()
    assert earning.status == EarningStatus.POSTED and earning.credited == 80


def test_a_neighbour_objects_on_the_notice_board_and_the_reviewer_answers(
    new_page, screenshot, sign_in, zh_url, programme, member, reviewer, suggestion, neighbour
):
    claim = services.submit_claim(member=member, rule=suggestion, actor=None, description="路灯")
    earning = services.approve_claim(claim=claim, actor=reviewer, points=60).earning

    phone = new_page("phone")
    sign_in(phone, "13900000002")
    phone.goto(zh_url("resident-notices", programme.slug))
    notice = phone.locator(f"#notice-{earning.public_id}")
    expect(notice.locator(".name")).to_have_text("王*英")
    notice.locator("summary").click()
    notice.locator("textarea[name=reason]").fill("路灯是物业更换的，并非本人建议")
    screenshot("claim-07-objection", phone)
    notice.locator("button[type=submit]").click()
    expect(phone.locator(f"#notice-{earning.public_id} mark")).to_be_visible()
    appeal = Appeal.objects.get()

    desk = new_page("desktop")
    sign_in(desk, "reviewer")
    desk.goto(zh_url("console-review", programme.slug))
    expect(desk.locator(f"#notice-{earning.public_id} .objections")).to_have_text("1")
    row = desk.locator(f"#appeal-{appeal.public_id}")
    expect(row).to_contain_text("路灯是物业更换的")
    row.locator("textarea[name=answer]").fill("经核实，路灯由物业更换，取消本次积分")
    screenshot("claim-08-inbox-objection", desk)
    row.locator("button[name=decision][value=uphold]").click()
    expect(desk.locator(f"#appeal-{appeal.public_id}")).to_have_count(0)
    screenshot("claim-09-answered", desk)

    phone.goto(zh_url("resident-appeals", programme.slug))
    expect(phone.locator(f"#appeal-{appeal.public_id} .status-upheld")).to_be_visible()
    expect(phone.locator(f"#appeal-{appeal.public_id}")).to_contain_text("取消本次积分")
    screenshot("claim-10-neighbours-appeals", phone)
    earning.refresh_from_db()
    assert earning.status == EarningStatus.CANCELLED
    assert Appeal.objects.get().status == AppealStatus.UPHELD
