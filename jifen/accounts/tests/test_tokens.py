import pytest
from django.urls import reverse

from jifen.accounts.models import PersonalToken
from jifen.accounts.services import (
    TokenNameRequired,
    create_personal_token,
    revoke_personal_token,
)
from jifen.audit.models import AuditEntry
from jifen.lib.errors import NotFound
from jifen.testing import make_user

# Services


def test_creates_a_token_storing_only_the_hash_of_its_key(db):
    user = make_user()
    token, key = create_personal_token(user=user, name=" phone app ")
    assert key.startswith("jf_") and len(key) > 40
    assert token.name == "phone app"
    assert token.key_hash == PersonalToken.hash_key(key)
    assert key not in str(PersonalToken.objects.filter(pk=token.pk).values().get())


def test_records_the_creation_without_the_key(db):
    user = make_user()
    token, key = create_personal_token(user=user, name="script")
    entry = AuditEntry.objects.get(action="token.create")
    assert (entry.actor, entry.target_id) == (user, str(token.pk))
    assert key not in str(entry.data) + entry.target_repr


@pytest.mark.parametrize("name", ["", "   ", "x" * 101])
def test_refuses_a_missing_or_overlong_name(db, name):
    with pytest.raises(TokenNameRequired):
        create_personal_token(user=make_user(), name=name)
    assert not PersonalToken.objects.exists()
    assert not AuditEntry.objects.filter(action="token.create").exists()


def test_revokes_a_token_once(db):
    user = make_user()
    token, _ = create_personal_token(user=user, name="script")
    revoke_personal_token(user=user, token=token)
    revoked_at = token.revoked_at
    revoke_personal_token(user=user, token=token)
    assert revoked_at is not None and token.revoked_at == revoked_at
    assert AuditEntry.objects.filter(action="token.revoke").count() == 1


def test_refuses_to_revoke_someone_elses_token(db):
    token, _ = create_personal_token(user=make_user(), name="script")
    with pytest.raises(NotFound):
        revoke_personal_token(user=make_user(), token=token)
    token.refresh_from_db()
    assert token.revoked_at is None


# The page


def test_the_page_needs_a_signed_in_user(client, db):
    response = client.get(reverse("api_tokens"))
    assert response.status_code == 302


def test_shows_a_new_key_once(client, db):
    user = make_user()
    client.force_login(user)
    response = client.post(reverse("api_tokens"), {"name": "script"})
    assert response.status_code == 200
    token = PersonalToken.objects.get(user=user)
    key = response.context["new_key"]
    assert token.key_hash == PersonalToken.hash_key(key) and key in response.content.decode()
    later = client.get(reverse("api_tokens")).content.decode()
    assert "script" in later and key not in later


def test_refuses_an_empty_name_on_the_page(client, db):
    client.force_login(make_user())
    response = client.post(reverse("api_tokens"), {"name": ""})
    assert response.status_code == 422
    assert not PersonalToken.objects.exists()


def test_revokes_a_token_from_the_page(client, db):
    user = make_user()
    token, _ = create_personal_token(user=user, name="script")
    client.force_login(user)
    response = client.post(reverse("api_token_revoke", args=[token.pk]))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_cannot_revoke_someone_elses_token_from_the_page(client, db):
    token, _ = create_personal_token(user=make_user(), name="script")
    client.force_login(make_user())
    response = client.post(reverse("api_token_revoke", args=[token.pk]))
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
