"""For the tests that send hostile input to every route: the values they send, a programme
full of real objects to put in paths and forms, and a snapshot of every table to prove that a
refused request wrote nothing."""

import io
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from PIL import Image

from jifen.accounts.models import PersonalToken, User
from jifen.accounts.services import create_personal_token
from jifen.earning import services as earning_services
from jifen.earning.models import Activity
from jifen.ledger import services as ledger
from jifen.ledger.models import Approval, Hold, Transaction
from jifen.lib.images import clean_photo
from jifen.programmes import services
from jifen.programmes.models import (
    Community,
    Household,
    Invitation,
    Member,
    Programme,
    Role,
    RoleKind,
)
from jifen.programmes.staff import offer_role
from jifen.rewards import services as rewards_services
from jifen.testing import (
    make_activity,
    make_community,
    make_household,
    make_member,
    make_programme,
    make_resident_user,
    make_rule,
    make_staff,
    make_user,
)
from jifen.testing_rewards import make_reward, make_store

NUL = "\x00"
INNER_NUL = "a\x00b"
SURROGATE = "\ud800"
LONG = "长" * 100_000  # within the request limits, beyond any field's
HUGE = "x" * 10_000_000  # beyond the request limits
TOO_BIG = 2**63
TOO_SMALL = -(2**63) - 1
# Tables a request may write without writing data: the session of the signed-in client.
NOT_DATA = {"django_session"}
# The code of the world's criteria rule, for the rule pages' paths (jifen/web/rules.py).
RULE_CODE = "sorting-rule"
SORTING = {
    "criteria": [{"code": "c1", "label": "分类投放"}, {"code": "c2", "label": "破袋投放"}],
    "combos": [{"requires": ["c1"], "points": 1}, {"requires": ["c1", "c2"], "points": 2}],
    "extras": [{"code": "photo", "label": "分享照片", "points": 1}],
    "bands": {"measure": "accuracy", "steps": [[60, 1], [80, 3]]},
    "windows": [["07:00", "09:00"]],
    "caps": [{"scope": "household", "period": "day", "limit": 5}],
}


@dataclass(frozen=True)
class World:
    """One public programme with an object of every kind a route names."""

    programme: Programme
    community: Community
    admin: User
    organizer: User
    resident: User
    member: Member
    other_member: Member
    household: Household
    transaction: Transaction
    hold: Hold
    approval: Approval
    invitation: Invitation
    invitation_token: str
    role: Role
    token: PersonalToken
    role_offer_secret: str
    # Claims, notices and appeals, by name: claim (waiting), claim_photo, refused_claim,
    # award (credited), activity_attended (closed, nothing credited), appeal (an objection).
    claims: dict[str, Any] = field(default_factory=dict)
    # An open activity the member is checked in at (jifen/web/activities.py, checkin.py).
    activity: Activity | None = None
    # Rewards, by name: store (the community's), reward (out of stock, with a waitlist: its
    # page has both forms), redemption (the member's open code), wait (the member's wait).
    rewards: dict[str, Any] = field(default_factory=dict)
    # Voices, by name: survey (open, the programme's), draft (a survey not opened yet),
    # feedback (the member's, open).
    voices: dict[str, Any] = field(default_factory=dict)
    # The member's 社区之星 of 2025 (jifen/web/board.py: its certificate).
    title: Any = None


def make_world() -> World:
    programme = make_programme(slug="xingfuli", name="幸福里社区")
    Programme.objects.filter(pk=programme.pk).update(is_public=True)
    programme.refresh_from_db()
    community = make_community(programme=programme, name="东区")
    make_community(programme=programme, name="西区")
    admin = make_staff(programme=programme, kind=RoleKind.ADMIN, username="admin")
    organizer = make_staff(programme=programme, kind=RoleKind.ORGANIZER, username="organizer")
    household = make_household(community=community)
    member = make_member(community=community, name="王秀英", household=household)
    other = make_member(community=community, name="李建国", household=household)
    ledger.award_points(member=member, amount=100, reason="seed", actor=admin)
    to_reverse = ledger.award_points(member=member, amount=5, reason="to reverse", actor=admin)
    invitation, token = services.create_invitation(actor=admin, member=other)
    make_rule(programme=programme, code=RULE_CODE, kind="criteria", config=SORTING)
    return World(
        programme=programme,
        community=community,
        admin=admin,
        organizer=organizer,
        resident=make_resident_user(member=member),
        member=member,
        other_member=other,
        household=household,
        transaction=to_reverse.transaction,
        hold=ledger.hold_points(member=member, amount=10, reference="r1", actor=admin),
        approval=ledger.request_approval(
            kind="adjust", member=member, amount=5, reason="seed", actor=organizer
        ),
        invitation=invitation,
        invitation_token=token,
        role=Role.objects.get(user=organizer, programme=programme),
        token=create_personal_token(user=admin, name="seed")[0],
        role_offer_secret=offer_role(
            actor=admin,
            programme=programme,
            user=make_user(username="colleague"),
            login="colleague",
            kind=RoleKind.CASHIER,
        )[1],
        claims=_claims_of(member, other, admin),
        activity=_activity_of(member),
        rewards=_rewards_of(member),
        voices=_voices_of(member),
        title=_title_of(member),
    )


