"""The demo database as `make run` builds it: `jifen verify` passes, and any single row of a
transaction, a posting or a signed head changed, deleted or added behind the application's
back (its guards lifted first, as by someone with SQL access) makes it fail, saying where."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from jifen.ledger.models import Posting, Transaction
from jifen.programmes import demo
from jifen.transparency.models import LogLeaf, TreeHead
from jifen.transparency.verify import verify_programme


@pytest.fixture
def programme(db):
    built = demo.build_demo(password="demo pass for tests")
    return built.programme


def tamper(statement: str, params=()) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")  # triggers and keys off
        else:
            cursor.execute("PRAGMA defer_foreign_keys = ON")  # checked at a commit never made
            for table in (
                "ledger_transaction",
                "ledger_posting",
                "transparency_logleaf",
                "transparency_treehead",
            ):
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
        cursor.execute(statement, params)


def failure(programme) -> str:
    with pytest.raises(CommandError) as info:
        call_command("verify", programme=programme.slug)
    return str(info.value)


def leaf_of(tx: Transaction) -> int:
    return LogLeaf.objects.get(transaction=tx).index


def a_settled_award(programme) -> Transaction:
    awards = Transaction.objects.filter(programme=programme, kind="award", reversal__isnull=True)
    return awards.order_by("id")[7]


def test_verify_passes_on_the_demo(programme, capsys):
    call_command("verify", programme=programme.slug)
    assert "OK" in capsys.readouterr().out
    report = verify_programme(programme)
    assert report.leaves == Transaction.objects.filter(programme=programme).count() > 1000


def test_a_changed_transaction_is_named(programme):
    tx = a_settled_award(programme)
    tamper("UPDATE ledger_transaction SET reason = 'nothing' WHERE id = %s", [tx.pk])
    assert f"leaf {leaf_of(tx)}: the transaction or its postings differ" in failure(programme)


def test_a_deleted_transaction_is_named(programme):
    """Its postings, lots and leaf go too, as a thorough tamperer would take them."""
    tx = a_settled_award(programme)
    index = leaf_of(tx)
    postings = "SELECT id FROM ledger_posting WHERE transaction_id = %s"
    tamper(f"DELETE FROM ledger_lot WHERE posting_id IN ({postings})", [tx.pk])
    tamper("DELETE FROM ledger_posting WHERE transaction_id = %s", [tx.pk])
    tamper("DELETE FROM transparency_logleaf WHERE transaction_id = %s", [tx.pk])
    tamper("DELETE FROM ledger_transaction WHERE id = %s", [tx.pk])
    assert f"leaf {index} is missing from the log" in failure(programme)


def test_an_added_transaction_is_named(programme):
    forged = Transaction.objects.create(programme=programme, kind="award", reason="forged")
    tamper("DELETE FROM transparency_logqueue WHERE transaction_id = %s", [forged.pk])
    assert f"transaction {forged.public_id} is neither in the log nor queued" in failure(programme)


def test_a_changed_posting_is_named(programme):
    posting = Posting.objects.filter(transaction=a_settled_award(programme), amount__gt=0).get()
    tamper("UPDATE ledger_posting SET amount = amount + 1 WHERE id = %s", [posting.pk])
    assert f"leaf {leaf_of(posting.transaction)}:" in failure(programme)


def test_a_deleted_posting_is_named(programme):
    posting = Posting.objects.filter(transaction=a_settled_award(programme), amount__lt=0).get()
    tamper("DELETE FROM ledger_posting WHERE id = %s", [posting.pk])
    assert f"leaf {leaf_of(posting.transaction)}:" in failure(programme)


def test_an_added_posting_is_named(programme):
    posting = Posting.objects.filter(transaction=a_settled_award(programme), amount__gt=0).get()
    tamper(
        "INSERT INTO ledger_posting (transaction_id, account_id, asset, amount, balance_after)"
        " VALUES (%s, %s, 'points', 1, NULL)",
        [posting.transaction_id, posting.account_id],
    )
    assert f"leaf {leaf_of(posting.transaction)}:" in failure(programme)


def test_a_changed_signed_head_is_named(programme):
    head = TreeHead.objects.filter(programme=programme).order_by("-serial").first()
    tamper("UPDATE transparency_treehead SET size = size - 1 WHERE id = %s", [head.pk])
    assert f"signed head {head.serial} (size {head.size - 1}): the signature" in failure(programme)


def test_a_deleted_signed_head_is_named(programme):
    head = TreeHead.objects.filter(programme=programme).order_by("-serial").first()
    tamper("DELETE FROM transparency_treehead WHERE id = %s", [head.pk])
    assert f"signed head {head.serial} is missing" in failure(programme)


def test_an_added_signed_head_is_named(programme):
    head = TreeHead.objects.filter(programme=programme).order_by("-serial").first()
    tamper(
        "INSERT INTO transparency_treehead (programme_id, serial, size, root_hash,"
        " timestamp_ms, signature, key_id) VALUES (%s, %s, %s, %s, %s, %s, %s)",
        [
            programme.pk,
            head.serial + 1,
            head.size,
            bytes(head.root_hash),
            head.timestamp_ms + 1,
            bytes(64),
            head.key_id,
        ],
    )
    assert f"signed head {head.serial + 1} (size {head.size}): the signature" in failure(programme)
