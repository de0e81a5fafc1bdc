"""The sequencer: appends committed transactions to the log in the order they became
visible (commit order, not id order) and signs a tree head after every batch.

Writers never wait for it: they only insert their transaction, and a trigger queues it. One
sequencer at a time per programme holds its LogState row (FOR UPDATE SKIP LOCKED on
PostgreSQL; SQLite serialises writers anyway), so several workers may run it safely.
"""

import time
from collections.abc import Callable

from django.db import transaction
from django.db.models import Q

from jifen.ledger import merkle, signing
from jifen.programmes.models import Programme
from jifen.transparency.leaves import canonical_leaves
from jifen.transparency.models import LogLeaf, LogNode, LogQueue, LogState, TreeHead

BATCH = 5_000


def frontier_keys(size: int) -> list[tuple[int, int]]:
    """The complete subtrees whose hashes the next append (and the root) need."""
    return [
        (level, (size >> level) - 1) for level in range(size.bit_length()) if (size >> level) & 1
    ]


def load_nodes(programme_id: int, keys: list[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
    """The stored hashes of the given nodes, in one query."""
    if not keys:
        return {}
    condition = Q()
    for level, index in keys:
        condition |= Q(level=level, index=index)
    rows = LogNode.objects.filter(condition, programme_id=programme_id).values_list(
        "level", "index", "hash"
    )
    return {(level, index): bytes(digest) for level, index, digest in rows}


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
        queued = list(
            LogQueue.objects.filter(programme=programme)
            .order_by("id")
            .values_list("id", "transaction_id")[:batch]
        )
        if not queued:
            return 0
        root = _append(programme, state, [tid for _, tid in queued])
        for start in range(0, len(queued), 1_000):  # exact ids: a lower id may still be in flight
            LogQueue.objects.filter(
                id__in=[qid for qid, _ in queued[start : start + 1_000]]
            ).delete()
        _sign(programme, state, root)
    return len(queued)


def _append(programme: Programme, state: LogState, transaction_ids: list[int]) -> bytes:
    """Add the leaves and their new nodes; return the new root."""
    leaves = canonical_leaves(programme.slug, transaction_ids)
    nodes = load_nodes(programme.pk, frontier_keys(state.size))
    get: Callable[[int, int], bytes] = lambda level, index: nodes[(level, index)]  # noqa: E731
    new_leaves, new_nodes = [], []
    for tid in transaction_ids:
        digest = merkle.leaf_hash(leaves[tid])
        for level, index, node in merkle.append_leaf(state.size, digest, get):
            nodes[(level, index)] = node
            new_nodes.append(LogNode(programme=programme, level=level, index=index, hash=node))
        new_leaves.append(
            LogLeaf(programme=programme, index=state.size, transaction_id=tid, leaf_hash=digest)
        )
        state.size += 1
    LogLeaf.objects.bulk_create(new_leaves, batch_size=2_000)
    LogNode.objects.bulk_create(new_nodes, batch_size=2_000)
    return merkle.root_hash(state.size, get)


def _sign(programme: Programme, state: LogState, root: bytes) -> TreeHead:
    state.heads += 1
    head = signing.sign_tree_head(
        programme=programme.slug,
        serial=state.heads,
        size=state.size,
        root_hash=root,
        timestamp_ms=int(time.time() * 1000),
    )
    state.save(update_fields=["size", "heads"])
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
