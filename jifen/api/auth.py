"""Who is calling: a personal token (`Authorization: Bearer jf_…`) or the browser session.
Session calls that change something must carry the CSRF token; token calls need none, since
a browser never attaches a bearer token by itself."""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from jifen.accounts.models import PersonalToken, User
from jifen.api.errors import CsrfFailed, Unauthenticated

# Recording every use would turn each read into a write; once a minute is enough to see
# which tokens are still in use.
TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)
TOKEN_PREFIX = "jf_"


class ApiRequest(HttpRequest):
    """The request of an endpoint that requires authentication: the router's `auth` has
    set `request.auth` to the calling user before the endpoint runs."""

    auth: User


def user_for_token(key: str) -> User | None:
    """The active user owning this unrevoked token key, else None."""
    if not key.startswith(TOKEN_PREFIX):
        return None
    token = (
        PersonalToken.objects.select_related("user")
        .filter(key_hash=PersonalToken.hash_key(key), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    _touch(token)
    return token.user


def _touch(token: PersonalToken) -> None:
    now = timezone.now()
    if token.last_used_at and token.last_used_at > now - TOKEN_TOUCH_INTERVAL:
        return
    stale = Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - TOKEN_TOUCH_INTERVAL)
    PersonalToken.objects.filter(stale, pk=token.pk).update(last_used_at=now)


class TokenAuth(HttpBearer):
    """A personal token. A wrong or revoked token is refused outright, even if the request
    also carries a session: the client said who it is, and it was wrong."""

    def authenticate(self, request: HttpRequest, token: str) -> User:
        user = user_for_token(token)
        if user is None:
            raise Unauthenticated()
        request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """Django's session, as ninja's `django_auth`, with the CSRF check for unsafe methods
    made only once a user is signed in (so anonymous calls get 401, not a CSRF refusal)."""

    param_name = settings.SESSION_COOKIE_NAME

    def __call__(self, request: HttpRequest) -> Any:
        return self.authenticate(request, None)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        if not request.user.is_authenticated:
            return None
        if self.csrf and check_csrf(request) is not None:
            raise CsrfFailed()
        return request.user
