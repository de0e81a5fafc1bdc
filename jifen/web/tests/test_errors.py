"""Error pages answer in the URL's language (or, without a prefix, the visitor's), styled like
every page; under /api/ in the API's format; a signed-out visit to the console is asked to
sign in instead."""

import pytest
from django.test import Client, RequestFactory
from django.utils import translation

from jifen.programmes import services
from jifen.testing import make_user
from jifen.web.errors import permission_denied, server_error

LANGUAGES = ["zh-hans", "en", "fr"]


def in_language(language: str, text: str) -> str:
    with translation.override(language):
        return translation.gettext(text)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_missing_page_answers_in_the_language_of_its_address(client, db, language):
    response = client.get(f"/{language}/no/such/page/")
    assert response.status_code == 404
    assert f'<html lang="{language}">' in response.text
    assert f"<h1>{in_language(language, 'Page not found')}</h1>" in response.text
    assert 'href="/static/jifen/app.css"' in response.text  # styled like every page


def test_a_missing_page_without_a_language_prefix_answers_in_the_visitors(client, db):
    response = client.get("/no/such/page/", headers={"accept-language": "fr"})
    assert response.status_code == 404 and '<html lang="fr">' in response.text


def test_a_missing_programme_page_for_a_signed_in_outsider_is_a_translated_404(
    client, programme, resident
):
    client.force_login(make_user())
    response = client.get("/fr/p/xingfuli/me/")
    assert response.status_code == 404 and '<html lang="fr">' in response.text


def test_an_unknown_api_address_answers_in_the_api_format(client, db):
    response = client.get("/api/v1/no/such/thing", headers={"accept-language": "fr"})
    assert response.status_code == 404
    assert response.json() == {
        "code": "not_found",
        "detail": in_language("fr", "There is no page at this address, or you may not see it."),
    }


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("page", ["", "residents/", "settings/", "residents/abc123/points/"])
def test_a_signed_out_visit_to_the_console_is_asked_to_sign_in(client, programme, language, page):
    address = f"/{language}/p/xingfuli/console/{page}"
    response = client.get(address)
    assert response.status_code == 302
    assert response["Location"] == f"/{language}/login/?next={address}"


def test_a_signed_out_visit_to_an_unknown_programmes_console_looks_the_same(client, db):
    response = client.get("/en/p/nowhere/console/")
    assert response["Location"] == "/en/login/?next=/en/p/nowhere/console/"


def test_a_signed_in_visitor_who_is_not_staff_gets_the_translated_404(client, resident):
    client.force_login(resident)
    response = client.get("/fr/p/xingfuli/console/")
    assert response.status_code == 404 and '<html lang="fr">' in response.text


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_body_over_the_upload_limit_gets_the_translated_400(client, db, settings, language):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = client.post(f"/{language}/login/", {"username": "x" * 20_000, "password": "p"})
    assert response.status_code == 400
    assert f'<html lang="{language}">' in response.text
    assert in_language(language, "Too much at once") in response.text


def test_too_many_fields_get_the_same_400(client, db, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    response = client.post("/fr/login/", {f"f{i}": "1" for i in range(20)})
    assert response.status_code == 400 and '<html lang="fr">' in response.text


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_refused_csrf_check_gets_a_translated_page(db, language):
    response = Client(enforce_csrf_checks=True).post(f"/{language}/login/", {"username": "x"})
    assert response.status_code == 403
    assert f'<html lang="{language}">' in response.text
    assert in_language(language, "The form has expired") in response.text


def test_a_forbidden_page_answers_in_its_language(db):
    request = RequestFactory().get("/fr/p/xingfuli/console/")
    request.user = make_user()
    request.session = {}
    response = permission_denied(request, PermissionError())
    assert response.status_code == 403 and b'<html lang="fr">' in response.content


def test_the_server_error_page_needs_no_database_and_answers_in_its_language():
    response = server_error(RequestFactory().get("/fr/p/xingfuli/"))
    assert response.status_code == 500
    assert b'<html lang="fr">' in response.content
    assert in_language("fr", "Something went wrong").encode() in response.content


@pytest.mark.parametrize(
    ("language", "words"), [("zh-hans", "密码长度太短"), ("fr", "trop court"), ("en", "too short")]
)
def test_a_short_password_is_explained_in_the_invitations_language(client, member, language, words):
    _, token = services.create_invitation(actor=make_user(), member=member)
    response = client.post(f"/{language}/invite/{token}/", {"password": "a1", "confirm": "a1"})
    assert response.status_code == 422
    assert words in response.text
