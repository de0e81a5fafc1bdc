"""Reading and checking a resident spreadsheet (一户一档). Pure: no database writes.

Every row is checked and every problem is reported with its spreadsheet row number (the
header is row 1), so that a clerk can fix the whole file in one go.
"""

import csv
import io
import re
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from django.db.models import CharField, Model
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from jifen.lib.errors import InvalidPhone
from jifen.lib.phones import normalise_phone
from jifen.lib.storable import is_storable
from jifen.lib.xlsx_guard import (
    MAX_SHEET_ROWS,
    NOT_A_WORKBOOK,
    TOO_MANY_ROWS,
    UnsafeWorkbook,
    check_xlsx,
)
from jifen.programmes.models import Household, Member, MemberStatus

# Accepted headers for each column: English, then Chinese.
COLUMNS: dict[str, tuple[str, ...]] = {
    "community": ("community", "社区", "村", "小区"),
    "building": ("building", "楼栋", "楼号", "栋"),
    "unit": ("unit", "单元"),
    "room": ("room", "房号", "门牌号", "室"),
    "address": ("address", "地址", "住址"),
    "name": ("name", "姓名"),
    "phone": ("phone", "手机号", "手机", "电话"),
    "birth_year": ("birth_year", "出生年份"),
    "head_of_household": ("head_of_household", "户主"),
    "elderly": ("elderly", "老人"),
    "child": ("child", "儿童"),
    "new_resident": ("new_resident", "新居民"),
    "interests": ("interests", "兴趣"),
    "joined_on": ("joined_on", "入住日期", "加入日期"),
    "status": ("status", "状态"),
}
REQUIRED = ("community", "name")
# Shown in the errors table, so that a clerk reads the column in their own language.
COLUMN_LABELS = {
    "": _("file"),
    "community": _("community"),
    "building": _("building"),
    "unit": _("unit"),
    "room": _("room"),
    "address": _("address"),
    "name": pgettext_lazy("spreadsheet column", "name"),  # 姓名 here, not the model's 名称
    "phone": _("phone"),
    "birth_year": _("birth year"),
    "head_of_household": _("head of household"),
    "elderly": _("elderly"),
    "child": _("child"),
    "new_resident": _("new resident"),
    "interests": _("interests"),
    "joined_on": pgettext_lazy("spreadsheet column", "joined on"),
    "status": _("status"),
}
_YES = {"yes", "y", "true", "1", "是", "x", "✓"}
_NO = {"no", "n", "false", "0", "否", ""}
_STATUS = {
    "active": MemberStatus.ACTIVE,
    "在册": MemberStatus.ACTIVE,
    "正常": MemberStatus.ACTIVE,
    "inactive": MemberStatus.INACTIVE,
    "暂停": MemberStatus.INACTIVE,
    "left": MemberStatus.LEFT,
    "迁出": MemberStatus.LEFT,
}

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise


def _max_length(model: type[Model], name: str) -> int:
    field = model._meta.get_field(name)
    assert isinstance(field, CharField) and field.max_length is not None  # a text column
    return field.max_length


# The database's limits, checked here so that a long cell is a row error, not a crash.
_LENGTHS = {
    **{c: _max_length(Household, c) for c in ("building", "unit", "room", "address")},
    "name": _max_length(Member, "display_name"),
}
# The limits of one file (README, "Importing residents"). Rows are counted from the header:
# a value below row MAX_ROWS + 1 is refused, empty rows are skipped, and no file may have more
# than MAX_SHEET_ROWS rows, empty ones included. Columns after the MAX_COLUMNS-th are not
# read. An XLSX file must also pass jifen.lib.xlsx_guard.
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_ROWS = 50_000
MAX_COLUMNS = 50
MAX_CELL_CHARS = 1_000  # any cell; the columns above have their own, shorter limits
PROGRESS_EVERY = 500
FILE_TOO_LARGE = _("The file is larger than %(max)s MB.")
UNSTORABLE_CELL = _(
    "The cell contains a character that cannot be stored (a NUL character or a broken one): "
    "retype it."
)
# csv refuses a cell over 131,072 characters with an error that names neither row nor column.
# No cell is longer than its file, so at the file limit every cell is read and the row check
# refuses a long one by row and column. (The limit is the csv module's, for the whole
# process; nothing else in Jifen reads CSV.)
csv.field_size_limit(MAX_FILE_BYTES)


