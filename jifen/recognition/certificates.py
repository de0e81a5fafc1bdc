"""Certificates as PDF (A4 landscape, the CJK font of the member cards): for a title (社区之星)
and for a star tier. Each carries a QR code linking to the transparency page's proof of the
entries behind it: a title's transactions (?title=), or the award that reached the star
(?entry=). A certificate is the resident's own paper: it bears their name, never a phone."""

import io
from dataclasses import dataclass
from datetime import datetime

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from jifen.lib.errors import DomainError
from jifen.lib.periods import local
from jifen.programmes.cards import ACCENT, _draw_text, _width
from jifen.programmes.models import Member
from jifen.recognition.models import Title
from jifen.recognition.names import settings_of
from jifen.recognition.posters import draw_qr
from jifen.recognition.queries import stars_of
from jifen.recognition.titles import earned_postings

PAGE = landscape(A4)
QR = 40 * mm


class NoStarYet(DomainError):
    code = "no_star_yet"
    message = gettext_lazy("No star has been reached yet, so there is no certificate.")
    status = 409


@dataclass(frozen=True)
class StarReached:
    """A member's star tier and the award whose points reached it."""

    count: int
    name: str
    threshold: int
    lifetime: int
    entry: str  # the public id of the transaction that reached the threshold
    reached_at: datetime


def star_reached(member: Member) -> StarReached:
    """The member's current star and the entry that reached it. Raises NoStarYet."""
    stars = stars_of(member)
    if stars.count == 0:
        raise NoStarYet
    threshold = sorted(settings_of(member.programme).star_thresholds)[stars.count - 1]
    total = 0
    mine = earned_postings(member.programme).filter(transaction__member=member)
    rows = mine.order_by("transaction_id").values_list(
        "amount", "transaction__public_id", "transaction__created_at"
    )
    for amount, public_id, at in rows:
        total += amount
        if total >= threshold:
            return StarReached(stars.count, stars.name, threshold, stars.lifetime, public_id, at)
    raise NoStarYet


def title_certificate(title: Title, *, link: str) -> bytes:
    """The certificate of `title` (its member and community loaded); the QR links to `link`."""
    programme = title.member.programme
    with translation.override(programme.default_language):
        words = _(
            "In %(year)s, %(name)s earned %(points)s points for the community, "
            "ranking no. %(rank)s, and is named %(title)s."
        ) % {
            "year": title.year,
            "name": title.member.display_name,
            "points": title.points,
            "rank": title.rank,
            "title": title.name,
        }
        return _certificate(title.member, title.name, words, link, title.given_at)


def star_certificate(member: Member, reached: StarReached, *, link: str) -> bytes:
    """The certificate of the member's star tier; the QR links to `link`."""
    with translation.override(member.programme.default_language):
        words = _(
            "%(name)s has earned %(lifetime)s points serving the community and reached "
            "%(star)s (%(threshold)s points)."
        ) % {
            "name": member.display_name,
            "lifetime": reached.lifetime,
            "star": reached.name,
            "threshold": reached.threshold,
        }
        heading = "★" * reached.count + " " + reached.name
        return _certificate(member, heading, words, link, reached.reached_at)


def _certificate(member: Member, heading: str, words: str, link: str, on: datetime) -> bytes:
    buffer = io.BytesIO()
    pdf = Canvas(buffer, pagesize=PAGE, invariant=True, pageCompression=1)
    width, height = PAGE
    pdf.setTitle(_("Certificate of honour") + " · " + member.display_name)
    pdf.setAuthor("Jifen")
    pdf.setStrokeColorRGB(*ACCENT)
    pdf.setLineWidth(3)
    pdf.rect(12 * mm, 12 * mm, width - 24 * mm, height - 24 * mm)
    left, text_width = 30 * mm, width - 60 * mm
    _draw_text(pdf, member.programme.name, left, height - 40 * mm, size=16, width=text_width)
    _draw_text(pdf, _("Certificate of honour"), left, height - 62 * mm, size=36, width=text_width)
    _draw_text(pdf, heading, left, height - 84 * mm, size=24, width=text_width)
    _draw_text(pdf, member.display_name, left, height - 106 * mm, size=28, width=text_width)
    _draw_lines(pdf, words, left, height - 124 * mm, text_width - QR)
    day = local(on, member.programme.timezone).date().isoformat()
    _draw_text(pdf, day, left, 28 * mm, size=12, width=60 * mm, gray=0.3)
    draw_qr(pdf, link, width - 30 * mm - QR, 26 * mm, QR)
    hint = _("Scan to check the entries behind it in the public log")
    _draw_text(pdf, hint, left, 20 * mm, size=9, width=text_width - QR, gray=0.35)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _draw_lines(pdf: Canvas, words: str, x: float, y: float, width: float) -> None:
    """The sentence in lines that fit `width`, cut at a space where there is one (Chinese
    has none, so it is cut between characters)."""
    for line in wrapped(words, width, size=15):
        _draw_text(pdf, line, x, y, size=15, width=width)
        y -= 9 * mm


def wrapped(words: str, width: float, *, size: float) -> list[str]:
    lines, line = [], ""
    for char in words:
        if _width(line + char, size) <= width:
            line += char
            continue
        cut = line.rfind(" ")
        head, line = (line[:cut], line[cut + 1 :] + char) if cut > 0 else (line, char)
        lines.append(head)
    return [*lines, line] if line else lines
