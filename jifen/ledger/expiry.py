"""Expiry: what is left of expired lots moves to the community's expiry account."""

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Sum

from jifen.ledger.accounts import system_account
from jifen.ledger.models import Account, AccountKind, Lot, Transaction, TransactionKind
from jifen.ledger.postings import Leg, post
from jifen.lib import clock
from jifen.programmes.models import Member, Programme


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
    lots = list(
        Lot.objects.filter(account=account, remaining__gt=0, expires_at__lte=now).values_list(
            "id", "remaining"
        )
    )
    total = sum(remaining for _, remaining in lots)
    if not total:
        return 0
    owner = account.member or account.household
    community = owner.community  # type: ignore[union-attr]
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


def expiring_soon(
    programme: Programme, *, within_days: int = 30, now: datetime | None = None
) -> list[tuple[Member, int, datetime]]:
    """Members whose points expire within the coming days: (member, points, first date)."""
    now = now or clock.now()
    rows = (
        Lot.objects.filter(
            account__programme=programme,
            account__kind=AccountKind.MEMBER,
            remaining__gt=0,
            expires_at__gt=now,
            expires_at__lte=now + timedelta(days=within_days),
        )
        .values("account__member")
        .annotate(points=Sum("remaining"))
        .order_by("account__member")
    )
    members = Member.objects.in_bulk([r["account__member"] for r in rows])
    first = {}
    for lot in Lot.objects.filter(
        account__member__in=members, remaining__gt=0, expires_at__gt=now
    ).order_by("expires_at"):
        first.setdefault(lot.account.member_id, lot.expires_at)
    return [(members[r["account__member"]], r["points"], first[r["account__member"]]) for r in rows]
