"""The Merkle tree of the transparency log, as RFC 9162 (Certificate Transparency 2.0) defines it.

leaf hash = SHA-256(0x00 ‖ leaf bytes), interior node = SHA-256(0x01 ‖ left ‖ right).

The tree is stored as its *complete subtrees*: node (level, index) covers the leaves
[index·2^level, (index+1)·2^level) and exists once all of them exist. Appending leaf n adds
one node per trailing 1-bit of n+1 (at most log₂ n), and any root or proof needs O(log n)
stored nodes, read through a `get_node(level, index)` callback so that the caller decides
where nodes live (a database table, a dict). No function here rehashes the tree.

Pure Python, standard library only: tools/verify_bundle.py and the tests rely on that.
"""

import hashlib
from collections.abc import Callable, Iterator

GetNode = Callable[[int, int], bytes]
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def parents(hashes: list[bytes]) -> list[bytes]:
    """The next level up of an aligned run of complete subtrees: one node per pair (an odd
    last one has no parent yet)."""
    return [node_hash(left, right) for left, right in zip(hashes[::2], hashes[1::2], strict=False)]


def complete_root(hashes: list[bytes]) -> bytes:
    """The root of a complete subtree from its leaf hashes (a power of two of them)."""
    while len(hashes) > 1:
        hashes = parents(hashes)
    return hashes[0]


def append_leaf(size: int, leaf: bytes, get_node: GetNode) -> list[tuple[int, int, bytes]]:
    """The nodes to store when `leaf` (a leaf hash) becomes leaf number `size`."""
    new = [(0, size, leaf)]
    level, index, current = 0, size, leaf
    while index % 2 == 1:  # a right child completes its parent
        current = node_hash(get_node(level, index - 1), current)
        level, index = level + 1, index // 2
        new.append((level, index, current))
    return new


def _subtree(start: int, end: int, get_node: GetNode) -> bytes:
    """MTH(D[start:end]) for a range that RFC 9162's recursion produces."""
    count = end - start
    if count & (count - 1) == 0 and start % count == 0:  # a complete, stored subtree
        return get_node(count.bit_length() - 1, start // count)
    split = _largest_power_of_two_below(count)
    return node_hash(
        _subtree(start, start + split, get_node), _subtree(start + split, end, get_node)
    )


def _largest_power_of_two_below(n: int) -> int:
    """The k of RFC 9162: the largest power of two strictly less than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def root_hash(size: int, get_node: GetNode) -> bytes:
    """The tree head's root for the first `size` leaves."""
    return EMPTY_ROOT if size == 0 else _subtree(0, size, get_node)


def inclusion_proof(index: int, size: int, get_node: GetNode) -> list[bytes]:
    """PATH(index, D[0:size]) of RFC 9162 §2.1.3.1, leaf-side first."""
    if not 0 <= index < size:
        raise ValueError("index outside the tree")
    return list(_path(index, 0, size, get_node))


def _path(index: int, start: int, end: int, get_node: GetNode) -> Iterator[bytes]:
    if end - start == 1:
        return
    split = start + _largest_power_of_two_below(end - start)
    if index < split:
        yield from _path(index, start, split, get_node)
        yield _subtree(split, end, get_node)
    else:
        yield from _path(index, split, end, get_node)
        yield _subtree(start, split, get_node)


def consistency_proof(old_size: int, new_size: int, get_node: GetNode) -> list[bytes]:
    """PROOF(old_size, D[0:new_size]) of RFC 9162 §2.1.4.1."""
    if not 0 < old_size <= new_size:
        raise ValueError("sizes out of order")
    if old_size == new_size:
        return []
    return list(_subproof(old_size, 0, new_size, True, get_node))


def _subproof(m: int, start: int, end: int, whole: bool, get_node: GetNode) -> Iterator[bytes]:
    n = end - start
    if m == n:
        if not whole:
            yield _subtree(start, end, get_node)
        return
    k = _largest_power_of_two_below(n)
    if m <= k:
        yield from _subproof(m, start, start + k, whole, get_node)
        yield _subtree(start + k, end, get_node)
    else:
        yield from _subproof(m - k, start + k, end, False, get_node)
        yield _subtree(start, start + k, get_node)


def verify_inclusion(leaf: bytes, index: int, size: int, proof: list[bytes], root: bytes) -> bool:
    """RFC 9162 §2.1.3.2: does `proof` show leaf hash `leaf` at `index` in the tree `root`?"""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            r = node_hash(p, r)
            if fn % 2 == 0:
                while fn % 2 == 0 and fn != 0:
                    fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: list[bytes]
) -> bool:
    """RFC 9162 §2.1.4.2: is the tree (new_size, new_root) an extension of (old_size, old_root)?"""
    if not 0 < old_size <= new_size:
        return False
    if old_size == new_size:
        return not proof and old_root == new_root
    if not proof:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # a power of two: the old root is the first node
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn % 2 == 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            if fn % 2 == 0:
                while fn % 2 == 0 and fn != 0:
                    fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == old_root and sr == new_root


class MemoryTree:
    """The same tree kept in a dict: for tests, benchmarks and the offline verifier."""

    def __init__(self) -> None:
        self.nodes: dict[tuple[int, int], bytes] = {}
        self.size = 0

    def get_node(self, level: int, index: int) -> bytes:
        return self.nodes[(level, index)]

    def append(self, leaf: bytes) -> None:
        for level, index, digest in append_leaf(self.size, leaf, self.get_node):
            self.nodes[(level, index)] = digest
        self.size += 1

    def root(self, size: int | None = None) -> bytes:
        return root_hash(self.size if size is None else size, self.get_node)
