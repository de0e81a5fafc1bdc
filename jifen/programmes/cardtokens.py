"""Member-card tokens: what a card's QR code carries. Signed (not guessable, not the phone
number, not a database id) and revocable: bumping Member.card_version voids old cards.

The signature uses SECRET_KEY (and SECRET_KEY_FALLBACKS while keys rotate): replacing the key
without keeping the old one as a fallback voids every printed card."""

import segno
from django.core import signing

from jifen.programmes.models import Member, MemberStatus

_SALT = "jifen.member-card"
PREFIX = "JF1:"  # lets a scanner tell a member card from a redemption or activity code
_MAX_LENGTH = 200  # far above a real token; refuses pasted junk before any work


def card_token(member: Member) -> str:
    """The string printed in the member's QR code."""
    return PREFIX + signing.Signer(salt=_SALT).sign(f"{member.public_id}.{member.card_version}")


def member_from_card(*, programme_id: int, token: str) -> Member | None:
    """The active member this card belongs to in the programme, or None for a forged,
    revoked, foreign or malformed card. Scanners often append a newline, hence the strip."""
    token = token.strip()
    if not token.startswith(PREFIX) or len(token) > _MAX_LENGTH:
        return None
    try:
        payload = signing.Signer(salt=_SALT).unsign(token.removeprefix(PREFIX))
    except signing.BadSignature:
        return None
    public_id, _, version = payload.partition(".")
    if not version.isdigit():
        return None
    return (
        Member.objects.select_related("community", "household")
        .filter(
            programme_id=programme_id,
            public_id=public_id,
            card_version=int(version),
            status=MemberStatus.ACTIVE,
        )
        .first()
    )


def card_qr(member: Member) -> segno.QRCode:
    """The card's QR code. Error level M survives a crease or a smudge on a printed card."""
    return segno.make_qr(card_token(member), error="m")


def card_qr_svg(member: Member, *, scale: int = 6) -> str:
    """The card's QR code as inline SVG, for the resident's phone screen."""
    return card_qr(member).svg_inline(scale=scale, border=2)
