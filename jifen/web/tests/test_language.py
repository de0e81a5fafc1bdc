"""Which language a page is in: the URL's, kept when signing in unless the person chose one
from the menu; the menu names every language in itself."""

import pytest

from jifen.accounts.models import User
from jifen.testing import PASSWORD

LANGUAGES = ["zh-hans", "en", "fr"]


def sign_in(client, login, language):
    return client.post(f"/{language}/login/", {"username": login, "password": PASSWORD})


@pytest.mark.parametrize("language", LANGUAGES)
def test_signing_in_keeps_the_language_of_the_login_page(client, admin, resident, language):
    assert sign_in(client, "admin", language)["Location"] == f"/{language}/p/xingfuli/console/"
    client.post(f"/{language}/logout/")
    assert sign_in(client, "13800138000", language)["Location"] == f"/{language}/p/xingfuli/me/"


def test_a_resident_invited_in_chinese_has_chosen_no_language(resident):
    assert resident.language == ""


def test_a_language_chosen_from_the_menu_is_kept_at_the_next_sign_in(client, resident):
    client.force_login(resident)
    response = client.post("/i18n/setlang/", {"language": "fr", "next": "/zh-hans/p/xingfuli/me/"})
    assert response["Location"] == "/fr/p/xingfuli/me/"
    assert User.objects.get(pk=resident.pk).language == "fr"
    client.post("/fr/logout/")
    assert sign_in(client, "13800138000", "en")["Location"] == "/fr/p/xingfuli/me/"


def test_a_signed_out_visitor_choosing_a_language_gets_only_the_cookie(client, resident):
    response = client.post("/i18n/setlang/", {"language": "fr", "next": "/zh-hans/"})
    assert response["Location"] == "/fr/"
    assert response.cookies["django_language"].value == "fr"
    assert User.objects.get(pk=resident.pk).language == ""


def test_an_unknown_language_is_not_remembered(client, resident):
    client.force_login(resident)
    client.post("/i18n/setlang/", {"language": "xx", "next": "/en/"})
    assert User.objects.get(pk=resident.pk).language == ""


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_menu_names_each_language_in_itself(client, db, language):
    page = client.get(f"/{language}/").text
    for code, name in [("zh-hans", "简体中文"), ("en", "English"), ("fr", "Français")]:
        assert f'<option value="{code}" lang="{code}"' in page
        assert f">{name}</option>" in page
