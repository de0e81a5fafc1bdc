"""Every route, web and API, answers only those it should. The routes come from the URL
resolver and from the API's own OpenAPI description, never from a hand-written list; each is
called as every role limited to another community of the same programme, as every role of
another programme, as residents of both and signed out, with the objects of community A of
programme P1 in its path and body. Object routes must refuse them all (404, or 401/403/405,
or a redirect to a login page); other routes may answer those entitled to it, but no answer
may show A's residents, and no call may change A's data (P1's data, for outsiders).

To add a route: give it an entry in ROUTES (who may get an answer) and, if it takes a path
parameter or body field with a new name, an entry in PARAMS (or LITERALS) or BODY (or
BODY_FOR, for a field whose name means another thing in one operation). A route
missing from ROUTES, or a name missing from those tables, fails the test that names it.
"""

import io
import re
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db.models import Q
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern
from PIL import Image

from jifen.accounts.models import PersonalToken
from jifen.accounts.services import create_personal_token
from jifen.api.main import api
from jifen.audit.models import AuditEntry
from jifen.earning import services as earning_services
from jifen.earning.devices import create_device_key
from jifen.earning.models import (
    Activity,
    Appeal,
    Attendance,
    Claim,
    ClaimPhoto,
    DeviceKey,
    Earning,
    EarningSettings,
    Rule,
    SignUp,
)
from jifen.idempotency.models import IdempotencyRecord
from jifen.ledger.models import (
    Account,
    Approval,
    Counter,
    Hold,
    LedgerPolicy,
    Posting,
    Transaction,
)
from jifen.ledger.services import award_points, hold_points, request_approval
from jifen.lib.images import clean_photo, store_photo
from jifen.programmes.models import (
    Community,
    Household,
    Invitation,
    Member,
    Programme,
    Role,
    RoleKind,
    RoleOffer,
)
from jifen.programmes.services import create_invitation
from jifen.programmes.staff import offer_role
from jifen.recognition.models import Title
from jifen.rewards import services as rewards_services
from jifen.rewards.models import (
    Redemption,
    Reward,
    RewardSettings,
    Settlement,
    Stock,
    Store,
    StoreCashier,
    WaitlistEntry,
)
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
from jifen.transparency.sequencer import seal_all
from jifen.voices import services as voices_services
from jifen.voices.testing import make_survey

STAFF_KINDS = [RoleKind.ADMIN, RoleKind.ORGANIZER, RoleKind.REVIEWER, RoleKind.CASHIER]
STAFF_KINDS.append(RoleKind.AUDITOR)

# Who, among the callers, may get an answer (still showing nothing of A's and writing
# nothing of A's). Whatever the entry says, a route whose path names one of A's objects
# must refuse everybody, and a slug route of a public page answers nobody, since P1 does
# not publish its pages.
ANYONE = "anyone"  # signed in or not
SIGNED_IN = "signed-in"  # the caller's own account
MEMBERS = "members"  # P1's staff of community B and P1's resident of community B
STAFF = "staff"  # P1's staff of community B
RESIDENT = "resident"  # P1's resident of community B
NOBODY = "nobody"  # the platform's operators only


@dataclass(frozen=True)
class Access:
    who: str
    # Path parameters whose name alone says too little: parameter → PARAMS key.
    params: dict[str, str] = field(default_factory=dict)
    # The one kind of write a member of community B may make on A's object: an objection
    # to an award on public notice, which anyone in the programme may make (the award is
    # on the programme's board for that). Outsiders must still be refused.
    programme_may_object: bool = False


