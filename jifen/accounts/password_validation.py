"""Password validators that speak the page's language."""

from django.contrib.auth import password_validation
from django.utils import translation
from django.utils.translation import ngettext


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's, with a message in every language: Django 5.2 words it with "%d", which its
    Chinese catalogue translates only in the earlier "%(min_length)d" wording; that wording
    is used where the current one has no translation."""

    def get_error_message(self) -> str:
        message = super().get_error_message()
        with translation.override("en"):
            english = super().get_error_message()
        if message != english or (translation.get_language() or "en").startswith("en"):
            return message
        return ngettext(
            "This password is too short. It must contain at least %(min_length)d character.",
            "This password is too short. It must contain at least %(min_length)d characters.",
            self.min_length,
        ) % {"min_length": self.min_length}
