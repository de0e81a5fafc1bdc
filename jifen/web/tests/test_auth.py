"""Signing in (with throttling), signing out, and accepting an invitation."""

import logging
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from jifen.programmes import services
from jifen.programmes.models import Invitation, Role, RoleKind
from jifen.testing import PASSWORD, make_staff

LOGIN = "/en/login/"
STRONG = "plum blossom 1987"


@pytest.fixture(autouse=True)
def throttle(settings, db):
    """Small limits, so that a few attempts reach them."""
    settings.LOGIN_FREE_FAILURES = 3
    settings.LOGIN_ADDRESS_FREE_FAILURES = 10
    settings.LOGIN_FIRST_DELAY_SECONDS = 30
    settings.LOGIN_MAX_DELAY_SECONDS = 900
    settings.LOGIN_WINDOW_SECONDS = 900


def sign_in(client, login, password=PASSWORD, ip="10.1.0.1", path=LOGIN, **extra):
    return client.post(path, {"username": login, "password": password, **extra}, REMOTE_ADDR=ip)


# Signing in -----------------------------------------------------------------------------


def test_shows_the_sign_in_form(client, db):
    response = client.get(LOGIN)
    assert response.status_code == 200
    assert b'name="username"' in response.content and b'name="password"' in response.content


@pytest.mark.parametrize(
    "login",
    [
        "13800138000",
        "138 0013 8000",
        "+86 138 0013 8000",
        "+8613800138000",
        "0086-138-0013-8000",
    ],
)
def test_signs_a_resident_in_with_their_phone_in_any_usual_format(client, resident, login):
    response = sign_in(client, login)
    assert response.status_code == 302
    assert response["Location"] == "/en/p/xingfuli/me/"  # the login page's language
    assert client.session["_auth_user_id"] == str(resident.pk)


def test_signs_staff_in_with_a_username_and_opens_their_console(client, admin):
    response = sign_in(client, "admin")
    assert response.status_code == 302
    assert response["Location"] == "/en/p/xingfuli/console/"


def test_opens_the_home_page_for_someone_in_several_programmes(client, admin, other_programme):
    Role.objects.create(user=admin, programme=other_programme, kind=RoleKind.AUDITOR)
    assert sign_in(client, "admin")["Location"] == "/en/"


def test_follows_a_safe_next_address(client, admin):
    response = sign_in(client, "admin", next="/en/p/xingfuli/console/residents/")
    assert response["Location"] == "/en/p/xingfuli/console/residents/"


def test_ignores_a_next_address_on_another_site(client, admin):
    response = sign_in(client, "admin", next="https://evil.example/steal")
    assert response["Location"] == "/en/p/xingfuli/console/"


def test_switches_to_the_users_saved_language_and_remembers_it(client, resident):
    resident.language = "fr"
    resident.save()
    response = sign_in(client, "13800138000", next="/zh-hans/p/xingfuli/me/")
    assert response["Location"] == "/fr/p/xingfuli/me/"
    assert response.cookies["django_language"].value == "fr"


def test_refuses_a_wrong_password_with_a_clear_message(client, resident):
    response = sign_in(client, "13800138000", password="wrong")
    assert response.status_code == 422
    assert b"The phone number or username and the password do not match." in response.content
    assert "_auth_user_id" not in client.session


# Throttling -----------------------------------------------------------------------------


def test_makes_one_account_wait_from_one_address_and_says_for_how_long(client, resident):
    for _ in range(3):
        assert sign_in(client, "13800138000", password="wrong").status_code == 422
    response = sign_in(client, "13800138000")
    assert response.status_code == 429
    assert b"Too many failed attempts; try again in 30 seconds." in response.content
    assert response["Retry-After"] == "30"
    assert "_auth_user_id" not in client.session


def test_the_wait_grows_with_each_further_failure(client, resident):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        waits = []
        for _ in range(3):
            sign_in(client, "13800138000", password="wrong")
        for _ in range(4):
            waits.append(int(sign_in(client, "13800138000", password="wrong")["Retry-After"]))
            clock.shift(timedelta(seconds=waits[-1]))
            assert sign_in(client, "13800138000", password="wrong").status_code == 422
    assert waits == [30, 60, 120, 240]


def test_an_attacker_failing_from_other_addresses_never_keeps_the_owner_out(client, resident):
    for n in range(100):
        assert sign_in(
            client, "138 0013 8000", password=f"guess{n}", ip=f"10.2.{n % 25}.9"
        ).status_code in (422, 429)
    response = sign_in(client, "+86 13800138000", ip="192.168.7.7")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(resident.pk)


def test_typos_for_one_account_leave_another_behind_the_same_address_alone(client, resident, admin):
    for _ in range(4):
        sign_in(client, "admin", password="wrong", ip="10.3.0.1")
    assert sign_in(client, "admin", ip="10.3.0.1").status_code == 429
    assert sign_in(client, "13800138000", ip="10.3.0.1").status_code == 302


def test_an_address_guessing_at_many_accounts_waits_after_its_own_limit(client, resident):
    for n in range(10):
        assert sign_in(client, f"user{n}", password="wrong", ip="10.3.0.2").status_code == 422
    assert sign_in(client, "13800138000", ip="10.3.0.2").status_code == 429
    assert sign_in(client, "13800138000", ip="10.3.0.3").status_code == 302


