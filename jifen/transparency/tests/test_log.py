"""The transparency log against the ledger: sealing, proofs, `jifen verify`, and tampering
behind the application's back (triggers dropped, rows edited in SQL) — verify names it."""

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from jifen.ledger.models import Posting, Transaction
from jifen.ledger.services import award_points, donate_points, hold_points, settle_hold
from jifen.transparency import merkle, queries, signing
from jifen.transparency.models import LogLeaf, LogNode, LogQueue, LogState, TreeHead
from jifen.transparency.sequencer import seal, seal_all
from jifen.transparency.verify import Discrepancy, verify_programme


@pytest.fixture
def history(member, neighbour):
    for i in range(9):
        award_points(member=member if i % 2 else neighbour, amount=5 + i, reason=f"r{i}")
    settle_hold(hold=hold_points(member=member, amount=6, reference="rice"))
    donate_points(member=neighbour, amount=4)
    seal_all()
    return member.programme


def test_every_transaction_is_queued_by_the_database_and_sealed(member):
    award_points(member=member, amount=5, reason="x")
    assert LogQueue.objects.count() == 1
    assert seal(member.programme) == 1 and seal(member.programme) == 0
    head = queries.latest_head(member.programme)
    assert (head.serial, head.size) == (1, 1)


def test_a_new_head_is_signed_only_when_there_is_something_new(history, member):
    signed = list(TreeHead.objects.order_by("serial"))
    assert [h.serial for h in signed] == [1]  # the history was sealed: one head for all of it
    assert signed[0].size == Transaction.objects.count() == LogLeaf.objects.count()
    assert signing.verify_tree_head(as_signed(history, signed[0]), signing.log_public_key())
    seal_all()
    assert TreeHead.objects.count() == 1
    award_points(member=member, amount=5, reason="later")
    seal_all()
    assert list(TreeHead.objects.values_list("serial", "size")) == [
        (2, signed[0].size + 1),
        (1, signed[0].size),
    ]


def as_signed(programme, head) -> signing.SignedTreeHead:
    return signing.SignedTreeHead(
        programme.slug,
        head.serial,
        head.size,
        bytes(head.root_hash),
        head.timestamp_ms,
        bytes(head.signature),
        head.key_id,
    )


def test_the_stored_root_is_the_rfc_root_of_the_leaves(history):
    tree = merkle.MemoryTree()
    for digest in LogLeaf.objects.order_by("index").values_list("leaf_hash", flat=True):
        tree.append(bytes(digest))
    assert bytes(queries.latest_head(history).root_hash) == tree.root()


def test_every_transaction_has_an_inclusion_proof(history, django_assert_max_num_queries):
    head = queries.latest_head(history)
    for tx in Transaction.objects.all():
        with django_assert_max_num_queries(4):
            proof = queries.inclusion_proof_for(history, tx.public_id)
        assert merkle.verify_inclusion(
            proof.leaf_hash, proof.leaf_index, head.size, proof.path, bytes(head.root_hash)
        )


def test_consistency_between_an_old_and_a_new_head(history, member):
    old = queries.latest_head(history)
    award_points(member=member, amount=5, reason="later")
    seal_all()
    new = queries.latest_head(history)
    proof = queries.consistency_proof_between(history, old.size, new.size)
    assert merkle.verify_consistency(
        old.size, new.size, bytes(old.root_hash), bytes(new.root_hash), proof
    )


def test_verify_passes_on_an_honest_ledger(history):
    report = verify_programme(history)
    assert (report.leaves, report.queued) == (Transaction.objects.count(), 0)


def test_the_command_prints_ok_and_the_rate(history, capsys):
    call_command("verify")
    assert "OK" in capsys.readouterr().out


# Tampering: the database's own guards are lifted first, as an attacker with SQL access would.


def lift_guards():
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")  # disables triggers
        else:
            for table in ("ledger_transaction", "ledger_posting", "transparency_treehead"):
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")


def sql(statement, params=()):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def failure(programme) -> str:
    with pytest.raises(Discrepancy) as info:
        verify_programme(programme)
    return str(info.value)


def test_a_changed_amount_is_found(history):
    posting = Posting.objects.filter(amount__gt=0).order_by("id")[2]
    index = LogLeaf.objects.get(transaction=posting.transaction_id).index
    lift_guards()
    sql("UPDATE ledger_posting SET amount = amount + 100 WHERE id = %s", [posting.pk])
    assert f"leaf {index}:" in failure(history)


def test_a_changed_reason_is_found(history):
    tx = Transaction.objects.order_by("id")[4]
    lift_guards()
    sql("UPDATE ledger_transaction SET reason = 'forged' WHERE id = %s", [tx.pk])
    assert f"leaf {LogLeaf.objects.get(transaction=tx).index}:" in failure(history)


def test_a_changed_member_is_found(history, neighbour):
    """The history and a household's statement name the member a transaction is about, so
    the leaf covers it (canonical format 2)."""
    tx = Transaction.objects.exclude(member=neighbour).exclude(member=None).order_by("id")[1]
    lift_guards()
    sql("UPDATE ledger_transaction SET member_id = %s WHERE id = %s", [neighbour.pk, tx.pk])
    assert f"leaf {LogLeaf.objects.get(transaction=tx).index}:" in failure(history)