HOUSEHOLD = {"public_id": "household"}
ACTIVITY = {"public_id": "activity"}
REDEMPTION = {"public_id": "redemption"}
ROUTES: dict[str, Access] = {
    # Web pages, by URL name.
    "home": Access(ANYONE),
    "login": Access(ANYONE),
    "logout": Access(ANYONE),
    "invitation": Access(ANYONE),
    "set_language": Access(ANYONE),
    "landing": Access(ANYONE),
    "transparency": Access(ANYONE),
    # The leaderboards, stars and recognition settings (jifen/web/recognition.py,
    # jifen/api/recognition.py): public boards name residents only as the programme shows them.
    "leaderboard": Access(ANYONE),
    "resident-recognition": Access(RESIDENT),
    "resident-recognition-preference": Access(RESIDENT),
    "console-recognition": Access(STAFF),
    "GET /api/v1/programmes/{slug}/leaderboard": Access(ANYONE),
    "GET /api/v1/programmes/{slug}/me/ranks": Access(RESIDENT),
    "GET /api/v1/programmes/{slug}/me/stars": Access(RESIDENT),
    "PUT /api/v1/programmes/{slug}/me/recognition-preference": Access(RESIDENT),
    "GET /api/v1/programmes/{slug}/recognition-settings": Access(STAFF),
    "PATCH /api/v1/programmes/{slug}/recognition-settings": Access(STAFF),
    # The notice board, its poster, titles and certificates (jifen/web/board.py,
    # jifen/api/board.py): the public board names residents only as the programme shows them.
    "board": Access(ANYONE),
    "board-poster": Access(ANYONE),
    "my-certificates": Access(RESIDENT),
    "my-title-certificate": Access(RESIDENT, {"public_id": "title"}),
    "my-star-certificate": Access(RESIDENT),
    "console-title-certificate": Access(STAFF),
    "console-titles": Access(STAFF),
    "GET /api/v1/programmes/{slug}/board": Access(ANYONE),
    "GET /api/v1/programmes/{slug}/titles": Access(ANYONE),
    "GET /api/v1/programmes/{slug}/me/certificate": Access(RESIDENT),
    "api:api-root": Access(ANYONE),
    "api:openapi-json": Access(ANYONE),
    "api:openapi-view": Access(ANYONE),
    "admin:login": Access(ANYONE),
    "admin:logout": Access(ANYONE),
    "api_tokens": Access(SIGNED_IN),
    "api_token_revoke": Access(SIGNED_IN),
    "resident-home": Access(RESIDENT),
    "resident-points": Access(RESIDENT),
    "console": Access(STAFF),
    "console-settings": Access(STAFF),
    "console-communities": Access(STAFF),
    "console-community": Access(STAFF),
    "console-roles": Access(STAFF),
    "console-role-revoke": Access(STAFF),
    "console-audit": Access(STAFF),
    "console-residents": Access(STAFF),
    "console-resident-new": Access(STAFF),
    "console-resident": Access(STAFF),
    "console-resident-edit": Access(STAFF),
    "console-invite": Access(STAFF),
    "console-reset-access": Access(STAFF),
    "console-revoke-card": Access(STAFF),
    "console-act-for": Access(STAFF),
    "console-act-stop": Access(STAFF),
    "console-invitations": Access(STAFF),
    "console-invitation-revoke": Access(STAFF),
    "console-households": Access(STAFF),
    "console-household": Access(STAFF, HOUSEHOLD),
    "console-household-head": Access(STAFF, HOUSEHOLD),
    "console-import": Access(STAFF),
    "console-import-template": Access(STAFF),
    "console-cards": Access(STAFF),
    "console-cards-pdf": Access(STAFF),
    "console-card": Access(STAFF),
    "console-member-points": Access(STAFF),
    "console-award": Access(STAFF),
    "console-adjust": Access(STAFF),
    "console-reverse": Access(STAFF),
    "console-approvals": Access(STAFF),
    "console-approval-decide": Access(STAFF),
    "console-policy": Access(STAFF),
    "console-role-offer-withdraw": Access(STAFF),
    "role-offer": Access(ANYONE),
    # Claims, public notice, appeals (jifen/web/claims.py, appeals.py, review.py).
    "resident-claims": Access(RESIDENT),
    "resident-claim-new": Access(RESIDENT),
    "resident-claim-withdraw": Access(RESIDENT, {"public_id": "claim"}),
    "resident-claim-photo": Access(RESIDENT, {"public_id": "claim_photo"}),
    "resident-appeals": Access(RESIDENT),
    "resident-appeal-award": Access(RESIDENT, {"public_id": "earning"}),
    "resident-appeal-claim": Access(RESIDENT, {"public_id": "claim"}),
    "resident-appeal-missing": Access(RESIDENT, {"public_id": "activity_attended"}),
    "resident-notices": Access(RESIDENT),
    "console-review": Access(STAFF),
    "console-claim-approve": Access(STAFF, {"public_id": "claim"}),
    "console-claim-reject": Access(STAFF, {"public_id": "claim"}),
    "console-appeal-answer": Access(STAFF, {"public_id": "appeal"}),
    "console-claim-photo": Access(STAFF, {"public_id": "claim_photo"}),
    # Earning rules, earning settings, device keys (jifen/web/rules.py).
    "console-rules": Access(STAFF),
    "console-rule-new": Access(STAFF),
    "console-rule-new-preview": Access(STAFF),
    "console-rule": Access(STAFF),
    "console-rule-edit": Access(STAFF),
    "console-rule-preview": Access(STAFF),
    "console-earning-settings": Access(STAFF),
    "console-devices": Access(STAFF),
    "console-device-revoke": Access(STAFF),
    # Activities and check-in (jifen/web/activities.py, checkin.py, resident_activities.py).
    "console-activities": Access(STAFF),
    "console-activity-new": Access(STAFF),
    "console-activity": Access(STAFF, ACTIVITY),
    "console-activity-edit": Access(STAFF, ACTIVITY),
    "console-activity-cancel": Access(STAFF, ACTIVITY),
    "console-activity-close": Access(STAFF, ACTIVITY),
    "console-attendance-minutes": Access(STAFF, ACTIVITY),
    "console-attendance-remove": Access(STAFF, ACTIVITY),
    "console-activity-checkin": Access(STAFF, ACTIVITY),
    "console-checkin-attendance": Access(STAFF, ACTIVITY),
    "console-checkin-code": Access(STAFF, ACTIVITY),
    "console-checkin-card": Access(STAFF, ACTIVITY),
    "console-checkin-phone": Access(STAFF, ACTIVITY),
    "console-checkin-member": Access(STAFF, ACTIVITY),
    "console-checkin-roster": Access(STAFF, ACTIVITY),
    "resident-activities": Access(RESIDENT),
    "resident-my-activities": Access(RESIDENT),
    "resident-activity-signup": Access(RESIDENT, ACTIVITY),
    "resident-activity-cancel": Access(RESIDENT, ACTIVITY),
    "resident-activity-checkin": Access(RESIDENT, ACTIVITY),
    "resident-daily-checkin": Access(RESIDENT),
    # The resident's rewards and the counter (jifen/web/rewards_resident.py, counter.py). The
    # catalogue is the programme's: its reward is named by a literal, as a rule is.
    "resident-rewards": Access(RESIDENT),
    "resident-reward": Access(RESIDENT),
    "resident-reward-redeem": Access(RESIDENT),
    "resident-reward-waitlist": Access(RESIDENT),
    "resident-reward-image": Access(RESIDENT),
    "resident-redemptions": Access(RESIDENT),
    "resident-redemption": Access(RESIDENT, REDEMPTION),
    "resident-redemption-print": Access(RESIDENT, REDEMPTION),
    "resident-redemption-cancel": Access(RESIDENT, REDEMPTION),
    "resident-wait-leave": Access(RESIDENT),
    "console-counter-stores": Access(STAFF),
    "console-counter": Access(STAFF),
    "console-counter-today": Access(STAFF),
    "console-counter-verify": Access(STAFF),
    # The catalogue, stores, orders and settlements (jifen/web/catalogue.py, orders.py,
    # settlements.py): A's store and Alice's redemption are A's; a period is a literal day.
    "console-rewards": Access(STAFF),
    "console-reward-new": Access(STAFF),
    "console-reward": Access(STAFF),
    "console-reward-stock": Access(STAFF),
    "console-stock-remove": Access(STAFF),
    "console-stores": Access(STAFF),
    "console-store-new": Access(STAFF),
    "console-store": Access(STAFF),
    "console-store-cashiers": Access(STAFF),
    "console-reward-settings": Access(STAFF),
    "console-orders": Access(STAFF),
    "console-order": Access(STAFF, REDEMPTION),
    "console-settlements": Access(STAFF),
    "console-settlement": Access(STAFF),
    "console-settlement-settle": Access(STAFF),
    "console-settlement-pdf": Access(STAFF),
    "console-settlement-xlsx": Access(STAFF),
    # API operations, by method and path.
    "GET /api/v1/me": Access(SIGNED_IN),
    "GET /api/v1/programmes/{slug}": Access(MEMBERS),
    "GET /api/v1/programmes/{slug}/members": Access(STAFF),
    "POST /api/v1/programmes/{slug}/members": Access(STAFF),
    "GET /api/v1/programmes/{slug}/members/{public_id}": Access(STAFF),
    "PATCH /api/v1/programmes/{slug}/members/{public_id}": Access(STAFF),
    "GET /api/v1/programmes/{slug}/members/{public_id}/points": Access(STAFF),
    "POST /api/v1/programmes/{slug}/awards": Access(STAFF),
    "POST /api/v1/programmes/{slug}/awards/bulk": Access(STAFF),
    "POST /api/v1/programmes/{slug}/holds": Access(STAFF),
    "POST /api/v1/programmes/{slug}/holds/{hold_id}/{action}": Access(STAFF),
    "POST /api/v1/programmes/{slug}/approvals": Access(STAFF),
    "POST /api/v1/programmes/{slug}/approvals/{approval_id}/{decision}": Access(STAFF),
    "POST /api/v1/programmes/{slug}/transactions/{public_id}/reverse": Access(
        STAFF, {"public_id": "transaction"}
    ),
    "GET /api/v1/programmes/{slug}/me/points": Access(RESIDENT),
    "POST /api/v1/programmes/{slug}/me/donations": Access(RESIDENT),
    "GET /api/v1/programmes/{slug}/log/head": Access(ANYONE),
    "GET /api/v1/programmes/{slug}/log/heads": Access(ANYONE),
    "GET /api/v1/programmes/{slug}/log/inclusion/{transaction}": Access(ANYONE),
    "GET /api/v1/programmes/{slug}/log/consistency": Access(ANYONE),
    "GET /api/v1/programmes/{slug}/log/witness": Access(ANYONE),
    "GET /api/v1/programmes/{slug}/policy": Access(STAFF),
    "PATCH /api/v1/programmes/{slug}/policy": Access(STAFF),
    # The earning API (jifen/api/earning.py and its parts, jifen/api/devices.py).
    "GET /api/v1/programmes/{slug}/rules": Access(STAFF),
    "POST /api/v1/programmes/{slug}/rules": Access(STAFF),
    "GET /api/v1/programmes/{slug}/rules/{rule_code}": Access(STAFF),
    "PATCH /api/v1/programmes/{slug}/rules/{rule_code}": Access(STAFF),
    "GET /api/v1/programmes/{slug}/rules/{rule_code}/preview": Access(STAFF),
    "GET /api/v1/programmes/{slug}/activities": Access(STAFF),
    "POST /api/v1/programmes/{slug}/activities": Access(STAFF),
    "GET /api/v1/programmes/{slug}/activities/{activity_id}": Access(STAFF),
    "PATCH /api/v1/programmes/{slug}/activities/{activity_id}": Access(STAFF),
    "POST /api/v1/programmes/{slug}/activities/{activity_id}/cancel": Access(STAFF),
    "POST /api/v1/programmes/{slug}/activities/{activity_id}/close": Access(STAFF),
    "GET /api/v1/programmes/{slug}/activities/{activity_id}/signups": Access(STAFF),
    "POST /api/v1/programmes/{slug}/activities/{activity_id}/signups": Access(STAFF),
    "POST /api/v1/programmes/{slug}/activities/{activity_id}/signups/{member}/cancel": Access(
        STAFF
    ),
    "GET /api/v1/programmes/{slug}/activities/{activity_id}/attendances": Access(STAFF),
    "GET /api/v1/programmes/{slug}/activities/{activity_id}/checkin-code": Access(STAFF),
    "POST /api/v1/programmes/{slug}/activities/{activity_id}/checkins": Access(STAFF),
    "POST /api/v1/programmes/{slug}/activities/{activity_id}/checkins/card": Access(STAFF),
    "POST /api/v1/programmes/{slug}/activities/{activity_id}/checkins/phone": Access(STAFF),
    "POST /api/v1/programmes/{slug}/activities/{activity_id}/checkins/roster": Access(STAFF),
    "POST /api/v1/programmes/{slug}/activities/{activity_id}/checkouts": Access(STAFF),
    "POST /api/v1/programmes/{slug}/activities/{activity_id}/appeals": Access(STAFF),
    "GET /api/v1/programmes/{slug}/claims": Access(STAFF),
    "POST /api/v1/programmes/{slug}/claims": Access(STAFF),
    "GET /api/v1/programmes/{slug}/claims/{claim_id}": Access(STAFF),
    "GET /api/v1/programmes/{slug}/claims/{claim_id}/photos/{photo_id}": Access(STAFF),
    "POST /api/v1/programmes/{slug}/claims/{claim_id}/approve": Access(STAFF),
    "POST /api/v1/programmes/{slug}/claims/{claim_id}/reject": Access(STAFF),
    "POST /api/v1/programmes/{slug}/claims/{claim_id}/appeals": Access(STAFF),
    "GET /api/v1/programmes/{slug}/earnings": Access(STAFF),
    "GET /api/v1/programmes/{slug}/earnings/{earning_id}": Access(STAFF),
    "POST /api/v1/programmes/{slug}/earnings/{earning_id}/objections": Access(STAFF),
    "POST /api/v1/programmes/{slug}/earnings/{earning_id}/appeals": Access(STAFF),
    "GET /api/v1/programmes/{slug}/appeals": Access(STAFF),
    "GET /api/v1/programmes/{slug}/appeals/{appeal_id}": Access(STAFF),
    "POST /api/v1/programmes/{slug}/appeals/{appeal_id}/answer": Access(STAFF),
    "GET /api/v1/programmes/{slug}/devices": Access(STAFF),
    "POST /api/v1/programmes/{slug}/devices": Access(STAFF),
    "POST /api/v1/programmes/{slug}/devices/{device_id}/revoke": Access(STAFF),
    "GET /api/v1/programmes/{slug}/me/activities": Access(RESIDENT),
    "POST /api/v1/programmes/{slug}/me/activities/{activity_id}/signup": Access(RESIDENT),
    "POST /api/v1/programmes/{slug}/me/activities/{activity_id}/signup/cancel": Access(RESIDENT),
    "POST /api/v1/programmes/{slug}/me/activities/{activity_id}/checkin": Access(RESIDENT),
    "POST /api/v1/programmes/{slug}/me/activities/{activity_id}/appeals": Access(RESIDENT),
    "GET /api/v1/programmes/{slug}/me/claims": Access(RESIDENT),
    "POST /api/v1/programmes/{slug}/me/claims": Access(RESIDENT),
    "POST /api/v1/programmes/{slug}/me/claims/{claim_id}/withdraw": Access(RESIDENT),
    "POST /api/v1/programmes/{slug}/me/claims/{claim_id}/appeals": Access(RESIDENT),
    "GET /api/v1/programmes/{slug}/me/notices": Access(RESIDENT),
    "POST /api/v1/programmes/{slug}/me/notices/{earning_id}/objections": Access(
        RESIDENT, programme_may_object=True
    ),
    "GET /api/v1/programmes/{slug}/me/earnings": Access(RESIDENT),
    "POST /api/v1/programmes/{slug}/me/earnings/{earning_id}/appeals": Access(RESIDENT),
    "POST /api/v1/programmes/{slug}/me/checkins": Access(RESIDENT),
    "GET /api/v1/programmes/{slug}/me/appeals": Access(RESIDENT),
    # A device's own key only: no user, staff or resident, may post its events.
    "POST /api/v1/devices/events": Access(NOBODY),
    # The rewards API (jifen/api/rewards.py and its parts): the catalogue is the programme's,
    # named by a literal; A's store, Alice's code and her wait are A's objects.
    "GET /api/v1/programmes/{slug}/rewards": Access(STAFF),
    "POST /api/v1/programmes/{slug}/rewards": Access(STAFF),
    "GET /api/v1/programmes/{slug}/rewards/{reward}": Access(STAFF),
    "PATCH /api/v1/programmes/{slug}/rewards/{reward}": Access(STAFF),
    "GET /api/v1/programmes/{slug}/rewards/{reward}/image": Access(STAFF),
    "POST /api/v1/programmes/{slug}/rewards/{reward}/stock/{store}/restock": Access(STAFF),
    "POST /api/v1/programmes/{slug}/rewards/{reward}/stock/{store}/unlimited": Access(STAFF),
    "POST /api/v1/programmes/{slug}/rewards/{reward}/stock/{store}/remove": Access(STAFF),
    "GET /api/v1/programmes/{slug}/reward-settings": Access(STAFF),
    "PUT /api/v1/programmes/{slug}/reward-settings": Access(STAFF),
    "GET /api/v1/programmes/{slug}/stores": Access(STAFF),
    "POST /api/v1/programmes/{slug}/stores": Access(STAFF),
    "GET /api/v1/programmes/{slug}/stores/{store}": Access(STAFF),
    "PATCH /api/v1/programmes/{slug}/stores/{store}": Access(STAFF),
    "PUT /api/v1/programmes/{slug}/stores/{store}/cashiers": Access(STAFF),
    "GET /api/v1/programmes/{slug}/redemptions": Access(STAFF),
    "POST /api/v1/programmes/{slug}/redemptions": Access(STAFF),
    "GET /api/v1/programmes/{slug}/redemptions/{redemption_id}": Access(STAFF),
    "POST /api/v1/programmes/{slug}/redemptions/{redemption_id}/step": Access(STAFF),
    "POST /api/v1/programmes/{slug}/redemptions/{redemption_id}/refuse": Access(STAFF),
    "POST /api/v1/programmes/{slug}/redemptions/{redemption_id}/cancel": Access(STAFF),
    "GET /api/v1/programmes/{slug}/counter": Access(STAFF),
    "GET /api/v1/programmes/{slug}/counter/{store}/codes/{code}": Access(STAFF),
    "POST /api/v1/programmes/{slug}/counter/{store}/verify": Access(STAFF),
    "GET /api/v1/programmes/{slug}/counter/{store}/today": Access(STAFF),
    "GET /api/v1/programmes/{slug}/settlements": Access(STAFF),
    "GET /api/v1/programmes/{slug}/settlements/{store}/{starts_on}": Access(STAFF),
    "POST /api/v1/programmes/{slug}/settlements/{store}/{starts_on}/settle": Access(STAFF),
    "GET /api/v1/programmes/{slug}/settlements/{store}/{starts_on}/pdf": Access(STAFF),
    "GET /api/v1/programmes/{slug}/settlements/{store}/{starts_on}/xlsx": Access(STAFF),
    "GET /api/v1/programmes/{slug}/me/rewards": Access(RESIDENT),
    "GET /api/v1/programmes/{slug}/me/rewards/{reward}": Access(RESIDENT),
    "GET /api/v1/programmes/{slug}/me/rewards/{reward}/image": Access(RESIDENT),
    "GET /api/v1/programmes/{slug}/me/privileges": Access(RESIDENT),
    "POST /api/v1/programmes/{slug}/me/rewards/{reward}/redeem": Access(RESIDENT),
    "POST /api/v1/programmes/{slug}/me/rewards/{reward}/waitlist": Access(RESIDENT),
    "GET /api/v1/programmes/{slug}/me/redemptions": Access(RESIDENT),
    "GET /api/v1/programmes/{slug}/me/redemptions/{redemption_id}": Access(RESIDENT),
    "POST /api/v1/programmes/{slug}/me/redemptions/{redemption_id}/cancel": Access(RESIDENT),
    "GET /api/v1/programmes/{slug}/me/waitlist": Access(RESIDENT),
    "POST /api/v1/programmes/{slug}/me/waitlist/{entry_id}/leave": Access(RESIDENT),
    # The rule-change simulator (jifen/web/simulator.py, jifen/api/simulator.py): it reads
    # the caller's communities only and writes nothing.
    "console-insights-simulator": Access(STAFF),
    "GET /api/v1/programmes/{slug}/insights/simulator": Access(STAFF),
    # The dashboards (jifen/web/insights.py, jifen/api/insights.py): they read the caller's
    # communities only.
    "console-insights": Access(STAFF),
    "console-insights-export": Access(STAFF),
    "GET /api/v1/programmes/{slug}/insights": Access(STAFF),
    # Voices (jifen/web/voices.py, jifen/api/voices.py): A's survey and Alice's feedback are
    # A's; the newsletter is the programme's (P1's is not public: its members and staff).
    "resident-surveys": Access(RESIDENT),
    "resident-survey": Access(RESIDENT, {"public_id": "survey"}),
    "resident-feedback": Access(RESIDENT),
    "console-surveys": Access(STAFF),
    "console-survey": Access(STAFF, {"public_id": "survey"}),
    "console-survey-csv": Access(STAFF, {"public_id": "survey"}),
    "console-survey-xlsx": Access(STAFF, {"public_id": "survey"}),
    "console-feedback": Access(STAFF),
    "console-feedback-reply": Access(STAFF, {"public_id": "feedback"}),
    "console-feedback-close": Access(STAFF, {"public_id": "feedback"}),
    "newsletter": Access(MEMBERS),
    "newsletter-pdf": Access(MEMBERS),
    "GET /api/v1/programmes/{slug}/me/surveys": Access(RESIDENT),
    "POST /api/v1/programmes/{slug}/me/surveys/{survey_id}/answers": Access(RESIDENT),
    "GET /api/v1/programmes/{slug}/me/feedback": Access(RESIDENT),
    "POST /api/v1/programmes/{slug}/me/feedback": Access(RESIDENT),
    "GET /api/v1/programmes/{slug}/surveys": Access(STAFF),
    "POST /api/v1/programmes/{slug}/surveys": Access(STAFF),
    "GET /api/v1/programmes/{slug}/surveys/{survey_id}": Access(STAFF),
    "PATCH /api/v1/programmes/{slug}/surveys/{survey_id}": Access(STAFF),
    "POST /api/v1/programmes/{slug}/surveys/{survey_id}/open": Access(STAFF),
    "POST /api/v1/programmes/{slug}/surveys/{survey_id}/close": Access(STAFF),
    "GET /api/v1/programmes/{slug}/surveys/{survey_id}/results": Access(STAFF),
    "GET /api/v1/programmes/{slug}/feedback": Access(STAFF),
    "POST /api/v1/programmes/{slug}/feedback/{feedback_id}/replies": Access(STAFF),
    "POST /api/v1/programmes/{slug}/feedback/{feedback_id}/close": Access(STAFF),
}
# Every other page of the Django admin (for the platform's operators) answers nobody here.
OPERATOR_NAMESPACE = "admin:"

