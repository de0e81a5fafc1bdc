#!/usr/bin/env python3
"""Check a Jifen transparency-log bundle without the database, and without Jifen.

Needs only the Python standard library and the `cryptography` package:

    python3 verify_bundle.py jifen-log-xingfuli.jsonl

It checks that every leaf hash is SHA-256(0x00 ‖ canonical bytes), that every transaction in
a leaf balances per asset, that leaves are numbered 0, 1, 2, … with no gap, that signed tree
heads are numbered 1, 2, 3, … with no gap, that every one is signed by the programme's key and
that its root is the RFC 9162 Merkle root of exactly the first `size` leaves, and that the last
head covers every leaf. Memory stays small: it keeps O(log n) hashes, not the tree.
Exit status 0 when all holds; 1 naming the first discrepancy; 2 for an unreadable file.
"""

import base64
import hashlib
import json
import sys
from collections import defaultdict

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


def check_head(head: dict, programme: str, key: Ed25519PublicKey, frontier: Frontier) -> None:
    size = head["size"]
    message = (
        f"jifen-sth-v1\n{programme}\n{head['serial']}\n{size}\n{head['root_hash']}\n"
        f"{head['timestamp_ms']}"
    ).encode()
    try:
        key.verify(base64.b64decode(head["signature"]), message)
    except InvalidSignature:
        raise Discrepancy(
            f"signed tree head of size {size}: the signature does not verify"
        ) from None
    if frontier.root().hex() != head["root_hash"]:
        raise Discrepancy(
            f"signed tree head of size {size}: its root is not the root of leaves 0..{size - 1}"
        )


def check_leaf(entry: dict, expected_index: int) -> bytes:
    index = entry.get("index")
    if index != expected_index:
        raise Discrepancy(f"leaf {expected_index}: missing (found index {index})")
    canonical = entry["canonical"].encode()
    digest = leaf_hash(canonical)
    if digest.hex() != entry["leaf_hash"]:
        raise Discrepancy(f"leaf {index}: its hash does not match its content")
    totals: dict[str, int] = defaultdict(int)
    for _account, asset, amount in json.loads(canonical)["postings"]:
        totals[asset] += amount
    if any(totals.values()):
        raise Discrepancy(f"leaf {index}: the transaction does not balance")
    return digest


def verify(lines) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    header = json.loads(next(lines))
    if header.get("format") != "jifen-log-bundle-v1":
        raise Discrepancy("not a Jifen log bundle")
    key = Ed25519PublicKey.from_public_bytes(base64.b64decode(header["public_key"]))
    heads = [json.loads(next(lines))["head"] for _ in range(header["heads"])]
    for number, head in enumerate(heads, start=1):
        if head["serial"] != number:
            raise Discrepancy(f"signed tree head {number} is missing (found {head['serial']})")
    if [h["size"] for h in heads] != sorted(h["size"] for h in heads):
        raise Discrepancy("signed tree heads shrink: a later head has fewer leaves")
    frontier, pending = Frontier(), list(heads)
    while pending and pending[0]["size"] == 0:
        check_head(pending.pop(0), header["programme"], key, frontier)
    for line in lines:
        frontier.add(check_leaf(json.loads(line), frontier.size))
        while pending and pending[0]["size"] == frontier.size:
            check_head(pending.pop(0), header["programme"], key, frontier)
        if frontier.size % 100_000 == 0:
            print(f"  {frontier.size:,} leaves checked", file=sys.stderr)
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
    return frontier.size, len(heads)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: verify_bundle.py BUNDLE.jsonl", file=sys.stderr)
        return 2
    try:
        with open(argv[1], encoding="utf-8") as f:
            leaves, heads = verify(iter(f))
    except Discrepancy as exc:
        print(f"FAILED: {exc}")
        return 1
    except (OSError, ValueError, KeyError, StopIteration, TypeError) as exc:
        print(f"cannot read the bundle: {exc!r}", file=sys.stderr)
        return 2
    print(f"OK: {leaves} leaves and {heads} signed tree heads verified")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
