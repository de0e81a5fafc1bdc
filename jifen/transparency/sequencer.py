"""The sequencer: appends committed transactions to the log in the order they became
visible (commit order, not id order) and signs a tree head after every batch; once the head
is committed, it is appended to the witness file too (witness.py).

Writers never wait for it: they only insert their transaction, and a trigger queues it. One
sequencer at a time per programme holds its LogState row (FOR UPDATE SKIP LOCKED on
PostgreSQL; SQLite serialises writers anyway), so several workers may run it safely.

Only nodes of level STORED_LEVEL and up are stored (one row per 2^STORED_LEVEL leaves, not
two per leaf): a node below is rebuilt from the at most 2^STORED_LEVEL leaf hashes under it.
"""

import time

from django.db import connection, transaction

from jifen.lib.bulk_sql import array_literal
from jifen.programmes.models import Programme
from jifen.transparency import merkle, signing, witness
from jifen.transparency.leaves import among, canonical_rows
from jifen.transparency.models import LogLeaf, LogNode, LogQueue, LogState, TreeHead

BATCH = 20_000
STORED_LEVEL = 4


def frontier_keys(size: int) -> list[tuple[int, int]]:
    """The complete subtrees whose hashes the next append (and the root) need."""
    return [
        (level, (size >> level) - 1) for level in range(size.bit_length()) if (size >> level) & 1
    ]


def stored_node_count(size: int) -> int:
    """How many node rows a log of `size` leaves holds."""
    return sum(size >> level for level in range(STORED_LEVEL, size.bit_length()))


