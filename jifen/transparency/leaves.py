"""From ledger rows to the canonical bytes a leaf hashes (see jifen/ledger/canonical.py).
The sequencer and `jifen verify` both use this, so they can never disagree on a leaf."""

import hashlib
from collections import defaultdict
from collections.abc import Iterable

from jifen.ledger.canonical import CanonicalTransaction, canonical_bytes
from jifen.ledger.models import Posting, Transaction


def actor_pseudonym(programme_slug: str, actor_id: int | None) -> str:
    """A stable stand-in for the acting user: the same person gets the same id in a
    programme's log, and nothing in the log names them."""
    if actor_id is None:
        return ""
    return hashlib.sha256(f"jifen-actor:{programme_slug}:{actor_id}".encode()).hexdigest()[:16]


def canonical_leaves(programme_slug: str, transaction_ids: Iterable[int]) -> dict[int, bytes]:
    """The canonical bytes of each transaction, by id: two queries for the whole batch."""
    ids = list(transaction_ids)
    postings: dict[int, list[tuple[str, str, int]]] = defaultdict(list)
    rows = Posting.objects.filter(transaction_id__in=ids).values_list(
        "transaction_id", "account__public_id", "asset", "amount"
    )
    for transaction_id, account, asset, amount in rows.iterator(chunk_size=10_000):
        postings[transaction_id].append((account, asset, amount))
    transactions = Transaction.objects.filter(id__in=ids).values_list(
        "id",
        "public_id",
        "kind",
        "created_at",
        "reference",
        "reason",
        "actor_id",
        "reverses__public_id",
    )
    return {
        tid: canonical_bytes(
            CanonicalTransaction(
                programme=programme_slug,
                id=public_id,
                kind=kind,
                at=created_at,
                reference=reference or "",
                reason=reason or "",
                actor=actor_pseudonym(programme_slug, actor_id),
                reverses=reverses or "",
                postings=postings[tid],
            )
        )
        for tid, public_id, kind, created_at, reference, reason, actor_id, reverses in transactions
    }
