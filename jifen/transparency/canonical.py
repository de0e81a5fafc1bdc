"""The canonical bytes of a ledger transaction: what a leaf of the transparency log hashes.

UTF-8 JSON with sorted keys, no spaces, non-ASCII kept. Format version 2 (every leaf sealed
since it was introduced):

    {"v": 2, "programme": slug, "id": transaction public id, "kind": kind,
     "at": created_at in UTC as 2026-11-22T09:30:00.123456Z, "reference": …, "reason": …,
     "actor": pseudonymous actor id or "", "member": pseudonymous id of the member the
     transaction is about (the one a history or a household's statement names) or "",
     "reverses": public id of the reversed transaction or "",
     "postings": [[account public id, asset, amount], …] sorted by account id then asset}

Format version 1 is the same without "member"; the leaves a log sealed before version 2 keep
it (LogState.v2_from says where version 2 begins), so the "v" of a leaf always says what it
covers. Each version is stable forever: a change needs a new "v".

Accounts, actors and members appear only by pseudonymous ids: nothing personal is in a leaf.
"""

import json
from dataclasses import dataclass
from datetime import UTC, datetime

VERSIONS = (1, 2)


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
    member: str = ""
    version: int = 2


def canonical_bytes(tx: CanonicalTransaction) -> bytes:
    if tx.version not in VERSIONS:
        raise ValueError(f"no canonical format version {tx.version}")
    document: dict[str, object] = {
        "v": tx.version,
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
    if tx.version >= 2:
        document["member"] = tx.member
    elif tx.member:
        raise ValueError("format version 1 does not name the member")
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
