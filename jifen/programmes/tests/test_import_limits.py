"""The import's limits: crafted files are refused with the message that says why, in bounded
memory (tracemalloc's peak while reading: Python's own allocations, as openpyxl's are), and
cells the database could not store are refused by row and column. The peak memory of each file
in a process of its own is in bench/import_crafted.py."""

import tracemalloc

import pytest
from django.utils import translation

from jifen.lib import xlsx_guard
from jifen.programmes.access import operator_scope
from jifen.programmes.import_parse import FILE_TOO_LARGE, MAX_CELL_CHARS, UNSTORABLE_CELL
from jifen.programmes.import_write import ImportRefused
from jifen.programmes.models import Member
from jifen.programmes.tests.test_import_residents import GOOD, HEADER, as_csv, changed, refused, run
from jifen.testing import CRAFTED_FILES, make_workbook

PEAK_LIMIT = 40 * 1024 * 1024
SHEET = "xl/worksheets/sheet1.xml"
# Each file's message and its placeholders, put together in the test's language.
REFUSALS = {
    "a value in the sheet's last row": (xlsx_guard.TOO_MANY_ROWS, {"max": 100_000}),
    "a million empty rows": (xlsx_guard.TOO_MANY_ROWS, {"max": 100_000}),
    "a million empty cells in a row": (xlsx_guard.OVERSIZED_PART, {"part": SHEET}),
    "half a million shared strings": (xlsx_guard.TOO_MANY_STRINGS, {"max": 200_000}),
    "a million shared strings": (xlsx_guard.OVERSIZED_PART, {"part": "xl/sharedStrings.xml"}),
    "a shared string of a million characters": (
        xlsx_guard.OVERSIZED_PART,
        {"part": "xl/sharedStrings.xml"},
    ),
    "a hundred thousand styles": (xlsx_guard.OVERSIZED_PART, {"part": "xl/styles.xml"}),
    "a sheet unpacking to 200 MB": (xlsx_guard.TOO_BIG, {"max": 150}),
    "a part that lies about its size": (xlsx_guard.NOT_A_WORKBOOK, {}),
    "entity expansion": (xlsx_guard.OVERSIZED_PART, {"part": SHEET}),
    "a zip that is not a workbook": (xlsx_guard.NOT_A_WORKBOOK, {}),
    "a document that is not a workbook": (xlsx_guard.NOT_A_WORKBOOK, {}),
    "not a zip at all": (xlsx_guard.NOT_A_WORKBOOK, {}),
    "a file over the size limit": (FILE_TOO_LARGE, {"max": 10}),
    "a CSV of nine million empty lines": (xlsx_guard.TOO_MANY_ROWS, {"max": 100_000}),
}
READ = [
    "a huge declared dimension",
    "ninety thousand empty rows",
    "a CSV of ninety thousand empty lines",
]


@pytest.fixture
def scope(programme, community, other_community):
    return operator_scope(programme)


def test_every_crafted_file_has_an_expected_outcome():
    assert set(REFUSALS) | set(READ) == set(CRAFTED_FILES)


def peak_of(action):
    """What `action` returns or raises, and the peak of the memory it allocated."""
    tracemalloc.start()
    try:
        return action(), tracemalloc.get_traced_memory()[1]
    except ImportRefused as refusal:
        return refusal, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("name", sorted(REFUSALS))
def test_a_crafted_file_is_refused_with_its_reason_in_bounded_memory(scope, name):
    filename, build = CRAFTED_FILES[name]
    data = build()
    message, params = REFUSALS[name]
    with translation.override("en"):
        outcome, peak = peak_of(lambda: run(scope, data, filename))
        assert isinstance(outcome, ImportRefused)
        assert [(e.row, e.column, e.message) for e in outcome.errors] == [(1, "", message % params)]
    assert peak < PEAK_LIMIT
    assert Member.objects.count() == 0


@pytest.mark.parametrize("name", READ)
def test_a_file_declaring_more_than_it_holds_imports_what_it_holds(scope, name):
    filename, build = CRAFTED_FILES[name]
    data = build()
    result, peak = peak_of(lambda: run(scope, data, filename))
    assert result.created == 1 and Member.objects.get().display_name == "张伟"
    assert peak < PEAK_LIMIT


def test_a_value_below_row_50001_is_refused(scope):
    rows = [changed(GOOD[0], name=f"居民{n}", phone="") for n in range(50_001)]
    with translation.override("en"), pytest.raises(ImportRefused) as info:
        run(scope, as_csv(rows))
    assert [e.message for e in info.value.errors] == ["At most 50000 rows can be imported at once."]


def test_columns_after_the_fiftieth_are_not_read(scope):
    header = [*HEADER, *[f"extra{n}" for n in range(38)], "address"]
    row = [*GOOD[0], *[""] * 38, "幸福路 1 号"]
    assert len(header) == 51
    run(scope, as_csv([row], header))
    assert Member.objects.get().household.address == ""


@pytest.mark.parametrize(
    ("cell", "column"),
    [("王\x00秀英", "name"), ("\x00", "community"), ("读书\x00", "interests")],
)
def test_a_cell_with_a_nul_character_is_refused_by_row_and_column(scope, cell, column):
    with translation.override("en"):
        found, errors = refused(scope, [GOOD[0], changed(GOOD[1], **{column: cell})])
        assert found == [(3, column)] and errors[0].message == str(UNSTORABLE_CELL)


def test_a_cell_of_200_kb_is_refused_by_row_and_column(scope):
    found, errors = refused(scope, [changed(GOOD[0], interests="书" * 200_000)])
    assert found == [(2, "interests")] and str(MAX_CELL_CHARS) in errors[0].message


def test_a_long_cell_is_not_repeated_in_its_message(scope):
    found, errors = refused(scope, [changed(GOOD[0], status="x" * 5_000)])
    assert found == [(2, "status")] and len(errors[0].message) < 100


def test_a_long_cell_in_a_workbook_is_refused_by_row_and_column(scope):
    rows = (
        '<row r="1"><c r="A1" t="inlineStr"><is><t>community</t></is></c>'
        '<c r="B1" t="inlineStr"><is><t>name</t></is></c></row>'
        '<row r="2"><c r="A2" t="inlineStr"><is><t>东区</t></is></c>'
        f'<c r="B2" t="inlineStr"><is><t>{"名" * 2_000}</t></is></c></row>'
    )
    with pytest.raises(ImportRefused) as info:
        run(scope, make_workbook(rows), "residents.xlsx")
    assert [(e.row, e.column) for e in info.value.errors] == [(2, "address"), (2, "name")]