@dataclass(frozen=True)
class RowError:
    """One problem: spreadsheet row (header = 1), canonical column name ("" = the whole file)."""

    row: int
    column: str
    message: str

    @property
    def label(self) -> str:
        return str(COLUMN_LABELS.get(self.column, self.column))


@dataclass
class ResidentRow:
    """One checked row, ready to be written."""

    row: int
    community: str
    address: dict[str, str]
    name: str
    phone: str = ""
    birth_year: int | None = None
    is_head: bool = False
    is_elderly: bool = False
    is_child: bool = False
    is_new_resident: bool = False
    interests: list[str] = field(default_factory=list)
    joined_on: date | None = None
    status: str = MemberStatus.ACTIVE

    @property
    def has_address(self) -> bool:
        return any(self.address.values())

    @property
    def household_key(self) -> tuple[str, ...]:
        return (self.community, *(self.address[k] for k in ("building", "unit", "room", "address")))


class FileUnreadable(Exception):
    """The file is not a CSV or XLSX table we can read; the message says why."""


def read_table(filename: str, data: bytes) -> list[tuple[int, dict[str, str]]]:
    """(row number, {column: text}) for every non-empty data row, columns by canonical name.
    Raises FileUnreadable, also for a file beyond the limits above."""
    if len(data) > MAX_FILE_BYTES:
        raise FileUnreadable(FILE_TOO_LARGE % {"max": MAX_FILE_BYTES // 2**20})
    xlsx = filename.lower().endswith((".xlsx", ".xlsm"))
    rows = _xlsx_rows(data) if xlsx else _csv_rows(data)
    header = next(rows, None)
    if header is None:
        raise FileUnreadable(_("The file is empty."))
    columns = [_canonical(h) for h in header[1]]
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise FileUnreadable(
            _("The header row lacks the column(s): %(columns)s.")
            % {"columns": ", ".join(header_name(c) for c in missing)}
        )
    return list(_records(rows, columns))


def _records(
    rows: Iterator[tuple[int, Sequence[object]]], columns: list[str | None]
) -> Iterator[tuple[int, dict[str, str]]]:
    """The non-empty rows. Reading stops past MAX_SHEET_ROWS rows, empty ones included, so that
    a file of a million empty lines costs no more than one of 100,000."""
    for number, cells in rows:
        if number > MAX_SHEET_ROWS:
            raise FileUnreadable(TOO_MANY_ROWS % {"max": MAX_SHEET_ROWS})
        if not any(cells):
            continue
        record = {c: _text(v) for c, v in zip(columns, cells, strict=False) if c}
        if not any(record.values()):
            continue
        if number > MAX_ROWS + 1:
            raise FileUnreadable(
                _("At most %(max)s rows can be imported at once.") % {"max": MAX_ROWS}
            )
        yield number, record


def header_name(column: str) -> str:
    """The header accepted for `column` that reads best in the active language: the Chinese
    one (姓名) on a Chinese page, else the English one (name)."""
    aliases = COLUMNS[column]
    return aliases[1] if (get_language() or "").startswith("zh") else aliases[0]


def _canonical(header: object) -> str | None:
    text = _text(header).lower().replace(" ", "_")
    return next((name for name, aliases in COLUMNS.items() if text in aliases), None)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _csv_rows(data: bytes) -> Iterator[tuple[int, list[str]]]:
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV as GBK
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise FileUnreadable(_("The file is neither UTF-8 nor GBK text."))
    number = 0
    try:
        for number, cells in enumerate(csv.reader(_lines(text)), start=1):
            yield number, cells[:MAX_COLUMNS]
    except csv.Error as exc:
        message = _("Row %(row)s cannot be read as CSV (a quote or line break out of place).")
        raise FileUnreadable(message % {"row": number + 1}) from exc


def _lines(text: str) -> Iterator[str]:
    """The lines of `text`, each with its line break, one at a time (io.StringIO would hold a
    copy of the whole text at four bytes a character)."""
    start = 0
    while start < len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end + 1
        yield text[start:end]
        start = end


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, tuple[object, ...]]]:
    """The first sheet's rows, streaming, each cut to MAX_COLUMNS. Its declared dimension is
    not trusted (a 200 KB file may declare a million rows of 16,384 columns)."""
    from openpyxl import load_workbook

    try:
        check_xlsx(data)
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
    except UnsafeWorkbook as exc:
        raise FileUnreadable(str(exc)) from exc
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise FileUnreadable(NOT_A_WORKBOOK) from exc
    try:
        sheet = book.worksheets[0]
        sheet.reset_dimensions()
        yield from enumerate(sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True), start=1)
    except Exception as exc:  # a cell openpyxl cannot read
        raise FileUnreadable(NOT_A_WORKBOOK) from exc
    finally:
        book.close()


