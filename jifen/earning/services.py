"""The earning services: every change that rules, activities, claims, notices, appeals and
devices make. Web, API, commands and the demo call these; points move only through the
ledger's services, which these call (jifen.earning.crediting)."""

from jifen.earning.activities import (
    cancel_activity,
    cancel_sign_up,
    check_in,
    check_in_card,
    check_in_code,
    check_in_roster,
    check_out,
    checkin_code,
    close_activity,
    find_by_phone,
    remove_check_in,
    save_activity,
    sign_up,
)
from jifen.earning.appeals import (
    answer_appeal,
    appeal_award,
    appeal_missing,
    appeal_refused_claim,
    object_to,
    post_due_notices,
)
from jifen.earning.claims import approve_claim, reject_claim, submit_claim, withdraw_claim
from jifen.earning.daily import daily_checkin
from jifen.earning.devices import create_device_key, post_event, revoke_device_key
from jifen.earning.rulebook import create_rule, preview, update_rule

__all__ = [
    "answer_appeal",
    "appeal_award",
    "appeal_missing",
    "appeal_refused_claim",
    "approve_claim",
    "cancel_activity",
    "cancel_sign_up",
    "check_in",
    "check_in_card",
    "check_in_code",
    "check_in_roster",
    "check_out",
    "checkin_code",
    "close_activity",
    "create_device_key",
    "create_rule",
    "daily_checkin",
    "find_by_phone",
    "object_to",
    "post_due_notices",
    "post_event",
    "preview",
    "reject_claim",
    "remove_check_in",
    "revoke_device_key",
    "save_activity",
    "sign_up",
    "submit_claim",
    "update_rule",
    "withdraw_claim",
]
