"""Sign in with a username or a phone number, and a password."""

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from jifen.accounts.models import User
from jifen.accounts.throttle import attempt_succeeded, client_ip, reserve_attempt
from jifen.lib.errors import InvalidPhone
from jifen.lib.phones import normalise_phone


class PhoneOrUsernameBackend(ModelBackend):
    """Every password check is throttled here, so no sign-in form can skip it: the attempt
    is reserved before the password is checked (raising TooManyAttempts while the account
    must wait from this address, or the address must), and a success forgets it."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if not username or not password:
            return None
        attempt = reserve_attempt(username, client_ip(request))
        user = find_user(username)
        if user is None:
            User().set_password(password)  # same work either way, so timing reveals nothing
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            attempt_succeeded(attempt)
            return user
        return None


def find_user(login: str) -> User | None:
    """The user a login names: a username, else a phone number in any accepted format."""
    login = login.strip()
    user = User.objects.filter(username=login).first()
    if user is not None:
        return user
    try:
        phone = normalise_phone(login)
    except InvalidPhone:
        return None
    return User.objects.filter(phone=phone).first()
