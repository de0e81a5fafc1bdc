"""Choosing the language from the menu on every page."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from jifen.accounts.services import choose_language


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's set_language (the cookie, and `next` in the new language); a signed-in user's
    choice is also remembered, so that signing in later keeps it."""
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        choose_language(user=request.user, language=language)
    return django_set_language(request)
