"""On PostgreSQL, sealing and `jifen verify` hash leaves in SQL; the offline verifier and
SQLite build the same canonical bytes in Python. Both must give the same bytes for any text a
reason or a reference may hold, any time, any postings in any order."""

from datetime import UTC

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jifen.ledger import merkle
from jifen.ledger.accounts import system_account, wallet_of
from jifen.ledger.models import AccountKind, Posting, Transaction
from jifen.testing import make_user
from jifen.transparency.leaves import canonical_leaves, hashed_leaves_sql

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="leaves are hashed in SQL on PostgreSQL only"
)

HASH_ONE = hashed_leaves_sql("SELECT %(id)s::bigint AS transaction_id") + (
    " SELECT leaf_hash FROM hashed"
)

# Every character PostgreSQL text can hold: controls, quotes, backslashes, U+2028, emoji…
TEXT = st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"))


def sql_leaf_hash(programme, transaction_id: int) -> bytes:
    with connection.cursor() as cursor:
        cursor.execute(HASH_ONE, {"id": transaction_id, "slug": programme.slug})
        return bytes(cursor.fetchone()[0])


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    reason=TEXT.map(lambda s: s[:200]),
    reference=TEXT.map(lambda s: s[:100]),
    at=st.datetimes(timezones=st.just(UTC)).filter(lambda d: 1900 < d.year < 9999),
    amounts=st.lists(st.integers(-(10**12), 10**12).filter(bool), min_size=0, max_size=5),
    with_actor=st.booleans(),
    reversal=st.booleans(),
)
def test_sql_and_python_build_the_same_leaf(
    member, neighbour, reason, reference, at, amounts, with_actor, reversal
):
    programme = member.programme
    accounts = [
        wallet_of(member),
        wallet_of(neighbour),
        system_account(member.community, AccountKind.ISSUANCE),
    ]
    reversed_tx = (
        Transaction.objects.create(programme=programme, kind="award") if reversal else None
    )
    tx = Transaction.objects.create(
        programme=programme,
        kind="reverse" if reversal else "adjust",
        reason=reason,
        reference=reference,
        created_at=at,
        actor=make_user() if with_actor else None,
        reverses=reversed_tx,
    )
    Posting.objects.bulk_create(
        Posting(
            transaction=tx,
            account=accounts[i % len(accounts)],
            asset="minutes" if i % 2 else "points",
            amount=amount,
        )
        for i, amount in enumerate(amounts)
    )
    python = merkle.leaf_hash(canonical_leaves(programme.slug, [tx.pk])[tx.pk])
    assert sql_leaf_hash(programme, tx.pk) == python


def test_a_missing_transaction_has_no_hash(member):
    with connection.cursor() as cursor:
        cursor.execute(HASH_ONE, {"id": 10**12, "slug": member.programme.slug})
        assert cursor.fetchone() == (None,)
