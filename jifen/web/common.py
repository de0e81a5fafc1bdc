"""Small helpers shared by the views: rendering console pages, showing refusals, one-time
links."""

from typing import Any

import segno
from django.contrib import messages
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation

from jifen.lib.errors import DomainError
from jifen.programmes.access import CAPABILITIES, StaffScope
from jifen.programmes.models import Programme

ACTING_FOR_SESSION_KEY = "jifen_acting_for"


def show_refusal(request: HttpRequest, error: DomainError) -> None:
    """Put a service's refusal on the page as an error message."""
    messages.error(request, str(error))


def show_form_errors(request: HttpRequest, form: Form) -> None:
    """A form's errors as one message, for views that redirect instead of re-rendering."""
    messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))


def render_console(
    request: HttpRequest,
    scope: StaffScope,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status: int = 200,
) -> HttpResponse:
    """A console page: the staff scope and what it may do are always in the context."""
    can = {name: scope.can(name) for name in CAPABILITIES}
    return render(
        request,
        template,
        {"scope": scope, "programme": scope.programme, "can": can, **(context or {})},
        status=status,
    )


def one_time_link(
    request: HttpRequest, programme: Programme, url_name: str, secret: str
) -> dict[str, str]:
    """The absolute link to the page `url_name` with a one-time secret, and its QR code as
    inline SVG, for a console page that shows them once. The link is in the programme's
    language: the person it is for opens it, not the staff member."""
    with translation.override(programme.default_language):
        link = request.build_absolute_uri(reverse(url_name, args=[secret]))
    return {"link": link, "qr": segno.make(link, error="m").svg_inline(scale=5, border=2)}
