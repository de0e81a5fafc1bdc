import logging

import pytest
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import translation
from ninja import NinjaAPI
from ninja.testing import TestClient

from jifen.api.errors import NOT_FOUND, install_error_handlers
from jifen.programmes.models import Member


def test_validation_errors_use_the_one_format(api_as, admin, programme, member_body):
    del member_body["display_name"]
    response = api_as(admin).post(f"/programmes/{programme.slug}/members", member_body)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_input"
    assert isinstance(body["detail"], str)
    assert body["errors"][0]["loc"] == ["body", "payload", "display_name"]
    assert not Member.objects.filter(community__programme=programme).exists()


def test_refuses_a_body_that_is_not_json_in_the_one_format(api_as, admin, programme):
    response = api_as(admin).client.post(
        f"/api/v1/programmes/{programme.slug}/members", "{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_json"


def test_a_missing_object_uses_the_one_format(api_as, admin):
    response = api_as(admin).get("/programmes/no-such-programme")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": str(NOT_FOUND)}


@pytest.mark.parametrize("language", ["fr", "en", "zh-hans"])
def test_detail_follows_the_request_language_and_code_never_changes(api_as, admin, language):
    response = api_as(admin).get("/programmes/no-such-programme", **{"Accept-Language": language})
    with translation.override(language):
        expected = str(NOT_FOUND)
    assert response.json() == {"code": "not_found", "detail": expected}


def test_model_validation_errors_use_the_one_format():
    api = NinjaAPI(urls_namespace="test-model-errors")
    install_error_handlers(api)

    @api.get("/invalid")
    def invalid(request):
        raise DjangoValidationError({"timezone": ["Unknown time zone."]})

    response = TestClient(api).get("/invalid")
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"
    assert response.json()["errors"] == [{"loc": ["timezone"], "msg": "Unknown time zone."}]


def test_unexpected_errors_become_server_error_without_internals(caplog):
    api = NinjaAPI(urls_namespace="test-errors")
    install_error_handlers(api)

    @api.get("/boom")
    def boom(request):
        raise RuntimeError("secret internals")

    with caplog.at_level(logging.ERROR, logger="jifen.api"):
        response = TestClient(api).get("/boom")
    assert response.status_code == 500
    assert response.json()["code"] == "server_error"
    assert "secret" not in response.content.decode()
    assert "secret internals" in caplog.text


def test_an_api_body_over_the_limit_is_refused_in_the_api_format(
    api_with_token, admin, programme, settings
):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    body = {"member": "x", "amount": 5, "reason": "y" * 20_000}
    response = api_with_token(admin).post("/programmes/xingfuli/awards", body)
    assert response.status_code == 413  # refused at the edge, before the body is read
    assert response.json()["code"] == "request_too_large"