def check_rows(
    table: list[tuple[int, dict[str, str]]],
    communities: Collection[str] | None = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[list[ResidentRow], list[RowError]]:
    """Parse every row; collect every problem, including those between rows (checked on
    every row, even one with another problem, so that one upload shows them all). Returns the
    rows without any problem, and the problems. `communities`: the names a row may use (None:
    any). `progress` is told how many rows have been parsed, every PROGRESS_EVERY rows."""
    rows: list[ResidentRow] = []
    errors: list[RowError] = []
    for done, (number, record) in enumerate(table, start=1):
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress(done)
        row, row_errors = _parse(number, record, communities)
        errors += row_errors
        rows.append(row)
    errors += _repeated_phones(rows) + _repeated_people(rows) + _several_heads(rows)
    bad = {e.row for e in errors}
    return [r for r in rows if r.row not in bad], sorted(errors, key=lambda e: (e.row, e.column))


def _parse(
    number: int, record: dict[str, str], communities: Collection[str] | None
) -> tuple[ResidentRow, list[RowError]]:
    errors: list[RowError] = []

    def fail(column: str, message: "_StrOrPromise") -> None:
        if all(e.column != column for e in errors):  # one problem per cell is enough
            errors.append(RowError(number, column, str(message)))

    record = _storable_cells(record, fail)
    name, community = record.get("name", ""), record.get("community", "")
    if not name:
        fail("name", _("The name is missing."))
    if not community:
        fail("community", _("The community is missing."))
    elif communities is not None and community not in communities:
        message = _("There is no community “%(name)s” in this programme.")
        fail("community", message % {"name": community})
    address = {k: record.get(k, "") for k in ("building", "unit", "room", "address")}
    if not any(address.values()):
        fail("address", _("Give a building, unit and room, or an address."))
    phone = _phone(record.get("phone", ""), fail)
    flags = {
        c: _flag(record.get(c, ""), c, fail)
        for c in ("head_of_household", "elderly", "child", "new_resident")
    }
    row = ResidentRow(
        row=number,
        community=community,
        address=address,
        name=name,
        phone=phone,
        birth_year=_birth_year(record.get("birth_year", ""), fail),
        is_head=flags["head_of_household"],
        is_elderly=flags["elderly"],
        is_child=flags["child"],
        is_new_resident=flags["new_resident"],
        interests=[
            t.strip() for t in re.split(r"[,，;；、]", record.get("interests", "")) if t.strip()
        ],
        joined_on=_date(record.get("joined_on", ""), fail),
        status=_status(record.get("status", ""), fail),
    )
    return row, errors


def _storable_cells(record: dict[str, str], fail) -> dict[str, str]:
    """The record without the cells that the database could not store (a NUL or broken
    character, or longer than any cell may be), each refused through `fail`; a cell longer
    than its column is refused too, but kept, so that the other checks still see it."""
    kept = {}
    for column, text in record.items():
        limit = _LENGTHS.get(column, MAX_CELL_CHARS)
        if not is_storable(text):
            fail(column, UNSTORABLE_CELL)
            continue
        if len(text) > limit:
            fail(column, _("At most %(max)s characters.") % {"max": limit})
            if len(text) > MAX_CELL_CHARS:
                continue
        kept[column] = text
    return kept


def _phone(text: str, fail) -> str:
    if not text:
        return ""
    try:
        return normalise_phone(text)
    except InvalidPhone as exc:
        fail("phone", str(exc))
        return ""


def _flag(text: str, column: str, fail) -> bool:
    value = text.lower()
    if value in _YES:
        return True
    if value not in _NO:
        fail(column, _("“%(value)s” is not yes or no.") % {"value": text})
    return False


def _birth_year(text: str, fail) -> int | None:
    if not text:
        return None
    this_year = date.today().year
    if not text.isdigit() or not 1900 <= int(text) <= this_year:
        fail(
            "birth_year",
            _("The birth year must be a number from 1900 to %(year)s.") % {"year": this_year},
        )
        return None
    return int(text)


_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T].*)?")
_EXCEL_DAY_ZERO = date(1899, 12, 30)  # Excel's serial day 1 is 1900-01-01 (after its leap bug)


