"""Plain, deterministic builders for tests and benchmarks. Everything goes through the real
services, so what a test sets up is what the product would have made."""

import base64
import io
import itertools
import re
import threading
import zipfile
import zlib
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, timedelta
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any

from django.db import connections

from jifen.accounts.models import User
from jifen.lib.errors import DomainError
from jifen.programmes import services
from jifen.programmes.models import Community, Household, Member, Programme, Role, RoleKind

if TYPE_CHECKING:
    from jifen.earning.models import Activity, Rule

_counter = itertools.count(1)
PASSWORD = "correct horse battery"


def make_user(*, username: str = "", phone: str | None = None) -> User:
    username = username or f"user{next(_counter)}"
    user = User(username=username, phone=phone, display_name=username)
    user.set_password(PASSWORD)
    user.save()
    return user


def make_programme(*, slug: str = "", name: str = "", admin: User | None = None) -> Programme:
    n = next(_counter)
    return services.create_programme(
        actor=admin, name=name or f"Programme {n}", slug=slug or f"programme-{n}"
    )


def make_community(*, programme: Programme, name: str = "", population: int = 2500) -> Community:
    return services.save_community(
        actor=None,
        programme=programme,
        name=name or f"Community {next(_counter)}",
        population=population,
    )


def make_household(*, community: Community, room: str = "") -> Household:
    return services.find_or_create_household(
        programme=community.programme,
        community=community,
        address={"building": "1", "unit": "1", "room": room or str(100 + next(_counter))},
    )


def make_member(
    *,
    community: Community,
    name: str = "",
    phone: str = "",
    household: Household | None = None,
) -> Member:
    n = next(_counter)
    data = services.MemberData(
        display_name=name or f"Resident {n}",
        community=community,
        household=household,
        phone=phone if phone else f"139{n:08d}",
        joined_on=date(2026, 1, 1),
    )
    return services.create_member(actor=None, programme=community.programme, data=data)


def make_staff(
    *,
    programme: Programme,
    kind: str = RoleKind.ADMIN,
    community: Community | None = None,
    username: str = "",
) -> User:
    user = make_user(username=username)
    Role.objects.create(user=user, programme=programme, kind=kind, community=community)
    return user


def make_resident_user(*, member: Member) -> User:
    """Give the member a signed-in account, as accepting an invitation does."""
    admin = make_user()
    _, token = services.create_invitation(actor=admin, member=member)
    return services.accept_invitation(token=token, password=PASSWORD)


_VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "wbr",
}


class _ElementText(HTMLParser):
    def __init__(self, element_id: str) -> None:
        super().__init__()
        self.element_id, self.depth = element_id, 0
        self.parts: list[str] = []
        self.found = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            return
        if self.depth:
            self.depth += 1
        elif dict(attrs).get("id") == self.element_id:
            self.depth, self.found = 1, True

    def handle_endtag(self, tag: str) -> None:
        if self.depth and tag not in _VOID:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.parts.append(data)


def text_of(html: str, element_id: str) -> str | None:
    """The text inside the element with this id (whitespace collapsed), None if there is
    none: tests assert on the element that shows a figure, not on the whole page."""
    parser = _ElementText(element_id)
    parser.feed(html)
    return " ".join("".join(parser.parts).split()) if parser.found else None


def at_once(work: Callable[[int], object], *, threads: int) -> list[object]:
    """Run work(i) in `threads` threads released together (for concurrency tests on
    PostgreSQL); return each one's result, or the DomainError it raised."""
    results: list[object] = [None] * threads
    start = threading.Barrier(threads)

    def run(i: int) -> None:
        try:
            start.wait()
            results[i] = work(i)
        except DomainError as refusal:
            results[i] = refusal
        finally:
            connections.close_all()  # each thread opened its own connection

    running = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for thread in running:
        thread.start()
    for thread in running:
        thread.join()
    return results


# Workbooks written part by part, so that a test or a benchmark can craft what no spreadsheet
# program writes: a huge declared dimension, a million empty rows, a bomb of shared strings.
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
Part = str | bytes | Iterable[bytes]
RESIDENT_ROWS = (
    '<row r="1"><c r="A1" t="inlineStr"><is><t>community</t></is></c>'
    '<c r="B1" t="inlineStr"><is><t>name</t></is></c>'
    '<c r="C1" t="inlineStr"><is><t>address</t></is></c></row>'
    '<row r="2"><c r="A2" t="inlineStr"><is><t>东区</t></is></c>'
    '<c r="B2" t="inlineStr"><is><t>张伟</t></is></c>'
    '<c r="C2" t="inlineStr"><is><t>幸福路 1 号</t></is></c></row>'
)


