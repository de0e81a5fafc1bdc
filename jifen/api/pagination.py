"""Keyset cursors: an opaque token holding the sort key of the last row of a page. Stable
while rows are added, and no OFFSET, so page 500 costs what page 1 costs."""

import base64
import binascii
import json
from typing import Any

from jifen.api.errors import InvalidCursor


def encode_cursor(*values: Any) -> str:
    text = json.dumps(list(values), separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, *types: type) -> list[Any]:
    """The values in `cursor`, checked against `types`. Raises InvalidCursor."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError):
        raise InvalidCursor() from None
    if not isinstance(values, list) or len(values) != len(types):
        raise InvalidCursor()
    if not all(type(v) is t for v, t in zip(values, types, strict=True)):
        raise InvalidCursor()
    return values