def test_a_successful_sign_in_forgets_that_accounts_failures_from_that_address(client, resident):
    for _ in range(2):
        sign_in(client, "13800138000", password="wrong", ip="10.4.0.1")
    assert sign_in(client, "13800138000", ip="10.4.0.1").status_code == 302
    client.post("/en/logout/")
    for _ in range(3):
        assert sign_in(client, "13800138000", password="wrong", ip="10.4.0.1").status_code == 422


def test_lets_the_resident_in_again_once_the_wait_is_over(client, resident):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(3):
            sign_in(client, "13800138000", password="wrong")
        clock.shift(timedelta(seconds=30))
        assert sign_in(client, "13800138000").status_code == 302


def test_the_operators_sign_in_is_throttled_too(client, db):
    def attempt():
        return client.post(
            "/operators/login/",
            {"username": "root", "password": "x"},
            REMOTE_ADDR="10.6.0.1",
            HTTP_ACCEPT_LANGUAGE="en",
        )

    for _ in range(3):
        assert "Too many failed attempts" not in attempt().content.decode()
    assert "Too many failed attempts; try again in 30 seconds." in attempt().content.decode()


def test_never_logs_the_phone_number(client, resident, caplog):
    caplog.set_level(logging.DEBUG)
    for _ in range(4):
        sign_in(client, "138 0013 8000", password="wrong")
    assert caplog.records
    assert "138" not in caplog.text.replace("10.1.0.1", "")


# Signing out ----------------------------------------------------------------------------


def test_signs_out_only_by_post(client, resident):
    client.force_login(resident)
    assert client.get("/en/logout/").status_code == 405
    response = client.post("/en/logout/")
    assert response.status_code == 302 and response["Location"] == "/en/"
    assert "_auth_user_id" not in client.session


# Invitations ----------------------------------------------------------------------------


@pytest.fixture
def token(admin, member):
    _, token = services.create_invitation(actor=admin, member=member)
    return token


def accept(client, token, password=STRONG, confirm=None, language="en"):
    return client.post(
        f"/{language}/invite/{token}/", {"password": password, "confirm": confirm or password}
    )


@pytest.mark.parametrize("language", ["zh-hans", "en", "fr"])
def test_shows_the_invitation_in_any_language(client, token, language):
    response = client.get(f"/{language}/invite/{token}/")
    assert response.status_code == 200
    assert f'<html lang="{language}">'.encode() in response.content
    assert "王秀英" in response.text and "幸福里社区" in response.text
    assert "13800138000" not in response.text


def test_accepting_sets_the_password_and_signs_the_resident_in(client, token, member):
    response = accept(client, token, language="fr")
    assert response.status_code == 302 and response["Location"] == "/fr/p/xingfuli/me/"
    member.refresh_from_db()
    assert member.user is not None and member.user.check_password(STRONG)
    assert client.session["_auth_user_id"] == str(member.user.pk)
    assert client.get(response["Location"]).status_code == 200


def test_the_new_password_works_for_signing_in(client, token):
    accept(client, token)
    client.post("/en/logout/")
    assert sign_in(client, "138-0013-8000", password=STRONG).status_code == 302


def test_refuses_an_unknown_link_with_410(client, db):
    response = client.get("/en/invite/not-a-real-token/")
    assert response.status_code == 410
    assert "expired, been used or been replaced" in response.text


def test_refuses_an_expired_invitation(client, token):
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        assert client.get(f"/en/invite/{token}/").status_code == 410
        assert accept(client, token).status_code == 410


def test_refuses_an_invitation_used_once_already(client, token, member):
    accept(client, token)
    client.post("/en/logout/")
    assert client.get(f"/en/invite/{token}/").status_code == 410
    response = accept(client, token, password="another good one 42")
    assert response.status_code == 410
    member.refresh_from_db()
    assert member.user.check_password(STRONG)


def test_refuses_an_invitation_replaced_by_a_newer_one(client, admin, member, token):
    _, newer = services.create_invitation(actor=admin, member=member)
    assert client.get(f"/en/invite/{token}/").status_code == 410
    assert accept(client, newer).status_code == 302


def test_refuses_a_weak_password_and_keeps_the_invitation_usable(client, token, member):
    response = accept(client, token, password="123456")
    assert response.status_code == 422
    assert "This password is too common." in response.text
    assert Invitation.objects.get(member=member).used_at is None
    assert "_auth_user_id" not in client.session
    assert accept(client, token).status_code == 302


def test_refuses_two_different_passwords(client, token, member):
    response = accept(client, token, password=STRONG, confirm=STRONG + "x")
    assert response.status_code == 422
    assert "The two passwords are not the same." in response.text
    member.refresh_from_db()
    assert member.user is None


def test_an_invitation_for_a_staff_account_keeps_its_other_roles(client, programme, member):
    staff = make_staff(programme=programme, kind=RoleKind.ORGANIZER, username="helper")
    _, token = services.create_invitation(actor=staff, member=member)
    assert accept(client, token).status_code == 302
    assert Role.objects.filter(user=staff).count() == 1
