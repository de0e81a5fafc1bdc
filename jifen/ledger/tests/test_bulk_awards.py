"""Bulk awards write with a few set-based statements (arrays on PostgreSQL, JSON on SQLite):
every row must still land on the right member, wallet, balance and lot."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext

from jifen.idempotency.services import IdempotencyConflict
from jifen.ledger.models import Account, AccountKind, Counter, Lot, Posting, Transaction
from jifen.ledger.queries import summary_of
from jifen.ledger.services import award_points, bulk_award
from jifen.ledger.tests.helpers import ledger_state
from jifen.lib import clock
from jifen.lib.bulk_sql import array_literal
from jifen.lib.ids import _ALPHABET, new_public_ids
from jifen.programmes.errors import InactiveMember
from jifen.programmes.models import Member, MemberStatus, ProgrammeWalletLevel
from jifen.testing import make_household, make_member
from jifen.transparency.models import LogQueue


def books_are_right() -> None:
    for total in Posting.objects.values("transaction").annotate(t=Sum("amount")):
        assert total["t"] == 0
    for account in Account.objects.filter(kind__in=[AccountKind.MEMBER, AccountKind.HOUSEHOLD]):
        postings = account.postings.order_by("id")
        assert account.balance == sum(p.amount for p in postings)
        running = 0
        for posting in postings:
            running += posting.amount
            assert posting.balance_after == running
        lots = Lot.objects.filter(account=account).aggregate(t=Sum("remaining"))["t"] or 0
        assert lots == account.balance


def test_it_maps_each_transaction_to_its_member_when_members_come_out_of_id_order(community):
    people = [make_member(community=community) for _ in range(6)]
    shuffled = [people[i] for i in (4, 0, 5, 2, 1, 3)]
    award_points(member=people[2], amount=7, reason="before")
    results = bulk_award(
        programme=community.programme,
        reason="清洁",
        awards=[(m, 10 + i) for i, m in enumerate(shuffled)],
    )
    for i, (m, r) in enumerate(zip(shuffled, results, strict=True)):
        saved = Transaction.objects.get(pk=r.transaction.pk)
        assert (saved.member_id, saved.public_id) == (m.pk, r.transaction.public_id)
        assert r.transaction.member == m
        assert saved.postings.get(amount__gt=0).account == Account.objects.get(member=m)
        assert r.awarded == 10 + i
        assert r.balance == summary_of(m).balance == 10 + i + (7 if m == people[2] else 0)
    ids = [r.transaction.pk for r in results]
    assert ids == sorted(ids)  # transactions are written in the order of the awards
    assert LogQueue.objects.filter(transaction_id__in=ids).count() == 6
    books_are_right()


def test_it_opens_the_wallets_that_are_missing_and_credits_the_others(community):
    old, new = make_member(community=community), make_member(community=community)
    award_points(member=old, amount=3, reason="before")
    results = bulk_award(programme=community.programme, reason="x", awards=[(new, 4), (old, 5)])
    assert [(r.awarded, r.balance) for r in results] == [(4, 4), (5, 8)]
    assert Account.objects.filter(kind=AccountKind.MEMBER).count() == 2
    assert summary_of(new).lifetime_earned == 4 and summary_of(old).lifetime_earned == 8
    books_are_right()


def test_it_credits_a_shared_household_wallet_once_per_member_in_turn(programme, community):
    programme.wallet_level = ProgrammeWalletLevel.HOUSEHOLD
    programme.save()
    home = make_household(community=community)
    a, b = (make_member(community=community, household=home) for _ in range(2))
    alone = make_member(community=community)
    award_points(member=b, amount=2, reason="before")
    results = bulk_award(programme=programme, reason="x", awards=[(a, 5), (alone, 1), (b, 3)])
    assert [r.balance for r in results] == [7, 1, 10]
    assert Account.objects.get(kind=AccountKind.HOUSEHOLD).balance == 10
    assert [summary_of(m).lifetime_earned for m in (a, b, alone)] == [5, 5, 1]
    books_are_right()


def test_a_cap_truncates_some_members_inside_a_bulk_award(member, neighbour, policy):
    policy.caps = [{"scope": "member", "period": "day", "limit": 8}]
    policy.save()
    award_points(member=member, amount=6, reason="before")
    results = bulk_award(
        programme=member.programme, reason="x", awards=[(member, 5), (neighbour, 5)]
    )
    assert [(r.awarded, r.truncated_by) for r in results] == [(2, "cap_reached"), (5, None)]
    assert sorted(Counter.objects.values_list("used", flat=True)) == [5, 8]
    assert [summary_of(m).balance for m in (member, neighbour)] == [8, 5]
    books_are_right()


def test_a_member_capped_to_nothing_gets_no_transaction(member, neighbour, policy):
    policy.caps = [{"scope": "member", "period": "day", "limit": 4}]
    policy.when_capped = "refuse"
    policy.save()
    results = bulk_award(
        programme=member.programme, reason="x", awards=[(member, 5), (neighbour, 3)]
    )
    assert [(r.awarded, r.truncated_by) for r in results] == [(0, "cap_reached"), (3, None)]
    assert results[0].transaction is None and results[0].balance == 0
    assert Transaction.objects.count() == 1
    books_are_right()


def test_a_replay_with_the_same_key_writes_nothing_and_returns_the_same_transactions(
    member, neighbour
):
    key = 'close,"7"{a}\\b NULL'  # every character an array literal has to quote
    first = bulk_award(
        programme=member.programme,
        reason="x",
        idempotency_key=key,
        awards=[(neighbour, 2), (member, 3)],
    )
    assert sorted(map(str, Transaction.objects.values_list("idempotency_key", flat=True))) == [
        f"{key}#0",
        f"{key}#1",
    ]
    before = ledger_state()
    again = bulk_award(
        programme=member.programme,
        reason="x",
        idempotency_key=key,
        awards=[(neighbour, 2), (member, 3)],
    )
    assert [r.transaction.pk for r in again] == [r.transaction.pk for r in first]
    assert [(r.awarded, r.balance) for r in again] == [(2, 2), (3, 3)]
    assert ledger_state() == before
    with pytest.raises(IdempotencyConflict):
        bulk_award(
            programme=member.programme,
            reason="x",
            idempotency_key=key,
            awards=[(neighbour, 2), (member, 4)],
        )


def test_an_inactive_member_anywhere_in_the_list_changes_nothing(community, member):
    others = [make_member(community=community) for _ in range(3)]
    others[2].status = MemberStatus.LEFT
    before = ledger_state()
    with pytest.raises(InactiveMember):
        bulk_award(
            programme=member.programme,
            reason="x",
            awards=[(member, 1), *((m, 1) for m in others)],
        )
    assert ledger_state() == before


def test_public_ids_use_the_whole_alphabet_and_nothing_else():
    ids = new_public_ids(2000)
    assert len(set(ids)) == 2000 and {len(i) for i in ids} == {16}
    assert set("".join(ids)) == set(_ALPHABET)


def test_array_literals_quote_what_postgresql_would_misread():
    assert array_literal([1, None, -3]) == "{1,NULL,-3}"
    assert array_literal(['a,"b"', "NULL", "c\\"]) == '{"a,\\"b\\"","NULL","c\\\\"}'
    with pytest.raises(TypeError):
        array_literal([True])


def test_an_empty_list_awards_nobody(programme):
    assert bulk_award(programme=programme, reason="x", awards=[]) == []
    assert Transaction.objects.count() == 0


@pytest.fixture
def household_of_three(community):
    home = make_household(community=community)
    return [make_member(community=community, household=home) for _ in range(3)]


def test_members_of_one_household_share_its_cap_in_the_order_listed(
    household_of_three, neighbour, policy
):
    policy.caps = [{"scope": "household", "period": "day", "limit": 8}]
    policy.save()
    a, b, c = household_of_three
    results = bulk_award(
        programme=a.programme, reason="x", awards=[(a, 5), (neighbour, 5), (b, 5), (c, 5)]
    )
    assert [(r.awarded, r.truncated_by) for r in results] == [
        (5, None),
        (5, None),
        (3, "cap_reached"),
        (0, "cap_reached"),
    ]
    assert list(Counter.objects.values_list("scope", "used")) == [
        (f"household:{a.household_id}:award", 8)  # the neighbour has no household
    ]
    assert results[3].transaction is None
    books_are_right()


def test_a_member_refused_by_a_shared_cap_leaves_the_rest_to_the_next(household_of_three, policy):
    policy.caps = [{"scope": "household", "period": "day", "limit": 8}]
    policy.when_capped = "refuse"
    policy.save()
    a, b, c = household_of_three
    results = bulk_award(programme=a.programme, reason="x", awards=[(a, 5), (b, 5), (c, 3)])
    assert [(r.awarded, r.truncated_by) for r in results] == [
        (5, None),
        (0, "cap_reached"),
        (3, None),
    ]
    assert Counter.objects.get().used == 8
    assert Transaction.objects.count() == 2


def test_a_community_quota_is_shared_by_its_members_in_one_bulk_award(
    community, other_community, policy
):
    policy.quotas_enabled = True
    policy.save()  # 2,500 people: 250 a month
    here = [make_member(community=community) for _ in range(3)]
    there = make_member(community=other_community)
    results = bulk_award(
        programme=community.programme,
        reason="x",
        awards=[(here[0], 100), (there, 100), (here[1], 100), (here[2], 100)],
    )
    assert [(r.awarded, r.truncated_by) for r in results] == [
        (100, None),
        (100, None),
        (100, None),
        (50, "quota_exhausted"),
    ]
    assert dict(Counter.objects.values_list("scope", "used")) == {
        f"community:{community.pk}:quota": 250,
        f"community:{other_community.pk}:quota": 100,
    }
    books_are_right()


def test_a_cap_lowered_mid_period_applies_inside_a_bulk_award(member, neighbour, policy):
    policy.caps = [{"scope": "member", "period": "day", "limit": 10}]
    policy.save()
    award_points(member=member, amount=8, reason="before")
    policy.caps = [{"scope": "member", "period": "day", "limit": 6}]
    policy.save()
    results = bulk_award(
        programme=member.programme, reason="x", awards=[(member, 3), (neighbour, 9)]
    )
    assert [(r.awarded, r.truncated_by) for r in results] == [
        (0, "cap_reached"),
        (6, "cap_reached"),
    ]
    assert sorted(Counter.objects.values_list("used", "ceiling")) == [(6, 6), (8, 10)]


def test_a_capped_bulk_award_reads_the_same_few_rows_for_any_number_of_members(community, policy):
    policy.caps = [{"scope": "member", "period": "day", "limit": 50}]
    policy.quotas_enabled = True
    policy.save()
    award_points(member=make_member(community=community), amount=1, reason="opens the books")
    queries = []
    for size in (2, 6):
        made = [make_member(community=community) for _ in range(size)]
        fresh = list(Member.objects.filter(pk__in=[m.pk for m in made]))  # nothing cached
        with CaptureQueriesContext(connection) as captured:
            bulk_award(programme=community.programme, reason="x", awards=[(m, 5) for m in fresh])
        queries.append(len(captured))
    assert queries[0] == queries[1], queries


def test_bulk_awards_are_dated_and_expire_as_single_awards_do(member, neighbour):
    """Written by raw statements, their times must compare with the ORM's: 10:00 in Shanghai
    is before 07:00 UTC the same day (on SQLite, text with an offset would sort after)."""
    shanghai = ZoneInfo("Asia/Shanghai")
    with clock.at(datetime(2026, 8, 30, 10, tzinfo=shanghai)):
        bulk_award(programme=member.programme, awards=[(member, 5)], reason="巡逻")
    with clock.at(datetime(2026, 8, 30, 7, tzinfo=UTC)):
        award_points(member=neighbour, amount=5, reason="清洁")
    before_noon_utc = Transaction.objects.filter(
        created_at__lt=datetime(2026, 8, 30, 5, tzinfo=UTC)
    )
    assert [tx.member for tx in before_noon_utc] == [member]
    new_year = datetime(2027, 1, 1, tzinfo=shanghai)  # both expire then, end of the natural year
    assert Lot.objects.filter(expires_at=new_year).count() == 2
    assert Lot.objects.filter(expires_at__lt=new_year).count() == 0
