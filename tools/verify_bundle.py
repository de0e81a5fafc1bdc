#!/usr/bin/env python3
"""Check a Jifen transparency-log bundle without the database, and without Jifen.

Needs only the Python standard library and the `cryptography` package:

    python3 verify_bundle.py jifen-log-xingfuli.jsonl
    python3 verify_bundle.py --witness witness.jsonl --public-key BASE64 jifen-log-xingfuli.jsonl

It checks that every leaf hash is SHA-256(0x00 ‖ canonical bytes), that every transaction in
a leaf balances per asset and is in a known canonical format (1, then 2 from some leaf on),
that leaves are numbered 0, 1, 2, … with no gap, that signed tree heads are numbered 1, 2, 3, …
with no gap, that every one is signed by the programme's key and that its root is the RFC 9162
Merkle root of exactly the first `size` leaves, and that the last head covers every leaf.

With --public-key, the bundle's key must be that one. With --witness FILE (signed heads saved
earlier, one JSON object per line: programme, serial, size, root, timestamp_ms, key_id,
public_key, signature — what the programme's worker writes and its API serves), every head
the file holds for the programme must be signed by the same key and have the same root as
the bundle's leaves at that size: a log rewritten and re-signed since fails.

Memory stays small: it keeps O(log n) hashes, not the tree (and the witnessed heads).
Exit status 0 when all holds; 1 naming the first discrepancy; 2 for an unreadable file.
"""

import argparse
import base64
import hashlib
import json
import os
import sys
from collections import defaultdict, deque

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


class Discrepancy(Exception):
    pass


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


class Frontier:
    """The roots of the complete subtrees of the leaves seen so far (at most log₂ n)."""

    def __init__(self) -> None:
        self.stack: list[tuple[int, bytes]] = []  # (leaf count, hash), largest first
        self.size = 0

    def add(self, leaf: bytes) -> None:
        count, digest = 1, leaf
        while self.stack and self.stack[-1][0] == count:
            left = self.stack.pop()[1]
            count, digest = count * 2, node_hash(left, digest)
        self.stack.append((count, digest))
        self.size += 1

    def root(self) -> bytes:
        if not self.stack:
            return hashlib.sha256(b"").digest()
        digest = self.stack[-1][1]
        for _, left in reversed(self.stack[:-1]):
            digest = node_hash(left, digest)
        return digest


def head_message(programme: str, head: dict) -> bytes:
    """What a head's Ed25519 signature signs (a bundle says root_hash, a witness file root)."""
    root = head["root_hash"] if "root_hash" in head else head["root"]
    return (
        f"jifen-sth-v1\n{programme}\n{head['serial']}\n{head['size']}\n{root}\n"
        f"{head['timestamp_ms']}"
    ).encode()


def check_head(head: dict, programme: str, key: Ed25519PublicKey, frontier: Frontier) -> None:
    size = head["size"]
    try:
        key.verify(base64.b64decode(head["signature"]), head_message(programme, head))
    except InvalidSignature:
        raise Discrepancy(
            f"signed tree head of size {size}: the signature does not verify"
        ) from None
    if frontier.root().hex() != head["root_hash"]:
        raise Discrepancy(
            f"signed tree head of size {size}: its root is not the root of leaves 0..{size - 1}"
        )


def check_leaf(entry: dict, expected_index: int, newest_format: int) -> tuple[bytes, int]:
    """The leaf's hash and its format, after checking both and its balance."""
    index = entry.get("index")
    if index != expected_index:
        raise Discrepancy(f"leaf {expected_index}: missing (found index {index})")
    canonical = entry["canonical"].encode()
    digest = leaf_hash(canonical)
    if digest.hex() != entry["leaf_hash"]:
        raise Discrepancy(f"leaf {index}: its hash does not match its content")
    document = json.loads(canonical)
    version = document.get("v")
    if version not in (1, 2) or (version == 2) != ("member" in document):
        raise Discrepancy(f"leaf {index}: not a transaction in a known canonical format")
    if version < newest_format:
        raise Discrepancy(f"leaf {index}: format {version} after a leaf in format {newest_format}")
    totals: dict[str, int] = defaultdict(int)
    for _account, asset, amount in document["postings"]:
        totals[asset] += amount
    if any(totals.values()):
        raise Discrepancy(f"leaf {index}: the transaction does not balance")
    return digest, version


