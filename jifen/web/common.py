"""Small helpers shared by the views: rendering console pages, showing refusals, one-time
links, and making a resent form write once."""

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import segno
from django.contrib import messages
from django.forms import Form
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django_htmx.middleware import HtmxDetails

from jifen.accounts.models import User
from jifen.idempotency.services import (
    IdempotencyConflict,
    InvalidIdempotencyKey,
    request_hash,
    run_once,
)
from jifen.lib.errors import DomainError
from jifen.programmes.access import CAPABILITIES, StaffScope
from jifen.programmes.models import Programme

ACTING_FOR_SESSION_KEY = "jifen_acting_for"
FORM_KEY = "form_key"
# Fields that differ between two sendings of one form without changing what it asks.
UNASKED = {"csrfmiddlewaretoken", FORM_KEY}
REFUSED = "jifen_refused"  # set on a request whose view refused with a message
SENT_ALREADY = _("This form was sent already; what it asked for is done.")

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise

View = Callable[..., HttpResponse]


class SignedInRequest(HttpRequest):
    """The request of a console view: `access_programme` turns away everyone who is not
    signed in as the programme's staff before the view uses the user, so the user is an
    account; the htmx middleware adds `htmx` to every request."""

    user: User
    htmx: HtmxDetails


class _NotDone(Exception):
    """The view refused (a 4xx page, or a message through show_error): nothing it did is
    kept, not even the key."""

    def __init__(self, response: HttpResponse) -> None:
        self.response = response


def once_per_form(view: View) -> View:
    """A POST carrying a one-time `{% form_key %}` runs the view at most once: a resent form
    (a double click, a reload, a retry on a poor connection) writes nothing and gets the
    first answer. A redirect is answered again; a page shown once (a one-time link) is not
    shown twice: the resent form is sent back to that page with a message. A refusal (a 4xx,
    or a redirect after show_error) is not kept, so the corrected form may be sent with the
    same key. A POST without a key, and every GET, runs the view as it is."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        key = request.POST.get(FORM_KEY) if request.method == "POST" else None
        if not key:
            return view(request, *args, **kwargs)
        first: list[HttpResponse] = []

        def perform() -> tuple[int, Any]:
            first.append(view(request, *args, **kwargs))
            return _kept(request, first[0])

        try:
            outcome = run_once(
                programme=None,
                key=f"form:{key}",
                request_hash=_fingerprint(request),
                perform=perform,
            )
        except _NotDone as refused:
            return refused.response
        except (IdempotencyConflict, InvalidIdempotencyKey) as error:  # the key was reused
            show_refusal(request, error)
            return redirect(_back(request))
        if first:
            return first[0]
        if outcome.body.get("shown_once"):
            messages.info(request, SENT_ALREADY)
        return HttpResponseRedirect(outcome.body["location"])

    return wrapper


def _fingerprint(request: HttpRequest) -> str:
    fields = {name: request.POST.getlist(name) for name in request.POST if name not in UNASKED}
    return request_hash(f"form {request.path}", request.user, fields)


def _kept(request: HttpRequest, response: HttpResponse) -> tuple[int, Any]:
    """What a replay answers: the same redirect, or (for a page shown once) the form's page."""
    if response.status_code >= 400 or getattr(request, REFUSED, False):
        raise _NotDone(response)
    if isinstance(response, HttpResponseRedirect):
        return response.status_code, {"location": response["Location"]}
    return 303, {"location": request.path, "shown_once": True}


def _back(request: HttpRequest) -> str:
    """The page the form was on, when it is one of ours; else the front page."""
    referer = request.headers.get("Referer", "")
    if url_has_allowed_host_and_scheme(referer, {request.get_host()}, request.is_secure()):
        return referer
    return "/"


def show_error(request: HttpRequest, text: "_StrOrPromise") -> None:
    """Refuse with a message on the next page. The request is marked refused, so that
    once_per_form keeps nothing of it (its key stays free for the corrected form)."""
    messages.error(request, text)
    setattr(request, REFUSED, True)


def show_refusal(request: HttpRequest, error: DomainError) -> None:
    """Put a service's refusal on the page as an error message."""
    show_error(request, str(error))


def show_form_errors(request: HttpRequest, form: Form) -> None:
    """A form's errors as one message, for views that redirect instead of re-rendering."""
    show_error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))


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
