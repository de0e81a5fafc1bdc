"""Merkle tree: append rate and inclusion-proof time at 1,000,000+ leaves, beside a ceiling
measured in the same run (hashing the same leaves with hashlib alone).

    .venv/bin/python bench/merkle_proofs.py [--leaves 1048577]
"""

import argparse
import hashlib
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from jifen.transparency import merkle  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--leaves", type=int, default=1_048_577)
    parser.add_argument("--proofs", type=int, default=1_000)
    n = parser.parse_args().leaves
    data = [b"transaction %d" % i for i in range(n)]

    start = time.perf_counter()
    for d in data:
        hashlib.sha256(b"\x00" + d).digest()
    ceiling = n / (time.perf_counter() - start)

    tree = merkle.MemoryTree()
    start = time.perf_counter()
    for d in data:
        tree.append(merkle.leaf_hash(d))
    append_rate = n / (time.perf_counter() - start)

    rng = random.Random(7)
    indexes = [rng.randrange(n) for _ in range(parser.parse_args().proofs)]
    root = tree.root()
    start = time.perf_counter()
    for i in indexes:
        proof = merkle.inclusion_proof(i, n, tree.get_node)
        assert merkle.verify_inclusion(merkle.leaf_hash(data[i]), i, n, proof, root)
    per_proof_ms = (time.perf_counter() - start) * 1000 / len(indexes)

    print(f"{'workload':44} {'figure':>14} {'ceiling':>14} {'ratio':>7}")
    print(
        f"{'append leaves (leaves/s)':44} {append_rate:14,.0f} {ceiling:14,.0f} "
        f"{append_rate / ceiling:7.2f}"
    )
    print(
        f"{f'inclusion proof + verify at {n:,} leaves (ms)':44} {per_proof_ms:14.3f} "
        f"{'≤ 10 budget':>14}"
    )


if __name__ == "__main__":
    main()
