from datetime import UTC, datetime, timedelta, timezone

import pytest

from jifen.transparency.canonical import CanonicalTransaction, canonical_bytes


def make(**changes):
    base = dict(
        programme="xingfuli",
        id="t1",
        kind="award",
        at=datetime(2026, 11, 22, 9, 30, tzinfo=UTC),
        postings=[("acc-b", "points", 5), ("acc-a", "points", -5)],
        reason="巡逻",
    )
    return CanonicalTransaction(**{**base, **changes})


def test_the_bytes_are_the_same_whatever_the_posting_order_or_timezone():
    shanghai = timezone(timedelta(hours=8))
    other = make(
        postings=[("acc-a", "points", -5), ("acc-b", "points", 5)],
        at=datetime(2026, 11, 22, 17, 30, tzinfo=shanghai),
    )
    assert canonical_bytes(make()) == canonical_bytes(other)


def test_the_format_is_exactly_the_documented_one():
    assert (
        canonical_bytes(make(member="0123456789abcdef"))
        == (
            '{"actor":"","at":"2026-11-22T09:30:00.000000Z","id":"t1","kind":"award",'
            '"member":"0123456789abcdef",'
            '"postings":[["acc-a","points",-5],["acc-b","points",5]],"programme":"xingfuli",'
            '"reason":"巡逻","reference":"","reverses":"","v":2}'
        ).encode()
    )


def test_format_1_is_exactly_as_it_was_without_the_member():
    assert (
        canonical_bytes(make(version=1))
        == (
            '{"actor":"","at":"2026-11-22T09:30:00.000000Z","id":"t1","kind":"award",'
            '"postings":[["acc-a","points",-5],["acc-b","points",5]],"programme":"xingfuli",'
            '"reason":"巡逻","reference":"","reverses":"","v":1}'
        ).encode()
    )


def test_the_member_changes_the_bytes():
    assert canonical_bytes(make(member="a")) != canonical_bytes(make(member="b"))
    assert canonical_bytes(make(member="")) != canonical_bytes(make(version=1))


def test_format_1_cannot_name_a_member_and_unknown_formats_are_refused():
    with pytest.raises(ValueError, match="version 1"):
        canonical_bytes(make(version=1, member="a"))
    with pytest.raises(ValueError, match="version 3"):
        canonical_bytes(make(version=3))


def test_every_amount_changes_the_bytes():
    assert canonical_bytes(make()) != canonical_bytes(
        make(postings=[("acc-b", "points", 6), ("acc-a", "points", -6)])
    )
