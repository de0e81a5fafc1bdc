"""What a resident's points pages show, in as few queries as the screen needs."""

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Sum
from django.utils import timezone

from jifen.ledger.accounts import wallet_of
from jifen.ledger.models import Lot, Posting, TransactionKind
from jifen.ledger.queries import Summary, statement, summary_of
from jifen.programmes.models import Member


@dataclass(frozen=True)
class LatestAward:
    points: int
    total: int
    at: object


@dataclass(frozen=True)
class PointsPage:
    summary: Summary
    expiring_soon: int
    latest_award: LatestAward | None
    entries: list[Posting]
    next_before: int | None


def points_page(member: Member, *, before: int | None = None) -> PointsPage:
    wallet = wallet_of(member)
    now = timezone.now()
    soon = (
        Lot.objects.filter(
            account=wallet,
            remaining__gt=0,
            expires_at__gt=now,
            expires_at__lte=now + timedelta(days=30),
        ).aggregate(total=Sum("remaining"))["total"]
        or 0
    )
    entries = statement(member, before=before)
    return PointsPage(
        summary_of(member),
        soon,
        latest_award(member),
        entries,
        entries[-1].pk if len(entries) == 50 else None,
    )


def latest_award(member: Member, within_hours: int = 24) -> LatestAward | None:
    """The last award of the past day: the “本次获得5积分，当前总积分250” the resident sees."""
    posting = (
        Posting.objects.filter(
            account=wallet_of(member),
            amount__gt=0,
            transaction__kind=TransactionKind.AWARD,
            transaction__member=member,
            transaction__created_at__gte=timezone.now() - timedelta(hours=within_hours),
        )
        .select_related("transaction")
        .order_by("-id")
        .first()
    )
    if posting is None:
        return None
    return LatestAward(posting.amount, posting.balance_after or 0, posting.transaction.created_at)
