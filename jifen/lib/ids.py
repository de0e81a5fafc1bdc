"""Unguessable public identifiers for URLs and QR codes."""

import secrets

_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"  # no 0/o, 1/l/i: staff may read them aloud


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
