"""Login throttling against password guessing, for every password check (the backend calls
it, so the web sign-in and the operators' sign-in alike).

Attempts are counted under two keys: the account named together with the client's address,
and the address alone. Under either key the first failures cost nothing; after
settings.LOGIN_FREE_FAILURES for one account from one address, or
LOGIN_ADDRESS_FREE_FAILURES from one address over every account, each further failure makes
the next attempt under that key wait: LOGIN_FIRST_DELAY_SECONDS at first, twice as long
after each failure, at most LOGIN_MAX_DELAY_SECONDS. A key with no failure for
LOGIN_WINDOW_SECONDS after its wait ends is forgotten. Nothing is counted per account alone:
failures from other addresses never keep the owner out.

An attempt is reserved — counted as a failure — before its password is checked, by one
INSERT … ON CONFLICT DO UPDATE … RETURNING per key, which also tells whether this very
attempt may go ahead. So N simultaneous guesses are never more than the free failures. A
success then forgets the (account, address) key and gives the address back the attempt it
had reserved; the address's earlier failures stay counted (otherwise a guesser's own account
would reset them between guesses at others).

Keys are HMACs (with the secret key) of the normalised login and the address: no phone
number or address is stored. IPv6 addresses count by their /64 network, which one client
usually holds whole. The address is request.META["REMOTE_ADDR"]; behind a reverse proxy,
configure the server to rewrite it from the proxy's header (waitress: --trusted-proxy),
otherwise every visitor shares the proxy's address and its counter.
"""

import ipaddress
import math
import secrets
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.http import HttpRequest
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from jifen.accounts.models import LoginThrottle
from jifen.lib.errors import DomainError, InvalidPhone
from jifen.lib.phones import normalise_phone

TABLE = LoginThrottle._meta.db_table


class TooManyAttempts(DomainError):
    """Refused before checking the password: too many recent failures for this account from
    this address, or from this address. `retry_after` is the number of seconds to wait."""

    code = "too_many_attempts"
    message = _("Too many failed attempts; try again later.")
    status = 429

    def __init__(self, *, retry_after: int) -> None:
        self.retry_after = max(1, retry_after)
        if self.retry_after < 60:
            text = ngettext(
                "Too many failed attempts; try again in %(seconds)d second.",
                "Too many failed attempts; try again in %(seconds)d seconds.",
                self.retry_after,
            )
            super().__init__(text, seconds=self.retry_after)
            return
        minutes = math.ceil(self.retry_after / 60)
        text = ngettext(
            "Too many failed attempts; try again in %(minutes)d minute.",
            "Too many failed attempts; try again in %(minutes)d minutes.",
            minutes,
        )
        super().__init__(text, minutes=minutes)


@dataclass(frozen=True)
class Attempt:
    """A sign-in attempt that was let through: the two keys it is counted under."""

    pair: str
    address: str


def reserve_attempt(login: str, ip: str | None) -> Attempt:
    """Count one attempt for `login` from `ip`, before its password is checked. Raises
    TooManyAttempts, counting nothing, while either key must wait."""
    network = _network(ip)
    attempt = Attempt(
        pair=_digest("pair", f"{normalise_login(login)}\n{network}"),
        address=_digest("address", network),
    )
    with transaction.atomic():  # a refusal by the second key undoes the first's count
        # Always the address row first, then the pair's: one order, so no two deadlock.
        _reserve(attempt.address, settings.LOGIN_ADDRESS_FREE_FAILURES)
        _reserve(attempt.pair, settings.LOGIN_FREE_FAILURES)
    return attempt


def attempt_succeeded(attempt: Attempt) -> None:
    """The password was right: forget the (account, address) failures and give the address
    back the attempt reserved for this one."""
    free = settings.LOGIN_ADDRESS_FREE_FAILURES
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(  # the address row first, as in reserve_attempt
            f"UPDATE {TABLE} SET failures = failures - 1, blocked_until = blocked_until"
            f" - {_delay_sql('failures', free)} + {_delay_sql('(failures - 1)', free)}"
            " WHERE digest = %s AND failures > 0",
            [attempt.address],
        )
        LoginThrottle.objects.filter(digest=attempt.pair).delete()


def forget_old_failures() -> int:
    """Delete the keys whose failures are forgotten anyway; returns how many."""
    cutoff = time.time() - settings.LOGIN_WINDOW_SECONDS
    deleted, _ = LoginThrottle.objects.filter(blocked_until__lt=cutoff).delete()
    return deleted


def client_ip(request: HttpRequest | None) -> str | None:
    """The address the throttle counts against (see the module docstring about proxies)."""
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def normalise_login(login: str) -> str:
    """One spelling per account: a phone number in canonical form, else the trimmed,
    case-folded username."""
    login = (login or "").strip()
    try:
        return normalise_phone(login)
    except InvalidPhone:
        return login.casefold()


def _network(ip: str | None) -> str:
    """The address as counted: IPv4 whole, IPv6 by its /64; "" when unknown."""
    try:
        address = ipaddress.ip_address((ip or "").strip())
    except ValueError:
        return (ip or "").strip()
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def _digest(kind: str, value: str) -> str:
    return salted_hmac(f"jifen.throttle.{kind}", value, algorithm="sha256").hexdigest()


def _reserve(digest: str, free: int) -> None:
    token, now = secrets.token_hex(8), time.time()
    with connection.cursor() as cursor:
        cursor.execute(_reserve_sql(free), {"digest": digest, "now": now, "token": token})
        blocked_until, winner = cursor.fetchone()
    if winner != token:
        raise TooManyAttempts(retry_after=math.ceil(blocked_until - now))


def _reserve_sql(free: int) -> str:
    """Count an attempt under a key unless the key must wait. Every SET expression reads the
    row as it was, so "counted" is written out where it is needed. Below `free` failures a
    key never waits, even if a concurrent attempt read the clock a moment later than this one
    (blocked_until is then that attempt's time)."""
    now, window = "%(now)s", int(settings.LOGIN_WINDOW_SECONDS)
    waiting = f"(t.failures >= {int(free)} AND {now} < t.blocked_until)"
    counted = f"(CASE WHEN {now} >= t.blocked_until + {window} THEN 1 ELSE t.failures + 1 END)"
    return f"""
        INSERT INTO {TABLE} AS t (digest, failures, blocked_until, token)
        VALUES (%(digest)s, 1, {now} + {_delay_sql("1", free)}, %(token)s)
        ON CONFLICT (digest) DO UPDATE SET
            failures = CASE WHEN {waiting} THEN t.failures ELSE {counted} END,
            blocked_until = CASE WHEN {waiting} THEN t.blocked_until
                ELSE {now} + {_delay_sql(counted, free)} END,
            token = CASE WHEN {waiting} THEN t.token ELSE %(token)s END
        RETURNING blocked_until, token
    """


def _delay_sql(failures: str, free: int) -> str:
    """The wait, in seconds, after `failures` (an SQL expression) failures: none below
    `free`, then the first delay, doubled with each failure, up to the ceiling. Built from
    integer settings only, so nothing a client sends reaches the SQL text."""
    first = max(1, int(settings.LOGIN_FIRST_DELAY_SECONDS))
    ceiling = max(first, int(settings.LOGIN_MAX_DELAY_SECONDS))
    doublings = 0
    while first << doublings < ceiling:
        doublings += 1
    return (
        f"(CASE WHEN {failures} < {int(free)} THEN 0"
        f" WHEN {failures} >= {int(free) + doublings} THEN {ceiling}"
        f" ELSE {first} * (1 << ({failures} - {int(free)})) END)"
    )
