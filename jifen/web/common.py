"""Small helpers shared by the views: rendering console pages, showing refusals, and
making a resent form write once."""

import functools
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.forms import Form
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from jifen.idempotency.services import (
    IdempotencyConflict,
    InvalidIdempotencyKey,
    request_hash,
    run_once,
)
from jifen.lib.errors import DomainError
from jifen.programmes.access import CAPABILITIES, StaffScope

ACTING_FOR_SESSION_KEY = "jifen_acting_for"
FORM_KEY = "form_key"
# Fields that differ between two sendings of one form without changing what it asks.
UNASKED = {"csrfmiddlewaretoken", FORM_KEY}

View = Callable[..., HttpResponse]


class _NotDone(Exception):
    """The view answered with a page, not a redirect: it refused, and nothing is kept."""

    def __init__(self, response: HttpResponse) -> None:
        self.response = response


def once_per_form(view: View) -> View:
    """A POST carrying a one-time `{% form_key %}` runs the view at most once: a resent form
    (a double click, a reload, a retry on a poor connection) gets the first answer, the same
    redirect, and writes nothing. The view answers a done write with a redirect; any other
    answer is a refusal and is not kept, so the corrected form may be sent with the same key.
    A POST without a key, and every GET, runs the view as it is."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        key = request.POST.get(FORM_KEY) if request.method == "POST" else None
        if not key:
            return view(request, *args, **kwargs)
        try:
            outcome = run_once(
                programme=None,
                key=f"form:{key}",
                request_hash=_fingerprint(request),
                perform=lambda: _redirect_only(view(request, *args, **kwargs)),
            )
        except _NotDone as refused:
            return refused.response
        except (IdempotencyConflict, InvalidIdempotencyKey) as error:  # the key was reused
            show_refusal(request, error)
            return redirect(_back(request))
        return HttpResponseRedirect(outcome.body["location"])

    return wrapper


def _fingerprint(request: HttpRequest) -> str:
    fields = {name: request.POST.getlist(name) for name in request.POST if name not in UNASKED}
    return request_hash(f"form {request.path}", request.user, fields)


def _redirect_only(response: HttpResponse) -> tuple[int, Any]:
    if not isinstance(response, HttpResponseRedirect):
        raise _NotDone(response)
    return response.status_code, {"location": response["Location"]}


def _back(request: HttpRequest) -> str:
    """The page the form was on, when it is one of ours; else the front page."""
    referer = request.headers.get("Referer", "")
    if url_has_allowed_host_and_scheme(referer, {request.get_host()}, request.is_secure()):
        return referer
    return "/"


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
