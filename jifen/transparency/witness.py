"""The witness file: signed tree heads kept outside the database, so that a log emptied,
rewritten and re-signed behind the application's back — even with the signing key from the
data directory — no longer agrees with what was saved before (`jifen verify --witness FILE`).

JSON lines, UTF-8, one signed head per line, in the order they were signed:

    {"programme": slug, "serial": 1, "size": 120, "root": 64 hex digits,
     "timestamp_ms": 1763800000000, "key_id": 16 hex digits, "public_key": base64 of the raw
     Ed25519 key, "signature": base64 of the Ed25519 signature of signing.tree_head_message}

The sequencer appends each head it signs to JIFEN_LOG_WITNESS_FILE (default: witness.jsonl in
the data directory) once the head is committed; /api/v1/programmes/<slug>/log/witness serves
the same lines to anyone; tools/verify_bundle.py --witness reads them too.
"""

import base64
import binascii
import fcntl
import json
import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.conf import settings

from jifen.transparency import signing
from jifen.transparency.signing import SignedTreeHead

logger = logging.getLogger("jifen.transparency")


class WitnessError(Exception):
    """The witness file cannot be read, or a head in it does not hold; the message says where."""


@dataclass
class Witness:
    """A programme's witnessed heads, every one checked against `public_key`."""

    public_key: Ed25519PublicKey
    key_source: str  # how verify names the key: the configured one or the witnessed one
    heads: list[tuple[int, int, bytes]] = field(default_factory=list)  # (serial, size, root)


def witness_line(head: SignedTreeHead, public_key: str) -> str:
    """One head as a line of the witness file (with its newline)."""
    entry = {
        "programme": head.programme,
        "serial": head.serial,
        "size": head.size,
        "root": head.root_hash.hex(),
        "timestamp_ms": head.timestamp_ms,
        "key_id": head.key_id,
        "public_key": public_key,
        "signature": base64.b64encode(head.signature).decode(),
    }
    return json.dumps(entry, ensure_ascii=False) + "\n"


def append_heads(heads: Sequence[SignedTreeHead], public_key: str) -> None:
    """Append heads to the witness file, under an exclusive lock so that two sequencers on one
    machine never interleave their lines. A failure is logged, not raised: the heads are
    committed already, and the next head witnesses everything before it too."""
    path = Path(settings.LOG_WITNESS_FILE)
    try:
        with path.open("a", encoding="utf-8") as out:
            fcntl.flock(out, fcntl.LOCK_EX)  # released when the file is closed
            out.write("".join(witness_line(head, public_key) for head in heads))
    except OSError:
        logger.exception("could not append signed heads to the witness file %s", path)


def read_witness_file(path: str | Path) -> dict[str, Witness]:
    """The witness file's heads by programme, checked as `read_witness` does."""
    try:
        with open(path, encoding="utf-8") as lines:
            return read_witness(lines)
    except OSError as exc:
        raise WitnessError(f"cannot read the witness file {path}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise WitnessError(f"the witness file {path} is not UTF-8 text") from exc


def read_witness(lines: Iterable[str]) -> dict[str, Witness]:
    """Every head by programme, each signed by the configured public key, or (none
    configured) by the key of the programme's first witnessed head. Raises WitnessError for a
    line that is not a signed head or a head whose signature does not verify."""
    configured = signing.configured_public_key()
    witnessed: dict[str, Witness] = {}
    for number, head, key in _heads(lines):
        witness = witnessed.get(head.programme)
        if witness is None:
            source = "the configured public key" if configured else "the witnessed key"
            witness = witnessed[head.programme] = Witness(configured or key, source)
        _check_signature(head, key, witness, number)
        witness.heads.append((head.serial, head.size, head.root_hash))
    return witnessed


def _check_signature(
    head: SignedTreeHead, key: Ed25519PublicKey, witness: Witness, number: int
) -> None:
    name = f"line {number}: witnessed head {head.serial} of {head.programme} (size {head.size})"
    trusted = signing.key_id(witness.public_key)
    if signing.key_id(key) != trusted:
        raise WitnessError(
            f"{name} is signed by key {head.key_id}, not {witness.key_source} {trusted}"
        )
    if not signing.verify_tree_head(head, witness.public_key):
        raise WitnessError(f"{name}: the signature does not verify")


def _heads(lines: Iterable[str]) -> Iterator[tuple[int, SignedTreeHead, Ed25519PublicKey]]:
    """(line number, head, the key the line names) for every line but blank ones."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            head, key = _parse(json.loads(line))
        except (ValueError, KeyError, TypeError, binascii.Error) as exc:
            raise WitnessError(
                f"line {number}: not a signed head of the witness format ({exc})"
            ) from exc
        if signing.key_id(key) != head.key_id:
            raise WitnessError(f"line {number}: its key id does not name its public key")
        yield number, head, key


def _parse(entry: Any) -> tuple[SignedTreeHead, Ed25519PublicKey]:
    if not isinstance(entry, dict):
        raise TypeError("not an object")
    root = bytes.fromhex(_text(entry["root"]))
    signature = base64.b64decode(_text(entry["signature"]), validate=True)
    if len(root) != 32 or len(signature) != 64:
        raise ValueError("a root is 32 bytes and a signature 64")
    head = SignedTreeHead(
        programme=_text(entry["programme"]),
        serial=_count(entry["serial"]),
        size=_count(entry["size"]),
        root_hash=root,
        timestamp_ms=_count(entry["timestamp_ms"]),
        signature=signature,
        key_id=_text(entry["key_id"]),
    )
    return head, signing.load_public_key(_text(entry["public_key"]))


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{value!r} is not a string")
    return value


def _count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise TypeError(f"{value!r} is not a whole number")
    return value
