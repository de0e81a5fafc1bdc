"""The canonical bytes of a ledger transaction: what a leaf of the transparency log hashes.

Format version 1 (stable forever; a change needs a new "v"): UTF-8 JSON with sorted keys, no
spaces, non-ASCII kept, of

    {"v": 1, "programme": slug, "id": transaction public id, "kind": kind,
     "at": created_at in UTC as 2026-11-22T09:30:00.123456Z, "reference": …, "reason": …,
     "actor": pseudonymous actor id or "", "reverses": public id of the reversed transaction or "",
     "postings": [[account public id, asset, amount], …] sorted by account id then asset}

Accounts and actors appear only by pseudonymous ids: nothing personal is in a leaf.
"""

import json
from dataclasses import dataclass
from datetime import UTC, datetime


@dataclass(frozen=True)
class CanonicalTransaction:
    programme: str
    id: str
    kind: str
    at: datetime
    postings: list[tuple[str, str, int]]
    reference: str = ""
    reason: str = ""
    actor: str = ""
    reverses: str = ""


def canonical_bytes(tx: CanonicalTransaction) -> bytes:
    document = {
        "v": 1,
        "programme": tx.programme,
        "id": tx.id,
        "kind": tx.kind,
        "at": tx.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "reference": tx.reference,
        "reason": tx.reason,
        "actor": tx.actor,
        "reverses": tx.reverses,
        "postings": sorted([a, s, int(n)] for a, s, n in tx.postings),
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
