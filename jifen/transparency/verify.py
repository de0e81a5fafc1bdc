"""`jifen verify`: recompute the log from the ledger and check everything that a signature
or a sum can prove. Streams in chunks, so memory stays flat however long the log.

Checks, per programme, stopping at the first discrepancy:
  1. signed heads are numbered 1, 2, 3, … and each signature verifies with the log's key: the
     configured one (JIFEN_LOG_PUBLIC_KEY) if set, else the witnessed one if a witness file
     is given, else the signing key's;
  2. every leaf's hash equals the hash of its transaction's canonical bytes, recomputed now
     from the transaction and posting rows; leaves are numbered 0, 1, 2, … with no gap;
  3. every stored tree node equals the node recomputed from the leaves, and no extra exists;
  4. every head's root equals the root of the leaves it covers; the last head covers all;
     so does every witnessed head's (witness.py): the log was neither rewritten nor truncated
     since the head was saved outside the database;
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
from typing import Any, NamedTuple

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.db import connection, transaction
from django.db.models import Max, Q

from jifen.programmes.models import Programme
from jifen.rewards.settlement import differences as settlement_differences
from jifen.transparency import ledger_checks, merkle, signing, verify_worker
from jifen.transparency.leaves import logged_leaves
from jifen.transparency.models import LogLeaf, LogNode, LogQueue, LogState, TreeHead
from jifen.transparency.sequencer import STORED_LEVEL, stored_node_count
from jifen.transparency.witness import Witness

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
    witnessed: int = 0


class Checkpoint(NamedTuple):
    """A head whose root the leaves must give: signed in the database, or witnessed."""

    serial: int
    size: int
    root: bytes
    witnessed: bool

    def differs(self) -> str:
        if self.witnessed:
            return (
                f"witnessed head {self.serial} (size {self.size}): the log's root at that size "
                "is not the witnessed one; the log was changed after the head was witnessed"
            )
        return f"signed head {self.serial} (size {self.size}): the root differs from the leaves"

    def beyond(self, leaves: int) -> str:
        if self.witnessed:
            return (
                f"witnessed head {self.serial} covers {self.size} leaves; the log has only "
                f"{leaves}: it was truncated after the head was witnessed"
            )
        return f"signed head {self.serial} covers {self.size} leaves; the log has {leaves}"


def verify_programme(
    programme: Programme,
    *,
    witness: Witness | None = None,
    progress: Progress | None = None,
    chunk_level: int = CHUNK_LEVEL,
    workers: int | None = None,
) -> Report:
    """Run every check on one programme, against the heads `witness` saved if given.
    Raises Discrepancy naming the first difference.

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
        heads = _checked_heads(programme, *_trusted_key(witness))
        witnessed = [Checkpoint(*head, True) for head in witness.heads] if witness else []
        leaves = _check_leaves(
            programme,
            sorted(heads + witnessed, key=lambda point: point.size),  # stable: by serial
            progress or (lambda done, total: None),
            chunk_level,
            _Helpers(snapshot, workers),
        )
        covered = heads[-1].size if heads else 0
        if covered != leaves:
            raise Discrepancy(f"leaves {covered}..{leaves - 1} are not covered by a signed head")
        queued = _check_everything_logged(programme, heads, leaves)
        ledger_checks.check_ledger(programme, Discrepancy)  # logged ones balanced: checked above
        for problem in settlement_differences(programme)[:1]:  # settled periods still add up
            raise Discrepancy(problem)
    return Report(programme.slug, leaves, len(heads), queued, len(witnessed))


def _trusted_key(witness: Witness | None) -> tuple[Ed25519PublicKey, str]:
    """The key every head must verify with, and how a discrepancy names it."""
    if witness is not None:  # the configured key, or else the witnessed one
        return witness.public_key, witness.key_source
    configured = signing.configured_public_key()
    if configured is not None:
        return configured, "the configured public key"
    return signing.signing_key().public_key(), "the log's signing key"