def test_a_deleted_posting_is_found(history):
    posting = Posting.objects.filter(account__kind="issuance").order_by("id")[3]
    index = LogLeaf.objects.get(transaction=posting.transaction_id).index
    lift_guards()
    sql("DELETE FROM ledger_posting WHERE id = %s", [posting.pk])
    assert f"leaf {index}:" in failure(history)


def test_a_forged_transaction_slipped_in_is_found(history, member):
    lift_guards()
    sql(
        "INSERT INTO ledger_transaction (programme_id, public_id, kind, reason, reference,"
        " request_hash, created_at, member_id) VALUES (%s, 'forged1', 'award', '', '', '',"
        " '2020-01-01 00:00:00+00', %s)",
        [history.pk, member.pk],
    )
    sql("DELETE FROM transparency_logqueue")  # and hide it from the sequencer
    assert "forged1" in failure(history)


def test_a_forged_transaction_left_in_the_queue_is_found(history, member):
    lift_guards()
    sql(
        "INSERT INTO ledger_transaction (programme_id, public_id, kind, reason, reference,"
        " request_hash, created_at, member_id) VALUES (%s, 'forged2', 'award', '', '', '',"
        " '2020-01-01 00:00:00+00', %s)",
        [history.pk, member.pk],
    )
    assert "forged2" in failure(history)


def test_a_balance_edited_in_place_is_found(history, member):
    from jifen.ledger.accounts import wallet_of

    sql("UPDATE ledger_account SET balance = balance + 1000 WHERE id = %s", [wallet_of(member).pk])
    assert wallet_of(member).public_id in failure(history)


def test_an_altered_signed_head_is_found(history):
    head = TreeHead.objects.order_by("serial").last()
    lift_guards()
    sql("UPDATE transparency_treehead SET size = size - 1 WHERE id = %s", [head.pk])
    assert f"signed head {head.serial}" in failure(history)


def test_a_deleted_signed_head_is_found(history, member):
    award_points(member=member, amount=1, reason="x")
    seal_all()
    first = TreeHead.objects.order_by("serial").first()
    lift_guards()
    sql("DELETE FROM transparency_treehead WHERE id = %s", [first.pk])
    assert "signed head 1 is missing" in failure(history)


def test_the_command_exits_non_zero_naming_the_discrepancy(history):
    tx = Transaction.objects.order_by("id")[1]
    lift_guards()
    sql("UPDATE ledger_transaction SET kind = 'grant' WHERE id = %s", [tx.pk])
    with pytest.raises(CommandError, match="leaf"):
        call_command("verify", programme=history.slug)


def test_the_exported_bundle_verifies_offline(history, tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    bundle = tmp_path / "log.jsonl"
    call_command("export_log", programme=history.slug, output=str(bundle))
    tool = Path(__file__).resolve().parents[3] / "tools" / "verify_bundle.py"
    result = subprocess.run(
        [sys.executable, str(tool), str(bundle)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr


def unbalanced_transaction(member):
    """Written by a faulty program with SQL access, through no service: one leg only."""
    from jifen.ledger.accounts import wallet_of

    tx = Transaction.objects.create(programme=member.programme, kind="adjust", reason="one leg")
    sql(
        "INSERT INTO ledger_posting (transaction_id, account_id, asset, amount) "
        "VALUES (%s, %s, 'points', 5)",
        [tx.pk, wallet_of(member).pk],
    )
    return tx


def test_a_logged_transaction_that_does_not_balance_is_found(history, member):
    tx = unbalanced_transaction(member)
    seal_all()
    assert failure(history) == f"transaction {tx.public_id} does not balance"


def test_a_queued_transaction_that_does_not_balance_is_found(history, member):
    tx = unbalanced_transaction(member)
    assert failure(history) == f"transaction {tx.public_id} does not balance"


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE transparency_logleaf SET leaf_hash = leaf_hash",
        "DELETE FROM transparency_logleaf",
        "UPDATE transparency_lognode SET hash = hash",
        "DELETE FROM transparency_lognode",
        "UPDATE transparency_treehead SET size = size",
        "DELETE FROM transparency_treehead",
    ],
)
def test_the_database_refuses_to_change_leaves_nodes_or_heads(history, member, statement):
    for i in range(16):  # enough leaves for a stored node
        award_points(member=member, amount=1, reason=f"n{i}")
    seal_all()
    assert LogNode.objects.exists()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        sql(statement)


def test_leaves_sealed_before_format_2_stay_in_format_1_for_verify_and_the_export(
    member, neighbour, tmp_path
):
    """A log that had 4 leaves when format 2 came (the migration sets v2_from to its size)."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    LogState.objects.create(programme=member.programme, v2_from=4)
    for i in range(7):
        award_points(member=member if i % 2 else neighbour, amount=1 + i, reason=f"r{i}")
    assert seal(member.programme, batch=3) == 3 and seal(member.programme) == 4
    assert verify_programme(member.programme).leaves == 7
    bundle = tmp_path / "log.jsonl"
    call_command("export_log", programme=member.programme.slug, output=str(bundle))
    leaves = [json.loads(line) for line in bundle.read_text().splitlines()[3:]]
    assert [json.loads(leaf["canonical"])["v"] for leaf in leaves] == [1, 1, 1, 1, 2, 2, 2]
    tool = Path(__file__).resolve().parents[3] / "tools" / "verify_bundle.py"
    result = subprocess.run([sys.executable, str(tool), str(bundle)], capture_output=True)
    assert result.returncode == 0, result.stdout
