"""`jifen verify`: recompute the log from the ledger and check everything that a signature
or a sum can prove. Streams in chunks, so memory stays flat however long the log.

Checks, per programme, stopping at the first discrepancy:
  1. signed heads are numbered 1, 2, 3, … and each signature verifies with the log's key;
  2. every leaf's hash equals the hash of its transaction's canonical bytes, recomputed now
     from the transaction and posting rows; leaves are numbered 0, 1, 2, … with no gap;
  3. every stored tree node equals the node recomputed from the leaves, and no extra exists;
  4. every head's root equals the root of the leaves it covers; the last head covers all;
  5. every transaction is in the log, or queued and younger than the last head;
  6. every transaction balances per asset; every account's balance equals the sum of its
     postings; the lots of every wallet add up to its balance.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Q

from jifen.ledger import merkle, signing
from jifen.programmes.models import Programme
from jifen.transparency import ledger_checks
from jifen.transparency.leaves import canonical_leaves
from jifen.transparency.models import LogLeaf, LogNode, LogQueue, TreeHead
from jifen.transparency.sequencer import frontier_keys

CHUNK = 5_000
Progress = Callable[[int, int], None]


class Discrepancy(Exception):
    """The first thing found that differs; the message says where."""


@dataclass
class Report:
    programme: str
    leaves: int
    heads: int
    queued: int


def verify_programme(programme: Programme, *, progress: Progress | None = None) -> Report:
    """Run every check on one programme. Raises Discrepancy naming the first difference."""
    heads = _checked_heads(programme)
    leaves = _check_leaves(programme, heads, progress or (lambda done, total: None))
    if heads and heads[-1][1] != leaves:
        raise Discrepancy(f"leaves {heads[-1][1]}..{leaves - 1} are not covered by a signed head")
    queued = _check_everything_logged(programme, heads, leaves)
    ledger_checks.check_ledger(programme, Discrepancy)
    return Report(programme.slug, leaves, len(heads), queued)


def _checked_heads(programme: Programme) -> list[tuple[int, int, bytes]]:
    """(serial, size, root) of every head, after checking numbering and signatures."""
    public_key = signing.signing_key().public_key()
    result: list[tuple[int, int, bytes]] = []
    rows = (
        TreeHead.objects.filter(programme=programme)
        .order_by("serial")
        .values_list("serial", "size", "root_hash", "timestamp_ms", "signature", "key_id")
    )
    for serial, size, root, timestamp_ms, signature, _key_id in rows.iterator(chunk_size=CHUNK):
        expected = len(result) + 1
        if serial != expected:
            raise Discrepancy(f"signed head {expected} is missing (found head {serial})")
        head = signing.SignedTreeHead(
            programme.slug, serial, size, bytes(root), timestamp_ms, bytes(signature), ""
        )
        if not signing.verify_tree_head(head, public_key):
            raise Discrepancy(f"signed head {serial} (size {size}): the signature does not verify")
        if result and size < result[-1][1]:
            raise Discrepancy(f"signed head {serial} has fewer leaves than head {serial - 1}")
        result.append((serial, size, bytes(root)))
    return result


def _check_leaves(
    programme: Programme, heads: list[tuple[int, int, bytes]], progress: Progress
) -> int:
    total = LogLeaf.objects.filter(programme=programme).count()
    tree = _StreamingTree(programme.pk)
    pending = [h for h in heads if h[1] > 0]
    for chunk in _leaf_chunks(programme):
        leaves = canonical_leaves(programme.slug, [tid for _, tid, _ in chunk])
        for index, tid, stored in chunk:
            if index != tree.size:
                raise Discrepancy(f"leaf {tree.size} is missing from the log")
            if tid not in leaves:
                raise Discrepancy(f"leaf {index}: its transaction is missing")
            if merkle.leaf_hash(leaves[tid]) != stored:
                raise Discrepancy(
                    f"leaf {index}: the transaction or its postings differ from what was logged"
                )
            tree.append(stored)
            while pending and pending[0][1] == tree.size:
                serial, size, root = pending.pop(0)
                if tree.root() != root:
                    raise Discrepancy(
                        f"signed head {serial} (size {size}): the root differs from the leaves"
                    )
        tree.check_stored_nodes()
        progress(tree.size, total)
    if pending:
        raise Discrepancy(
            f"signed head {pending[0][0]} covers {pending[0][1]} leaves; the log has {tree.size}"
        )
    tree.check_node_count()
    return tree.size


def _leaf_chunks(programme: Programme) -> Iterator[list[tuple[int, int, bytes]]]:
    """(index, transaction id, leaf hash) in index order, CHUNK at a time, by keyset."""
    after = -1
    while True:
        chunk = [
            (i, t, bytes(h))
            for i, t, h in LogLeaf.objects.filter(programme=programme, index__gt=after)
            .order_by("index")
            .values_list("index", "transaction_id", "leaf_hash")[:CHUNK]
        ]
        if not chunk:
            return
        yield chunk
        after = chunk[-1][0]


class _StreamingTree:
    """Recomputes nodes as leaves stream in, keeping only the frontier, and compares the
    nodes made by each chunk with the stored ones."""

    def __init__(self, programme_id: int) -> None:
        self.programme_id = programme_id
        self.frontier: dict[tuple[int, int], bytes] = {}
        self.made: dict[tuple[int, int], bytes] = {}
        self.size = 0

    def append(self, leaf: bytes) -> None:
        for level, index, digest in merkle.append_leaf(
            self.size, leaf, lambda lv, ix: self.frontier[(lv, ix)]
        ):
            self.frontier[(level, index)] = digest
            self.made[(level, index)] = digest
        self.size += 1
        if len(self.frontier) > 256:  # only the frontier is ever read again: drop the rest
            self.frontier = {k: self.frontier[k] for k in frontier_keys(self.size)}

    def root(self) -> bytes:
        return merkle.root_hash(self.size, lambda lv, ix: self.frontier[(lv, ix)])

    def check_stored_nodes(self) -> None:
        by_level: dict[int, list[int]] = {}
        for level, index in self.made:
            by_level.setdefault(level, []).append(index)
        condition = Q()
        for level, indexes in by_level.items():
            condition |= Q(level=level, index__gte=min(indexes), index__lte=max(indexes))
        stored = {
            (lv, ix): bytes(h)
            for lv, ix, h in LogNode.objects.filter(
                condition, programme_id=self.programme_id
            ).values_list("level", "index", "hash")
        }
        for key, digest in sorted(self.made.items()):
            if stored.get(key) != digest:
                raise Discrepancy(f"tree node {key[0]}/{key[1]} differs from the leaves under it")
        self.made = {}

    def check_node_count(self) -> None:
        expected = 2 * self.size - bin(self.size).count("1")
        found = LogNode.objects.filter(programme_id=self.programme_id).count()
        if found != expected:
            raise Discrepancy(
                f"the log holds {found} tree nodes; {self.size} leaves make {expected}"
            )


def _check_everything_logged(
    programme: Programme, heads: list[tuple[int, int, bytes]], leaves: int
) -> int:
    """Every transaction is a leaf or waits in the queue; a queued one older than the last
    head was slipped in behind the sequencer's back."""
    from jifen.ledger.models import Transaction

    queued = LogQueue.objects.filter(programme=programme)
    total = Transaction.objects.filter(programme=programme).count()
    if total != leaves + queued.count():
        missing = (
            Transaction.objects.filter(programme=programme, log_leaf__isnull=True)
            .exclude(id__in=queued.values("transaction_id"))
            .values_list("public_id", flat=True)
            .first()
        )
        raise Discrepancy(f"transaction {missing} is neither in the log nor queued for it")
    if heads:
        last = TreeHead.objects.get(programme=programme, serial=heads[-1][0])
        stale = (
            queued.filter(transaction__created_at__lt=last.signed_at - timedelta(minutes=1))
            .values_list("transaction__public_id", flat=True)
            .first()
        )
        if stale:
            raise Discrepancy(
                f"transaction {stale} predates signed head {last.serial} but is not in the log"
            )
    return queued.count()