# Path parameters that name one of A's objects: parameter → the object, from the world.
PARAMS = {
    "slug": "slug",
    "public_id": "member",
    "transaction_id": "transaction",
    "transaction": "transaction",
    "hold_id": "hold",
    "approval_id": "approval",
    "role_id": "role",
    "invitation_id": "invitation",
    "community_id": "community",
    # The earning API's objects (the world's claims and activities of A).
    "activity_id": "activity",
    "claim_id": "claim",
    "photo_id": "claim_photo",
    "earning_id": "earning",
    "appeal_id": "appeal",
    "device_id": "device",
    "member": "member",
    "pk": "token",
    "member_id": "member",
    # The rewards: A's store (its counter), Alice's wait for a reward out of stock.
    "store": "store",
    "entry_id": "wait",
    "redemption_id": "redemption",
    "title": "title",  # Alice's title (社区之星)
    "survey_id": "survey",  # A's survey, open
    "feedback_id": "feedback",  # Alice's feedback
}
# Path parameters that name no object of A's.
LITERALS = {
    "fmt": "csv",
    "board": "members",  # a leaderboard and its period
    "period": "month",
    "action": "settle",
    "decision": "approve",
    # An invitation's token is itself the right to open it; a wrong one must open nothing.
    "token": "not-an-invitation-token",
    "secret": "not-a-role-offer-secret",
    "after": "0",
    "app_label": "auth",
    "object_id": "1",
    "content_type_id": "1",
    "url": "no-such-page/",
    "first": "1",
    "second": "2",
    # The earning API names a rule by its code: the programme's, as the rule pages do.
    "rule_code": "rules-page-rule",
    # A rule is the programme's, not a community's: P1's staff of B may read it. The world
    # makes a rule with this code.
    "code": "rules-page-rule",
    # A reward is the programme's, as a rule is: P1's resident of B may see it and try to
    # redeem it (with no points, refused). The world gives its reward this public id.
    "reward": "rewardpage01",
    # The first day of a settlement period (a quarter's, a month's, a year's alike).
    "starts_on": "2026-01-01",
    # The simulator's period (its first and last days).
    "start": "2026-01-01",
    "end": "2026-01-31",
    # A dashboard table (its key): the inactive members, which name residents.
    "key": "inactive",
    "paper": "a4",  # the notice board's poster
    "month": "2026-01",  # the newsletter's
}
# API body fields: field → value, filled from the world where it names A's objects.
BODY: dict[str, Any] = {
    "member": "{member}",
    "amount": 1,
    "reason": "x",
    "reference": "r",
    "awards": [["{member}", 1]],
    "kind": "adjust",
    "display_name": "X",
    "phone": "",
    "community_id": "{community}",
    "household": None,
    "joined_on": "2026-01-01",
    "birth_year": 1950,
    "flags": [],
    "interest_tags": [],
    "status": "active",
    # The points policy (PATCH …/policy): a setting every programme may have.
    "caps": [{"scope": "member", "period": "day", "limit": 5}],
    "when_capped": "refuse",
    "quotas_enabled": True,
    "quota_tiers": [{"population": None, "quota": 1}],
    "expiry_mode": "never",
    "rolling_months": 1,
    "transfers_allowed": True,
    "point_value": "9.99",
    # The earning API (rules, activities, check-ins, claims, appeals, devices).
    "code": "new-rule",
    "name": "X",
    "description": "x",
    "category": "other",
    "allows_claims": True,
    "allows_devices": True,
    "requires_review": False,
    "notice_days": 0,
    "is_active": True,
    "config": {"points": 1},
    "title": "X",
    "place": "x",
    "starts_at": "2026-06-01T09:00:00+08:00",
    "ends_at": "2026-06-01T11:00:00+08:00",
    "signup_opens_at": None,
    "signup_closes_at": None,
    "capacity": 10,
    "priority_points": None,
    "rule": "rules-page-rule",
    "rules": ["rules-page-rule"],
    "per_minute": 10,
    "brought_by": "{member}",
    # The recognition settings and the opt-out (jifen/api/recognition.py).
    "hide_name": True,
    "star_thresholds": [10, 20],
    "star_names": [],
    "name_display": "anonymous",
    "monthly_top": 5,
    "yearly_top": 5,
    "title_name": "X",
    "title_count": 5,
    "method": "name",
    "token": "not-a-card",
    "card": "not-a-card",
    "minutes": 30,
    "checkin_code": "not-a-code",
    "criteria": [],
    "measures": {"accuracy": 90},
    "photos": [],
    "occurred_at": None,
    "points": 30,
    "uphold": False,
    "answer": "x",
    # The rewards API (catalogue, stock, settings, stores, redemptions, the counter).
    "area": "goods",
    "handover": "pickup",
    "monthly_limit": None,
    "member_limit": None,
    "member_limit_period": "month",
    "available_from": None,
    "available_until": None,
    "months": [],
    "communities": ["{community}"],
    "min_lifetime": None,
    "min_balance": None,
    "perk": None,
    "waitlist": False,
    "image": None,
    "add": 1,
    "code_days": 7,
    "delivery_working_days": 7,
    "refusal_penalty": 2000,
    "settlement_months": 3,
    "zones": [2, 5],
    "donated_needs_goods": True,
    "address": "x",
    "opening_hours": "x",
    "cashiers": [],
    "store": "{store}",
    "quantity": 1,
    "reward": "rewardpage01",
    "step": "notified",
    # Voices: a survey, its answers, feedback.
    "anonymous": True,
    "is_template": False,
    "questions": [{"kind": "text", "text": "x"}],
    "answers": [],
    "text": "x",
}
# A field whose name means another thing in one operation: route → field → value (a
# valid body, so that the refusal comes from the access check, not from the schema).
BODY_FOR: dict[str, dict[str, Any]] = {
    "POST /api/v1/programmes/{slug}/rules": {"kind": "fixed"},
    "POST /api/v1/programmes/{slug}/rewards": {"kind": "goods"},
    "PATCH /api/v1/programmes/{slug}/rewards/{reward}": {"kind": "goods"},
    "POST /api/v1/programmes/{slug}/stores": {"kind": "supermarket"},
    "PATCH /api/v1/programmes/{slug}/stores/{store}": {"kind": "supermarket"},
    "POST /api/v1/programmes/{slug}/redemptions/{redemption_id}/refuse": {"reason": "personal"},
    "POST /api/v1/programmes/{slug}/surveys": {"kind": "other"},
}
# What a web form is sent: every field name the console's forms use, pointing at A.
FORM = {
    "display_name": "X",
    "name": "X",
    "population": "1",
    "login": "x",
    "password": "x",
    "kind": RoleKind.ADMIN,
    "community": "{community}",
    "household": "{household}",
    "head": "{member}",
    "amount": "1",
    "reason": "x",
    "decision": "approve",
    "offer": "{offer}",
    "member": "{member}",
    "device": "{device}",
}
SECRETS = ("Alice Aardvark", "Abel Aardvark", "13800000001", "13800000002")


