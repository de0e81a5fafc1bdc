"""Middleware of the web interface."""

from collections.abc import Callable
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse


class SignInForStaffPages:
    """A signed-out visit to a console page is asked to sign in (on the login page of the
    URL's language, coming back afterwards) instead of being told the page does not exist.
    Decided from the URL's name alone, before any lookup, so it says nothing about whether
    the programme exists."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponse | None:
        name = getattr(request.resolver_match, "url_name", None) or ""
        if request.user.is_authenticated or not name.startswith("console"):
            return None
        return redirect_to_login(request.get_full_path())
