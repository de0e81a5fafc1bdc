"""Expiry: what is left of expired lots moves to the community's expiry account."""

from datetime import datetime

from django.db import transaction

from jifen.ledger.accounts import system_account
from jifen.ledger.models import Account, AccountKind, Lot, Transaction, TransactionKind
from jifen.ledger.postings import Leg, post
from jifen.lib import clock
from jifen.programmes.models import Programme


def expire_lots(*, programme: Programme, now: datetime | None = None) -> int:
    """One expiry transaction per wallet with expired points; returns how many were made."""
    now = now or clock.now()
    accounts = Account.objects.filter(
        programme=programme, lots__remaining__gt=0, lots__expires_at__lte=now
    ).distinct()
    count = 0
    for account in accounts.select_related("member__community", "household__community"):
        with transaction.atomic():
            count += _expire(account, now)
    return count


def _expire(account: Account, now: datetime) -> int:
    # Lock the wallet before reading its lots: a spend running meanwhile would otherwise take
    # from a lot between our reading and our writing.
    Account.objects.select_for_update().filter(pk=account.pk).values("pk").get()
    lots = list(
        Lot.objects.filter(account=account, remaining__gt=0, expires_at__lte=now).values_list(
            "id", "remaining"
        )
    )
    total = sum(remaining for _, remaining in lots)
    if not total:
        return 0
    owner = account.member or account.household
    assert owner is not None  # only wallets hold lots: a member's or a household's
    community = owner.community
    tx = Transaction(
        programme=account.programme,
        kind=TransactionKind.EXPIRE,
        member=account.member,
        reason="expiry",
        created_at=now,
    )
    post(
        tx,
        [Leg(account, -total), Leg(system_account(community, AccountKind.EXPIRY), total)],
        lot_plan={account.pk: lots},
    )
    return 1
