"""The leaf bytes that sealing, `jifen verify` and the export write straight as text must be
exactly `canonical_bytes` (the format's definition), for any text a reason or a reference may
hold, any time, any postings in any order, with or without a member — read back from either
database, in format 2 and, for leaves sealed before it, format 1."""

import dataclasses
from datetime import UTC

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jifen.ledger.accounts import system_account, wallet_of
from jifen.ledger.models import AccountKind, Posting, Transaction
from jifen.testing import make_user
from jifen.transparency.canonical import CanonicalTransaction, canonical_bytes
from jifen.transparency.leaves import (
    actor_pseudonym,
    canonical_leaves,
    canonical_rows,
    member_pseudonym,
)

# Every character a database text column holds: controls, quotes, backslashes, U+2028, emoji…
TEXT = st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"))


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    reason=TEXT.map(lambda s: s[:200]),
    reference=TEXT.map(lambda s: s[:100]),
    at=st.datetimes(timezones=st.just(UTC)).filter(lambda d: 1900 < d.year < 9999),
    amounts=st.lists(st.integers(-(10**12), 10**12).filter(bool), max_size=5),
    with_actor=st.booleans(),
    reversal=st.booleans(),
    about=st.sampled_from(["member", "neighbour", None]),
)
def test_the_leaf_is_the_canonical_document(
    member, neighbour, reason, reference, at, amounts, with_actor, reversal, about
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
    actor = make_user() if with_actor else None
    subject = {"member": member, "neighbour": neighbour, None: None}[about]
    tx = Transaction.objects.create(
        programme=programme,
        kind="reverse" if reversal else "adjust",
        reason=reason,
        reference=reference,
        created_at=at,
        actor=actor,
        reverses=reversed_tx,
        member=subject,
    )
    legs = [
        (accounts[i % len(accounts)], "minutes" if i % 2 else "points", amount)
        for i, amount in enumerate(amounts)
    ]
    Posting.objects.bulk_create(
        Posting(transaction=tx, account=account, asset=asset, amount=amount)
        for account, asset, amount in legs
    )
    document = CanonicalTransaction(
        programme=programme.slug,
        id=tx.public_id,
        kind=tx.kind,
        at=at,
        reference=reference,
        reason=reason,
        actor=actor_pseudonym(programme.slug, actor.pk if actor else None),
        reverses=reversed_tx.public_id if reversed_tx else "",
        postings=[(account.public_id, asset, amount) for account, asset, amount in legs],
        member=member_pseudonym(programme.slug, subject.pk if subject else None),
    )
    assert canonical_leaves(programme.slug, [tx.pk]) == {tx.pk: canonical_bytes(document)}
    format_1 = canonical_bytes(dataclasses.replace(document, member="", version=1))
    assert as_format_1(programme.slug, tx.pk) == format_1


def as_format_1(slug: str, transaction_id: int) -> bytes:
    """The bytes a leaf sealed before format 2 reads back as (its index is below v2_from)."""
    source = "SELECT 0, id FROM ledger_transaction WHERE id = %s"
    (leaf,) = canonical_rows(slug, source, [transaction_id], v1_below=1)
    assert leaf.data is not None
    return leaf.data


def test_a_missing_transaction_is_left_out(member):
    assert canonical_leaves(member.programme.slug, [10**12]) == {}
