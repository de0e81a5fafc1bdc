import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.exceptions import ImproperlyConfigured

from jifen.ledger.services import award_points
from jifen.transparency import signing
from jifen.transparency.models import TreeHead
from jifen.transparency.sequencer import seal


def test_a_signed_head_verifies_with_the_public_key_and_fails_when_altered():
    key = Ed25519PrivateKey.generate()
    head = signing.sign_tree_head(
        programme="xingfuli",
        serial=1,
        size=10,
        root_hash=b"\x01" * 32,
        timestamp_ms=1_700_000_000_000,
        key=key,
    )
    public = signing.load_public_key(signing.public_key_b64(key.public_key()))
    assert signing.verify_tree_head(head, public)
    for change in (
        {"size": 11},
        {"root_hash": b"\x02" * 32},
        {"timestamp_ms": 1},
        {"programme": "other"},
        {"serial": 2},
    ):
        forged = signing.SignedTreeHead(**{**head.__dict__, **change})
        assert not signing.verify_tree_head(forged, public)


def test_a_head_signed_by_another_key_does_not_verify():
    head = signing.sign_tree_head(
        programme="p",
        serial=1,
        size=1,
        root_hash=b"\x00" * 32,
        timestamp_ms=1,
        key=Ed25519PrivateKey.generate(),
    )
    assert not signing.verify_tree_head(head, Ed25519PrivateKey.generate().public_key())


def test_the_key_is_generated_once_into_the_data_directory(settings, tmp_path, monkeypatch):
    monkeypatch.delenv("JIFEN_LOG_SIGNING_KEY", raising=False)
    settings.DATA_DIR = tmp_path
    signing.signing_key.cache_clear()
    try:
        first = signing.key_id(signing.signing_key().public_key())
        signing.signing_key.cache_clear()
        assert signing.key_id(signing.signing_key().public_key()) == first
        assert (tmp_path / "log_signing_key").stat().st_mode & 0o077 == 0
    finally:
        signing.signing_key.cache_clear()


def test_the_configured_public_key_is_the_log_key_and_a_malformed_one_is_refused(settings):
    key = Ed25519PrivateKey.generate().public_key()
    settings.LOG_PUBLIC_KEY = signing.public_key_b64(key)
    assert signing.key_id(signing.log_public_key()) == signing.key_id(key)
    for wrong in ("not base64!", base64.b64encode(b"short").decode()):
        settings.LOG_PUBLIC_KEY = wrong
        with pytest.raises(ImproperlyConfigured, match="JIFEN_LOG_PUBLIC_KEY"):
            signing.configured_public_key()


def test_the_sequencer_refuses_to_sign_with_a_key_that_is_not_the_configured_one(settings, member):
    settings.LOG_PUBLIC_KEY = signing.public_key_b64(Ed25519PrivateKey.generate().public_key())
    award_points(member=member, amount=5, reason="x")
    with pytest.raises(ImproperlyConfigured, match="not the one JIFEN_LOG_PUBLIC_KEY names"):
        seal(member.programme)
    assert not TreeHead.objects.exists()


def test_the_sequencer_signs_when_the_configured_key_is_its_own(settings, member):
    settings.LOG_PUBLIC_KEY = signing.public_key_b64(signing.signing_key().public_key())
    award_points(member=member, amount=5, reason="x")
    assert seal(member.programme) == 1 and TreeHead.objects.count() == 1
