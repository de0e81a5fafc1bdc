"""Signed tree heads: Ed25519 over a fixed, documented byte string.

The key comes from JIFEN_LOG_SIGNING_KEY (base64 of the raw 32-byte private key) or is
generated once into the data directory. The signed message is

    b"jifen-sth-v1\\n" + slug + b"\\n" + serial + b"\\n" + size + b"\\n" + root (hex)
    + b"\\n" + timestamp (ms)

so anyone with the public key can check a head with any Ed25519 implementation. Heads are
numbered 1, 2, 3, … per programme, so a deleted head leaves a visible gap.
"""

import base64
import hashlib
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

_RAW = serialization.Encoding.Raw


@dataclass(frozen=True)
class SignedTreeHead:
    programme: str
    serial: int
    size: int
    root_hash: bytes
    timestamp_ms: int
    signature: bytes
    key_id: str


def tree_head_message(
    programme: str, serial: int, size: int, root_hash: bytes, timestamp_ms: int
) -> bytes:
    return (
        f"jifen-sth-v1\n{programme}\n{serial}\n{size}\n{root_hash.hex()}\n{timestamp_ms}".encode()
    )


def key_id(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(_RAW, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).digest()[:8].hex()


def public_key_b64(public_key: Ed25519PublicKey) -> str:
    return base64.b64encode(public_key.public_bytes(_RAW, serialization.PublicFormat.Raw)).decode()


def load_public_key(b64: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(base64.b64decode(b64))


@cache
def signing_key() -> Ed25519PrivateKey:
    """The log's private key: from the environment, else from (or created in) the data dir."""
    if encoded := os.environ.get("JIFEN_LOG_SIGNING_KEY"):
        return Ed25519PrivateKey.from_private_bytes(base64.b64decode(encoded))
    from django.conf import settings

    path = Path(settings.DATA_DIR) / "log_signing_key"
    if not path.exists():
        raw = Ed25519PrivateKey.generate().private_bytes(
            _RAW, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )
        path.write_bytes(base64.b64encode(raw))
        path.chmod(0o600)
    return Ed25519PrivateKey.from_private_bytes(base64.b64decode(path.read_bytes()))


def sign_tree_head(
    *,
    programme: str,
    serial: int,
    size: int,
    root_hash: bytes,
    timestamp_ms: int,
    key: Ed25519PrivateKey | None = None,
) -> SignedTreeHead:
    key = key or signing_key()
    signature = key.sign(tree_head_message(programme, serial, size, root_hash, timestamp_ms))
    return SignedTreeHead(
        programme, serial, size, root_hash, timestamp_ms, signature, key_id(key.public_key())
    )


def verify_tree_head(head: SignedTreeHead, public_key: Ed25519PublicKey) -> bool:
    message = tree_head_message(
        head.programme, head.serial, head.size, head.root_hash, head.timestamp_ms
    )
    try:
        public_key.verify(head.signature, message)
    except InvalidSignature:
        return False
    return True
