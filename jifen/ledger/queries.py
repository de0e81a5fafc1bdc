"""Reads of the ledger shaped for screens. Balances are stored: never a sum over postings."""

from dataclasses import dataclass

from jifen.ledger.accounts import member_account, wallet_of
from jifen.ledger.models import AccountKind, Asset, Posting
from jifen.programmes.models import Member

PAGE = 50


@dataclass(frozen=True)
class Summary:
    balance: int
    lifetime_earned: int


def summary_of(member: Member, asset: str = Asset.POINTS) -> Summary:
    """Spendable balance and lifetime earnings: one indexed read (two for a household
    wallet, whose member's earnings are on their own account), O(1)."""
    wallet = wallet_of(member, asset)
    own = wallet if wallet.kind == AccountKind.MEMBER else member_account(member, asset)
    return Summary(wallet.balance, own.lifetime_earned)


def statement(
    member: Member, *, before: int | None = None, asset: str = Asset.POINTS, limit: int = PAGE
) -> list[Posting]:
    """The wallet's postings, newest first, `limit` at a time by keyset on id (pass the last
    posting's id as `before` for the next page)."""
    qs = (
        Posting.objects.filter(account=wallet_of(member, asset))
        .select_related("transaction", "transaction__log_leaf")
        .order_by("-id")
    )
    if before:
        qs = qs.filter(id__lt=before)
    return list(qs[:limit])
