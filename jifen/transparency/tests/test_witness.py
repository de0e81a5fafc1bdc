"""Signed heads witnessed outside the database: the worker appends each committed head to the
witness file, the API serves the same lines to anyone, and `jifen verify --witness FILE`
fails unless the log agrees with every head the file saved (same root at that size, signed
by the configured or the witnessed key, not beyond the log)."""

import base64
import json
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.urls import reverse

from jifen.ledger.services import award_points
from jifen.transparency import signing
from jifen.transparency.models import LogNode, LogState, TreeHead
from jifen.transparency.sequencer import seal, stored_node_count
from jifen.transparency.witness import WitnessError, read_witness, read_witness_file


@pytest.fixture
def witness_file(settings, tmp_path):
    settings.LOG_WITNESS_FILE = tmp_path / "witness.jsonl"
    return settings.LOG_WITNESS_FILE


def run_the_worker(django_capture_on_commit_callbacks) -> None:
    """One pass of the sealing job, as `jifen worker` runs it; its commit is simulated (the
    test's transaction never commits), so the witness file is written as in production."""
    with django_capture_on_commit_callbacks(execute=True):
        call_command("worker", "--once", "--job", "seal-log")


@pytest.fixture
def witnessed_log(member, neighbour, witness_file, django_capture_on_commit_callbacks):
    """Three heads, each written to the witness file by the worker."""
    for amounts in ([5, 6], [7], [8, 9, 10]):
        for amount in amounts:
            award_points(member=member if amount % 2 else neighbour, amount=amount, reason="r")
        run_the_worker(django_capture_on_commit_callbacks)
    return member.programme


def lines(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def verify_failure(programme, path) -> str:
    with pytest.raises(CommandError) as info:
        call_command("verify", programme=programme.slug, witness=str(path))
    return str(info.value)


def test_the_worker_appends_every_committed_head_to_the_witness_file(witnessed_log, witness_file):
    public_key = signing.public_key_b64(signing.log_public_key())
    saved = lines(witness_file)
    heads = TreeHead.objects.order_by("serial")
    assert [(e["serial"], e["size"]) for e in saved] == [(1, 2), (2, 3), (3, 6)]
    for entry, head in zip(saved, heads, strict=True):
        assert entry == {
            "programme": witnessed_log.slug,
            "serial": head.serial,
            "size": head.size,
            "root": bytes(head.root_hash).hex(),
            "timestamp_ms": head.timestamp_ms,
            "key_id": head.key_id,
            "public_key": public_key,
            "signature": base64.b64encode(bytes(head.signature)).decode(),
        }


def test_a_head_rolled_back_is_never_witnessed(
    member, witness_file, django_capture_on_commit_callbacks
):
    award_points(member=member, amount=5, reason="r")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            assert seal(member.programme) == 1
            raise RuntimeError("the sealing transaction fails after the head was signed")
    assert callbacks == [] and not witness_file.exists()


def test_the_api_serves_every_head_in_the_witness_format(witnessed_log, witness_file, client):
    url = f"/api/v1/programmes/{witnessed_log.slug}/log/witness"
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/jsonl"
    served = b"".join(response.streaming_content).decode()
    assert [json.loads(line) for line in served.splitlines()] == lines(witness_file)
    assert read_witness(served.splitlines())[witnessed_log.slug].heads == [
        (h.serial, h.size, bytes(h.root_hash)) for h in TreeHead.objects.order_by("serial")
    ]
    later = b"".join(client.get(url, {"after": 2}).streaming_content).decode().splitlines()
    assert [json.loads(line)["serial"] for line in later] == [3]


def test_the_witness_of_a_programme_that_is_not_public_is_not_served(witnessed_log, client):
    witnessed_log.is_public = False
    witnessed_log.save()
    response = client.get(f"/api/v1/programmes/{witnessed_log.slug}/log/witness")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_a_bad_after_is_refused_at_the_edge(witnessed_log, client):
    url = f"/api/v1/programmes/{witnessed_log.slug}/log/witness"
    for after in ("-1", str(2**63), "true", "x"):
        assert client.get(url, {"after": after}).json()["code"] == "invalid_input"


def test_verify_passes_with_the_witness_of_an_honest_log(witnessed_log, witness_file, capsys):
    call_command("verify", programme=witnessed_log.slug, witness=str(witness_file))
    assert "OK — 6 leaves, 3 signed heads, 3 witnessed heads" in capsys.readouterr().out


def test_a_log_truncated_after_it_was_witnessed_fails(witnessed_log, witness_file):
    """The last batch is taken out of the log and put back in the queue, as a restore from an
    older backup (or an insider about to rewrite the end) leaves it: the log alone looks
    merely behind, the witness knows it had six leaves."""
    state = LogState.objects.get(programme=witnessed_log)
    with connection.cursor() as cursor:
        lift_guards(cursor)
        cursor.execute("DELETE FROM transparency_treehead WHERE serial = 3")
        cursor.execute('DELETE FROM transparency_logleaf WHERE "index" >= 3')
        cursor.execute(
            "INSERT INTO transparency_logqueue (programme_id, transaction_id) SELECT"
            " programme_id, id FROM ledger_transaction WHERE id NOT IN"
            " (SELECT transaction_id FROM transparency_logleaf) ORDER BY id"
        )
    state.size, state.heads = 3, 2
    state.save()
    assert stored_node_count(3) == LogNode.objects.count() == 0
    call_command("verify", programme=witnessed_log.slug)  # passes: three wait to be sealed
    assert verify_failure(witnessed_log, witness_file).endswith(
        "witnessed head 3 covers 6 leaves; the log has only 3: it was truncated after the "
        "head was witnessed"
    )


def test_a_witnessed_head_with_another_root_fails_naming_it(witnessed_log, witness_file):
    """A witness file holding a head the key signed over other leaves at size 3 (what a log
    rebuilt after the head was saved would contradict)."""
    forged = signing.sign_tree_head(
        programme=witnessed_log.slug, serial=2, size=3, root_hash=b"\x07" * 32, timestamp_ms=1
    )
    with witness_file.open("a") as out:
        out.write(as_line(forged, signing.log_public_key()))
    assert verify_failure(witnessed_log, witness_file).endswith(
        "witnessed head 2 (size 3): the log's root at that size is not the witnessed one; "
        "the log was changed after the head was witnessed"
    )


def test_a_log_signed_by_another_key_than_the_witnessed_one_fails(witnessed_log, witness_file):
    """No key configured: the witness file's key is the one the heads must verify with."""
    other = Ed25519PrivateKey.generate()
    entries = lines(witness_file)
    witness_file.write_text(
        "".join(as_line(resigned(entry, other), other.public_key()) for entry in entries)
    )
    assert (
        f"signed head 1 (size 2): the signature does not verify with the witnessed key "
        f"(key {signing.key_id(other.public_key())}; the head names key {entries[0]['key_id']})"
    ) in verify_failure(witnessed_log, witness_file)


def test_a_witnessed_head_edited_in_the_file_is_named(witnessed_log, witness_file):
    entries = lines(witness_file)
    entries[1]["size"] = 4
    witness_file.write_text("".join(json.dumps(e) + "\n" for e in entries))
    assert verify_failure(witnessed_log, witness_file).endswith(
        f"line 2: witnessed head 2 of {witnessed_log.slug} (size 4): the signature does not verify"
    )


def test_a_witness_file_signed_by_another_key_than_the_configured_one_is_refused(
    witnessed_log, witness_file, settings
):
    settings.LOG_PUBLIC_KEY = signing.public_key_b64(Ed25519PrivateKey.generate().public_key())
    assert "line 1: witnessed head 1" in verify_failure(witnessed_log, witness_file)
    assert "not the configured public key" in verify_failure(witnessed_log, witness_file)


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("not json\n", "line 1: not a signed head"),
        ('{"programme": "x"}\n', "line 1: not a signed head"),
        ("\n[1, 2]\n", "line 2: not a signed head"),
    ],
)
def test_a_line_that_is_not_a_signed_head_is_named(text, error):
    with pytest.raises(WitnessError, match=error):
        read_witness(text.splitlines())