@dataclass(frozen=True)
class Route:
    key: str  # a URL name, or "METHOD /path" for an API operation
    template: str  # the path with {name} for each parameter
    methods: tuple[str, ...]
    body: dict[str, Any] | None = None  # an API operation's JSON body (field → schema)
    query: tuple[str, ...] = ()  # an API operation's required query parameters


def _api_routes() -> list[Route]:
    schema = api.get_openapi_schema()
    routes = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            body = _body_schema(schema, operation)
            query = tuple(
                p["name"]
                for p in operation.get("parameters", [])
                if p["in"] == "query" and p.get("required")
            )
            routes.append(Route(f"{method.upper()} {path}", path, (method,), body, query))
    return routes


def _body_schema(schema: dict[str, Any], operation: dict[str, Any]) -> dict[str, Any] | None:
    content = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if content is None:
        return None
    ref = content["schema"]["$ref"].rsplit("/", 1)[1]
    return schema["components"]["schemas"][ref]["properties"]


def _web_routes() -> list[Route]:
    api_paths = {r.template for r in _api_routes()}
    routes = []
    for name, template in _walk(get_resolver().url_patterns, "", "/"):
        if template in api_paths:
            continue  # an API operation: called with its own method and body below
        routes.append(Route(name, template, ("get", "post")))
    return routes


