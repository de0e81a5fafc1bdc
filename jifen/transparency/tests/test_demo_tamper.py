"""The demo database as `make run` builds it: `jifen verify` passes, and any single row of a
transaction, a posting or a signed head changed, deleted or added behind the application's
back (its guards lifted first, as by someone with SQL access) makes it fail, saying where.
And the whole log rebuilt and re-signed: caught by the witness file, or by the configured
public key when the key changed."""

import base64
import json
import shutil

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test import TestCase, override_settings

from jifen.ledger.models import Posting, Transaction
from jifen.programmes import demo
from jifen.transparency import signing
from jifen.transparency.models import LogLeaf, TreeHead
from jifen.transparency.sequencer import seal_all
from jifen.transparency.verify import verify_programme


@pytest.fixture(scope="module")
def _witnessed(django_db_setup, django_db_blocker, tmp_path_factory):
    """One demo for the module, as building it takes a while (six months of history), its
    heads appended to the witness file as the worker does once each sealing commits
    (simulated here: the transaction never commits). Built in a transaction rolled back at
    the end; each test runs in a savepoint within it."""
    witness = tmp_path_factory.mktemp("witness") / "witness.jsonl"
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        with override_settings(LOG_WITNESS_FILE=witness):
            with TestCase.captureOnCommitCallbacks(execute=True):
                built = demo.build_demo(password="demo pass for tests")
    yield built.programme, witness
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)


@pytest.fixture
def programme(_witnessed, db):
    return _witnessed[0]


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
                "transparency_lognode",
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
    """Its postings, lots and leaf go too, and the earning and appeal that name it let go of
    it, as a thorough tamperer would do."""
    tx = a_settled_award(programme)
    index = leaf_of(tx)
    postings = "SELECT id FROM ledger_posting WHERE transaction_id = %s"
    tamper("UPDATE earning_earning SET transaction_id = NULL WHERE transaction_id = %s", [tx.pk])
    tamper("UPDATE earning_appeal SET correction_id = NULL WHERE correction_id = %s", [tx.pk])
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


# The insider of issue 10: database access and the data directory's signing key. They empty
# the log, give a resident 1,000 more points (balances and lots made to match), and seal and
# sign the log again. The log alone cannot tell; heads saved outside the machine can.


@pytest.fixture
def witnessed_demo(_witnessed, db, settings):
    """The demo, with the witness file its heads were appended to."""
    programme, settings.LOG_WITNESS_FILE = _witnessed
    return programme


@pytest.fixture
def saved_witness(witnessed_demo, settings, tmp_path):
    """The operator's regular copy of the witness file, off the machine."""
    saved = tmp_path / "offsite" / "witness.jsonl"
    saved.parent.mkdir()
    shutil.copy(settings.LOG_WITNESS_FILE, saved)
    return saved


@pytest.fixture
def fresh_signing_key():
    signing.signing_key.cache_clear()
    yield
    signing.signing_key.cache_clear()


def rebuild_with_1000_more_points(programme) -> Posting:
    """Empty the log, add 1,000 points to an award (its source pays them, the wallet's
    balance and lot follow, so every sum still adds up), queue every transaction again and
    seal: the sequencer signs with whatever key it finds. Returns the changed posting."""
    credit = Posting.objects.get(transaction=a_settled_award(programme), amount__gt=0)
    debit = Posting.objects.get(transaction=credit.transaction, amount__lt=0)
    for table in ("treehead", "lognode", "logleaf", "logstate", "logqueue"):
        tamper(f"DELETE FROM transparency_{table} WHERE programme_id = %s", [programme.pk])
    for posting, delta in ((credit, 1000), (debit, -1000)):
        tamper("UPDATE ledger_posting SET amount = amount + %s WHERE id = %s", [delta, posting.pk])
        tamper(
            "UPDATE ledger_account SET balance = balance + %s WHERE id = %s AND is_bounded",
            [delta, posting.account_id],
        )
    tamper(
        "UPDATE ledger_lot SET amount = amount + 1000, remaining = remaining + 1000"
        " WHERE posting_id = %s",
        [credit.pk],
    )
    tamper(
        "INSERT INTO transparency_logqueue (programme_id, transaction_id)"
        " SELECT programme_id, id FROM ledger_transaction WHERE programme_id = %s ORDER BY id",
        [programme.pk],
    )
    seal_all()
    return credit


def test_a_log_rebuilt_and_re_signed_with_the_data_directory_key_fails_against_the_witness(
    witnessed_demo, saved_witness, capsys
):
    programme = witnessed_demo
    lines = [json.loads(line) for line in saved_witness.read_text().splitlines()]
    witnessed = [head for head in lines if head["programme"] == programme.slug]
    credit = rebuild_with_1000_more_points(programme)
    assert Posting.objects.get(pk=credit.pk).amount == credit.amount + 1000
    call_command("verify", programme=programme.slug)
    assert f"{programme.slug}: OK" in capsys.readouterr().out  # the log alone is fooled
    with pytest.raises(CommandError) as info:
        call_command("verify", programme=programme.slug, witness=str(saved_witness))
    first = min(witnessed, key=lambda head: head["size"])
    assert str(info.value) == (
        f"{programme.slug}: FAILED: witnessed head {first['serial']} (size {first['size']}): "
        "the log's root at that size is not the witnessed one; the log was changed after the "
        "head was witnessed"
    )


def test_a_log_re_signed_with_a_new_key_fails_when_the_public_key_is_configured(
    witnessed_demo, settings, monkeypatch, fresh_signing_key, capsys
):
    programme = witnessed_demo
    honest = signing.public_key_b64(signing.log_public_key())
    new_key = Ed25519PrivateKey.generate()
    raw = base64.b64encode(new_key.private_bytes_raw()).decode()
    monkeypatch.setenv("JIFEN_LOG_SIGNING_KEY", raw)  # or the key file, replaced
    signing.signing_key.cache_clear()
    rebuild_with_1000_more_points(programme)
    call_command("verify", programme=programme.slug)
    assert f"{programme.slug}: OK" in capsys.readouterr().out  # the new key's heads verify
    settings.LOG_PUBLIC_KEY = honest
    head = TreeHead.objects.get(programme=programme, serial=1)
    honest_id = signing.key_id(signing.load_public_key(honest))
    assert failure(programme) == (
        f"{programme.slug}: FAILED: signed head 1 (size {head.size}): the signature does not "
        f"verify with the configured public key (key {honest_id}; the head names key "
        f"{signing.key_id(new_key.public_key())})"
    )
