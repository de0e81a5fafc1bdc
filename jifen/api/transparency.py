"""The transparency log, readable by anyone for a public programme: signed heads (also as a
witness file to keep), inclusion proofs and consistency proofs (RFC 9162), hex-encoded
hashes, base64 signatures."""

import base64
from collections.abc import Iterator
from typing import Annotated

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.streaming import JSONL

from jifen.api.inputs import Id, QueryInt
from jifen.programmes.access import access_public_programme
from jifen.programmes.models import Programme
from jifen.transparency import queries, signing
from jifen.transparency.models import TreeHead

LARGEST_SERIAL = 2**63 - 1  # the database's bigint

router = Router(tags=["transparency"], auth=None)
TreeSize = Annotated[QueryInt, Field(ge=0)]


class HeadOut(Schema):
    serial: int
    size: int
    root_hash: str
    timestamp_ms: int
    signature: str
    key_id: str

    @staticmethod
    def of(head: TreeHead) -> "HeadOut":
        return HeadOut(
            serial=head.serial,
            size=head.size,
            root_hash=bytes(head.root_hash).hex(),
            timestamp_ms=head.timestamp_ms,
            key_id=head.key_id,
            signature=base64.b64encode(bytes(head.signature)).decode(),
        )


class WitnessHeadOut(Schema):
    """One line of a witness file, as `jifen verify --witness` reads it (witness.py)."""

    programme: str
    serial: int
    size: int
    root: str
    timestamp_ms: int
    key_id: str
    public_key: str
    signature: str


class LatestOut(Schema):
    programme: str
    public_key: str
    signed_message_format: str
    head: HeadOut | None


class InclusionOut(Schema):
    transaction: str
    leaf_index: int
    leaf_hash: str
    tree_size: int
    path: list[str]
    head: HeadOut


class ConsistencyOut(Schema):
    first: int
    second: int
    path: list[str]


def public_programme(slug: str) -> Programme:
    return access_public_programme(slug)


@router.get("/programmes/{slug}/log/head", response=LatestOut)
def latest_head(request: HttpRequest, slug: str) -> LatestOut:
    """The latest signed tree head and the key that signs heads."""
    programme = public_programme(slug)
    head = queries.latest_head(programme)
    return LatestOut(
        programme=programme.slug,
        head=HeadOut.of(head) if head else None,
        public_key=signing.public_key_b64(signing.log_public_key()),
        signed_message_format="jifen-sth-v1\\n{programme}\\n{serial}\\n{size}\\n{root_hex}"
        "\\n{timestamp_ms}",
    )


@router.get("/programmes/{slug}/log/heads", response=list[HeadOut])
def head_history(
    request: HttpRequest,
    slug: str,
    before: Id | None = None,
    limit: Annotated[QueryInt, Field(ge=1)] = 50,
) -> list[HeadOut]:
    """Signed heads, newest first (at most 500); page with ?before=<serial of the last one
    seen>."""
    heads = queries.head_history(public_programme(slug), before=before, limit=min(limit, 500))
    return [HeadOut.of(h) for h in heads]


@router.get(
    "/programmes/{slug}/log/witness", response=JSONL[WitnessHeadOut], url_name="log-witness"
)
def witness_file(
    request: HttpRequest, slug: str, after: int = Query(0, ge=0, le=LARGEST_SERIAL)
) -> Iterator[WitnessHeadOut]:
    """Every signed head, oldest first, one JSON object per line: a witness file, as the
    worker writes it, for `jifen verify --witness FILE` (and `verify_bundle.py --witness`).
    Save it away from the server; `?after=<serial of the last line saved>` gives only the
    heads signed since, to append."""
    programme = public_programme(slug)  # here, not in the stream: a 404 must come first
    return _witness_lines(programme, after)


def _witness_lines(programme: Programme, after: int) -> Iterator[WitnessHeadOut]:
    public_key = signing.public_key_b64(signing.log_public_key())
    for head in queries.heads_in_order(programme, after=after):
        yield WitnessHeadOut(
            programme=programme.slug,
            serial=head.serial,
            size=head.size,
            root=bytes(head.root_hash).hex(),
            timestamp_ms=head.timestamp_ms,
            key_id=head.key_id,
            public_key=public_key,
            signature=base64.b64encode(bytes(head.signature)).decode(),
        )


@router.get("/programmes/{slug}/log/inclusion/{transaction}", response=InclusionOut)
def inclusion(request: HttpRequest, slug: str, transaction: str) -> InclusionOut:
    """Proof that a transaction is in the latest signed head (404 until it is sealed)."""
    proof = queries.inclusion_proof_for(public_programme(slug), transaction)
    if proof is None:
        raise Http404
    return InclusionOut(
        transaction=transaction,
        leaf_index=proof.leaf_index,
        leaf_hash=proof.leaf_hash.hex(),
        tree_size=proof.head.size,
        path=[p.hex() for p in proof.path],
        head=HeadOut.of(proof.head),
    )


@router.get("/programmes/{slug}/log/consistency", response=ConsistencyOut)
def consistency(
    request: HttpRequest, slug: str, first: TreeSize, second: TreeSize
) -> ConsistencyOut:
    """Proof that the log of size `second` extends the log of size `first`."""
    try:
        path = queries.consistency_proof_between(public_programme(slug), first, second)
    except ValueError as exc:
        raise Http404 from exc
    return ConsistencyOut(first=first, second=second, path=[p.hex() for p in path])
