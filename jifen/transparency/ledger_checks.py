"""The ledger's own sums, checked by `jifen verify` in SQL (nothing is loaded into memory)."""

from django.db.models import F, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from jifen.ledger.models import WALLETS, Account, Lot, Posting
from jifen.programmes.models import Programme


def check_ledger(programme: Programme, fail: type[Exception]) -> None:
    """Every transaction balances per asset; every stored balance equals its postings; the
    lots of every wallet add up to its balance. Raises `fail` naming the first difference."""
    unbalanced = (
        Posting.objects.filter(transaction__programme=programme)
        .values("transaction__public_id", "asset")
        .annotate(total=Sum("amount"))
        .exclude(total=0)
        .order_by("transaction__public_id")
        .first()
    )
    if unbalanced:
        raise fail(f"transaction {unbalanced['transaction__public_id']} does not balance")
    posted = (
        Posting.objects.filter(account=OuterRef("pk"))
        .values("account")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    wrong = (
        Account.objects.filter(programme=programme, is_bounded=True)
        .annotate(posted=Coalesce(Subquery(posted), Value(0)))
        .exclude(balance=F("posted"))
        .first()
    )
    if wrong is not None:
        raise fail(
            f"account {wrong.public_id}: the balance {wrong.balance} is not the sum of "
            f"its postings ({wrong.posted})"
        )  # type: ignore[attr-defined]
    in_lots = (
        Lot.objects.filter(account=OuterRef("pk"))
        .values("account")
        .annotate(total=Sum("remaining"))
        .values("total")
    )
    wrong = (
        Account.objects.filter(programme=programme, kind__in=WALLETS)
        .annotate(in_lots=Coalesce(Subquery(in_lots), Value(0)))
        .exclude(balance=F("in_lots"))
        .first()
    )
    if wrong is not None:
        raise fail(
            f"account {wrong.public_id}: its lots hold {wrong.in_lots}, its balance is "
            f"{wrong.balance}"
        )  # type: ignore[attr-defined]
