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

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Max, Q

from jifen.programmes.models import Programme
from jifen.transparency import ledger_checks, merkle, signing, verify_worker
from jifen.transparency.leaves import logged_leaves
from jifen.transparency.models import LogLeaf, LogNode, LogQueue, LogState, TreeHead
from jifen.transparency.sequencer import STORED_LEVEL, stored_node_count

CHUNK_LEVEL = 14  # 2^14 leaves are read, rehashed and rebuilt at a time: memory stays flat
Progress = Callable[[int, int], None]


class Discrepancy(Exception):
    """The first thing found that differs; the message says where."""


@dataclass
class Report:
    programme: str
    leaves: int
    heads: int
    queued: int


def verify_programme(
    programme: Programme,
    *,
    progress: Progress | None = None,
    chunk_level: int = CHUNK_LEVEL,
    workers: int | None = None,
) -> Report:
    """Run every check on one programme. Raises Discrepancy naming the first difference.

    On PostgreSQL, outside any transaction, everything is read in one snapshot, and
    `workers` processes (default: one per CPU) rehash the leaves of a long log in it."""
    own_snapshot = connection.vendor == "postgresql" and not connection.in_atomic_block
    with transaction.atomic():
        snapshot = None
        if own_snapshot:  # one consistent view, though the sequencer and writers go on
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                cursor.execute("SELECT pg_export_snapshot()")
                snapshot = cursor.fetchone()[0]
        heads = _checked_heads(programme)
        leaves = _check_leaves(
            programme,
            heads,
            progress or (lambda done, total: None),
            chunk_level,
            _Helpers(snapshot, workers),
        )
        covered = heads[-1][1] if heads else 0
        if covered != leaves:
            raise Discrepancy(f"leaves {covered}..{leaves - 1} are not covered by a signed head")
        queued = _check_everything_logged(programme, heads, leaves)
        ledger_checks.check_ledger(programme, Discrepancy)  # logged ones balanced: checked above
    return Report(programme.slug, leaves, len(heads), queued)


def _checked_heads(programme: Programme) -> list[tuple[int, int, bytes]]:
    """(serial, size, root) of every head, after checking numbering and signatures."""
    public_key = signing.signing_key().public_key()
    state = LogState.objects.filter(programme=programme).first()
    signed = state.heads if state else 0
    result: list[tuple[int, int, bytes]] = []
    rows = (
        TreeHead.objects.filter(programme=programme)
        .order_by("serial")
        .values_list("serial", "size", "root_hash", "timestamp_ms", "signature", "key_id")
    )
    for serial, size, root, timestamp_ms, signature, _key_id in rows.iterator(chunk_size=5_000):
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
    if len(result) < signed:  # the newest heads are gone: the sequencer counted them
        raise Discrepancy(f"signed head {len(result) + 1} is missing (the log signed {signed})")
    return result


def _check_leaves(
    programme: Programme,
    heads: list[tuple[int, int, bytes]],
    progress: Progress,
    chunk_level: int,
    helpers: "_Helpers",
) -> int:
    last = LogLeaf.objects.filter(programme=programme).aggregate(last=Max("index"))["last"]
    total = 0 if last is None else last + 1
    tree = _Tree(programme.pk, chunk_level)
    chunk = 1 << chunk_level
    pending = deque(h for h in heads if h[1] > 0)
    jobs = [
        (programme.pk, programme.slug, start, min(start + chunk, total))
        for start in range(0, total, chunk)
    ]
    for (_, _, start, _), leaves in zip(jobs, helpers.run(jobs), strict=True):
        hashes: list[bytes] = []
        for index, stored, computed, unbalanced in leaves:
            if index != start + len(hashes):
                break
            if computed is None:
                raise Discrepancy(f"leaf {index}: its transaction is missing")
            if computed != stored:
                raise Discrepancy(
                    f"leaf {index}: the transaction or its postings differ from what was logged"
                )
            if unbalanced:
                raise Discrepancy(f"transaction {unbalanced} does not balance")
            hashes.append(stored)
        if len(hashes) != min(chunk, total - start):
            raise Discrepancy(f"leaf {start + len(hashes)} is missing from the log")
        tree.add(hashes)
        while pending and pending[0][1] <= tree.size:
            serial, size, root = pending.popleft()
            if tree.root(size) != root:
                raise Discrepancy(
                    f"signed head {serial} (size {size}): the root differs from the leaves"
                )
        progress(tree.size, total)
    if pending:
        raise Discrepancy(
            f"signed head {pending[0][0]} covers {pending[0][1]} leaves; the log has {tree.size}"
        )
    tree.check_node_count()
    return tree.size


