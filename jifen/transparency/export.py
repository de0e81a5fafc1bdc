"""What `jifen export-log` streams: heads, and leaves with their canonical bytes."""

from collections.abc import Iterator

from jifen.programmes.models import Programme
from jifen.transparency import signing
from jifen.transparency.leaves import logged_leaves
from jifen.transparency.models import LogState, TreeHead

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
    """(index, leaf hash, canonical bytes) for leaves 0..count-1, read CHUNK at a time, each in
    the format it was sealed in."""
    state = LogState.objects.filter(programme=programme).first()
    v2_from = state.v2_from if state else 0
    for start in range(0, count, CHUNK):
        end = min(start + CHUNK, count)
        for leaf in logged_leaves(programme.pk, programme.slug, start, end, v2_from=v2_from):
            index, _, digest = leaf.columns
            if leaf.data is None:
                raise ValueError(f"leaf {index}: its transaction is missing")
            yield index, bytes(digest), leaf.data
