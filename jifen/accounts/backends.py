"""Sign in with a username or a phone number, and a password."""

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from jifen.accounts.models import User
from jifen.lib.errors import InvalidPhone
from jifen.lib.phones import normalise_phone


class PhoneOrUsernameBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if not username or not password:
            return None
        user = find_user(username)
        if user is None:
            User().set_password(password)  # same work either way, so timing reveals nothing
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
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
