"""The export bundle an auditor checks offline with tools/verify_bundle.py.

JSON lines, UTF-8:
  line 1   {"format": "jifen-log-bundle-v1", "programme": slug, "public_key": base64 Ed25519,
            "leaves": count, "heads": count}
  then     one line per signed tree head, by serial: {"head": {"serial", "size", "root_hash" (hex),
            "timestamp_ms", "signature" (base64), "key_id"}}
  then     one line per leaf, by index from 0: {"index", "leaf_hash" (hex), "canonical"
            (the canonical JSON text of the transaction, see canonical.py)}
Heads come first so that a verifier can check each one while it streams the leaves.
"""

import base64
import json
from collections.abc import Iterable
from typing import IO

from jifen.transparency.signing import SignedTreeHead

FORMAT = "jifen-log-bundle-v1"


def write_bundle(
    out: IO[str],
    *,
    programme: str,
    public_key: str,
    heads: list[SignedTreeHead],
    leaves: Iterable[tuple[int, bytes, bytes]],
    leaf_count: int,
) -> None:
    """Write the bundle; `leaves` yields (index, leaf hash, canonical bytes) in index order."""
    header = {
        "format": FORMAT,
        "programme": programme,
        "public_key": public_key,
        "leaves": leaf_count,
        "heads": len(heads),
    }
    out.write(json.dumps(header) + "\n")
    for head in sorted(heads, key=lambda h: h.serial):
        out.write(
            json.dumps(
                {
                    "head": {
                        "serial": head.serial,
                        "size": head.size,
                        "root_hash": head.root_hash.hex(),
                        "timestamp_ms": head.timestamp_ms,
                        "key_id": head.key_id,
                        "signature": base64.b64encode(head.signature).decode(),
                    }
                }
            )
            + "\n"
        )
    for index, leaf_hash, canonical in leaves:
        out.write(
            json.dumps(
                {"index": index, "leaf_hash": leaf_hash.hex(), "canonical": canonical.decode()},
                ensure_ascii=False,
            )
            + "\n"
        )
