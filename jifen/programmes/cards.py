"""Printed member cards for residents without smartphones: which cards to print, the A4 PDF
sheet of them (ReportLab, vector QR codes from segno) and the two printing services, which
record every print in the audit log. A card never shows the phone number."""

import io
import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils import translation
from django.utils.translation import gettext_lazy as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

from jifen.audit.services import record
from jifen.lib.errors import InvalidInput
from jifen.programmes.access import StaffScope
from jifen.programmes.cardtokens import card_qr
from jifen.programmes.errors import InactiveMember
from jifen.programmes.models import (
    Community,
    Household,
    Member,
    MemberQuerySet,
    MemberStatus,
    Programme,
)

MAX_CARDS_PER_PDF = 2000  # 200 pages: a few seconds to draw, still a manageable print job

# Adobe's CJK font built into every PDF reader's font set: nothing to embed or ship. Latin text
# uses Helvetica, whose metrics suit it better than the CJK font's half-width glyphs.
CJK_FONT = "STSong-Light"
LATIN_FONT = "Helvetica"
pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))

CARD_WIDTH, CARD_HEIGHT = 85.6 * mm, 53.98 * mm  # ISO/IEC 7810 ID-1: a bank card's size
COLUMNS, ROWS = 2, 5
PER_PAGE = COLUMNS * ROWS
GRID_LEFT = (A4[0] - COLUMNS * CARD_WIDTH) / 2
GRID_BOTTOM = (A4[1] - ROWS * CARD_HEIGHT) / 2
PAD = 4 * mm
QR_SIZE = 38 * mm  # with the quiet zone; a module is about 1 mm, easy for any phone camera
QR_QUIET = 2  # modules of white around the code, inside QR_SIZE
TEXT_WIDTH = CARD_WIDTH - 2 * PAD - QR_SIZE - 2 * mm
ACCENT = (0.70, 0.13, 0.13)

HINT = _("Show this card at check-in")
TITLE = _("Member cards — %(programme)s")


class NoCardsToPrint(InvalidInput):
    code = "no_cards_to_print"
    message = _("No active member matches this selection, so there is no card to print.")


class TooManyCards(InvalidInput):
    code = "too_many_cards"
    message = _(
        "More than %(cap)s cards match. Print one community or household at a time, "
        "or narrow the selection."
    )


@dataclass(frozen=True)
class CardSelection:
    """Which members' cards to print. Every condition given must hold."""

    community: Community | None = None
    household: Household | None = None
    search: str = ""
    elderly_only: bool = False
    without_account: bool = False

    def for_audit(self) -> dict[str, Any]:
        """The selection without personal details: the search text may be a name or phone."""
        return {
            "community": self.community.pk if self.community else None,
            "household": self.household.public_id if self.household else None,
            "search": bool(self.search.strip()),
            "elderly_only": self.elderly_only,
            "without_account": self.without_account,
        }


def cards_to_print(*, scope: StaffScope, selection: CardSelection) -> MemberQuerySet:
    """Active members within the staff's scope that match the selection, ordered by community
    and household so that printed sheets can be handed out door to door."""
    members = scope.members().active().select_related("community", "household")
    if selection.community is not None:
        members = members.filter(community=selection.community)
    if selection.household is not None:
        members = members.filter(household=selection.household)
    if selection.elderly_only:
        members = members.filter(is_elderly=True)
    if selection.without_account:
        members = members.filter(user__isnull=True)
    return members.search(selection.search).order_by(
        "community__name",
        "household__building",
        "household__unit",
        "household__room",
        "household__address",
        "display_name",
        "id",
    )


def print_cards(*, actor: Any, scope: StaffScope, selection: CardSelection) -> bytes:
    """The PDF of the selected cards, recorded as "cards.print".
    Raises NoCardsToPrint, TooManyCards."""
    members = list(cards_to_print(scope=scope, selection=selection)[: MAX_CARDS_PER_PDF + 1])
    if not members:
        raise NoCardsToPrint
    if len(members) > MAX_CARDS_PER_PDF:
        raise TooManyCards(cap=MAX_CARDS_PER_PDF)
    pdf = card_sheet_pdf(programme=scope.programme, members=members)
    # Recorded after drawing, outside a transaction: drawing takes seconds and must not hold
    # SQLite's write lock; one INSERT needs no transaction of its own.
    record(
        actor=actor,
        programme=scope.programme,
        action="cards.print",
        data={"count": len(members), "filter": selection.for_audit()},
    )
    return pdf


def print_card(*, actor: Any, member: Member) -> bytes:
    """The PDF of one member's card, recorded as "cards.print". Raises InactiveMember:
    the card of an inactive member would not scan."""
    if member.status != MemberStatus.ACTIVE:
        raise InactiveMember
    pdf = card_sheet_pdf(programme=member.programme, members=[member])
    record(
        actor=actor,
        programme=member.programme,
        action="cards.print",
        target=member,
        data={"count": 1, "filter": {"member": True}},
    )
    return pdf


def card_sheet_pdf(*, programme: Programme, members: Iterable[Member]) -> bytes:
    """A4 pages of ten cards (two columns, five rows) with cut marks. Each card shows the
    programme, the member's name, community and household, the card's QR code and a hint in
    the programme's language. Members need `community` and `household` loaded."""
    buffer = io.BytesIO()
    pdf = Canvas(buffer, pagesize=A4, invariant=True, pageCompression=1)
    with translation.override(programme.default_language):
        pdf.setTitle(str(TITLE) % {"programme": programme.name})
        hint = str(HINT)
    pdf.setAuthor("Jifen")
    pdf.setCreator("Jifen")
    for index, member in enumerate(members):
        if index % PER_PAGE == 0:
            if index:
                pdf.showPage()
            _draw_cut_marks(pdf)
        _draw_card(
            pdf, *_card_origin(index % PER_PAGE), programme=programme, member=member, hint=hint
        )
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _card_origin(slot: int) -> tuple[float, float]:
    """Bottom-left corner of the card in `slot`, counted left to right, top to bottom."""
    row, column = divmod(slot, COLUMNS)
    return GRID_LEFT + column * CARD_WIDTH, GRID_BOTTOM + (ROWS - 1 - row) * CARD_HEIGHT


