"""Earning objects of every kind a route names, for the tests that call every route (the
hostile-input sweep, the access matrix, the idempotent writes): rules, activities open and
closed, sign-ups and check-ins, claims waiting and refused, awards posted and on notice, an
open objection and a device key. Everything goes through the real services."""

import base64
import io
from dataclasses import dataclass

from PIL import Image

from jifen.accounts.models import User
from jifen.earning import services
from jifen.earning.models import (
    Activity,
    Appeal,
    Attendance,
    Claim,
    ClaimPhoto,
    DeviceEvent,
    DeviceKey,
    Earning,
    Rule,
    RuleVersion,
    SignUp,
)
from jifen.lib.images import clean_photo
from jifen.programmes.models import Community, Member
from jifen.testing import make_activity, make_member, make_rule

EARNING_MODELS = (
    Rule,
    RuleVersion,
    Activity,
    SignUp,
    Attendance,
    Claim,
    ClaimPhoto,
    Earning,
    Appeal,
    DeviceKey,
    DeviceEvent,
)


def png_photo(size: int = 8) -> bytes:
    """A small real photo (PNG) of `size` pixels a side."""
    out = io.BytesIO()
    Image.new("RGB", (size, size), (200, 60, 30)).save(out, format="PNG")
    return out.getvalue()


def png_base64(size: int = 8) -> str:
    return base64.b64encode(png_photo(size)).decode()


@dataclass(frozen=True)
class EarningWorld:
    """`member` and `other` share a household in one community; `attendee` lives there too."""

    rule: Rule  # fixed 10 points; claims and devices allowed; code "patrol"
    notice_rule: Rule  # fixed 20 points with 3 days of public notice; claims allowed
    checkin_rule: Rule  # the daily check-in
    activity: Activity  # open now: `other` signed up, `attendee` checked in
    joined_activity: Activity  # open now: `member` signed up
    closed_activity: Activity  # closed: `member` signed up but never came
    attendee: Member
    claim: Claim  # `member`'s, waiting, with one photo
    photo: ClaimPhoto
    rejected_claim: Claim  # `member`'s, refused
    posted_earning: Earning  # `member`'s, credited
    notice_earning: Earning  # `other`'s, on notice (objected to by `attendee`)
    appeal: Appeal  # `attendee`'s open objection to `notice_earning`
    device: DeviceKey  # for `rule`
    device_secret: str


def make_earning_world(
    *, community: Community, member: Member, other: Member, reviewer: User, rule_code: str = ""
) -> EarningWorld:
    """The objects above, in `community` of its programme, decided by `reviewer` (staff who
    is not of the members' household)."""
    programme = community.programme
    rule = make_rule(
        programme=programme,
        code=rule_code or "patrol",
        name="巡逻",
        allows_claims=True,
        allows_devices=True,
    )
    notice_rule = make_rule(
        programme=programme, name="公示", config={"points": 20}, allows_claims=True, notice_days=3
    )
    checkin_rule = make_rule(
        programme=programme, kind="checkin", config={"points": 1}, name="每日签到"
    )
    attendee = make_member(community=community, name="赵大爷")
    activity = make_activity(rule=rule, community=community)
    services.sign_up(activity=activity, member=other)
    services.check_in(activity=activity, member=attendee, method="name")
    joined = make_activity(rule=rule, community=community)
    services.sign_up(activity=joined, member=member)
    closed = make_activity(rule=rule, community=community)
    services.sign_up(activity=closed, member=member)
    services.close_activity(activity=closed, actor=reviewer)
    claim = services.submit_claim(
        member=member, rule=rule, actor=None, photos=[clean_photo(png_photo())]
    )
    refused = services.submit_claim(member=member, rule=rule, actor=None)
    services.reject_claim(claim=refused, actor=reviewer, reason="无照片")
    approved = services.submit_claim(member=member, rule=rule, actor=None)
    posted = services.approve_claim(claim=approved, actor=reviewer).earning
    noticed = services.submit_claim(member=other, rule=notice_rule, actor=None)
    on_notice = services.approve_claim(claim=noticed, actor=reviewer).earning
    appeal = services.object_to(earning=on_notice, member=attendee, reason="他没来")
    new_key = services.create_device_key(
        programme=programme, name="垃圾桶", rules=[rule], actor=None
    )
    return EarningWorld(
        rule=rule,
        notice_rule=notice_rule,
        checkin_rule=checkin_rule,
        activity=activity,
        joined_activity=joined,
        closed_activity=closed,
        attendee=attendee,
        claim=claim,
        photo=claim.photos.get(),
        rejected_claim=refused,
        posted_earning=posted,
        notice_earning=on_notice,
        appeal=appeal,
        device=new_key.device,
        device_secret=new_key.secret,
    )
