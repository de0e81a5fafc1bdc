"""Refusals of the recognition services: each a stable code and a translated message."""

from django.utils.translation import gettext_lazy as _

from jifen.lib.errors import InvalidInput


class InvalidRecognitionSettings(InvalidInput):
    code = "invalid_recognition_settings"
    message = _("The recognition settings are not valid: %(problem)s.")
