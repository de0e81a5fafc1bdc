"""Reads of the ledger shaped for screens. Balances are stored: never a sum over postings."""

from dataclasses import dataclass

from jifen.ledger.accounts import member_account, wallet_of
from jifen.ledger.models import Asset, Posting
from jifen.programmes.models import Member

PAGE = 50


@dataclass(frozen=True)
class Summary:
    balance: int
    lifetime_earned: int


def summary_of(member: Member, asset: str = Asset.POINTS) -> Summary:
    """Spendable balance and lifetime earnings: two primary-key reads, O(1)."""
    return Summary(wallet_of(member, asset).balance, member_account(member, asset).lifetime_earned)


def statement(
    member: Member, *, before: int | None = None, asset: str = Asset.POINTS
) -> list[Posting]:
    """The wallet's postings, newest first, PAGE at a time by keyset on id."""
    qs = (
        Posting.objects.filter(account=wallet_of(member, asset))
        .select_related("transaction", "transaction__log_leaf")
        .order_by("-id")
    )
    if before:
        qs = qs.filter(id__lt=before)
    return list(qs[:PAGE])
