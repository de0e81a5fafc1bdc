"""Signing in and out, and accepting an invitation (setting a first password)."""

import logging

from django import forms
from django.conf import settings
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.password_validation import password_validators_help_text_html
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse, translate_url
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from jifen.accounts.models import User
from jifen.accounts.throttle import (
    TooManyAttempts,
    check_allowed,
    client_ip,
    record_failure,
    record_success,
)
from jifen.programmes import services
from jifen.programmes.errors import InvitationInvalid
from jifen.programmes.models import Invitation
from jifen.programmes.queries import programmes_of
from jifen.web.forms import PASSWORD_MAX_LENGTH

logger = logging.getLogger(__name__)
BACKEND = "jifen.accounts.backends.PhoneOrUsernameBackend"


# Forms live beside their only views; move them to web/forms.py if another module needs them.
class LoginForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("The phone number or username and the password do not match."),
    }


class SetPasswordForm(forms.Form):
    password = forms.CharField(
        label=_("New password"),
        max_length=PASSWORD_MAX_LENGTH,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    confirm = forms.CharField(
        label=_("Repeat the password"),
        max_length=PASSWORD_MAX_LENGTH,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("password") and data.get("confirm") and data["password"] != data["confirm"]:
            self.add_error("confirm", _("The two passwords are not the same."))
        return data


@sensitive_post_parameters("password")
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _login_page(request, LoginForm(request))
    form = LoginForm(request, data=request.POST)
    login_name, ip = request.POST.get("username", ""), client_ip(request)
    try:
        check_allowed(login_name, ip)  # before the password: a locked login learns nothing
        if form.is_valid():
            return _sign_in(request, form.get_user(), login_name)
        if form.has_error(NON_FIELD_ERRORS, "invalid_login"):
            logger.info("Sign-in failed from %s", ip)  # never the login: it may be a phone
            record_failure(login_name, ip)
            check_allowed(login_name, ip)  # say so at once when this failure locked it
    except TooManyAttempts as error:
        logger.warning("Sign-in refused from %s: too many failures", ip)
        form = LoginForm(request, initial={"username": login_name})
        response = _login_page(request, form, locked=str(error), status=429)
        response["Retry-After"] = str(error.retry_after)
        return response
    return _login_page(request, form, status=422)


def _login_page(
    request: HttpRequest, form: LoginForm, *, locked: str = "", status: int = 200
) -> HttpResponse:
    context = {"form": form, "locked": locked, "next": _safe_next(request) or ""}
    return render(request, "web/login.html", context, status=status)


def _sign_in(request: HttpRequest, user: User, login_name: str) -> HttpResponse:
    """Start the session in the user's saved language and send them where they work."""
    record_success(login_name)
    auth_login(request, user)
    language = user.language if user.language in dict(settings.LANGUAGES) else None
    target = _safe_next(request)
    if target and language:
        # Resolve `next` in the language of its own prefix, then reverse it in the user's.
        with translation.override(translation.get_language_from_path(target)):
            target = translate_url(target, language)
    if language:
        translation.activate(language)
        request.LANGUAGE_CODE = language
    response = redirect(target or _default_url(user))
    if language:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            samesite="Lax",
        )
    return response


def _safe_next(request: HttpRequest) -> str | None:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


def _default_url(user: User) -> str:
    """The one programme's console (staff) or resident page, else the home page."""
    entries = programmes_of(user)
    if len(entries) == 1:
        entry = entries[0]
        if entry.is_staff:
            return reverse("console", args=[entry.programme.slug])
        if entry.member is not None:
            return reverse("resident-home", args=[entry.programme.slug])
    return reverse("home")


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    auth_logout(request)  # flushes the session, so acting on behalf of someone ends too
    return redirect("home")


@sensitive_post_parameters("password", "confirm")
@never_cache
@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invite = services.open_invitation(token)
    except InvitationInvalid as error:
        return _invitation_gone(request, error)
    form = SetPasswordForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        return _accept(request, invite, token, form)
    return _invitation_page(request, invite, form)


def _accept(
    request: HttpRequest, invite: Invitation, token: str, form: SetPasswordForm
) -> HttpResponse:
    try:
        user = services.accept_invitation(token=token, password=form.cleaned_data["password"])
    except ValidationError as error:  # a weak password; the invitation stays usable
        form.add_error("password", error)
        return _invitation_page(request, invite, form)
    except InvitationInvalid as error:  # used from another device a moment ago
        return _invitation_gone(request, error)
    auth_login(request, user, backend=BACKEND)
    return redirect("resident-home", slug=invite.programme.slug)


def _invitation_page(
    request: HttpRequest, invite: Invitation, form: SetPasswordForm
) -> HttpResponse:
    context = {
        "invitation": invite,
        "member": invite.member,
        "programme": invite.programme,
        "form": form,
        "password_help": password_validators_help_text_html(),
    }
    status = 422 if form.is_bound else 200
    return render(request, "web/invitation.html", context, status=status)


def _invitation_gone(request: HttpRequest, error: InvitationInvalid) -> HttpResponse:
    return render(request, "web/invitation_invalid.html", {"error": error}, status=error.status)


urlpatterns = [
    path("login/", login_view, name="login"),
    path("logout/", logout_view, name="logout"),
    path("invite/<str:token>/", invitation, name="invitation"),
]
