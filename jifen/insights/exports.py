"""A dashboard table as a CSV (UTF-8 with a BOM, which Excel reads) or an XLSX workbook:
its title, its headers and its rows, as the page shows them."""

import csv
import io

from openpyxl import Workbook
from openpyxl.styles import Font

from jifen.insights.tables import Table

CSV = "text/csv; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def table_csv(table: Table) -> bytes:
    """The headers, then one line per row; an empty cell for a missing value."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(table.headers)
    writer.writerows(["" if value is None else value for value in row] for row in table.rows)
    return out.getvalue().encode("utf-8-sig")


def table_xlsx(table: Table) -> bytes:
    """One sheet: the headers in bold on the first row, then the rows, numbers as numbers."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook has one sheet
    sheet.title = table.key
    sheet.append(table.headers)
    for header in sheet[1]:
        header.font = Font(bold=True)
    for row in table.rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
