"""The edge of the API (jifen.middleware): refusals before any view, in the one error format,
with stable codes and a detail in the request's language."""

from django.utils import translation

from jifen.lib.storable import UnstorableText
from jifen.middleware import RequestTooLarge

API = "/api/v1"


def test_a_nul_in_the_path_is_refused_with_invalid_text_in_the_callers_language(client, programme):
    response = client.get(
        f"{API}/programmes/{programme.slug}/log/inclusion/%00", HTTP_ACCEPT_LANGUAGE="fr"
    )
    assert response.status_code == 400
    with translation.override("fr"):
        assert response.json() == {"code": "invalid_text", "detail": str(UnstorableText.message)}


def test_a_body_over_the_memory_limit_is_refused_as_too_large(client, admin, programme, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    client.force_login(admin)
    body = '{"reason": "' + "x" * 2_000 + '"}'
    response = client.post(f"{API}/programmes/{programme.slug}/awards", body, "application/json")
    assert response.status_code == 413
    assert response.json()["code"] == RequestTooLarge.code


def test_a_request_over_the_whole_limit_is_refused_unread(client, admin, programme, settings):
    settings.MAX_REQUEST_BYTES = 1_000
    client.force_login(admin)
    response = client.post(f"{API}/programmes/{programme.slug}/awards", "x" * 2_000, "text/plain")
    assert (response.status_code, response.json()["code"]) == (413, "request_too_large")


def test_a_form_with_too_many_fields_is_refused_with_its_own_code(client, admin, programme):
    client.force_login(admin)
    body = "&".join(f"f{n}=1" for n in range(1_100))
    response = client.post(
        f"{API}/programmes/{programme.slug}/awards", body, "application/x-www-form-urlencoded"
    )
    assert (response.status_code, response.json()["code"]) == (400, "too_many_fields")


def test_a_number_beyond_64_bits_anywhere_in_a_body_is_refused(client, admin, programme):
    client.force_login(admin)
    body = '{"member": "m", "amount": 5, "reason": "ok", "extra": [[9223372036854775808]]}'
    response = client.post(f"{API}/programmes/{programme.slug}/awards", body, "application/json")
    assert (response.status_code, response.json()["code"]) == (400, "invalid_number")


def test_a_body_that_is_not_json_is_left_to_the_api(client, admin, programme):
    client.force_login(admin)
    response = client.post(f"{API}/programmes/{programme.slug}/awards", "{", "application/json")
    assert (response.status_code, response.json()["code"]) == (400, "invalid_json")


def test_a_web_form_over_the_memory_limit_gets_the_400_page(client, admin, programme, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    client.force_login(admin)
    response = client.post(f"/en/p/{programme.slug}/console/communities/", {"name": "x" * 2_000})
    assert response.status_code == 400
    assert "json" not in response["Content-Type"]