def _draw_cut_marks(pdf: Canvas) -> None:
    """Short lines in the margins along every cut, for a guillotine or a ruler and knife."""
    gap, length = 2 * mm, 6 * mm
    top, right = GRID_BOTTOM + ROWS * CARD_HEIGHT, GRID_LEFT + COLUMNS * CARD_WIDTH
    pdf.setStrokeGray(0)
    pdf.setLineWidth(0.25)
    for column in range(COLUMNS + 1):
        x = GRID_LEFT + column * CARD_WIDTH
        pdf.line(x, GRID_BOTTOM - gap, x, GRID_BOTTOM - gap - length)
        pdf.line(x, top + gap, x, top + gap + length)
    for row in range(ROWS + 1):
        y = GRID_BOTTOM + row * CARD_HEIGHT
        pdf.line(GRID_LEFT - gap, y, GRID_LEFT - gap - length, y)
        pdf.line(right + gap, y, right + gap + length, y)


def _draw_card(
    pdf: Canvas,
    x: float,
    y: float,
    *,
    programme: Programme,
    member: Member,
    hint: str,
) -> None:
    # A light border as well as the cut marks: cards cut out with scissors still look neat.
    pdf.setStrokeGray(0.75)
    pdf.setLineWidth(0.3)
    pdf.rect(x, y, CARD_WIDTH, CARD_HEIGHT)
    left, top = x + PAD, y + CARD_HEIGHT - PAD
    _draw_text(pdf, programme.name, left, top - 3 * mm, size=9, width=CARD_WIDTH - 2 * PAD)
    pdf.setStrokeColorRGB(*ACCENT)
    pdf.setLineWidth(0.8)
    pdf.line(left, top - 5 * mm, x + CARD_WIDTH - PAD, top - 5 * mm)
    _draw_text(pdf, member.display_name, left, y + 35 * mm, size=16, width=TEXT_WIDTH)
    _draw_text(pdf, member.community.name, left, y + 27 * mm, size=9, width=TEXT_WIDTH)
    if member.household is not None:
        _draw_text(pdf, member.household.label, left, y + 22.5 * mm, size=9, width=TEXT_WIDTH)
    _draw_text(pdf, hint, left, y + PAD + 1 * mm, size=7, width=TEXT_WIDTH, gray=0.35)
    _draw_qr(pdf, member, x + CARD_WIDTH - PAD - QR_SIZE, y + PAD)


def _draw_text(
    pdf: Canvas,
    text: str,
    x: float,
    y: float,
    *,
    size: float,
    width: float,
    gray: float = 0,
) -> None:
    """One line of mixed Chinese and Latin text, shrunk (to 60%) and then cut to fit."""
    runs, size = _fit(text, size=size, width=width)
    pdf.setFillGray(gray)
    for font, chunk in runs:
        pdf.setFont(font, size)
        pdf.drawString(x, y, chunk)
        x += pdfmetrics.stringWidth(chunk, font, size)


def _fit(text: str, *, size: float, width: float) -> tuple[list[tuple[str, str]], float]:
    smallest = size * 0.6
    while size > smallest and _width(text, size) > width:
        size -= 0.5
    while len(text) > 1 and _width(text, size) > width:
        text = text[:-2] + "…"
    return _runs(text), size


def _width(text: str, size: float) -> float:
    return sum(pdfmetrics.stringWidth(chunk, font, size) for font, chunk in _runs(text))


def _runs(text: str) -> list[tuple[str, str]]:
    """The text cut into (font, chunk) runs: Helvetica for what its WinAnsi encoding holds
    (Latin letters with French accents, digits, punctuation), the CJK font for the rest."""
    return [(font, "".join(chars)) for font, chars in itertools.groupby(text, key=_font_for)]


def _font_for(char: str) -> str:
    try:
        char.encode("cp1252")
    except UnicodeEncodeError:
        return CJK_FONT
    return LATIN_FONT


def _draw_qr(pdf: Canvas, member: Member, x: float, y: float) -> None:
    """The card's QR code as filled rectangles, one per run of dark modules in a row: vector,
    so it prints sharp on any printer, with no image library involved."""
    matrix = card_qr(member).matrix  # rows of 0 (light) / 1 (dark), without the quiet zone
    step = QR_SIZE / (len(matrix) + 2 * QR_QUIET)
    pdf.saveState()
    # Module units, rows counting downwards from the code's top-left corner.
    pdf.transform(step, 0, 0, -step, x + QR_QUIET * step, y + QR_SIZE - QR_QUIET * step)
    pdf.setFillGray(0)
    # Raw operators: ReportLab's number formatting would otherwise take most of the time of a
    # 2,000-card sheet. Each row overlaps the next by a hair so viewers show no seams.
    pdf.addLiteral(" ".join(_row_rectangles(matrix)) + " f")
    pdf.restoreState()


def _row_rectangles(matrix: tuple[bytearray, ...]) -> list[str]:
    rectangles = []
    for row_index, row in enumerate(matrix):
        column = 0
        for dark, modules in itertools.groupby(row):
            count = len(list(modules))
            if dark:
                rectangles.append(f"{column} {row_index} {count} 1.03 re")
            column += count
    return rectangles