def _checked_heads(
    programme: Programme, public_key: Ed25519PublicKey, key_source: str
) -> list[Checkpoint]:
    """Every head, after checking numbering and signatures."""
    state = LogState.objects.filter(programme=programme).first()
    signed = state.heads if state else 0
    result: list[Checkpoint] = []
    rows = (
        TreeHead.objects.filter(programme=programme)
        .order_by("serial")
        .values_list("serial", "size", "root_hash", "timestamp_ms", "signature", "key_id")
    )
    for serial, size, root, timestamp_ms, signature, key_id in rows.iterator(chunk_size=5_000):
        expected = len(result) + 1
        if serial != expected:
            raise Discrepancy(f"signed head {expected} is missing (found head {serial})")
        head = signing.SignedTreeHead(
            programme.slug, serial, size, bytes(root), timestamp_ms, bytes(signature), key_id
        )
        if not signing.verify_tree_head(head, public_key):
            raise Discrepancy(_unsigned(head, public_key, key_source))
        if result and size < result[-1].size:
            raise Discrepancy(f"signed head {serial} has fewer leaves than head {serial - 1}")
        result.append(Checkpoint(serial, size, bytes(root), False))
    if len(result) < signed:  # the newest heads are gone: the sequencer counted them
        raise Discrepancy(f"signed head {len(result) + 1} is missing (the log signed {signed})")
    return result


def _unsigned(head: signing.SignedTreeHead, public_key: Ed25519PublicKey, key_source: str) -> str:
    expected = signing.key_id(public_key)
    other = f"; the head names key {head.key_id}" if head.key_id != expected else ""
    return (
        f"signed head {head.serial} (size {head.size}): the signature does not verify with "
        f"{key_source} (key {expected}{other})"
    )


def _check_leaves(
    programme: Programme,
    checkpoints: list[Checkpoint],
    progress: Progress,
    chunk_level: int,
    helpers: "_Helpers",
) -> int:
    """Rehash every leaf and rebuild the tree, checking each checkpoint's root on the way
    (in order of size); returns the number of leaves."""
    last = LogLeaf.objects.filter(programme=programme).aggregate(last=Max("index"))["last"]
    total = 0 if last is None else last + 1
    state = LogState.objects.filter(programme=programme).first()
    v2_from = state.v2_from if state else 0
    tree = _Tree(programme.pk, chunk_level)
    chunk = 1 << chunk_level
    for point in checkpoints:
        if point.size == 0 and point.root != merkle.EMPTY_ROOT:
            raise Discrepancy(point.differs())
    pending = deque(point for point in checkpoints if point.size > 0)
    jobs = [
        (programme.pk, programme.slug, start, min(start + chunk, total), v2_from)
        for start in range(0, total, chunk)
    ]
    for (_, _, start, _, _), leaves in zip(jobs, helpers.run(jobs), strict=True):
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
        while pending and pending[0].size <= tree.size:
            point = pending.popleft()
            if tree.root(point.size) != point.root:
                raise Discrepancy(point.differs())
        progress(tree.size, total)
    if pending:
        raise Discrepancy(pending[0].beyond(tree.size))
    tree.check_node_count()
    return tree.size


def recomputed(
    programme_id: int, slug: str, start: int, end: int, v2_from: int
) -> list[tuple[int, bytes, bytes | None, str | None]]:
    """(index, stored leaf hash, the hash recomputed now from the transaction and posting
    rows or None when the transaction is gone, the transaction's public id if its postings
    do not balance) for the leaves in [start, end), by index."""
    result = []
    for leaf in logged_leaves(programme_id, slug, start, end, v2_from=v2_from):
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

    def run(self, jobs: list[tuple[int, str, int, int, int]]) -> Iterator[list[tuple[Any, ...]]]:
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


def _check_everything_logged(programme: Programme, heads: list[Checkpoint], leaves: int) -> int:
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
        last = TreeHead.objects.get(programme=programme, serial=heads[-1].serial)
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
