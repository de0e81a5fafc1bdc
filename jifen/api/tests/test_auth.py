from datetime import timedelta

import time_machine
from django.test import Client
from django.utils import timezone

from jifen.accounts.models import PersonalToken
from jifen.accounts.services import create_personal_token, revoke_personal_token
from jifen.api.tests.conftest import API, ApiClient
from jifen.programmes.models import Member


def test_refuses_an_anonymous_call_with_401_in_the_one_format(api_as):
    response = api_as(None).get("/me")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
    assert response.json()["detail"]


def test_accepts_a_personal_token(admin):
    _, key = create_personal_token(user=admin, name="script")
    response = ApiClient(Client(), {"Authorization": f"Bearer {key}"}).get("/me")
    assert response.status_code == 200
    assert response.json()["user"]["username"] == "admin"


def test_refuses_a_revoked_token(admin):
    token, key = create_personal_token(user=admin, name="script")
    revoke_personal_token(user=admin, token=token)
    response = ApiClient(Client(), {"Authorization": f"Bearer {key}"}).get("/me")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_refuses_a_wrong_token_even_when_a_session_is_signed_in(admin):
    client = Client()
    client.force_login(admin)
    response = ApiClient(client, {"Authorization": "Bearer jf_not-a-real-key"}).get("/me")
    assert response.status_code == 401


def test_refuses_the_token_of_a_deactivated_user(admin):
    _, key = create_personal_token(user=admin, name="script")
    admin.is_active = False
    admin.save()
    response = ApiClient(Client(), {"Authorization": f"Bearer {key}"}).get("/me")
    assert response.status_code == 401


def test_records_token_use_at_most_once_a_minute(admin):
    token, key = create_personal_token(user=admin, name="script")
    api = ApiClient(Client(), {"Authorization": f"Bearer {key}"})
    with time_machine.travel(timezone.now(), tick=False) as clock:
        api.get("/me")
        first = PersonalToken.objects.get(pk=token.pk).last_used_at
        clock.shift(timedelta(seconds=30))
        api.get("/me")
        assert PersonalToken.objects.get(pk=token.pk).last_used_at == first
        clock.shift(timedelta(seconds=31))
        api.get("/me")
        assert PersonalToken.objects.get(pk=token.pk).last_used_at > first


def test_refuses_a_session_write_without_the_csrf_token(admin, programme, member_body):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin)
    response = ApiClient(client).post(f"/programmes/{programme.slug}/members", member_body)
    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"
    assert not Member.objects.filter(display_name="李建国").exists()


def test_accepts_a_session_write_with_the_csrf_token(admin, programme, member_body):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin)
    client.get(f"{API}/docs")  # any page that uses the token sets the CSRF cookie
    csrf = client.cookies["csrftoken"].value
    response = ApiClient(client).post(
        f"/programmes/{programme.slug}/members", member_body, **{"X-CSRFToken": csrf}
    )
    assert response.status_code == 201


def test_token_writes_need_no_csrf_token(admin, programme, member_body, api_with_token):
    response = api_with_token(admin).post(f"/programmes/{programme.slug}/members", member_body)
    assert response.status_code == 201
