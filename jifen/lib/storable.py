"""What the database can store, checked once at the edge: text without NUL characters or lone
surrogates (PostgreSQL refuses the first, UTF-8 cannot encode the second) and integers within
a 64-bit column. Every path, query string, form field, JSON body and spreadsheet cell that
arrives from outside goes through these checks before anything reads it."""

import math
import re
from typing import Any

from django.utils.translation import gettext_lazy as _

from jifen.lib.errors import InvalidInput

BIGINT_MIN = -(2**63)
BIGINT_MAX = 2**63 - 1
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class UnstorableText(InvalidInput):
    code = "invalid_text"
    message = _(
        "The request contains a character that cannot be stored (a NUL character or a "
        "broken one): remove it and try again."
    )
    status = 400


class NumberOutOfRange(InvalidInput):
    code = "invalid_number"
    message = _("The request contains a number that is not a whole number the system can store.")
    status = 400


def is_storable(text: str) -> bool:
    """True when `text` has no NUL character and no lone surrogate. (Python keeps a surrogate
    only when it has no partner: JSON's escaped pairs arrive joined into one character.)"""
    return _UNSTORABLE.search(text) is None


def check_text(text: str) -> str:
    """`text` itself. Raises UnstorableText."""
    if not is_storable(text):
        raise UnstorableText()
    return text


def check_integer(number: int) -> int:
    """`number` itself, when a 64-bit column holds it. Raises NumberOutOfRange."""
    if not BIGINT_MIN <= number <= BIGINT_MAX:
        raise NumberOutOfRange()
    return number


def check_json(document: Any) -> None:
    """Check every string (keys too) and number of a parsed JSON document. Floats must be
    finite: JSON has no NaN or infinity, though Python's parser accepts them. Walked with a
    stack, not recursion, so that any nesting the parser accepted is checked. Raises
    UnstorableText or NumberOutOfRange."""
    pending = [document]
    while pending:
        value = pending.pop()
        if isinstance(value, str):
            check_text(value)
        elif isinstance(value, bool) or value is None:
            continue
        elif isinstance(value, int):
            check_integer(value)
        elif isinstance(value, float) and not math.isfinite(value):
            raise NumberOutOfRange()
        elif isinstance(value, dict):
            for key in value:
                check_text(key)
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)


def parse_int(
    text: str | None, *, minimum: int = BIGINT_MIN, maximum: int = BIGINT_MAX
) -> int | None:
    """The integer written in `text` (plain ASCII digits, an optional leading minus) when it is
    within minimum … maximum, else None. For optional query parameters such as ?before=, where
    anything else simply means "not given"."""
    if not text or len(text) > 20 or not text.isascii():
        return None
    digits = text[1:] if text.startswith("-") else text
    if not digits.isdigit():
        return None
    number = int(text)
    return number if minimum <= number <= maximum else None