def _walk(patterns: list[Any], namespace: str, prefix: str) -> Any:
    for pattern in patterns:
        piece = _template(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, inner, prefix + piece)
        elif isinstance(pattern, URLPattern):
            yield f"{namespace}{pattern.name or piece}", prefix + piece


def _template(pattern: Any) -> str:
    """A URL pattern as a path with {name} for each parameter."""
    text = str(pattern)
    if isinstance(pattern, RegexPattern):
        return re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", text).lstrip("^").rstrip("$")
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", text)


ALL_ROUTES = _api_routes() + _web_routes()


def _access(route: Route) -> Access:
    if route.key in ROUTES:
        return ROUTES[route.key]
    if route.key.startswith(OPERATOR_NAMESPACE):
        return Access(NOBODY)
    pytest.fail(
        f"{route.key} ({route.template}) is not in the access matrix: add it to ROUTES in "
        f"{__name__} with who may get an answer"
    )


# The world: P1 with communities A and B, and P2.


@dataclass
class World:
    programme: Programme
    community_a: Community
    ids: dict[str, Any]  # PARAMS values: the objects of A
    callers: dict[str, Any]  # name → user (None: signed out)
    insiders: set[str]  # callers who belong to P1 (through community B)


@pytest.fixture
def world(db) -> World:
    p1 = make_programme(slug="first", name="First", admin=None)
    Programme.objects.filter(pk=p1.pk).update(is_public=False)
    a, b = make_community(programme=p1, name="A"), make_community(programme=p1, name="B")
    household = make_household(community=a)
    alice = make_member(
        community=a, name="Alice Aardvark", phone="13800000001", household=household
    )
    abel = make_member(community=a, name="Abel Aardvark", phone="13800000002", household=household)
    make_resident_user(member=alice)
    a_admin = make_staff(programme=p1, kind=RoleKind.ADMIN, community=a)
    award_points(member=alice, amount=50, reason="seed")
    hold = hold_points(member=alice, amount=5, reference="r")  # from the oldest points
    award = award_points(member=alice, amount=20, reason="patrol")  # reversible: untouched
    ids = {
        "slug": p1.slug,
        "member": alice.public_id,
        "household": household.public_id,
        "community": a.pk,
        "transaction": award.transaction.public_id,
        "hold": hold.public_id,
        "title": Title.objects.create(
            programme=p1, member=alice, name="社区之星", year=2025, rank=1, points=70
        ).public_id,
        "approval": request_approval(
            kind="adjust", member=alice, amount=3, reason="x", actor=a_admin
        ).pk,
        "invitation": create_invitation(actor=a_admin, member=abel)[0].pk,
        "role": Role.objects.get(user=a_admin).pk,
        "token": create_personal_token(user=a_admin, name="A's token")[0].pk,
        "offer": offer_role(
            actor=a_admin,
            programme=p1,
            user=make_user(username="offered"),
            login="offered",
            kind=RoleKind.CASHIER,
            community=a,
        )[0].pk,
    }
    ids |= _claims_of(alice, abel, a_admin)
    ids["activity"] = _open_activity_of(alice)
    make_rule(programme=p1, code=LITERALS["code"])
    device = create_device_key(programme=p1, name="bin", rules=[], actor=None).device
    ids["device"] = device.public_id
    ids |= _rewards_of(alice, a)
    ids |= _voices_of(alice, a)
    _picture(LITERALS["reward"])
    callers, insiders = _callers(p1, b)
    return World(p1, a, ids, callers, insiders)


