"""The operators' sign-in (the Django admin at /operators/): throttled like every other,
by the backend; a throttled attempt is shown as a form error there."""

from typing import Any

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError

from jifen.accounts.throttle import TooManyAttempts


class OperatorLoginForm(AdminAuthenticationForm):
    def clean(self) -> dict[str, Any]:
        try:
            return super().clean()
        except TooManyAttempts as error:
            raise ValidationError(str(error), code=error.code) from error


admin.site.login_form = OperatorLoginForm