def test_a_boolean_size_or_the_key_id_of_another_key_is_refused(witnessed_log):
    head = signing.sign_tree_head(
        programme="x", serial=1, size=1, root_hash=b"\x01" * 32, timestamp_ms=1
    )
    entry = json.loads(as_line(head, signing.log_public_key()))
    for change, error in (({"size": True}, "not a whole number"), ({"key_id": "00"}, "key id")):
        with pytest.raises(WitnessError, match=error):
            read_witness([json.dumps({**entry, **change})])


def test_a_missing_witness_file_or_one_without_the_programme_is_an_error(witnessed_log, tmp_path):
    with pytest.raises(WitnessError, match="cannot read the witness file"):
        read_witness_file(tmp_path / "nowhere.jsonl")
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    assert "holds none of its heads" in verify_failure(witnessed_log, empty)


def test_a_witnessed_programme_the_database_no_longer_has_fails(witnessed_log, witness_file):
    head = signing.sign_tree_head(
        programme="gone", serial=1, size=1, root_hash=b"\x01" * 32, timestamp_ms=1
    )
    with witness_file.open("a") as out:
        out.write(as_line(head, signing.log_public_key()))
    with pytest.raises(CommandError, match="programme 'gone', which the database no longer"):
        call_command("verify", witness=str(witness_file))


def as_line(head: signing.SignedTreeHead, public_key) -> str:
    from jifen.transparency.witness import witness_line

    return witness_line(head, signing.public_key_b64(public_key))


def resigned(entry: dict, key: Ed25519PrivateKey) -> signing.SignedTreeHead:
    return signing.sign_tree_head(
        programme=entry["programme"],
        serial=entry["serial"],
        size=entry["size"],
        root_hash=bytes.fromhex(entry["root"]),
        timestamp_ms=entry["timestamp_ms"],
        key=key,
    )


def lift_guards(cursor) -> None:
    if connection.vendor == "postgresql":
        cursor.execute("SET session_replication_role = replica")  # disables triggers
        return
    for table in ("transparency_logleaf", "transparency_treehead"):
        cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")


def test_the_offline_verifier_reads_the_worker_s_witness_file(witnessed_log, witness_file):
    bundle = witness_file.parent / "bundle.jsonl"
    call_command("export_log", programme=witnessed_log.slug, output=str(bundle))
    tool = Path(__file__).resolve().parents[3] / "tools" / "verify_bundle.py"
    key = signing.public_key_b64(signing.log_public_key())
    result = subprocess.run(
        [sys.executable, tool, "--witness", witness_file, "--public-key", key, bundle],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "6 leaves and 3 signed tree heads verified, consistent with 3 witnessed" in result.stdout


def test_the_public_page_links_to_the_witness_file_and_shows_the_configured_key(
    witnessed_log, client, settings
):
    """The configured key, not the data directory's: the page must not vouch for a key file
    someone replaced (here they differ; verify would fail every head)."""
    settings.LOG_PUBLIC_KEY = signing.public_key_b64(Ed25519PrivateKey.generate().public_key())
    page = client.get(reverse("transparency", args=[witnessed_log.slug])).content.decode()
    witness_url = reverse("api:log-witness", args=[witnessed_log.slug])
    assert f'href="{witness_url}" download="witness-{witnessed_log.slug}.jsonl"' in page
    assert settings.LOG_PUBLIC_KEY in page