def _claims_of(alice: Member, abel: Member, a_admin: Any) -> dict[str, str]:
    """A's claims: one waiting with a photo, one approved and on notice with Abel's
    objection; and a closed activity of A's that Alice signed up for and got nothing from."""
    suggestion = make_rule(
        programme=alice.programme,
        kind="range",
        config={"min": 20, "max": 100},
        allows_claims=True,
        notice_days=3,
    )
    photo = io.BytesIO()
    Image.new("RGB", (8, 8), "green").save(photo, "JPEG")
    waiting = earning_services.submit_claim(
        member=alice, rule=suggestion, actor=None, photos=[clean_photo(photo.getvalue())]
    )
    approved = earning_services.submit_claim(member=alice, rule=suggestion, actor=None)
    award = earning_services.approve_claim(claim=approved, actor=a_admin, points=30).earning
    activity = make_activity(rule=make_rule(programme=alice.programme), community=alice.community)
    earning_services.sign_up(activity=activity, member=alice)
    earning_services.close_activity(activity=activity, actor=None)
    return {
        "claim": waiting.public_id,
        "claim_photo": waiting.photos.get().public_id,
        "earning": award.public_id,
        "appeal": earning_services.object_to(earning=award, member=abel, reason="x").public_id,
        "activity_attended": activity.public_id,
    }


