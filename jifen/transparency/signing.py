"""Signed tree heads: Ed25519 over a fixed, documented byte string.

The key comes from JIFEN_LOG_SIGNING_KEY (base64 of the raw 32-byte private key) or is
generated once into the data directory. Whoever can read that directory can sign, so the
public key can also be configured (JIFEN_LOG_PUBLIC_KEY, base64 of the raw 32-byte public
key): `jifen verify` then accepts only heads that key signed, the pages show that key, and
the sequencer refuses to sign with any other. The signed message is

    b"jifen-sth-v1\\n" + slug + b"\\n" + serial + b"\\n" + size + b"\\n" + root (hex)
    + b"\\n" + timestamp (ms)

so anyone with the public key can check a head with any Ed25519 implementation. Heads are
numbered 1, 2, 3, … per programme, so a deleted head leaves a visible gap.
"""

import base64
import binascii
import hashlib
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.core.exceptions import ImproperlyConfigured

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
    """The key from base64 of its 32 raw bytes; ValueError for anything else."""
    try:
        return Ed25519PublicKey.from_public_bytes(base64.b64decode(b64, validate=True))
    except binascii.Error as exc:
        raise ValueError(f"not base64: {exc}") from exc


def configured_public_key() -> Ed25519PublicKey | None:
    """JIFEN_LOG_PUBLIC_KEY's key, or None when it is not set."""
    from django.conf import settings

    if not settings.LOG_PUBLIC_KEY:
        return None
    try:
        return load_public_key(settings.LOG_PUBLIC_KEY)
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"JIFEN_LOG_PUBLIC_KEY is not base64 of an Ed25519 public key: {exc}"
        ) from exc


def log_public_key() -> Ed25519PublicKey:
    """The key that heads are checked with: the configured one, else the signing key's."""
    return configured_public_key() or signing_key().public_key()


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


def log_signing_key() -> Ed25519PrivateKey:
    """The key the sequencer signs with. Refuses one whose heads verify would reject: not the
    configured public key's."""
    key = signing_key()
    configured = configured_public_key()
    if configured is not None and key_id(configured) != key_id(key.public_key()):
        raise ImproperlyConfigured(
            f"the log's signing key (key {key_id(key.public_key())}) is not the one "
            f"JIFEN_LOG_PUBLIC_KEY names (key {key_id(configured)})"
        )
    return key


def sign_tree_head(
    *,
    programme: str,
    serial: int,
    size: int,
    root_hash: bytes,
    timestamp_ms: int,
    key: Ed25519PrivateKey | None = None,
) -> SignedTreeHead:
    key = key or log_signing_key()
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
