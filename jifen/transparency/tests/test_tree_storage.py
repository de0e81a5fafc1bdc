"""The log's storage at a size where it matters: nodes stored from STORED_LEVEL up, lower
ones rebuilt from leaf hashes, sealing in batches of odd sizes, `jifen verify` rebuilding the
tree chunk by chunk. Roots and proofs are held to the plain RFC 9162 implementation, over
the canonical bytes of every transaction (which on PostgreSQL were hashed in SQL)."""

import pytest
from django.db import connection, transaction

from jifen.ledger.models import Posting
from jifen.ledger.services import award_points, donate_points
from jifen.transparency import merkle, queries, signing
from jifen.transparency.leaves import canonical_leaves
from jifen.transparency.models import LogLeaf, LogNode, TreeHead
from jifen.transparency.sequencer import STORED_LEVEL, seal, stored_node_count
from jifen.transparency.tests.test_merkle import plain_mth, plain_path, plain_subproof
from jifen.transparency.verify import Discrepancy, verify_programme

# Heads at 1, 8, 32, 48, 64, 73 and 100 leaves: whole and partial chunks of 32 leaves.
BATCHES = [1, 7, 24, 16, 16, 9, 27]


@pytest.fixture
def long_log(member, neighbour):
    for i in range(sum(BATCHES)):
        if i % 10 == 9:
            donate_points(member=member, amount=1)
        else:
            award_points(member=neighbour if i % 3 else member, amount=1 + i % 4, reason=f"r{i}")
    for size in BATCHES:
        assert seal(member.programme, batch=size) == size
    return member.programme


def canonical_in_log_order(programme) -> list[bytes]:
    ids = list(LogLeaf.objects.order_by("index").values_list("transaction_id", flat=True))
    canonical = canonical_leaves(programme.slug, ids)
    return [canonical[tid] for tid in ids]


def test_only_nodes_from_the_stored_level_up_are_kept(long_log):
    size = LogLeaf.objects.count()
    assert LogNode.objects.filter(level__lt=STORED_LEVEL).count() == 0
    assert LogNode.objects.count() == stored_node_count(size) == 6 + 3 + 1


def test_every_head_is_the_rfc_root_of_the_transactions_it_covers(long_log):
    data = canonical_in_log_order(long_log)
    heads = list(TreeHead.objects.order_by("serial").values_list("size", "root_hash"))
    assert [size for size, _ in heads] == [1, 8, 32, 48, 64, 73, 100]
    for size, root in heads:
        assert bytes(root) == plain_mth(data[:size])


def test_every_inclusion_proof_is_the_rfc_path(long_log, django_assert_max_num_queries):
    data = canonical_in_log_order(long_log)
    ids = LogLeaf.objects.order_by("index").values_list("transaction__public_id", flat=True)
    for index, public_id in enumerate(ids):
        with django_assert_max_num_queries(4):
            proof = queries.inclusion_proof_for(long_log, public_id)
        assert proof.leaf_index == index
        assert proof.path == plain_path(index, data)


def test_every_consistency_proof_between_heads_is_the_rfc_proof(long_log):
    data = canonical_in_log_order(long_log)
    sizes = list(TreeHead.objects.order_by("serial").values_list("size", flat=True))
    for first in sizes:
        for second in sizes:
            if first <= second:
                proof = queries.consistency_proof_between(long_log, first, second)
                assert proof == plain_subproof(first, data[:second], True)


@pytest.mark.parametrize("chunk_level", [STORED_LEVEL, 5, 16])
def test_verify_in_chunks_of_any_size_passes(long_log, chunk_level):
    assert verify_programme(long_log, chunk_level=chunk_level).leaves == 100


def sql(statement, params=()):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")  # lifts the triggers
        else:
            cursor.execute("DROP TRIGGER IF EXISTS transparency_lognode_no_update")
            cursor.execute("DROP TRIGGER IF EXISTS transparency_lognode_no_delete")
        cursor.execute(statement, params)


def failure(programme, chunk_level) -> str:
    with pytest.raises(Discrepancy) as info:
        verify_programme(programme, chunk_level=chunk_level)
    return str(info.value)


@pytest.mark.parametrize("chunk_level", [5, 16])
def test_an_altered_stored_node_is_found(long_log, chunk_level):
    sql('UPDATE transparency_lognode SET hash = %s WHERE level = 4 AND "index" = 3', [b"x" * 32])
    assert "tree node 4/3 differs" in failure(long_log, chunk_level)


@pytest.mark.parametrize("chunk_level", [5, 16])
def test_a_deleted_stored_node_is_found(long_log, chunk_level):
    sql('DELETE FROM transparency_lognode WHERE level = 6 AND "index" = 0')
    assert "tree node 6/0 differs" in failure(long_log, chunk_level)


def test_an_extra_node_is_found(long_log):
    sql(
        'INSERT INTO transparency_lognode (programme_id, level, "index", hash)'
        " VALUES (%s, 2, 0, %s)",
        [long_log.pk, b"y" * 32],
    )
    assert "the log holds 11 tree nodes; 100 leaves make 10" in failure(long_log, 16)


def test_a_head_signed_over_a_wrong_root_is_found_inside_a_chunk(long_log):
    """Even with the signing key in hand, a head must match the leaves it covers."""
    head = TreeHead.objects.get(serial=6)
    forged = signing.sign_tree_head(
        programme=long_log.slug,
        serial=6,
        size=head.size,
        root_hash=merkle.node_hash(bytes(head.root_hash), bytes(head.root_hash)),
        timestamp_ms=head.timestamp_ms,
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
        else:
            cursor.execute("DROP TRIGGER IF EXISTS transparency_treehead_no_update")
        cursor.execute(
            "UPDATE transparency_treehead SET root_hash = %s, signature = %s WHERE id = %s",
            [forged.root_hash, forged.signature, head.pk],
        )
    assert "signed head 6 (size 73): the root differs" in failure(long_log, 5)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="snapshots are shared on PostgreSQL")
def test_worker_processes_verify_in_the_same_snapshot(transactional_db, long_log):
    """Outside a transaction, on PostgreSQL, `jifen verify` shares its snapshot with worker
    processes that rehash the chunks; they find what a single process finds."""
    assert not connection.in_atomic_block  # so verify takes its own snapshot and shares it
    assert verify_programme(long_log, chunk_level=STORED_LEVEL, workers=2).leaves == 100
    posting = Posting.objects.filter(transaction__log_leaf__index=57, amount__gt=0).get()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("UPDATE ledger_posting SET amount = amount + 1 WHERE id = %s", [posting.pk])
    with pytest.raises(Discrepancy, match="leaf 57: the transaction or its postings differ"):
        verify_programme(long_log, chunk_level=STORED_LEVEL, workers=2)