def recomputed(
    programme_id: int, slug: str, start: int, end: int
) -> list[tuple[int, bytes, bytes | None, str | None]]:
    """(index, stored leaf hash, the hash recomputed now from the transaction and posting
    rows or None when the transaction is gone, the transaction's public id if its postings
    do not balance) for the leaves in [start, end), by index."""
    result = []
    for leaf in logged_leaves(programme_id, slug, start, end):
        index, _, stored = leaf.columns
        computed = None if leaf.data is None else merkle.leaf_hash(leaf.data)
        result.append((index, bytes(stored), computed, None if leaf.balanced else leaf.public_id))
    return result


@dataclass
class _Helpers:
    """Rehashes chunks here, or in worker processes that share the snapshot: results come
    back in order, with only a few chunks in flight, so memory stays flat."""

    snapshot: str | None
    workers: int | None  # None: one per CPU, once the log is long enough to repay starting them

    def run(self, jobs: list[tuple[int, str, int, int]]) -> Iterator[list[tuple[Any, ...]]]:
        workers = self.workers
        if workers is None:
            workers = (os.cpu_count() or 1) if len(jobs) >= 8 else 1
        if self.snapshot is None or workers < 2 or len(jobs) < 2:
            for job in jobs:
                yield recomputed(*job)
            return
        context = multiprocessing.get_context("spawn")  # new processes: no shared connection
        database = connection.settings_dict["NAME"]
        with context.Pool(workers) as pool:
            in_flight: deque[Any] = deque()
            for job in jobs:
                in_flight.append(
                    pool.apply_async(verify_worker.rehash, (job, database, self.snapshot))
                )
                if len(in_flight) > 2 * workers:
                    yield in_flight.popleft().get()
            while in_flight:
                yield in_flight.popleft().get()


class _Tree:
    """The tree rebuilt a chunk of 2^chunk_level leaves at a time, level by level. Below
    chunk_level only the current chunk's nodes are kept; above, a small tree whose leaves are
    the chunks' roots. Every node a chunk completes is compared with the stored one."""

    def __init__(self, programme_id: int, chunk_level: int) -> None:
        if chunk_level < STORED_LEVEL:
            raise ValueError("a chunk must hold whole stored nodes")
        self.programme_id = programme_id
        self.chunk_level = chunk_level
        self.levels: list[list[bytes]] = []
        self.base = 0
        self.size = 0
        self.upper: dict[tuple[int, int], bytes] = {}
        self.chunks = 0

    def add(self, hashes: list[bytes]) -> None:
        """The next chunk's leaf hashes: 2^chunk_level of them, fewer only for the last."""
        self.base, self.size = self.size, self.size + len(hashes)
        self.levels = [hashes]
        while len(self.levels[-1]) > 1:
            self.levels.append(merkle.parents(self.levels[-1]))
        made = {
            (level, (self.base >> level) + offset): digest
            for level in range(STORED_LEVEL, len(self.levels))
            for offset, digest in enumerate(self.levels[level])
        }
        if len(hashes) == 1 << self.chunk_level:
            root = self.levels[self.chunk_level][0]
            for level, index, digest in merkle.append_leaf(
                self.chunks, root, lambda lv, ix: self.upper[(lv, ix)]
            ):
                self.upper[(level, index)] = digest
                made[(level + self.chunk_level, index)] = digest
            self.chunks += 1
        self._compare(made)

    def get(self, level: int, index: int) -> bytes:
        if level >= self.chunk_level:
            return self.upper[(level - self.chunk_level, index)]
        return self.levels[level][index - (self.base >> level)]

    def root(self, size: int) -> bytes:
        """The root at a size within the current chunk (or at its end)."""
        return merkle.root_hash(size, self.get)

    def _compare(self, made: dict[tuple[int, int], bytes]) -> None:
        if not made:
            return
        by_level: dict[int, list[int]] = {}
        for level, index in made:
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
        for key, digest in sorted(made.items()):
            if stored.get(key) != digest:
                raise Discrepancy(f"tree node {key[0]}/{key[1]} differs from the leaves under it")

    def check_node_count(self) -> None:
        expected = stored_node_count(self.size)
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
