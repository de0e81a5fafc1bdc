"""A wallet's statement: newest date first whatever order the entries were written in,
ties in a stable order, paged by keyset without losing or repeating an entry."""

import random
from datetime import UTC, datetime, timedelta

from jifen.ledger.queries import statement
from jifen.ledger.services import award_points
from jifen.lib import clock

JUNE = datetime(2026, 6, 4, 10, tzinfo=UTC)


def _award_at(member, at, reason):
    with clock.at(at):
        return award_points(member=member, amount=1, reason=reason).transaction


def test_entries_written_late_are_shown_at_their_date(member):
    _award_at(member, JUNE + timedelta(days=180), "December")
    _award_at(member, JUNE + timedelta(days=130), "October")
    _award_at(member, JUNE, "June")  # written last, dated first
    assert [p.transaction.reason for p in statement(member)] == ["December", "October", "June"]


def test_entries_of_the_same_moment_keep_the_order_they_were_written_in(member):
    first, second = _award_at(member, JUNE, "a"), _award_at(member, JUNE, "b")
    assert [p.transaction for p in statement(member)] == [second, first]


def test_paging_by_the_last_entry_misses_and_repeats_nothing(member):
    rng = random.Random(3)
    for i in range(40):  # some dates shared by several entries, written in no order
        _award_at(member, JUNE + timedelta(days=rng.randrange(10)), f"r{i}")
    everything = statement(member, limit=100)
    pages, before = [], None
    while page := statement(member, before=before, limit=7):
        pages += page
        before = page[-1].pk
    assert pages == everything and len(everything) == 40
    dates = [p.transaction.created_at for p in everything]
    assert dates == sorted(dates, reverse=True)


def test_another_wallets_entry_as_the_cursor_gives_an_empty_page(member, neighbour):
    _award_at(member, JUNE, "mine")
    other = _award_at(neighbour, JUNE, "theirs")
    assert statement(member, before=other.postings.get(amount__gt=0).pk) == []
