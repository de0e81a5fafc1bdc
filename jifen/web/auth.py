"""Signing in and out. (Invitations, which also sign people in, are in invitations.py.)"""

import logging

from django.conf import settings
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import NON_FIELD_ERRORS
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
from jifen.accounts.throttle import TooManyAttempts, client_ip
from jifen.programmes.queries import programmes_of

logger = logging.getLogger(__name__)
BACKEND = "jifen.accounts.backends.PhoneOrUsernameBackend"


# The form lives beside its only view; move it to web/forms.py if another module needs it.
class LoginForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("The phone number or username and the password do not match."),
    }


@sensitive_post_parameters("password")
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _login_page(request, LoginForm(request))
    form = LoginForm(request, data=request.POST)
    try:
        if form.is_valid():  # the backend throttles the password check
            return _sign_in(request, form.get_user())
    except TooManyAttempts as error:
        logger.warning("Sign-in refused from %s: too many failures", client_ip(request))
        form = LoginForm(request, initial={"username": request.POST.get("username", "")})
        response = _login_page(request, form, locked=str(error), status=429)
        response["Retry-After"] = str(error.retry_after)
        return response
    if form.has_error(NON_FIELD_ERRORS, "invalid_login"):
        logger.info("Sign-in failed from %s", client_ip(request))  # never the login: a phone
    return _login_page(request, form, status=422)


def _login_page(
    request: HttpRequest, form: LoginForm, *, locked: str = "", status: int = 200
) -> HttpResponse:
    context = {"form": form, "locked": locked, "next": _safe_next(request) or ""}
    return render(request, "web/login.html", context, status=status)


def _sign_in(request: HttpRequest, user: User) -> HttpResponse:
    """Start the session and send them where they work: in the language they chose from the
    menu once (User.language), else in the login page's."""
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


urlpatterns = [
    path("login/", login_view, name="login"),
    path("logout/", logout_view, name="logout"),
]
