"""The notice board as a printable poster (A4 or A3, ReportLab, the CJK font of the member
cards), carrying the latest signed tree head as a QR code: a link to the transparency page
with the head's size and root, which that page checks against the log."""

import io
from urllib.parse import urlencode

import segno
from django.utils import translation
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A3, A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from jifen.lib.periods import local
from jifen.programmes.cards import _draw_text, _row_rectangles
from jifen.recognition.board import Board
from jifen.transparency.models import TreeHead

PAPERS = {"a4": A4, "a3": A3}
MARGIN = 15 * mm
QR_QUIET = 2  # modules of white around a code


def head_query(head: TreeHead) -> str:
    return urlencode({"size": head.size, "root": bytes(head.root_hash).hex()})


def head_link(page: str, head: TreeHead | None) -> str:
    """The transparency page's address, asking it to check `head` (the page alone if none)."""
    return f"{page}?{head_query(head)}#head-check" if head else page


def draw_qr(pdf: Canvas, data: str, x: float, y: float, size: float) -> None:
    """A full QR code (error level M) of `data` as vector rectangles, `size` wide with its
    quiet zone, its bottom-left corner at (x, y)."""
    matrix = segno.make_qr(data, error="m").matrix
    step = size / (len(matrix) + 2 * QR_QUIET)
    pdf.saveState()
    pdf.transform(step, 0, 0, -step, x + QR_QUIET * step, y + size - QR_QUIET * step)
    pdf.setFillGray(0)
    pdf.addLiteral(" ".join(_row_rectangles(matrix)) + " f")
    pdf.restoreState()


class _Writer:
    """Lines of text down the page, starting a new page when one is full."""

    def __init__(self, pdf: Canvas, paper: tuple[float, float], scale: float) -> None:
        self.pdf, self.paper, self.scale = pdf, paper, scale
        self.y = paper[1] - MARGIN

    def line(self, text: str, size: float, *, indent: float = 0, gray: float = 0) -> None:
        size *= self.scale
        if self.y - size < MARGIN + 40 * mm * self.scale:  # room for the QR at the bottom
            self.pdf.showPage()
            self.y = self.paper[1] - MARGIN
        self.y -= size * 1.5
        width = self.paper[0] - 2 * MARGIN - indent
        _draw_text(self.pdf, text, MARGIN + indent, self.y, size=size, width=width, gray=gray)


def poster_pdf(board: Board, *, head: TreeHead | None, link: str, paper: str = "a4") -> bytes:
    """The board of `board.month` on `paper` ("a4" or "a3") pages, in the programme's
    language, with the signed head's QR code (linking to `link`) at the foot of the last."""
    size = PAPERS[paper]
    buffer = io.BytesIO()
    pdf = Canvas(buffer, pagesize=size, invariant=True, pageCompression=1)
    with translation.override(board.programme.default_language):
        title = _("%(programme)s notice board, %(year)s-%(month)02d") % {
            "programme": board.programme.name,
            "year": board.month.year,
            "month": board.month.month,
        }
        pdf.setTitle(title)
        pdf.setAuthor("Jifen")
        writer = _Writer(pdf, size, size[0] / A4[0])
        writer.line(title, 20)
        _draw_awards(writer, board)
        _draw_notices(writer, board)
        _draw_quotas(writer, board)
        _draw_head(pdf, size, head, link, writer.scale)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _draw_awards(writer: _Writer, board: Board) -> None:
    writer.line(_("Awards this month: %(points)s points") % {"points": board.total_points}, 14)
    for community in board.awards:
        writer.line(f"{community.community} · {community.points}", 12)
        for line in community.lines:
            writer.line(f"{line.rule} · {line.count} · {line.points}", 10, indent=4 * mm)
            writer.line("、".join(line.names), 9, indent=8 * mm, gray=0.3)
    if not board.awards:
        writer.line(_("No award was credited this month."), 10, gray=0.3)


def _draw_notices(writer: _Writer, board: Board) -> None:
    writer.line(_("On public notice now"), 14)
    for n in board.notices:
        until = local(n.ends_at, board.programme.timezone).date().isoformat() if n.ends_at else ""
        mark = " · " + _("objected to") if n.objected else ""
        writer.line(f"{n.name} · {n.community} · {n.rule} · {n.points} · {until}{mark}", 10)
    writer.line(_("Objections this month: %(count)s") % {"count": len(board.objections)}, 14)
    for o in board.objections:
        writer.line(f"{o.subject} · {o.rule} · {o.status_label}", 10)


def _draw_quotas(writer: _Writer, board: Board) -> None:
    if board.quotas is None:
        return
    writer.line(_("Community quotas this month (quota / used / left)"), 14)
    for q in board.quotas:
        writer.line(f"{q.community}: {q.ceiling} / {q.used} / {q.left}", 10)


def _draw_head(
    pdf: Canvas, paper: tuple[float, float], head: TreeHead | None, link: str, scale: float
) -> None:
    qr = 36 * mm * scale
    x = paper[0] - MARGIN - qr
    draw_qr(pdf, link, x, MARGIN, qr)
    width = paper[0] - 3 * MARGIN - qr
    if head is None:
        _draw_text(
            pdf,
            _("Nothing has been signed yet."),
            MARGIN,
            MARGIN + qr / 2,
            size=9 * scale,
            width=width,
        )
        return
    words = _("Latest signed tree head: %(size)s entries. Scan to check it.") % {"size": head.size}
    _draw_text(pdf, words, MARGIN, MARGIN + qr * 0.6, size=10 * scale, width=width)
    root = bytes(head.root_hash).hex()
    _draw_text(pdf, root, MARGIN, MARGIN + qr * 0.35, size=7 * scale, width=width, gray=0.3)
