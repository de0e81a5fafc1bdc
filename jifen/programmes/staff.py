"""Finding or creating the account of a staff member by the console's role form."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from jifen.accounts.backends import find_user
from jifen.accounts.models import User
from jifen.audit.services import record
from jifen.lib.errors import InvalidInput
from jifen.programmes.models import Programme


class UnknownPerson(InvalidInput):
    code = "unknown_person"
    message = _("No account has this username or phone number; give a password to create one.")


@transaction.atomic
def staff_account(*, actor: User, programme: Programme, login: str, password: str) -> User:
    """The account named by `login`, or a new one with this username and password.
    Raises UnknownPerson, or Django's ValidationError for a weak password."""
    user = find_user(login)
    if user is not None:
        return user
    username = login.strip()
    try:
        User.username_validator(username)
    except ValidationError as exc:
        raise UnknownPerson() from exc
    if not password:
        raise UnknownPerson()
    user = User(username=username, display_name=username)
    validate_password(password, user)
    user.set_password(password)
    user.save()
    record(actor=actor, programme=programme, action="user.create", target=user)
    return user
