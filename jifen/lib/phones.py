"""Phone numbers are stored normalised so that “138 0013 8000”, “+86 13800138000” and
“13800138000” are the same resident."""

import re

from jifen.lib.errors import InvalidPhone

_SEPARATORS = re.compile(r"[\s\-().·]")
_CN_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_INTERNATIONAL = re.compile(r"^\+[1-9]\d{7,14}$")


def normalise_phone(raw: str) -> str:
    """Return the canonical form: an 11-digit Chinese mobile as is, anything else as E.164.

    Raises InvalidPhone when the input cannot be a phone number.
    """
    text = _SEPARATORS.sub("", str(raw or "").strip())
    if text.startswith("00"):
        text = "+" + text[2:]
    if text.startswith("+86") and _CN_MOBILE.match(text[3:]):
        return text[3:]
    if _CN_MOBILE.match(text):
        return text
    if re.fullmatch(r"0[1-9]\d{8}", text):  # French national format: 06 12 34 56 78
        return "+33" + text[1:]
    if _INTERNATIONAL.match(text):
        return text
    raise InvalidPhone(phone=str(raw or ""))


def mask_phone(phone: str) -> str:
    """Show enough to recognise a number without disclosing it: 138****8000."""
    if len(phone) < 7:
        return "*" * len(phone)
    return phone[:3] + "****" + phone[-4:]
