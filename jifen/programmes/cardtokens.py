"""Member-card tokens: what a card's QR code carries. Signed (not guessable, not the phone
number, not a database id) and revocable: bumping Member.card_version voids old cards."""

import segno
from django.core import signing

from jifen.programmes.models import Member, MemberStatus

_SALT = "jifen.member-card"
PREFIX = "JF1:"  # lets a scanner tell a member card from a redemption or activity code


def card_token(member: Member) -> str:
    """The string printed in the member's QR code."""
    return PREFIX + signing.Signer(salt=_SALT).sign(f"{member.public_id}.{member.card_version}")


def member_from_card(*, programme_id: int, token: str) -> Member | None:
    """The active member this card belongs to in the programme, or None for a forged,
    revoked, foreign or malformed card."""
    if not token.startswith(PREFIX):
        return None
    try:
        payload = signing.Signer(salt=_SALT).unsign(token[len(PREFIX):])
    except signing.BadSignature:
        return None
    public_id, _, version = payload.partition(".")
    return Member.objects.filter(
        programme_id=programme_id, public_id=public_id, card_version=version if version.isdigit()
        else -1, status=MemberStatus.ACTIVE).first()


def card_qr_svg(member: Member, *, scale: int = 6) -> str:
    """The card's QR code as inline SVG, for the resident's phone screen."""
    return segno.make(card_token(member), error="m").svg_inline(scale=scale, border=2)
