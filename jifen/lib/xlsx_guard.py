"""A look at an XLSX file before openpyxl opens it, so that a crafted one is refused in bounded
memory instead of exhausting it.

An XLSX file is a zip of XML parts, and openpyxl trusts them: it keeps every shared string and
style in memory, builds a list for every cell of a row, and keeps a trace of every row it has
read. A 200 KB file can declare a million rows, repeat an empty cell a million times in one
row, unpack to gigabytes or expand entities. So the archive's declared sizes are checked first
(zipfile reads no more than a part declares: a part that lies fails its checksum), then every
XML part is read once with expat, streaming, keeping nothing but counters: no document type
declaration, and within the limits below. A workbook within them costs openpyxl at most a few
tens of megabytes, whatever it declares.
"""

import io
import xml.parsers.expat
import zipfile
import zlib
from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext_lazy as _

MAX_PARTS = 1_000
MAX_UNPACKED_BYTES = 150 * 1024 * 1024  # all parts together, unpacked
MAX_SHEET_BYTES = 100 * 1024 * 1024  # one worksheet, unpacked
MAX_STRINGS_BYTES = 20 * 1024 * 1024  # the shared strings, unpacked
MAX_PART_BYTES = 10 * 1024 * 1024  # any other part, unpacked
MAX_SHEET_ROWS = 100_000  # row elements in one worksheet, empty ones included
MAX_ROW_CELLS = 16_384  # Excel's own limit: columns A … XFD
MAX_SHEET_CELLS = 2_000_000
MAX_CELL_CHARS = 32_767  # Excel's own limit for one cell
MAX_ROW_CHARS = 1_000_000
MAX_SHARED_STRINGS = 200_000
MAX_PART_ELEMENTS = 50_000  # styles, workbook, relationships, properties …
CHUNK = 64 * 1024

NOT_A_WORKBOOK = _("The file is not a readable XLSX workbook.")
TOO_BIG = _(
    "Unpacked, the workbook would be larger than %(max)s MB: keep only the residents' sheet, "
    "or save it as CSV."
)
TOO_MANY_ROWS = _(
    "The file has more than %(max)s rows, empty ones included: delete the rows below the residents."
)
TOO_MANY_STRINGS = _(
    "The workbook holds more than %(max)s different texts: import the residents in several "
    "files, or save the sheet as CSV."
)
OVERSIZED_PART = _(
    "The workbook's part %(part)s is larger than any spreadsheet needs: save the sheet as a new "
    "workbook, or as CSV."
)


class UnsafeWorkbook(Exception):
    """The file is not a workbook, or it is beyond the limits; the message says which."""


