"""A survey's results as CSV and XLSX: one row per question (answers, satisfaction rate, NPS,
average, the count of each score), then the free-text answers. No member is named, named
survey or not. A cell a spreadsheet would read as a formula (=, +, -, @ first) is written
with a leading apostrophe, as residents' free text can be anything."""

import csv
import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from jifen.voices.queries import Results

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def rows_of(results: Results) -> list[list[object]]:
    survey = results.survey
    rows: list[list[object]] = [
        [survey.title],
        [_("Responses"), results.responses],
        [_("Satisfaction rate (%)"), results.satisfaction_rate],
        [_("NPS"), results.nps],
        [],
        [_("Question"), _("Kind"), _("Answers"), _("Satisfied (%)"), _("NPS"), _("Average")],
    ]
    rows[-1] += [str(s) for s in range(0, 11)]
    for q in results.questions:
        counts = [q.histogram.get(s, "") for s in range(0, 11)]
        rows.append(
            [
                q.question.text,
                q.question.get_kind_display(),
                q.answered,
                q.satisfaction_rate if q.question.kind == "satisfaction" else None,
                q.nps if q.question.kind == "nps" else None,
                q.average,
                *counts,
            ]
        )
    texts = [(q.question.text, t) for q in results.questions for t in q.texts]
    if texts:
        rows += [[], [_("Question"), _("Free-text answer")]]
        rows += [[question, text] for question, text in texts]
    return [[_cell(v) for v in row] for row in rows]


def results_csv(results: Results) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([["" if v is None else v for v in row] for row in rows_of(results)])
    return out.getvalue().encode("utf-8-sig")  # the BOM makes Excel read the file as UTF-8


def results_xlsx(results: Results) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook has one sheet
    sheet.title = _("Results")
    for row in rows_of(results):
        sheet.append(row)
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.column_dimensions["A"].width = 40
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
