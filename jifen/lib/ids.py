"""Unguessable public identifiers for URLs and QR codes, and the secrets of one-time links."""

import hashlib
import secrets

_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"  # no 0/o, 1/l/i: staff may read them aloud
ALPHABET = _ALPHABET


def new_public_id(length: int = 12) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def new_public_ids(count: int, length: int = 16) -> list[str]:
    """Many unguessable identifiers at once, from the same alphabet: random bytes
    mapped to characters by one bytes.translate (bytes past the last whole multiple of the
    alphabet's length are dropped, so every character stays equally likely)."""
    usable = 256 - 256 % len(_ALPHABET)
    table = bytes.maketrans(bytes(range(usable)), (_ALPHABET * 256)[:usable].encode())
    dropped = bytes(range(usable, 256))
    text = ""
    while len(text) < count * length:
        text += secrets.token_bytes(count * length).translate(table, dropped).decode()
    return [text[i * length : (i + 1) * length] for i in range(count)]


def new_link_secret() -> str:
    """The secret of a one-time link (192 random bits). Store only `link_secret_hash` of it."""
    return secrets.token_urlsafe(24)


def link_secret_hash(secret: str) -> str:
    """What is stored of a link's secret: enough to recognise it, useless to make the link."""
    return hashlib.sha256(secret.encode()).hexdigest()
