"""The rewards services: every change to the catalogue, stores, redemptions, deliveries and
settlements goes through these (web, API, the demo). Points move only through the ledger's
holds; stock and limits are the ledger's counters."""

from jifen.rewards.catalogue import (
    remove_stock,
    save_reward,
    save_store,
    set_cashiers,
    settings_of,
    update_settings,
)
from jifen.rewards.delivery import advance, refuse
from jifen.rewards.redeeming import cancel, expire_due, find_code, redeem, verify_code
from jifen.rewards.settlement import settle
from jifen.rewards.waitlist import join_waitlist, leave_waitlist, restock, serve_waitlist

__all__ = [
    "advance",
    "cancel",
    "expire_due",
    "find_code",
    "join_waitlist",
    "leave_waitlist",
    "redeem",
    "refuse",
    "remove_stock",
    "restock",
    "save_reward",
    "save_store",
    "serve_waitlist",
    "set_cashiers",
    "settings_of",
    "settle",
    "update_settings",
    "verify_code",
]
