"""Changes to accounts: personal API tokens. Each is recorded in the audit log, never the key."""

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jifen.accounts.models import PersonalToken, User
from jifen.audit.services import record
from jifen.lib.errors import InvalidInput, NotFound

TOKEN_NAME_MAX_LENGTH = 100


class TokenNameRequired(InvalidInput):
    code = "token_name_required"
    message = _("Give the token a name of at most 100 characters, such as the app that uses it.")


@transaction.atomic
def create_personal_token(*, user: User, name: str) -> tuple[PersonalToken, str]:
    """A new API token for `user`. Returns the token and its key, which is shown once and
    never stored (only its sha256). Raises TokenNameRequired."""
    name = name.strip()
    if not name or len(name) > TOKEN_NAME_MAX_LENGTH:
        raise TokenNameRequired()
    key = PersonalToken.new_key()
    token = PersonalToken.objects.create(
        user=user, name=name, prefix=key[:8], key_hash=PersonalToken.hash_key(key)
    )
    record(actor=user, action="token.create", target=token, data={"prefix": token.prefix})
    return token, key


@transaction.atomic
def revoke_personal_token(*, user: User, token: PersonalToken) -> PersonalToken:
    """Stop `token`, one of `user`'s own, from working; revoking it again changes nothing.
    Raises NotFound for someone else's token."""
    if token.user_id != user.pk:
        raise NotFound()
    revoked = PersonalToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    token.refresh_from_db(fields=["revoked_at"])
    if revoked:
        record(actor=user, action="token.revoke", target=token, data={"prefix": token.prefix})
    return token


def choose_language(*, user: User, language: str) -> None:
    """Remember the language `user` chose (from the language menu): they are signed in to
    it from then on, whatever the address of the login page. Not audited: a preference."""
    if language not in dict(settings.LANGUAGES):
        raise InvalidInput()
    User.objects.filter(pk=user.pk).update(language=language)
    user.language = language
