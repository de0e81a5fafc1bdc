"""tools/verify_bundle.py checks an exported log with nothing but the standard library and
`cryptography`; every kind of tampering makes it fail and name the place."""

import io
import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from jifen.transparency import merkle, signing
from jifen.transparency.bundle import write_bundle
from jifen.transparency.canonical import CanonicalTransaction, canonical_bytes

VERIFIER = Path(__file__).resolve().parents[3] / "tools" / "verify_bundle.py"


def make_bundle(path: Path, count: int = 23, head_sizes=(0, 1, 8, 13, 23)) -> None:
    key = Ed25519PrivateKey.generate()
    tree, leaves = merkle.MemoryTree(), []
    for i in range(count):
        tx = CanonicalTransaction(
            programme="xingfuli",
            id=f"t{i}",
            kind="award",
            reason="巡逻",
            at=datetime(2026, 1, 1, tzinfo=UTC),
            postings=[("issuance", "points", -(i + 1)), (f"m{i % 5}", "points", i + 1)],
        )
        data = canonical_bytes(tx)
        tree.append(merkle.leaf_hash(data))
        leaves.append((i, merkle.leaf_hash(data), data))
    heads = [
        signing.sign_tree_head(
            programme="xingfuli",
            serial=n,
            size=s,
            root_hash=tree.root(s),
            timestamp_ms=1_000 + s,
            key=key,
        )
        for n, s in enumerate(head_sizes, start=1)
    ]
    out = io.StringIO()
    write_bundle(
        out,
        programme="xingfuli",
        public_key=signing.public_key_b64(key.public_key()),
        heads=heads,
        leaves=leaves,
        leaf_count=count,
    )
    path.write_text(out.getvalue(), encoding="utf-8")


def run(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(VERIFIER), str(path)], capture_output=True, text=True, timeout=60
    )


def edit_line(path: Path, number: int, change) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[number] = json.dumps(change(json.loads(lines[number])), ensure_ascii=False)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture
def bundle(tmp_path):
    path = tmp_path / "bundle.jsonl"
    make_bundle(path)
    return path


def test_an_untouched_bundle_verifies(bundle):
    result = run(bundle)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "23 leaves and 5 signed tree heads" in result.stdout


def test_a_changed_amount_is_found_at_its_leaf(bundle):
    def change(entry):
        entry["canonical"] = entry["canonical"].replace('"points",4]', '"points",40]')
        return entry

    edit_line(bundle, 1 + 5 + 3, change)  # header, 5 heads, then leaf 3
    result = run(bundle)
    assert result.returncode == 1
    assert "leaf 3" in result.stdout


def test_a_changed_amount_with_a_recomputed_hash_breaks_the_signed_root(bundle):
    def change(entry):
        entry["canonical"] = (
            entry["canonical"]
            .replace('"points",-4]', '"points",-40]')
            .replace('"points",4]', '"points",40]')
        )
        entry["leaf_hash"] = merkle.leaf_hash(entry["canonical"].encode()).hex()
        return entry

    edit_line(bundle, 1 + 5 + 3, change)
    result = run(bundle)
    assert result.returncode == 1
    assert "signed tree head of size 8" in result.stdout


def test_a_dropped_leaf_is_named(bundle):
    lines = bundle.read_text(encoding="utf-8").splitlines()
    del lines[1 + 5 + 10]
    bundle.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run(bundle)
    assert result.returncode == 1
    assert "leaf 10" in result.stdout


def test_an_altered_signature_or_root_is_named(bundle):
    edit_line(bundle, 3, lambda e: {"head": {**e["head"], "timestamp_ms": 1}})
    result = run(bundle)
    assert result.returncode == 1
    assert "size 8" in result.stdout and "signature" in result.stdout


def test_a_deleted_head_is_named(bundle):
    lines = bundle.read_text(encoding="utf-8").splitlines()
    del lines[2]
    lines[0] = lines[0].replace('"heads": 5', '"heads": 4')
    bundle.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run(bundle)
    assert result.returncode == 1
    assert "head 2 is missing" in result.stdout


def test_leaves_beyond_the_last_head_are_named(tmp_path):
    path = tmp_path / "bundle.jsonl"
    make_bundle(path, count=23, head_sizes=(8, 13))
    result = run(path)
    assert result.returncode == 1
    assert "not covered" in result.stdout


def test_an_unreadable_file_is_not_a_pass(tmp_path):
    path = tmp_path / "junk.jsonl"
    path.write_text("not json\n")
    assert run(path).returncode == 2