def _title_of(member: Member) -> Any:
    from jifen.recognition.models import Title

    return Title.objects.create(
        programme=member.programme, member=member, name="社区之星", year=2025, rank=1, points=100
    )


def _voices_of(member: Member) -> dict[str, Any]:
    from jifen.voices import services as voices_services
    from jifen.voices.testing import make_survey

    return {
        "survey": make_survey(programme=member.programme),
        "draft": make_survey(programme=member.programme, opened=False),
        "feedback": voices_services.post_feedback(member=member, text="路灯坏了"),
    }


def _claims_of(member: Member, other: Member, admin: User) -> dict[str, Any]:
    """The member's claims (one waiting with a photo, one refused), an activity award and
    a closed activity without one; the other member's award on notice, objected to."""
    programme = member.programme
    rule = make_rule(
        programme=programme,
        kind="range",
        config={"min": 20, "max": 100},
        allows_claims=True,
        notice_days=3,
    )
    photo = io.BytesIO()
    Image.new("RGB", (8, 8), "green").save(photo, "JPEG")
    waiting = earning_services.submit_claim(
        member=member, rule=rule, actor=None, photos=[clean_photo(photo.getvalue())]
    )
    refused = earning_services.submit_claim(member=member, rule=rule, actor=None)
    earning_services.reject_claim(claim=refused, actor=admin, reason="seed")
    attended, missed = (make_activity(rule=make_rule(programme=programme)) for _ in range(2))
    earning_services.check_in(activity=attended, member=member, method="name")
    earning_services.sign_up(activity=missed, member=member)
    (award,) = earning_services.close_activity(activity=attended, actor=admin).earnings
    earning_services.close_activity(activity=missed, actor=admin)
    theirs = earning_services.submit_claim(member=other, rule=rule, actor=None)
    on_notice = earning_services.approve_claim(claim=theirs, actor=admin, points=30).earning
    return {
        "claim": waiting,
        "claim_photo": waiting.photos.get(),
        "refused_claim": refused,
        "award": award,
        "activity_attended": missed,
        "appeal": earning_services.object_to(earning=on_notice, member=member, reason="seed"),
    }


def _rewards_of(member: Member) -> dict[str, Any]:
    """The community's store; the member's open code for rice and wait for a parking card;
    a gym card out of stock with a waitlist, which they neither redeemed nor wait for."""
    store = make_store(programme=member.programme, code="dongqu", community=member.community)
    rice = make_reward(store=store, name="大米", points=10, units=5)
    parking = make_reward(store=store, name="停车卡", points=10, units=0, waitlist=True)
    return {
        "store": store,
        "reward": make_reward(store=store, name="健身卡", points=10, units=0, waitlist=True),
        "redemption": rewards_services.redeem(member=member, reward=rice),
        "wait": rewards_services.join_waitlist(member=member, reward=parking),
    }


def _activity_of(member: Member) -> Activity:
    """An open per-hour activity of the member's community, running now, that the member
    signed up for and is checked in at; beside it an activity for everyone they have not
    signed up for, and the daily check-in: every activity form is then on some page."""
    programme = member.programme
    make_rule(programme=programme, code="daily-checkin", kind="checkin", config={"points": 1})
    tutoring = make_rule(programme=programme, kind="hourly", config={"points": 30})
    activity = make_activity(rule=tutoring, community=member.community, title="辅导")
    earning_services.sign_up(activity=activity, member=member)
    earning_services.check_in(activity=activity, member=member, method="name")
    make_activity(rule=make_rule(programme=programme), title="全体大会")
    return activity


def table_contents() -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table (but the sessions'), to compare before and after."""
    contents = {}
    with connection.cursor() as cursor:
        for table in sorted(set(connection.introspection.table_names()) - NOT_DATA):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            rows = [tuple(_plain(v) for v in row) for row in cursor.fetchall()]
            contents[table] = sorted(rows, key=repr)
    return contents


def changed_tables(before: dict[str, list[tuple[object, ...]]]) -> list[str]:
    after = table_contents()
    return [t for t in sorted(set(before) | set(after)) if before.get(t) != after.get(t)]


def _plain(value: object) -> object:
    return bytes(value) if isinstance(value, memoryview) else value
