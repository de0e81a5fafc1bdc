"""The ledger's own sums, checked by `jifen verify` in SQL (nothing is loaded into memory)."""

from django.db.models import F, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from jifen.ledger.models import WALLETS, Account, Lot, Posting
from jifen.programmes.models import Programme
from jifen.transparency.models import LogQueue


def check_ledger(programme: Programme, fail: type[Exception]) -> None:
    """Every transaction waiting for the log balances per asset (verify checks the logged
    ones as it rehashes them); every stored balance equals its postings; the lots of every
    wallet add up to its balance. Raises `fail` naming the first difference."""
    unbalanced = sorted(  # from the queue (small), never by scanning every posting
        Posting.objects.filter(
            transaction_id__in=LogQueue.objects.filter(programme=programme).values("transaction_id")
        )
        .values("transaction_id", "asset")
        .annotate(total=Sum("amount"))
        .exclude(total=0)
        .values_list("transaction__public_id", flat=True)
    )
    if unbalanced:
        raise fail(f"transaction {unbalanced[0]} does not balance")
    wrong, posted = _first_off(
        Account.objects.filter(programme=programme, is_bounded=True), Posting, "amount"
    )
    if wrong is not None:
        raise fail(
            f"account {wrong.public_id}: the balance {wrong.balance} is not the sum of "
            f"its postings ({posted})"
        )
    wrong, in_lots = _first_off(
        Account.objects.filter(programme=programme, kind__in=WALLETS), Lot, "remaining"
    )
    if wrong is not None:
        raise fail(
            f"account {wrong.public_id}: its lots hold {in_lots}, its balance is {wrong.balance}"
        )


def _first_off(accounts, rows, column: str) -> tuple[Account | None, int]:
    """The first account whose balance differs from the sum of `column` over its `rows`
    (postings or lots), with that sum; one query, the sum done in the database."""
    total = (
        rows.objects.filter(account=OuterRef("pk"))
        .values("account")
        .annotate(total=Sum(column))
        .values("total")
    )
    wrong = (
        accounts.annotate(summed=Coalesce(Subquery(total), Value(0)))
        .exclude(balance=F("summed"))
        .first()
    )
    return wrong, (wrong.summed if wrong is not None else 0)
