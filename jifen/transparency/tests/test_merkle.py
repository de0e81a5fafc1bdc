"""The stored-node tree against a plain implementation written straight from RFC 9162 §2.1."""

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jifen.transparency import merkle


def sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def plain_mth(leaves: list[bytes]) -> bytes:
    n = len(leaves)
    if n == 0:
        return sha(b"")
    if n == 1:
        return sha(b"\x00" + leaves[0])
    k = 1
    while k * 2 < n:
        k *= 2
    return sha(b"\x01" + plain_mth(leaves[:k]) + plain_mth(leaves[k:]))


def plain_path(m: int, leaves: list[bytes]) -> list[bytes]:
    n = len(leaves)
    if n == 1:
        return []
    k = 1
    while k * 2 < n:
        k *= 2
    if m < k:
        return plain_path(m, leaves[:k]) + [plain_mth(leaves[k:])]
    return plain_path(m - k, leaves[k:]) + [plain_mth(leaves[:k])]


def plain_subproof(m: int, leaves: list[bytes], whole: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if whole else [plain_mth(leaves)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return plain_subproof(m, leaves[:k], whole) + [plain_mth(leaves[k:])]
    return plain_subproof(m - k, leaves[k:], False) + [plain_mth(leaves[:k])]


def build(leaves: list[bytes]) -> merkle.MemoryTree:
    tree = merkle.MemoryTree()
    for data in leaves:
        tree.append(merkle.leaf_hash(data))
    return tree


LEAVES = [b"leaf %d" % i for i in range(70)]
TREE = build(LEAVES)


def test_the_roots_match_the_rfc_definition_for_every_size_up_to_70():
    for size in range(71):
        assert TREE.root(size) == plain_mth(LEAVES[:size])


def test_inclusion_proofs_match_and_verify_for_every_index_and_size():
    for size in range(1, 71):
        root = plain_mth(LEAVES[:size])
        for index in range(size):
            proof = merkle.inclusion_proof(index, size, TREE.get_node)
            assert proof == plain_path(index, LEAVES[:size])
            leaf = merkle.leaf_hash(LEAVES[index])
            assert merkle.verify_inclusion(leaf, index, size, proof, root)


def test_consistency_proofs_match_and_verify_for_every_pair_of_sizes():
    for new in range(1, 71):
        new_root = plain_mth(LEAVES[:new])
        for old in range(1, new + 1):
            proof = merkle.consistency_proof(old, new, TREE.get_node)
            assert proof == (plain_subproof(old, LEAVES[:new], True) if old < new else [])
            assert merkle.verify_consistency(old, new, plain_mth(LEAVES[:old]), new_root, proof)


def test_a_tampered_inclusion_proof_is_rejected():
    size, index = 37, 11
    root = TREE.root(size)
    leaf = merkle.leaf_hash(LEAVES[index])
    proof = merkle.inclusion_proof(index, size, TREE.get_node)
    flipped = [proof[0][:-1] + bytes([proof[0][-1] ^ 1]), *proof[1:]]
    assert not merkle.verify_inclusion(leaf, index, size, flipped, root)
    assert not merkle.verify_inclusion(leaf, index + 1, size, proof, root)
    assert not merkle.verify_inclusion(leaf, index, size + 30, proof, root)  # another shape
    assert not merkle.verify_inclusion(leaf, index, size, proof[:-1], root)
    assert not merkle.verify_inclusion(merkle.leaf_hash(b"forged"), index, size, proof, root)


def test_a_tampered_consistency_proof_is_rejected():
    old, new = 13, 50
    proof = merkle.consistency_proof(old, new, TREE.get_node)
    old_root, new_root = TREE.root(old), TREE.root(new)
    assert not merkle.verify_consistency(old, new, old_root, new_root, proof[:-1])
    assert not merkle.verify_consistency(old, new, new_root, old_root, proof)
    assert not merkle.verify_consistency(old + 1, new, old_root, new_root, proof)
    assert not merkle.verify_consistency(old, new, old_root, new_root, [])
    bad = [*proof[:-1], proof[-1][:-1] + bytes([proof[-1][-1] ^ 1])]
    assert not merkle.verify_consistency(old, new, old_root, new_root, bad)


def test_the_known_certificate_transparency_vector_for_eight_leaves():
    leaves = [
        bytes.fromhex(h)
        for h in (
            "",
            "00",
            "10",
            "2021",
            "3031",
            "40414243",
            "5051525354555657",
            "606162636465666768696a6b6c6d6e6f",
        )
    ]
    expected = "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"
    assert plain_mth(leaves).hex() == expected
    assert build(leaves).root().hex() == expected


def test_an_empty_tree_has_the_hash_of_nothing_as_root():
    assert merkle.MemoryTree().root() == hashlib.sha256(b"").digest()


def test_appending_stores_at_most_one_node_per_level():
    tree = merkle.MemoryTree()
    for i in range(1024):
        new = merkle.append_leaf(tree.size, merkle.leaf_hash(b"%d" % i), tree.get_node)
        assert len(new) <= (i + 1).bit_length()
        tree.append(merkle.leaf_hash(b"%d" % i))
    assert len(tree.nodes) == 2 * 1024 - 1


def test_out_of_range_requests_are_refused():
    with pytest.raises(ValueError):
        merkle.inclusion_proof(5, 5, TREE.get_node)
    with pytest.raises(ValueError):
        merkle.consistency_proof(6, 5, TREE.get_node)


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=1, max_value=600), st.data())
def test_random_larger_trees_prove_inclusion_and_consistency(size, data):
    leaves = [b"x%d" % i for i in range(size)]
    tree = build(leaves)
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    old = data.draw(st.integers(min_value=1, max_value=size))
    root = tree.root()
    assert root == plain_mth(leaves)
    proof = merkle.inclusion_proof(index, size, tree.get_node)
    assert merkle.verify_inclusion(merkle.leaf_hash(leaves[index]), index, size, proof, root)
    cproof = merkle.consistency_proof(old, size, tree.get_node)
    assert merkle.verify_consistency(old, size, tree.root(old), root, cproof)
