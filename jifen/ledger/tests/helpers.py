"""Reading the ledger's state in tests: everything a refusal must leave unchanged."""

from jifen.ledger.models import Account, Counter, Hold, Lot, Posting, Transaction


def ledger_state() -> tuple:
    return (
        Transaction.objects.count(),
        Posting.objects.count(),
        sorted(Account.objects.values_list("id", "balance", "lifetime_earned")),
        sorted(Lot.objects.values_list("id", "remaining")),
        sorted(Counter.objects.values_list("id", "used")),
        sorted(Hold.objects.values_list("id", "status")),
    )