def _date(text: str, fail) -> date | None:
    """2026-03-01, 2026/3/1, 2026.3.1, 2026年3月1日, or an Excel serial day number (46082)."""
    if not text:
        return None
    match = _DATE.fullmatch(text)
    try:
        if match:
            return date(*(int(part) for part in match.groups()))
        if text.isdigit() and 20_000 <= int(text) <= 80_000:  # 1954 … 2119
            return _EXCEL_DAY_ZERO + timedelta(days=int(text))
    except ValueError:
        pass
    fail("joined_on", _("“%(value)s” is not a date (write it as 2026-03-01).") % {"value": text})
    return None


def _status(text: str, fail) -> str:
    if not text:
        return MemberStatus.ACTIVE
    status = _STATUS.get(text.lower())
    if status is None:
        fail(
            "status", _("“%(value)s” is not a status (active, inactive or left).") % {"value": text}
        )
        return MemberStatus.ACTIVE
    return status


def _repeated_phones(rows: list[ResidentRow]) -> list[RowError]:
    first: dict[str, int] = {}
    errors = []
    for row in rows:
        if row.phone and row.phone in first:
            errors.append(
                RowError(
                    row.row,
                    "phone",
                    str(
                        _("The phone number %(phone)s is also on row %(other)s.")
                        % {"phone": row.phone, "other": first[row.phone]}
                    ),
                )
            )
        first.setdefault(row.phone, row.row)
    return errors


def _repeated_people(rows: list[ResidentRow]) -> list[RowError]:
    """The same name twice in one household, unless both rows give a phone to tell them apart:
    without one, a later import could not know which of the two a row means."""
    first: dict[tuple[str, ...], ResidentRow] = {}
    errors = []
    for row in rows:
        if not row.name or not row.has_address:
            continue
        key = (*row.household_key, row.name)
        other = first.setdefault(key, row)
        if other is not row and not (row.phone and other.phone):
            message = _("%(name)s is already on row %(other)s for this household.")
            errors.append(
                RowError(row.row, "name", str(message % {"name": row.name, "other": other.row}))
            )
    return errors


def _several_heads(rows: list[ResidentRow]) -> list[RowError]:
    heads: dict[tuple[str, ...], int] = {}
    errors = []
    for row in rows:
        if not row.is_head or not row.has_address:
            continue
        if row.household_key in heads:
            errors.append(
                RowError(
                    row.row,
                    "head_of_household",
                    str(
                        _("Row %(other)s already names the head of this household.")
                        % {"other": heads[row.household_key]}
                    ),
                )
            )
        heads.setdefault(row.household_key, row.row)
    return errors
