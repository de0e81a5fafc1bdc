"""The one check of what the database can store: text without NUL or lone surrogates, integers
of a 64-bit column, and every string and number of a JSON document."""

import math

import pytest

from jifen.lib.storable import (
    BIGINT_MAX,
    BIGINT_MIN,
    NumberOutOfRange,
    UnstorableText,
    check_integer,
    check_json,
    check_text,
    is_storable,
    parse_int,
)


@pytest.mark.parametrize("text", ["", "王秀英", "emoji 😀", "tab\tand\nnewline", "\ufffd"])
def test_ordinary_text_is_storable(text):
    assert is_storable(text) and check_text(text) == text


@pytest.mark.parametrize("text", ["\x00", "a\x00b", "\ud800", "x\udfffy", "😀\ud83d"])
def test_nul_and_lone_surrogates_are_not(text):
    assert not is_storable(text)
    with pytest.raises(UnstorableText):
        check_text(text)


def test_the_ends_of_a_bigint_column_are_storable_and_one_beyond_is_not():
    assert check_integer(BIGINT_MIN) == -(2**63) and check_integer(BIGINT_MAX) == 2**63 - 1
    for number in (BIGINT_MIN - 1, BIGINT_MAX + 1, 10**100):
        with pytest.raises(NumberOutOfRange):
            check_integer(number)


@pytest.mark.parametrize(
    "document",
    [
        {"reason": "\x00"},
        {"\x00": "key"},
        {"awards": [["M1", 5], ["\ud800", 5]]},
        {"a": {"b": {"c": [2**63]}}},
        [-(2**63) - 1],
        {"amount": math.nan},
        {"amount": math.inf},
    ],
)
def test_a_json_document_is_refused_for_anything_unstorable_at_any_depth(document):
    with pytest.raises((UnstorableText, NumberOutOfRange)):
        check_json(document)


def test_a_deeply_nested_document_is_walked_without_recursion():
    document: list = ["\x00"]
    for _ in range(100_000):
        document = [document]
    with pytest.raises(UnstorableText):
        check_json(document)


def test_a_document_of_ordinary_values_passes():
    check_json({"member": "M1", "amount": 2**63 - 1, "ok": True, "n": None, "f": 1.5, "l": []})


@pytest.mark.parametrize(
    ("text", "number"),
    [("42", 42), ("-7", -7), ("9223372036854775807", 2**63 - 1), ("0", 0)],
)
def test_parse_int_reads_plain_digits(text, number):
    assert parse_int(text) == number


@pytest.mark.parametrize(
    "text",
    [None, "", "-", "²", "٣", "1e3", "1.0", " 1", "+1", "9223372036854775808", "9" * 5000, "0x1"],
)
def test_parse_int_reads_anything_else_as_none(text):
    assert parse_int(text) is None


def test_parse_int_keeps_to_the_bounds_it_is_given():
    assert parse_int("0", minimum=1) is None and parse_int("5", maximum=4) is None