def read_witness(lines, programme: str, key: Ed25519PublicKey) -> deque:  # type: ignore[no-untyped-def]
    """The witness file's heads of `programme`, by size, each checked to be signed by `key`."""
    raw_key = key.public_bytes_raw()
    heads = []
    for line in lines:
        if not line.strip():
            continue
        head = json.loads(line)
        if head["programme"] != programme:
            continue
        name = f"witnessed head {head['serial']} (size {head['size']})"
        if base64.b64decode(head["public_key"]) != raw_key:
            raise Discrepancy(f"{name} is signed by key {head['key_id']}, not the bundle's key")
        try:
            key.verify(base64.b64decode(head["signature"]), head_message(programme, head))
        except InvalidSignature:
            raise Discrepancy(f"{name}: the signature does not verify") from None
        heads.append(head)
    return deque(sorted(heads, key=lambda h: h["size"]))


def check_witnessed(pending: deque, frontier: Frontier) -> None:
    """The witnessed heads of the frontier's size have its root."""
    while pending and pending[0]["size"] == frontier.size:
        head = pending.popleft()
        if frontier.root().hex() != head["root"]:
            raise Discrepancy(
                f"witnessed head {head['serial']} (size {head['size']}): the bundle's root at "
                "that size is not the witnessed one; the log was changed after it was witnessed"
            )


def verify(lines, witness=None, expected_key: str | None = None) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    """(leaves, heads, witnessed heads) once every check holds; raises Discrepancy."""
    header = json.loads(next(lines))
    if header.get("format") != "jifen-log-bundle-v1":
        raise Discrepancy("not a Jifen log bundle")
    key = Ed25519PublicKey.from_public_bytes(base64.b64decode(header["public_key"]))
    if expected_key is not None and base64.b64decode(expected_key) != key.public_bytes_raw():
        raise Discrepancy("the bundle's heads are signed by another key than the one expected")
    witnessed = read_witness(witness or [], header["programme"], key)
    count = len(witnessed)
    heads = [json.loads(next(lines))["head"] for _ in range(header["heads"])]
    for number, head in enumerate(heads, start=1):
        if head["serial"] != number:
            raise Discrepancy(f"signed tree head {number} is missing (found {head['serial']})")
    if [h["size"] for h in heads] != sorted(h["size"] for h in heads):
        raise Discrepancy("signed tree heads shrink: a later head has fewer leaves")
    frontier, pending, newest_format = Frontier(), list(heads), 1
    while pending and pending[0]["size"] == 0:
        check_head(pending.pop(0), header["programme"], key, frontier)
    check_witnessed(witnessed, frontier)
    for line in lines:
        digest, newest_format = check_leaf(json.loads(line), frontier.size, newest_format)
        frontier.add(digest)
        while pending and pending[0]["size"] == frontier.size:
            check_head(pending.pop(0), header["programme"], key, frontier)
        check_witnessed(witnessed, frontier)
        if frontier.size % 100_000 == 0:
            print(f"  {frontier.size:,} leaves checked", file=sys.stderr)
    if witnessed:
        raise Discrepancy(
            f"witnessed head {witnessed[0]['serial']} covers {witnessed[0]['size']} leaves; the "
            f"bundle has only {frontier.size}: the log was truncated after it was witnessed "
            "(or the bundle is older than the witness file)"
        )
    if pending:
        raise Discrepancy(
            f"signed tree head of size {pending[0]['size']}: the bundle has only "
            f"{frontier.size} leaves"
        )
    if heads and heads[-1]["size"] != frontier.size:
        raise Discrepancy(
            f"leaves {heads[-1]['size']}..{frontier.size - 1} are not covered by a signed tree head"
        )
    if frontier.size != header["leaves"]:
        raise Discrepancy(f"the header announces {header['leaves']} leaves, found {frontier.size}")
    return frontier.size, len(heads), count


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="Check a Jifen transparency-log bundle.")
    parser.add_argument("bundle", help="the bundle, from jifen export-log")
    parser.add_argument("--witness", metavar="FILE", help="signed heads saved earlier")
    parser.add_argument("--public-key", metavar="BASE64", help="the programme's public key")
    try:
        args = parser.parse_args(argv[1:])
    except SystemExit:
        return 2
    try:
        with (
            open(args.bundle, encoding="utf-8") as bundle,
            open(args.witness or os.devnull, encoding="utf-8") as witness,
        ):
            leaves, heads, witnessed = verify(iter(bundle), witness, args.public_key)
    except Discrepancy as exc:
        print(f"FAILED: {exc}")
        return 1
    except (OSError, ValueError, KeyError, StopIteration, TypeError) as exc:
        print(f"cannot read the bundle or the witness file: {exc!r}", file=sys.stderr)
        return 2
    also = f", consistent with {witnessed} witnessed heads" if args.witness else ""
    print(f"OK: {leaves} leaves and {heads} signed tree heads verified{also}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
