"""Business refusals: one exception class per condition, each with a stable machine code."""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """A refusal the user can act on. `code` is stable; `message` is translated and safe."""

    code = "domain_error"
    message = _("The request was refused.")
    status = 422

    def __init__(self, message: str | None = None, **params: object) -> None:
        self.params = params
        text = str(message if message is not None else self.message)
        self.text = text % params if params else text
        super().__init__(self.text)

    def __str__(self) -> str:
        return self.text


class NotFound(DomainError):
    code = "not_found"
    message = _("Not found.")
    status = 404


class PermissionDenied(DomainError):
    code = "forbidden"
    message = _("You are not allowed to do this.")
    status = 403


class InvalidInput(DomainError):
    code = "invalid_input"
    message = _("The input is not valid.")


class InvalidPhone(InvalidInput):
    code = "invalid_phone"
    message = _("“%(phone)s” is not a valid phone number.")


class Conflict(DomainError):
    code = "conflict"
    message = _("This conflicts with existing data.")
    status = 409
