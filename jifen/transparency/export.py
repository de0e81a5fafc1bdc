"""What `jifen export-log` streams: heads, and leaves with their canonical bytes."""

from collections.abc import Iterator

from jifen.ledger import signing
from jifen.programmes.models import Programme
from jifen.transparency.leaves import canonical_leaves
from jifen.transparency.models import LogLeaf, TreeHead

CHUNK = 5_000


def bundle_heads(programme: Programme) -> list[signing.SignedTreeHead]:
    return [
        signing.SignedTreeHead(
            programme.slug,
            h.serial,
            h.size,
            bytes(h.root_hash),
            h.timestamp_ms,
            bytes(h.signature),
            h.key_id,
        )
        for h in TreeHead.objects.filter(programme=programme).order_by("serial")
    ]


def bundle_leaves(programme: Programme, count: int) -> Iterator[tuple[int, bytes, bytes]]:
    """(index, leaf hash, canonical bytes) for leaves 0..count-1, read CHUNK at a time."""
    for start in range(0, count, CHUNK):
        rows = list(
            LogLeaf.objects.filter(
                programme=programme, index__gte=start, index__lt=min(start + CHUNK, count)
            )
            .order_by("index")
            .values_list("index", "transaction_id", "leaf_hash")
        )
        canonical = canonical_leaves(programme.slug, [tid for _, tid, _ in rows])
        for index, tid, digest in rows:
            yield index, bytes(digest), canonical[tid]
