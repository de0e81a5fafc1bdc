"""Reads of the log: heads and proofs. A proof reads its O(log n) nodes in one query."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TypeVar

from jifen.programmes.models import Programme
from jifen.transparency import merkle
from jifen.transparency.models import LogLeaf, TreeHead
from jifen.transparency.sequencer import load_nodes

T = TypeVar("T")


def latest_head(programme: Programme) -> TreeHead | None:
    return TreeHead.objects.filter(programme=programme).order_by("-serial").first()


def head_history(programme: Programme, *, before: int | None = None, limit: int = 50):
    """Signed heads, newest first, by keyset on serial."""
    qs = TreeHead.objects.filter(programme=programme).order_by("-serial")
    if before is not None:
        qs = qs.filter(serial__lt=before)
    return qs[:limit]


def heads_in_order(programme: Programme, *, after: int = 0) -> Iterator[TreeHead]:
    """Signed heads after serial `after`, oldest first, read a few thousand at a time."""
    heads = TreeHead.objects.filter(programme=programme, serial__gt=after).order_by("serial")
    return heads.iterator(chunk_size=2_000)


def head_of_size(programme: Programme, size: int) -> TreeHead | None:
    return TreeHead.objects.filter(programme=programme, size=size).order_by("serial").first()


def with_nodes(programme_id: int, compute: Callable[[merkle.GetNode], T]) -> T:
    """Run a proof computation twice: first to learn which nodes it reads (the shape of a
    proof depends only on sizes and indexes), then with those nodes loaded in one query."""
    wanted: list[tuple[int, int]] = []

    def record(level: int, index: int) -> bytes:
        wanted.append((level, index))
        return b"\x00" * 32

    compute(record)
    nodes = load_nodes(programme_id, wanted)
    return compute(lambda level, index: nodes[(level, index)])


@dataclass(frozen=True)
class InclusionProof:
    leaf_index: int
    leaf_hash: bytes
    head: TreeHead
    path: list[bytes]


def inclusion_proof_for(programme: Programme, transaction_public_id: str) -> InclusionProof | None:
    """The proof that a transaction is in the latest signed head; None while it waits to be
    sealed (or when it is not this programme's)."""
    leaf = LogLeaf.objects.filter(
        programme=programme, transaction__public_id=transaction_public_id
    ).first()
    head = latest_head(programme)
    if leaf is None or head is None or leaf.index >= head.size:
        return None
    path = with_nodes(programme.pk, lambda get: merkle.inclusion_proof(leaf.index, head.size, get))
    return InclusionProof(leaf.index, bytes(leaf.leaf_hash), head, path)


def consistency_proof_between(programme: Programme, first: int, second: int) -> list[bytes]:
    """The proof that the tree of size `second` extends the tree of size `first`.
    Raises ValueError for sizes out of order or beyond the log."""
    head = latest_head(programme)
    if head is None or second > head.size:
        raise ValueError("size beyond the log")
    return with_nodes(programme.pk, lambda get: merkle.consistency_proof(first, second, get))