def make_workbook(
    rows: str = RESIDENT_ROWS,
    *,
    dimension: str = "",
    shared_strings: str | None = None,
    styles: str | None = None,
    sheet: Part | None = None,
) -> bytes:
    """An XLSX file whose first sheet's <sheetData> is `rows` (XML), optionally with a
    declared dimension, a shared-strings part (the XML inside <sst>) and a styles part; or
    whose whole sheet part is `sheet`."""
    parts: dict[str, Part] = {"xl/worksheets/sheet1.xml": sheet or _sheet(rows, dimension)}
    relations = [("worksheet", "worksheets/sheet1.xml")]
    if shared_strings is not None:
        parts["xl/sharedStrings.xml"] = f'<sst xmlns="{_MAIN}">{shared_strings}</sst>'
        relations.append(("sharedStrings", "sharedStrings.xml"))
    if styles is not None:
        parts["xl/styles.xml"] = styles
        relations.append(("styles", "styles.xml"))
    parts.update(_package(relations))
    return make_zip(parts)


def make_zip(parts: Mapping[str, Part]) -> bytes:
    """A zip of `parts`; a part given as an iterable of chunks is written chunk by chunk, so
    that one unpacking to gigabytes costs no memory to make."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            if isinstance(content, str | bytes):
                archive.writestr(name, content)
                continue
            with archive.open(name, "w") as stream:
                for chunk in content:
                    stream.write(chunk)
    return out.getvalue()


def _sheet(rows: str, dimension: str) -> str:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return f'<worksheet xmlns="{_MAIN}">{dim}<sheetData>{rows}</sheetData></worksheet>'


def _package(relations: list[tuple[str, str]]) -> dict[str, Part]:
    kinds = {"worksheet": "worksheet", "sharedStrings": "sharedStrings", "styles": "styles"}
    overrides = "".join(
        f'<Override PartName="/xl/{target}" ContentType="{_TYPE}.{kinds[kind]}+xml"/>'
        for kind, target in relations
    )
    links = "".join(
        f'<Relationship Id="rId{n}" Type="{_REL}/{kind}" Target="{target}"/>'
        for n, (kind, target) in enumerate(relations, start=1)
    )
    return {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{_TYPE}.sheet.main+xml"/>'
            f"{overrides}</Types>"
        ),
        "_rels/.rels": (
            f'<Relationships xmlns="{_PKG}"><Relationship Id="rId1" '
            f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>'
            '<sheet name="Residents" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{_PKG}">{links}</Relationships>',
    }


def _cells(value: str, count: int) -> Iterable[bytes]:
    """`value` repeated `count` times, in chunks of about a megabyte."""
    per_chunk = max(1, 1_000_000 // len(value))
    for start in range(0, count, per_chunk):
        yield value.encode() * min(per_chunk, count - start)


def _empty_rows(first: int, end: int) -> Iterable[bytes]:
    for start in range(first, end, 10_000):
        yield "".join(f'<row r="{n}"/>' for n in range(start, min(start + 10_000, end))).encode()


def _inline(row: int, column: str, text: str) -> str:
    return f'<c r="{column}{row}" t="inlineStr"><is><t>{text}</t></is></c>'


def _streamed_sheet(*middle: Iterable[bytes]) -> Iterable[bytes]:
    yield f'<worksheet xmlns="{_MAIN}"><sheetData>{RESIDENT_ROWS}'.encode()
    for chunks in middle:
        yield from chunks
    yield b"</sheetData></worksheet>"


def _lying_zip() -> bytes:
    """A workbook whose sheet declares 100 bytes unpacked, but unpacks to 10 MB: the sizes in
    its local header (offset 22) and in the central directory (offset 24) are rewritten."""
    data = bytearray(make_workbook(sheet=_streamed_sheet([b" " * 10_000_000])))
    name = b"xl/worksheets/sheet1.xml"
    local = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo(name.decode()).header_offset
    central = data.rindex(b"PK\x01\x02", 0, data.rindex(name))  # the directory's entry
    for size_at in (local + 22, central + 24):
        data[size_at : size_at + 4] = (100).to_bytes(4, "little")
    return bytes(data)


LOL = '<!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">' + "".join(
    f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8)
)
# Crafted files, by what they do: name → (file name, content). Built on demand (some take a
# second), each small to send; what they unpack to or declare is what would hurt.
CRAFTED_FILES: dict[str, tuple[str, Callable[[], bytes]]] = {
    "a huge declared dimension": (
        "dimension.xlsx",
        lambda: make_workbook(dimension="A1:XFD1048576"),
    ),
    "a value in the sheet's last row": (
        "last-row.xlsx",
        lambda: make_workbook(
            RESIDENT_ROWS + f'<row r="1048576">{_inline(1048576, "A", "东区")}</row>'
        ),
    ),
    "a million empty rows": (
        "empty-rows.xlsx",
        lambda: make_workbook(sheet=_streamed_sheet(_empty_rows(3, 1_000_003))),
    ),
    "a million empty cells in a row": (
        "wide-row.xlsx",
        lambda: make_workbook(
            sheet=_streamed_sheet([b'<row r="3">'], _cells("<c/>", 10**6), [b"</row>"])
        ),
    ),
    "half a million shared strings": (
        "strings.xlsx",
        lambda: make_workbook(
            shared_strings="".join(f"<si><t>{n}</t></si>" for n in range(500_000))
        ),
    ),
    "a million shared strings": (
        "more-strings.xlsx",
        lambda: make_workbook(shared_strings="".join(f"<si><t>{n}</t></si>" for n in range(10**6))),
    ),
    "a shared string of a million characters": (
        "long-string.xlsx",
        lambda: make_workbook(shared_strings="<si><t>" + "长" * 10**6 + "</t></si>"),
    ),
    "a hundred thousand styles": (
        "styles.xlsx",
        lambda: make_workbook(
            styles=f'<styleSheet xmlns="{_MAIN}"><cellXfs count="100000">'
            + '<xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>' * 100_000
            + "</cellXfs></styleSheet>"
        ),
    ),
    "a sheet unpacking to 200 MB": (
        "bomb.xlsx",
        lambda: make_workbook(sheet=_streamed_sheet(_cells(" ", 200_000_000))),
    ),
    "a part that lies about its size": ("lying.xlsx", _lying_zip),
    "entity expansion": (
        "entities.xlsx",
        lambda: make_workbook(
            sheet=f'{LOL}]><worksheet xmlns="{_MAIN}"><sheetData>&i;</sheetData></worksheet>'
        ),
    ),
    "a zip that is not a workbook": ("notes.xlsx", lambda: make_zip({"notes.txt": "hello"})),
    "a document that is not a workbook": (
        "letter.xlsx",
        lambda: make_zip({"[Content_Types].xml": "<Types/>", "word/document.xml": "<document/>"}),
    ),
    "not a zip at all": ("text.xlsx", lambda: b"community,name\n" * 10),
    "a file over the size limit": (
        "big.csv",
        lambda: b"community,name,address\n" + b" " * 11 * 2**20,
    ),
    "ninety thousand empty rows": (
        "some-empty-rows.xlsx",
        lambda: make_workbook(sheet=_streamed_sheet(_empty_rows(3, 90_003))),
    ),
    "a CSV of ninety thousand empty lines": (
        "some-empty-lines.csv",
        lambda: "community,name,address\n东区,张伟,幸福路 1 号\n".encode() + b",,\n" * 90_000,
    ),
    "a CSV of nine million empty lines": (
        "empty-lines.csv",
        lambda: "community,name,address\n东区,张伟,幸福路 1 号\n".encode() + b"\n" * 9_000_000,
    ),
}


def make_rule(
    *,
    programme: Programme,
    code: str = "",
    kind: str = "fixed",
    config: dict[str, Any] | None = None,
    **fields: Any,
) -> "Rule":
    """An earning rule (version 1); fixed 10 points unless told otherwise."""
    from jifen.earning.services import create_rule

    n = next(_counter)
    return create_rule(
        programme=programme,
        code=code or f"rule-{n}",
        kind=kind,
        config=config if config is not None else {"points": 10},
        actor=None,
        name=fields.pop("name", f"Rule {n}"),
        **fields,
    )


def make_activity(
    *,
    rule: "Rule",
    community: Community | None = None,
    starts_at: datetime | None = None,
    hours: float = 2,
    **fields: Any,
) -> "Activity":
    """An open activity under `rule`, starting now (for the clock in force) unless told."""
    from jifen.earning.models import Activity
    from jifen.earning.services import save_activity
    from jifen.lib import clock

    start = starts_at or clock.now()
    activity = Activity(
        programme=rule.programme,
        title=fields.pop("title", f"Activity {next(_counter)}"),
        community=community,
        starts_at=start,
        ends_at=start + timedelta(hours=hours),
        rule=rule,
        **fields,
    )
    return save_activity(activity=activity, actor=None)


# Reading a PDF back, in pure Python: the text ReportLab drew (the member cards, statements).

_PDF_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}
PDF_ENCODINGS = {b"Helvetica": "cp1252", b"STSong-Light": "utf-16-be"}  # CID text is UCS-2


def pdf_streams(pdf: bytes) -> list[bytes]:
    """Every content stream, decoded (ReportLab writes them Flate- then ASCII85-encoded)."""
    return [
        zlib.decompress(base64.a85decode(raw.strip(), adobe=True))
        for raw in re.findall(rb"stream\r?\n(.*?)endstream", pdf, re.S)
    ]


def _pdf_unescape(literal: bytes) -> bytes:
    def one(match: re.Match[bytes]) -> bytes:
        code = match[1]
        return bytes([int(code, 8)]) if code[:1].isdigit() else _PDF_ESCAPES.get(code, code)

    return re.sub(rb"\\([0-7]{1,3}|.)", one, literal, flags=re.S)


def pdf_text(pdf: bytes) -> str:
    """The text drawn in the PDF, in drawing order, each string decoded for its font."""
    fonts = {
        name: PDF_ENCODINGS[base]
        for base, name in re.findall(rb"/BaseFont /([\w-]+) .*?/Name /(F\d+)", pdf, re.S)
    }
    text, encoding = [], "cp1252"
    for stream in pdf_streams(pdf):
        for font, literal in re.findall(
            rb"/(F\d+) [\d.]+ Tf|\(((?:\\.|[^\\)])*)\) Tj", stream, re.S
        ):
            if font:
                encoding = fonts[font]
            else:
                text.append(_pdf_unescape(literal).decode(encoding))
    return "".join(text)
