"""A store's settlement statement as files to hand to the store or the finance office: a PDF
(A4, Chinese text in the CJK font the member cards use) and an XLSX workbook. Both show the
same lines and totals as the statement (jifen.rewards.settlement), in the active language;
money is the programme's point value times the points, never paid to residents."""

import io
from collections.abc import Sequence
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Font
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from jifen.programmes.cards import CJK_FONT  # registers the font, as the cards need it too
from jifen.rewards.models import RewardArea
from jifen.rewards.settlement import Line, Statement

LEFT, RIGHT, TOP, BOTTOM = 18 * mm, 192 * mm, 280 * mm, 18 * mm
ROW = 6.5 * mm
# Right edges of the numeric columns, then where the name and area start.
COLUMNS = (RIGHT - 64 * mm, RIGHT - 32 * mm, RIGHT)
AREA_AT = LEFT + 66 * mm
TITLE = gettext_lazy("Settlement of %(store)s, %(start)s – %(end)s")


def money_of(statement: Statement, points: int) -> Decimal:
    return (statement.point_value * points).quantize(Decimal("0.01"))


def headers() -> list[str]:
    return [_("Reward"), _("Area"), _("Quantity"), _("Points"), _("Money")]


def totals(statement: Statement) -> list[tuple[str, object]]:
    """The statement's totals as (label, value), in the order both files show them."""
    currency = statement.store.programme.money_currency
    return [
        (_("Items handed out"), statement.items),
        (_("Points"), statement.points),
        (_("Money (%(currency)s)") % {"currency": currency}, statement.money),
        (_("Point value (%(currency)s)") % {"currency": currency}, statement.point_value),
        (_("Bought goods: items"), statement.bought_items),
        (_("Bought goods: points"), statement.bought_points),
        (_("Donated goods: items"), statement.donated_items),
        (_("Donated goods: points"), statement.donated_points),
    ]


def status_of(statement: Statement) -> str:
    found = statement.settlement
    if found is None:
        return _("Not settled yet: as the ledger stands now.")
    who = found.settled_by.get_username() if found.settled_by else _("the system")
    return _("Settled on %(when)s by %(who)s; it can no longer change.") % {
        "when": found.settled_at.date().isoformat(),
        "who": who,
    }


def _title(statement: Statement) -> str:
    return str(TITLE) % {
        "store": statement.store.name,
        "start": statement.starts_on.isoformat(),
        "end": statement.ends_on.isoformat(),
    }


def _area(line: Line) -> str:
    return str(RewardArea(line.area).label) if line.area in RewardArea.values else line.area


# PDF


def statement_pdf(statement: Statement) -> bytes:
    buffer = io.BytesIO()
    pdf = Canvas(buffer, pagesize=A4, invariant=True, pageCompression=1)
    pdf.setTitle(_title(statement))
    pdf.setAuthor("Jifen")
    pdf.setCreator("Jifen")
    pdf.setFont(CJK_FONT, 14)
    pdf.drawString(LEFT, TOP, _title(statement))
    pdf.setFont(CJK_FONT, 9)
    pdf.drawString(LEFT, TOP - ROW, status_of(statement))
    y = TOP - 3 * ROW
    _draw_row(pdf, y, headers())
    for line in statement.lines:
        y = _room(pdf, y - ROW)
        money = money_of(statement, line.points)
        _draw_row(pdf, y, [line.name, _area(line), line.quantity, line.points, money])
    y -= ROW
    for label, value in totals(statement):
        y = _room(pdf, y - ROW)
        pdf.drawString(LEFT, y, f"{label}: {value}")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _draw_row(pdf: Canvas, y: float, cells: Sequence[object]) -> None:
    name, area, *numbers = cells
    pdf.drawString(LEFT, y, _fit(str(name), AREA_AT - LEFT - 2 * mm))
    pdf.drawString(AREA_AT, y, str(area))
    for right, number in zip(COLUMNS, numbers, strict=True):
        pdf.drawRightString(right, y, str(number))


def _fit(text: str, width: float) -> str:
    """`text`, cut short with "…" when it is wider than `width` in the font at 9 points."""
    if stringWidth(text, CJK_FONT, 9) <= width:
        return text
    while text and stringWidth(text + "…", CJK_FONT, 9) > width:
        text = text[:-1]
    return text + "…"


def _room(pdf: Canvas, y: float) -> float:
    """`y`, or the top of a new page when the page is full."""
    if y >= BOTTOM:
        return y
    pdf.showPage()
    pdf.setFont(CJK_FONT, 9)
    return TOP


# XLSX


def statement_xlsx(statement: Statement) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook has one sheet
    sheet.title = statement.starts_on.isoformat()
    sheet.append([_title(statement)])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([status_of(statement)])
    sheet.append([])
    sheet.append(headers())
    for cell in sheet[4]:
        cell.font = Font(bold=True)
    for line in statement.lines:
        money = money_of(statement, line.points)
        sheet.append([line.name, _area(line), line.quantity, line.points, money])
    sheet.append([])
    for label, value in totals(statement):
        sheet.append([label, None, None, None, value])
    sheet.column_dimensions["A"].width = 36
    sheet.column_dimensions["B"].width = 18
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
