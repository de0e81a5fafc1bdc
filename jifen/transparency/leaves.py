"""From ledger rows to the canonical bytes a leaf hashes (see jifen/ledger/canonical.py).

Two implementations of the same bytes: `canonical_leaves` in Python (SQLite, the exported
bundle, and the reference), and `hashed_leaves_sql` in PostgreSQL's own SQL, so that sealing
and `jifen verify` hash a whole batch where the rows are instead of shipping them to Python.
The tests hold the two to the same bytes, nasty strings included."""

import hashlib
from collections import defaultdict
from collections.abc import Iterable

from django.db import connection

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


# The same document as canonical_bytes, keys in sorted order, built by string concatenation:
# to_json(text) escapes exactly as Python's json.dumps(ensure_ascii=False) does (\" \\ \b \f
# \n \r \t, other control characters as \u00xx, everything else kept), and COLLATE "C" sorts
# by code point as Python does. %(slug)s is the programme's slug.
_DOCUMENT = """'{"actor":' || to_json(CASE WHEN t.actor_id IS NULL THEN '' ELSE
      left(encode(sha256(convert_to('jifen-actor:' || %(slug)s || ':' || t.actor_id, 'UTF8')),
      'hex'), 16) END)::text
    || ',"at":"' || to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
    || '","id":' || to_json(t.public_id)::text
    || ',"kind":' || to_json(t.kind)::text
    || ',"postings":[' || coalesce(p.list, '')
    || '],"programme":' || to_json(%(slug)s::text)::text
    || ',"reason":' || to_json(coalesce(t.reason, ''))::text
    || ',"reference":' || to_json(coalesce(t.reference, ''))::text
    || ',"reverses":' || to_json(coalesce(r.public_id, ''))::text
    || ',"v":1}'"""

_POSTINGS = """SELECT p.transaction_id, string_agg('[' || to_json(a.public_id)::text || ','
      || to_json(p.asset)::text || ',' || p.amount::text || ']', ','
      ORDER BY a.public_id COLLATE "C", p.asset COLLATE "C", p.amount) AS list
    FROM ledger_posting p JOIN ledger_account a ON a.id = p.account_id
    WHERE p.transaction_id BETWEEN (SELECT min(transaction_id) FROM batch)
                               AND (SELECT max(transaction_id) FROM batch)
    GROUP BY p.transaction_id"""


def hashed_leaves_sql(batch: str) -> str:
    """A PostgreSQL statement that hashes the leaves of a batch: `batch` is a query whose rows
    have a `transaction_id` column (and whatever else the caller needs back); the statement
    gives `hashed`, those rows plus `leaf_hash` (NULL when the transaction is missing), to the
    rest of the statement, which the caller appends. Parameters: %(slug)s and the batch's."""
    return f"""WITH batch AS MATERIALIZED ({batch}),
    postings AS MATERIALIZED ({_POSTINGS}),
    hashed AS (
        SELECT batch.*, sha256('\\x00'::bytea || convert_to({_DOCUMENT}, 'UTF8')) AS leaf_hash
        FROM batch
        LEFT JOIN ledger_transaction t ON t.id = batch.transaction_id
        LEFT JOIN ledger_transaction r ON r.id = t.reverses_id
        LEFT JOIN postings p ON p.transaction_id = t.id
    )"""


def hashes_in_sql() -> bool:
    """Whether this database hashes leaves itself (PostgreSQL) or leaves it to Python."""
    return connection.vendor == "postgresql"


def without_jit_or_workers(cursor) -> None:  # type: ignore[no-untyped-def]
    """For the rest of the database transaction: a batch of leaves is one big sort and scan,
    which JIT compilation and parallel workers only slow down on a small machine."""
    cursor.execute("SET LOCAL jit = off")
    cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
