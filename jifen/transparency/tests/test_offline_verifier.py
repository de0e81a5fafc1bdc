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
from jifen.transparency.witness import witness_line

VERIFIER = Path(__file__).resolve().parents[3] / "tools" / "verify_bundle.py"


def make_bundle(
    path: Path,
    count: int = 23,
    head_sizes=(0, 1, 8, 13, 23),
    *,
    key: Ed25519PrivateKey | None = None,
    extra: dict[int, int] | None = None,
    versions: dict[int, int] | None = None,
) -> list[signing.SignedTreeHead]:
    """A bundle of `count` awards signed by `key`; `extra` adds points to some of them and
    `versions` gives some the canonical format 1. Returns its heads."""
    key = key or Ed25519PrivateKey.generate()
    tree, leaves = merkle.MemoryTree(), []
    for i in range(count):
        amount = i + 1 + (extra or {}).get(i, 0)
        tx = CanonicalTransaction(
            programme="xingfuli",
            id=f"t{i}",
            kind="award",
            reason="巡逻",
            at=datetime(2026, 1, 1, tzinfo=UTC),
            postings=[("issuance", "points", -amount), (f"m{i % 5}", "points", amount)],
            version=(versions or {}).get(i, 2),
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
    return heads


def write_witness(path: Path, heads, key: Ed25519PrivateKey) -> Path:
    public_key = signing.public_key_b64(key.public_key())
    path.write_text("".join(witness_line(head, public_key) for head in heads), encoding="utf-8")
    return path


def run(path: Path, *options: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(VERIFIER), *options, str(path)],
        capture_output=True,
        text=True,
        timeout=60,
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


@pytest.fixture
def key():
    return Ed25519PrivateKey.generate()


def test_a_bundle_consistent_with_the_witness_file_verifies(tmp_path, key):
    bundle = tmp_path / "bundle.jsonl"
    heads = make_bundle(bundle, key=key)
    witness = write_witness(tmp_path / "witness.jsonl", heads[1:4], key)
    result = run(bundle, "--witness", str(witness))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "consistent with 3 witnessed heads" in result.stdout


def test_a_log_rewritten_and_re_signed_after_the_witness_fails_naming_the_head(tmp_path, key):
    """Leaf 3 gets 1,000 more points; the whole log is signed again with the same key."""
    witness = write_witness(tmp_path / "witness.jsonl", make_bundle(tmp_path / "a", key=key), key)
    rewritten = tmp_path / "rewritten.jsonl"
    make_bundle(rewritten, key=key, extra={3: 1000})
    assert run(rewritten).returncode == 0  # alone, it holds
    result = run(rewritten, "--witness", str(witness))
    assert result.returncode == 1
    assert result.stdout.strip() == (
        "FAILED: witnessed head 3 (size 8): the bundle's root at that size is not the witnessed "
        "one; the log was changed after it was witnessed"
    )


def test_a_bundle_shorter_than_a_witnessed_head_is_named(tmp_path, key):
    witness = write_witness(tmp_path / "witness.jsonl", make_bundle(tmp_path / "a", key=key), key)
    shorter = tmp_path / "shorter.jsonl"
    make_bundle(shorter, count=13, head_sizes=(0, 1, 8, 13), key=key)
    result = run(shorter, "--witness", str(witness))
    assert result.returncode == 1
    assert "witnessed head 5 covers 23 leaves; the bundle has only 13" in result.stdout


def test_a_witness_signed_by_another_key_or_an_unexpected_key_fails(tmp_path, key):
    bundle = tmp_path / "bundle.jsonl"
    make_bundle(bundle, key=key)
    other = Ed25519PrivateKey.generate()
    witness = write_witness(
        tmp_path / "witness.jsonl", make_bundle(tmp_path / "b", key=other), other
    )
    result = run(bundle, "--witness", str(witness))
    assert result.returncode == 1 and "not the bundle's key" in result.stdout
    result = run(bundle, "--public-key", signing.public_key_b64(other.public_key()))
    assert result.returncode == 1 and "another key than the one expected" in result.stdout
    assert run(bundle, "--public-key", signing.public_key_b64(key.public_key())).returncode == 0


def test_leaves_in_format_1_then_2_verify_but_not_back_to_1(tmp_path):
    bundle = tmp_path / "bundle.jsonl"
    make_bundle(bundle, versions={0: 1, 1: 1, 2: 1})
    assert run(bundle).returncode == 0
    make_bundle(bundle, versions={0: 1, 5: 1})
    result = run(bundle)
    assert result.returncode == 1 and "leaf 5: format 1 after a leaf in format 2" in result.stdout