def load_nodes(programme_id: int, keys: list[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
    """The hashes of the given complete subtrees, in at most two queries (plain SQL: a proof
    asks for a few dozen, and building them through the ORM cost more than reading them):
    stored nodes, and the leaf hashes under the low ones, which are rebuilt here."""
    keys = list(dict.fromkeys(keys))
    stored = [key for key in keys if key[0] >= STORED_LEVEL]
    low = [key for key in keys if key[0] < STORED_LEVEL]
    nodes: dict[tuple[int, int], bytes] = {}
    with connection.cursor() as cursor:
        if stored:
            cursor.execute(
                'SELECT level, "index", hash FROM transparency_lognode WHERE programme_id = %s'
                ' AND (level, "index") IN (VALUES ' + ", ".join(["(%s, %s)"] * len(stored)) + ")",
                [programme_id, *(n for key in stored for n in key)],
            )
            nodes = {(level, index): bytes(digest) for level, index, digest in cursor.fetchall()}
        if low:
            ranges = [(index << level, ((index + 1) << level) - 1) for level, index in low]
            cursor.execute(
                'SELECT "index", leaf_hash FROM transparency_logleaf WHERE programme_id = %s AND ('
                + " OR ".join(['"index" BETWEEN %s AND %s'] * len(ranges))
                + ")",
                [programme_id, *(n for pair in ranges for n in pair)],
            )
            leaves = {index: bytes(digest) for index, digest in cursor.fetchall()}
            for level, index in low:
                first = index << level
                nodes[(level, index)] = merkle.complete_root(
                    [leaves[i] for i in range(first, first + (1 << level))]
                )
    return nodes


def seal(programme: Programme, *, batch: int = BATCH) -> int:
    """Append up to `batch` queued transactions and sign a head. Returns how many were sealed
    (0 when the queue is empty or another sequencer holds this programme)."""
    LogState.objects.get_or_create(programme=programme)
    with transaction.atomic():
        state = (
            LogState.objects.select_for_update(skip_locked=True).filter(programme=programme).first()
        )
        if state is None:
            return 0
        leaves = _append(programme, state, batch)
        if not leaves:
            return 0
        root = _add_nodes(programme, state.size, leaves)
        state.size += len(leaves)
        _sign(programme, state, root)
    return len(leaves)


def _append(programme: Programme, state: LogState, batch: int) -> list[bytes]:
    """Take up to `batch` transactions off the queue (by their exact ids: a lower id may still
    be in flight) and append them as leaves, each in the format its index gets; return their
    hashes."""
    size = state.size
    rows = list(
        canonical_rows(
            programme.slug,
            "SELECT %s + row_number() OVER (ORDER BY id) - 1, transaction_id, id"
            " FROM transparency_logqueue WHERE programme_id = %s ORDER BY id LIMIT %s",
            [size, programme.pk, batch],
            v1_below=state.v2_from,
        )
    )
    if not rows:
        return []
    queued = [leaf.columns[2] for leaf in rows]
    transaction_ids = [leaf.columns[1] for leaf in rows]
    leaves = []
    for leaf in rows:
        assert leaf.data is not None  # a queued row's transaction exists: its foreign key
        leaves.append(merkle.leaf_hash(leaf.data))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # the hashes as one string, cut in the database
            cursor.execute(
                "INSERT INTO transparency_logleaf (programme_id, index, transaction_id,"
                " leaf_hash, sealed_at) SELECT %s, %s + n - 1, tid,"
                " substring(%s::bytea FROM (n * 32 - 31)::int FOR 32), now()"
                " FROM unnest(%s::bigint[]) WITH ORDINALITY AS u(tid, n)",
                [programme.pk, size, b"".join(leaves), array_literal(transaction_ids)],
            )
        else:
            LogLeaf.objects.bulk_create(
                LogLeaf(programme=programme, index=size + i, transaction_id=tid, leaf_hash=digest)
                for i, (tid, digest) in enumerate(zip(transaction_ids, leaves, strict=True))
            )
        for start in range(0, len(queued), 5_000):
            part = queued[start : start + 5_000]
            where, params = among(part)
            cursor.execute(
                f"DELETE FROM transparency_logqueue WHERE id BETWEEN %s AND %s AND id {where}",
                [min(part), max(part), *params],
            )
    return leaves


def _add_nodes(programme: Programme, size: int, leaves: list[bytes]) -> bytes:
    """Store the complete subtrees that the new leaves finish; return the new root."""
    nodes = load_nodes(programme.pk, frontier_keys(size))

    def get(level: int, index: int) -> bytes:
        return nodes[(level, index)]

    new: list[tuple[int, int, bytes]] = []
    for digest in leaves:
        for level, index, node in merkle.append_leaf(size, digest, get):
            nodes[(level, index)] = node
            if level >= STORED_LEVEL:
                new.append((level, index, node))
        size += 1
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO transparency_lognode (programme_id, level, index, hash)"
                " SELECT %s, level, ix, substring(%s::bytea FROM (n * 32 - 31)::int FOR 32)"
                " FROM unnest(%s::smallint[], %s::bigint[]) WITH ORDINALITY AS u(level, ix, n)",
                [
                    programme.pk,
                    b"".join(h for _, _, h in new),
                    array_literal(lv for lv, _, _ in new),
                    array_literal(ix for _, ix, _ in new),
                ],
            )
    else:
        LogNode.objects.bulk_create(
            [LogNode(programme=programme, level=lv, index=ix, hash=h) for lv, ix, h in new],
            batch_size=2_000,
        )
    return merkle.root_hash(size, get)


def _sign(programme: Programme, state: LogState, root: bytes) -> TreeHead:
    key = signing.log_signing_key()
    state.heads += 1
    head = signing.sign_tree_head(
        programme=programme.slug,
        serial=state.heads,
        size=state.size,
        root_hash=root,
        timestamp_ms=int(time.time() * 1000),
        key=key,
    )
    state.save(update_fields=["size", "heads"])
    public_key = signing.public_key_b64(key.public_key())
    # Only once committed: a head rolled back must never be witnessed.
    transaction.on_commit(lambda: witness.append_heads([head], public_key), robust=True)
    return TreeHead.objects.create(
        programme=programme,
        serial=head.serial,
        size=head.size,
        root_hash=head.root_hash,
        timestamp_ms=head.timestamp_ms,
        signature=head.signature,
        key_id=head.key_id,
    )


def seal_all(*, batch: int = BATCH) -> int:
    """Seal every programme with queued transactions until the queues are empty."""
    total = 0
    for programme in Programme.objects.filter(
        id__in=LogQueue.objects.values("programme_id").distinct()
    ):
        while sealed := seal(programme, batch=batch):
            total += sealed
    return total
