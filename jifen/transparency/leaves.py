"""From ledger rows to the canonical bytes a leaf hashes (jifen/transparency/canonical.py defines
them). The sequencer, `jifen verify` and `jifen export-log` all read leaves through here, so
they can never disagree on one; the tests hold these bytes to `canonical_bytes`.

A batch takes three plain queries (its rows, their transactions, their postings) and the
document is written straight as text: at a million leaves, the ORM and a dict per leaf would
cost more than everything else together."""

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any, NamedTuple

from django.db import connection

from jifen.lib.bulk_sql import array_literal

# The escaping json.dumps(ensure_ascii=False) itself applies to a string, quotes included.
_string = json.encoder.encode_basestring


def actor_pseudonym(programme_slug: str, actor_id: int | None) -> str:
    """A stable stand-in for the acting user: the same person gets the same id in a
    programme's log, and nothing in the log names them."""
    if actor_id is None:
        return ""
    return hashlib.sha256(f"jifen-actor:{programme_slug}:{actor_id}".encode()).hexdigest()[:16]


def member_pseudonym(programme_slug: str, member_id: int | None) -> str:
    """A stable stand-in for the member a transaction is about (format 2 leaves): the same
    member gets the same id in a programme's log, and nothing in the log names them."""
    if member_id is None:
        return ""
    return hashlib.sha256(f"jifen-member:{programme_slug}:{member_id}".encode()).hexdigest()[:16]


class Leaf(NamedTuple):
    columns: tuple[Any, ...]  # the source row's
    data: bytes | None  # the canonical bytes; None when the transaction is missing
    public_id: str | None
    balanced: bool  # whether its postings sum to zero per asset (verify checks it on the way)


def canonical_rows(
    programme_slug: str, source: str, params: list[Any], *, v1_below: int = 0
) -> Iterator[Leaf]:
    """Each row of `source` — SQL whose second column is a transaction id — in its order,
    with that transaction's canonical bytes: format 1 for a row whose first column (a leaf's
    index) is below `v1_below`, format 2 otherwise. Three range scans, whatever the batch
    size: the rows, their transactions, their postings."""
    with connection.cursor() as cursor:
        cursor.execute(source, params)
        rows = cursor.fetchall()
        transactions = _transactions(cursor, [row[1] for row in rows])
        postings = _postings(cursor, list(transactions))
    slug = _string(programme_slug)
    actors: dict[int | None, str] = {}
    members: dict[int | None, str] = {}
    for columns in rows:
        found = transactions.get(columns[1])
        if found is None:
            yield Leaf(columns, None, None, True)
            continue
        public_id, kind, at, reference, reason, actor_id, reverses, member_id = found
        if actor_id not in actors:
            actors[actor_id] = _string(actor_pseudonym(programme_slug, actor_id))
        if columns[0] < v1_below:
            member, version = "", "1"
        else:
            if member_id not in members:
                members[member_id] = _string(member_pseudonym(programme_slug, member_id))
            member, version = f'"member":{members[member_id]},', "2"
        legs = sorted(postings.get(columns[1], ()))
        document = (
            f'{{"actor":{actors[actor_id]},"at":"{at}","id":{_string(public_id)},'
            f'"kind":{_string(kind)},{member}"postings":[{_items(legs)}],"programme":{slug},'
            f'"reason":{_string(reason or "")},"reference":{_string(reference or "")},'
            f'"reverses":{_string(reverses or "")},"v":{version}}}'
        )
        yield Leaf(columns, document.encode(), public_id, _balanced(legs))


def _items(legs: list[tuple[Any, ...]]) -> str:
    return ",".join(
        f"[{_string(account)},{_string(asset)},{int(amount)}]" for account, asset, amount in legs
    )


def _balanced(legs: list[tuple[Any, ...]]) -> bool:
    sums: dict[str, int] = {}
    for _, asset, amount in legs:
        sums[asset] = sums.get(asset, 0) + amount
    return not any(sums.values())


def logged_leaves(
    programme_id: int, slug: str, start: int, end: int, *, v2_from: int
) -> Iterator[Leaf]:
    """The log's leaves [start, end) in index order, each with its transaction's canonical
    bytes as the ledger holds it now, in the format it was sealed in (version 2 from leaf
    `v2_from` on, LogState's); columns: (index, transaction id, stored leaf hash)."""
    return canonical_rows(
        slug,
        'SELECT "index", transaction_id, leaf_hash FROM transparency_logleaf'
        ' WHERE programme_id = %s AND "index" >= %s AND "index" < %s ORDER BY "index"',
        [programme_id, start, end],
        v1_below=v2_from,
    )


def canonical_leaves(programme_slug: str, transaction_ids: Iterable[int]) -> dict[int, bytes]:
    """The canonical bytes (format 2) of each transaction, by id (missing ones are left out)."""
    result: dict[int, bytes] = {}
    ids = list(transaction_ids)
    for start in range(0, len(ids), 5_000):
        part = ids[start : start + 5_000]
        where, params = among(part)
        source = f"SELECT id, id FROM ledger_transaction WHERE id {where} ORDER BY id"
        for leaf in canonical_rows(programme_slug, source, params):
            if leaf.data is not None:
                result[leaf.columns[1]] = leaf.data
    return result


def _transactions(cursor, ids: list[int]) -> dict[int, tuple[Any, ...]]:
    if not ids:
        return {}
    where, params = among(ids)
    cursor.execute(
        f"SELECT t.id, t.public_id, t.kind, {_utc_text()}, t.reference, t.reason, t.actor_id,"
        " r.public_id, t.member_id FROM ledger_transaction t"
        " LEFT JOIN ledger_transaction r ON r.id = t.reverses_id"
        f" WHERE t.id BETWEEN %s AND %s AND t.id {where}",
        [min(ids), max(ids), *params],
    )
    return {row[0]: row[1:] for row in cursor.fetchall()}


def _postings(cursor, ids: list[int]) -> dict[int, list[tuple[Any, ...]]]:
    postings: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    if not ids:
        return postings
    where, params = among(ids)
    cursor.execute(
        "SELECT p.transaction_id, a.public_id, p.asset, p.amount FROM ledger_posting p"
        " JOIN ledger_account a ON a.id = p.account_id"
        f" WHERE p.transaction_id BETWEEN %s AND %s AND p.transaction_id {where}",
        [min(ids), max(ids), *params],
    )
    for row in cursor.fetchall():
        postings[row[0]].append(row[1:])
    return postings


def among(ids: list[int]) -> tuple[str, list[Any]]:
    """`IN` for a list of ids: one array parameter on PostgreSQL, placeholders elsewhere."""
    if connection.vendor == "postgresql":
        return "= ANY(%s::bigint[])", [array_literal(ids)]
    return "IN (" + ",".join(["%s"] * len(ids)) + ")", list(ids)


def _utc_text() -> str:
    """SQL for t.created_at as the document writes it: 2026-11-22T09:30:00.123456Z. SQLite
    holds it as text in UTC, without the fraction when it is .000000."""
    if connection.vendor == "postgresql":
        return """to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')"""
    return "replace(substr(t.created_at || '.000000', 1, 26), ' ', 'T') || 'Z'"
