"""Redemption codes: eight characters of an alphabet without look-alikes (no 0/O, 1/I/L) and
a check character (a weighted sum modulo 31), so that a code read aloud or typed at the
counter is either right or refused as mistyped, never someone else's. Shown as ABC-DEF-GHJ;
its QR holds the nine characters."""

import secrets

from jifen.lib.ids import ALPHABET as ID_ALPHABET

ALPHABET = ID_ALPHABET.upper()
BODY = 8
LENGTH = BODY + 1
_INDEX = {c: i for i, c in enumerate(ALPHABET)}


def check_character(body: str) -> str:
    """The character c that makes Σ i·vᵢ ≡ 0 (mod 31) over the nine positions (i = 1…9):
    31 is prime, so every single wrong character and every swap of two neighbours changes
    the sum and is caught."""
    n = len(ALPHABET)
    total = sum(i * _INDEX[char] for i, char in enumerate(body, start=1))
    # LENGTH · c ≡ −total; pow(LENGTH, −1, n) is LENGTH's inverse modulo the prime n.
    return ALPHABET[(-total * pow(LENGTH, -1, n)) % n]


def new_code() -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(BODY))
    return body + check_character(body)


def normalize(typed: str) -> str:
    """What was typed or scanned, upper-cased, without spaces and dashes."""
    return "".join(c for c in typed.upper() if c not in " -\t\r\n")[:40]


def is_well_formed(code: str) -> bool:
    return len(code) == LENGTH and all(c in _INDEX for c in code)


def is_valid(code: str) -> bool:
    return is_well_formed(code) and check_character(code[:BODY]) == code[BODY]


def display(code: str) -> str:
    """ABC-DEF-GHJ: three groups of three, easy to read out."""
    return "-".join(code[i : i + 3] for i in range(0, len(code), 3))