def _rewards_of(alice: Member, a: Community) -> dict[str, Any]:
    """A's store with the programme's rice on its shelf, Alice's open code for it, and her
    wait for a gym card out of stock there."""
    store = make_store(programme=alice.programme, code="store-a", name="A's store", community=a)
    rice = make_reward(store=store, name="Rice", points=10, units=5)
    Reward.objects.filter(pk=rice.pk).update(public_id=LITERALS["reward"])
    rice.refresh_from_db()
    redemption = rewards_services.redeem(member=alice, reward=rice)
    gym = make_reward(store=store, name="Gym card", points=10, units=0, waitlist=True)
    wait = rewards_services.join_waitlist(member=alice, reward=gym)
    return {"store": store.code, "redemption": redemption.public_id, "wait": wait.pk}


def _voices_of(alice: Member, a: Community) -> dict[str, Any]:
    """A's open survey (of A's residents) and Alice's feedback."""
    survey = make_survey(programme=alice.programme, community=a)
    feedback = voices_services.post_feedback(member=alice, text="x")
    return {"survey": survey.public_id, "feedback": feedback.public_id}


def _picture(reward: str) -> None:
    """The programme's reward gets a picture, so that the API's image route finds one."""
    photo = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(photo, "PNG")
    stored = store_photo(clean_photo(photo.getvalue()), folder="rewards/test")
    Reward.objects.filter(public_id=reward).update(image=stored)


def _open_activity_of(alice: Member) -> str:
    """An open activity of A's, running now, that Alice signed up for and is checked in at."""
    activity = make_activity(rule=make_rule(programme=alice.programme), community=alice.community)
    earning_services.sign_up(activity=activity, member=alice)
    earning_services.check_in(activity=activity, member=alice, method="name")
    return activity.public_id


def _callers(p1: Programme, b: Community) -> tuple[dict[str, Any], set[str]]:
    p2 = make_programme(slug="second", name="Second")
    c2 = make_community(programme=p2, name="C")
    callers: dict[str, Any] = {"signed out": None}
    for kind in STAFF_KINDS:
        callers[f"{kind} of community B"] = make_staff(programme=p1, kind=kind, community=b)
        callers[f"{kind} of P2"] = make_staff(programme=p2, kind=kind)
    callers["resident of community B"] = make_resident_user(member=make_member(community=b))
    callers["resident of P2"] = make_resident_user(member=make_member(community=c2))
    return callers, {name for name in callers if name.endswith("community B")}


def _may_answer(access: Access, caller: str, world: World) -> bool:
    return {
        ANYONE: True,
        SIGNED_IN: world.callers[caller] is not None,
        MEMBERS: caller in world.insiders,
        STAFF: caller in world.insiders and not caller.startswith("resident"),
        RESIDENT: caller == "resident of community B",
        NOBODY: False,
    }[access.who]


# Filling in a route.


def _path_values(route: Route, access: Access, world: World) -> tuple[dict[str, str], bool]:
    """The route's path parameters, and whether one of them names an object of A's."""
    values, names_object = {}, False
    for name in re.findall(r"{(\w+)}", route.template):
        if name in access.params or name in PARAMS:
            values[name] = str(world.ids[access.params.get(name) or PARAMS[name]])
            names_object = names_object or name != "slug"
        elif name in LITERALS:
            values[name] = LITERALS[name]
        else:
            pytest.fail(f"{route.key}: add the path parameter {name!r} to PARAMS or LITERALS")
    return values, names_object


def _filled(value: Any, world: World) -> Any:
    if isinstance(value, str) and value.startswith("{"):
        return world.ids[value.strip("{}")]
    if isinstance(value, list):
        return [_filled(item, world) for item in value]
    return value


def _json_body(route: Route, world: World) -> dict[str, Any] | None:
    if route.body is None:
        return None
    body = {**BODY, **BODY_FOR.get(route.key, {})}
    missing = set(route.body) - set(body)
    if missing:
        pytest.fail(f"{route.key}: add the body field(s) {sorted(missing)} to BODY")
    return {name: _filled(body[name], world) for name in route.body}


def _query(route: Route) -> str:
    for name in route.query:
        if name not in LITERALS:
            pytest.fail(f"{route.key}: add the query parameter {name!r} to LITERALS")
    return "?" + "&".join(f"{name}={LITERALS[name]}" for name in route.query) if route.query else ""


# What a call may do.


def refused(response: Any) -> bool:
    """Not found, not allowed, not signed in, or sent to a page to sign in."""
    if response.status_code in (401, 403, 404, 405):
        return True
    return response.status_code in (301, 302, 303) and "/login/" in response.get("Location", "")


def shows_a_secret(response: Any) -> str | None:
    text = b"".join(response) if response.streaming else response.content
    page = text.decode(errors="replace")
    return next((secret for secret in SECRETS if secret in page), None)


def state(world: World, *, of_community_a: bool) -> list[Any]:
    """Every row of P1 that a caller could change (only A's, for P1's own people of B)."""
    p1, a = world.programme, world.community_a
    mine = Q(community=a) if of_community_a else Q(community__programme=p1)
    of_members = Q(member__community=a) if of_community_a else Q(programme=p1)
    wallets = (
        Q(account__member__community=a) | Q(account__household__community=a)
        if of_community_a
        else Q(account__programme=p1)
    )
    accounts = (
        Q(member__community=a) | Q(household__community=a) if of_community_a else Q(programme=p1)
    )
    rows = [
        Programme.objects.filter(pk=p1.pk),
        Community.objects.filter(programme=p1),
        Role.objects.filter(programme=p1),
        RoleOffer.objects.filter(programme=p1),
        LedgerPolicy.objects.filter(programme=p1),
        Household.objects.filter(mine),
        Member.objects.filter(mine),
        Invitation.objects.filter(of_members),
        Transaction.objects.filter(of_members),
        Approval.objects.filter(of_members),
        Posting.objects.filter(wallets),
        Hold.objects.filter(wallets),
        Account.objects.filter(accounts),
        AuditEntry.objects.filter(_audit_of(world, of_community_a)),
        IdempotencyRecord.objects.filter(programme=p1),
        PersonalToken.objects.filter(pk=world.ids["token"]),
    ]
    if not of_community_a:
        rows.append(Counter.objects.filter(programme=p1))
        rows += [Rule.objects.filter(programme=p1), DeviceKey.objects.filter(programme=p1)]
        rows.append(EarningSettings.objects.filter(programme=p1))
    rows += _earning_rows(world, of_community_a)
    rows += _activity_rows(world, of_community_a)
    rows += _reward_rows(world, of_community_a)
    return [list(rows.order_by("pk").values()) for rows in rows]