def check_xlsx(data: bytes) -> None:
    """Return when `data` is a zip of XML parts within the limits; else raise UnsafeWorkbook."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise UnsafeWorkbook(NOT_A_WORKBOOK) from exc
    with archive:
        parts = archive.infolist()
        _check_sizes(parts)
        for part in parts:
            _check_part(archive, part)


def _check_sizes(parts: list[zipfile.ZipInfo]) -> None:
    if "[Content_Types].xml" not in {p.filename for p in parts}:
        raise UnsafeWorkbook(NOT_A_WORKBOOK)  # a zip, but of something else
    if len(parts) > MAX_PARTS or sum(p.file_size for p in parts) > MAX_UNPACKED_BYTES:
        raise UnsafeWorkbook(str(TOO_BIG) % {"max": MAX_UNPACKED_BYTES // (1024 * 1024)})


def _check_part(archive: zipfile.ZipFile, part: zipfile.ZipInfo) -> None:
    """Read one part through expat when it is XML (images and the like openpyxl never reads
    in read-only mode are skipped)."""
    try:
        with archive.open(part) as stream:
            first = stream.read(CHUNK)
            if not _looks_like_xml(first):
                return
            scanner = _Scanner(part)
            scanner.feed(first)
            while chunk := stream.read(CHUNK):
                scanner.feed(chunk)
            scanner.feed(b"", final=True)
    except (zipfile.BadZipFile, zlib.error, xml.parsers.expat.ExpatError, EOFError) as exc:
        raise UnsafeWorkbook(NOT_A_WORKBOOK) from exc
    except (NotImplementedError, RuntimeError) as exc:  # another compression; encrypted
        raise UnsafeWorkbook(NOT_A_WORKBOOK) from exc


def _looks_like_xml(start: bytes) -> bool:
    text = start.lstrip()
    return text.startswith((b"<", b"\xef\xbb\xbf<", b"\xff\xfe", b"\xfe\xff"))


class _Scanner:
    """Counts what one XML part holds, refusing as soon as a limit is passed. The root element
    says what kind of part it is: a worksheet, the shared strings, or anything else."""

    def __init__(self, part: zipfile.ZipInfo) -> None:
        self.part = part
        self.parser = xml.parsers.expat.ParserCreate()
        self.parser.StartElementHandler = self._root
        self.parser.StartDoctypeDeclHandler = self._refuse_doctype
        self.parser.EntityDeclHandler = self._refuse_doctype
        self.elements = self.rows = self.cells = self.row_cells = 0
        self.strings = self.row_chars = self.cell_chars = 0

    def feed(self, data: bytes, *, final: bool = False) -> None:
        self.parser.Parse(data, final)

    def _refuse_doctype(self, *args: Any) -> None:
        # No spreadsheet has one; it is how entity expansion ("billion laughs") starts.
        raise self._oversized()

    def _oversized(self) -> UnsafeWorkbook:
        return UnsafeWorkbook(str(OVERSIZED_PART) % {"part": self.part.filename})

    def _root(self, name: str, attrs: dict[str, str]) -> None:
        kind = name.rpartition(":")[2]
        handlers: dict[str, tuple[int, Callable[..., None], Callable[[str], None] | None]] = {
            "worksheet": (MAX_SHEET_BYTES, self._sheet_element, self._sheet_text),
            "sst": (MAX_STRINGS_BYTES, self._strings_element, self._strings_text),
        }
        limit, on_element, on_text = handlers.get(kind, (MAX_PART_BYTES, self._element, None))
        if self.part.file_size > limit:
            raise self._oversized()
        self.parser.StartElementHandler = on_element
        if on_text is not None:
            self.parser.CharacterDataHandler = on_text

    def _element(self, name: str, attrs: dict[str, str]) -> None:
        self.elements += 1
        if self.elements > MAX_PART_ELEMENTS:
            raise self._oversized()

    def _sheet_element(self, name: str, attrs: dict[str, str]) -> None:
        tag = name.rpartition(":")[2]
        if tag == "c":
            self.cells += 1
            self.row_cells += 1
            self.cell_chars = 0
            if self.row_cells > MAX_ROW_CELLS or self.cells > MAX_SHEET_CELLS:
                raise self._oversized()
        elif tag == "row":
            self.rows += 1
            self.row_cells = self.row_chars = self.cell_chars = 0
            if self.rows > MAX_SHEET_ROWS:
                raise UnsafeWorkbook(str(TOO_MANY_ROWS) % {"max": MAX_SHEET_ROWS})

    def _sheet_text(self, text: str) -> None:
        # Text between two cells counts for the first: only a little whitespace, if any.
        self.cell_chars += len(text)
        self.row_chars += len(text)
        if self.cell_chars > MAX_CELL_CHARS or self.row_chars > MAX_ROW_CHARS:
            raise self._oversized()

    def _strings_element(self, name: str, attrs: dict[str, str]) -> None:
        if name.rpartition(":")[2] == "si":
            self.strings += 1
            self.cell_chars = 0
            if self.strings > MAX_SHARED_STRINGS:
                raise UnsafeWorkbook(str(TOO_MANY_STRINGS) % {"max": MAX_SHARED_STRINGS})

    def _strings_text(self, text: str) -> None:
        self.cell_chars += len(text)
        if self.cell_chars > MAX_CELL_CHARS:
            raise self._oversized()
