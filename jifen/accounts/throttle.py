"""Login throttling against password guessing, shared by the web sign-in and the API.

Failures are counted twice: per login (the account named, whether it exists or not) and per
client address. Either count reaching settings.LOGIN_FAILURE_LIMIT locks that login or that
address for settings.LOGIN_LOCKOUT_SECONDS, and a locked login is refused even with the right
password. Counters live in Django's default cache (the database cache in production), keyed by
a hash so that phone numbers never reach the cache table.

The address is request.META["REMOTE_ADDR"]. Behind a reverse proxy, configure the server to
rewrite it from the proxy's header (waitress: --trusted-proxy); otherwise every visitor shares
the proxy's address and its counter.
"""

import hashlib
import math
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from jifen.lib.errors import DomainError, InvalidPhone
from jifen.lib.phones import normalise_phone


class TooManyAttempts(DomainError):
    """Refused before checking the password: too many recent failures for this login or
    address. `retry_after` is the number of seconds until the lock lifts."""

    code = "too_many_attempts"
    message = _("Too many failed attempts; try again later.")
    status = 429

    def __init__(self, *, retry_after: int) -> None:
        self.retry_after = retry_after
        minutes = max(1, math.ceil(retry_after / 60))
        text = ngettext(
            "Too many failed attempts; try again in %(minutes)d minute.",
            "Too many failed attempts; try again in %(minutes)d minutes.",
            minutes,
        ) % {"minutes": minutes}
        super().__init__(text)
        self.params = {"minutes": minutes}


def check_allowed(login: str, ip: str | None) -> None:
    """Raise TooManyAttempts if the login or the address is locked; otherwise return."""
    now = time.time()
    for key in _keys(login, ip):
        locked_until = (cache.get(key) or {}).get("locked_until")
        if locked_until and locked_until > now:
            raise TooManyAttempts(retry_after=math.ceil(locked_until - now))


def record_failure(login: str, ip: str | None) -> None:
    """Count one failed attempt against the login and the address; lock whichever reaches
    the limit. Failures further apart than the lockout window are forgotten."""
    now, window = time.time(), settings.LOGIN_LOCKOUT_SECONDS
    for key in _keys(login, ip):
        # Read-then-write: two simultaneous failures may count as one. Acceptable for a
        # throttle, and the database cache has no atomic increment that keeps a timeout.
        entry = cache.get(key) or {"failures": 0, "locked_until": None}
        entry["failures"] += 1
        if entry["failures"] >= settings.LOGIN_FAILURE_LIMIT:
            entry = {"failures": 0, "locked_until": now + window}
        cache.set(key, entry, timeout=window)


def record_success(login: str) -> None:
    """Forget the login's failures. The address counter is kept on purpose: otherwise one
    account the guesser owns would let them reset it between guesses at others."""
    cache.delete(_login_key(login))


def client_ip(request: HttpRequest) -> str | None:
    """The address the throttle counts against (see the module docstring about proxies)."""
    return request.META.get("REMOTE_ADDR") or None


def normalise_login(login: str) -> str:
    """One spelling per account: a phone number in canonical form, else the trimmed,
    case-folded username."""
    login = (login or "").strip()
    try:
        return normalise_phone(login)
    except InvalidPhone:
        return login.casefold()


def _login_key(login: str) -> str:
    digest = hashlib.sha256(normalise_login(login).encode()).hexdigest()
    return f"jifen:login-failures:login:{digest}"


def _keys(login: str, ip: str | None) -> list[str]:
    keys = [_login_key(login)]
    if ip:
        keys.append(f"jifen:login-failures:ip:{hashlib.sha256(ip.encode()).hexdigest()}")
    return keys