def _earning_rows(world: World, of_community_a: bool) -> list[Any]:
    """Claims, their photos, earnings and appeals of A's residents (of P1, for outsiders)."""
    p1, a = world.programme, world.community_a
    of_members = Q(member__community=a) if of_community_a else Q(programme=p1)
    appeals = Q(member__community=a) | Q(subject__community=a) if of_community_a else of_members
    photos = Q(claim__member__community=a) if of_community_a else Q(claim__programme=p1)
    return [
        Claim.objects.filter(of_members),
        ClaimPhoto.objects.filter(photos),
        Earning.objects.filter(of_members),
        Appeal.objects.filter(appeals),
    ]


def _activity_rows(world: World, of_community_a: bool) -> list[Any]:
    """Activities of A (of P1, for outsiders), their sign-ups and attendance."""
    p1, a = world.programme, world.community_a
    mine = Q(community=a) if of_community_a else Q(programme=p1)
    theirs = Q(activity__community=a) if of_community_a else Q(activity__programme=p1)
    return [
        Activity.objects.filter(mine),
        SignUp.objects.filter(theirs),
        Attendance.objects.filter(theirs),
    ]


def _reward_rows(world: World, of_community_a: bool) -> list[Any]:
    """Redemptions and waits of A's residents (of P1, for outsiders); for outsiders also
    P1's stores, rewards and stock."""
    p1, a = world.programme, world.community_a
    theirs = Q(member__community=a) if of_community_a else Q(member__programme=p1)
    rows = [Redemption.objects.filter(theirs), WaitlistEntry.objects.filter(theirs)]
    if not of_community_a:
        rows += [Store.objects.filter(programme=p1), Reward.objects.filter(programme=p1)]
        rows.append(Stock.objects.filter(store__programme=p1))
        rows += [
            RewardSettings.objects.filter(programme=p1),
            Settlement.objects.filter(programme=p1),
        ]
    stores = Q(store__community=a) if of_community_a else Q(store__programme=p1)
    rows.append(StoreCashier.objects.filter(stores))
    return rows


def _audit_of(world: World, of_community_a: bool) -> Q:
    if not of_community_a:
        return Q(programme=world.programme)
    of_a = Member.objects.filter(community=world.community_a).values_list("pk", flat=True)
    members = [str(pk) for pk in of_a]
    return Q(programme=world.programme) & (
        Q(target_type="programmes.member", target_id__in=members)
        | Q(on_behalf_of__community=world.community_a)
    )


def _client(user: Any) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _call(route: Route, method: str, url: str, world: World, client: Client) -> Any:
    if " /" in route.key:  # an API operation
        body = _json_body(route, world)
        if method == "get":
            return client.get(url)
        return getattr(client, method)(url, body or {}, content_type="application/json")
    form = {name: _filled(value, world) for name, value in FORM.items()}
    return getattr(client, method)(url, form) if method == "post" else client.get(url)


# The tests.


def test_the_sweep_sees_every_api_operation_and_every_page():
    keys = {route.key for route in ALL_ROUTES}
    assert len([r for r in ALL_ROUTES if r.key.startswith(("GET /", "POST /", "PATCH /"))]) >= 19
    assert {
        "POST /api/v1/programmes/{slug}/transactions/{public_id}/reverse",
        "console-reverse",
        "resident-points",
        "api_token_revoke",
        "admin:index",
    } <= keys


def test_every_entry_of_the_matrix_is_a_route_that_exists():
    assert set(ROUTES) - {route.key for route in ALL_ROUTES} == set()


@pytest.mark.parametrize("route", ALL_ROUTES, ids=lambda route: route.key)
def test_no_route_answers_or_writes_for_another_community_or_programme(world, route):
    access = _access(route)
    values, names_object = _path_values(route, access, world)
    url = route.template.format(**values) + _query(route)
    public_page = access.who == ANYONE and "slug" in values
    seen: tuple[bool, list[Any]] | None = None
    # Outsiders first, each compared with all of P1; then P1's own people of community B,
    # who may change B's data, compared with A's.
    for caller in sorted(world.callers, key=lambda name: name in world.insiders):
        objector = access.programme_may_object and _may_answer(access, caller, world)
        entitled = _may_answer(access, caller, world) and not names_object and not public_page
        entitled = entitled or objector
        insider = caller in world.insiders
        if seen is None or seen[0] != insider or objector:
            seen = (insider, state(world, of_community_a=insider))
        client = _client(world.callers[caller])
        answers = [_call(route, method, url, world, client) for method in route.methods]
        statuses = [r.status_code for r in answers]
        if objector:  # an objection to A's award on notice: the one write it may make
            assert all(r.status_code in (201, 409) for r in answers), statuses
            continue
        assert state(world, of_community_a=insider) == seen[1], f"{caller} changed data"
        for response in answers:
            assert response.status_code < 500, f"{caller}: {statuses}"
            assert shows_a_secret(response) is None, f"{caller} was shown A's data"
        if not entitled:
            assert all(refused(r) for r in answers), f"{caller} got {statuses}"
            assert set(statuses) != {405}, f"{caller} got {statuses}"


@pytest.mark.parametrize(
    "route",
    [r for r in ALL_ROUTES if r.key in ROUTES and ROUTES[r.key].who in (STAFF, MEMBERS)],
    ids=lambda route: route.key,
)
def test_the_matrix_points_at_real_objects_that_p1s_own_admin_reaches(world, route):
    """Without this, a wrong filler would make every call a 404 and the sweep pass."""
    access = ROUTES[route.key]
    values, _ = _path_values(route, access, world)
    admin = _client(make_staff(programme=world.programme, kind=RoleKind.ADMIN))
    url = route.template.format(**values) + _query(route)
    statuses = [_call(route, m, url, world, admin).status_code for m in route.methods]
    assert any(status not in (404, 405) for status in statuses), statuses


@pytest.mark.parametrize(
    "route",
    [
        r
        for r in ALL_ROUTES
        if r.key in ROUTES and ROUTES[r.key].who == ANYONE and "{slug}" in r.template
    ],
    ids=lambda route: route.key,
)
def test_a_public_programmes_pages_show_nothing_of_its_residents(world, route):
    Programme.objects.filter(pk=world.programme.pk).update(is_public=True)
    seal_all()
    values, _ = _path_values(route, ROUTES[route.key], world)
    url = route.template.format(**values) + _query(route)
    response = _call(route, route.methods[0], url, world, Client())
    assert response.status_code == 200
    assert shows_a_secret(response) is None
