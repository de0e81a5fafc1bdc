"""The edge of every request: before any view runs, its path, query string, headers, form
fields and JSON body are checked for text and numbers the database cannot
store (jifen.lib.storable), and its size against the limits. A refusal is the API's JSON error
(with a stable code) under /api/, and the translated 400 page elsewhere."""

import json
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.exceptions import (
    BadRequest,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from jifen.api.errors import error_body
from jifen.api.main import api as json_api
from jifen.lib.errors import DomainError
from jifen.lib.storable import check_json, check_text

API_PREFIX = "/api/"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class RequestTooLarge(DomainError):
    code = "request_too_large"
    message = _("The request is too large: send less data at once.")
    status = 413


class TooManyFields(DomainError):
    code = "too_many_fields"
    message = _("The request has too many fields or files.")
    status = 400


class StorableInputMiddleware:
    """Refuses, before any view reads it, a request with text or numbers the database cannot
    store, or one larger than the limits (settings.MAX_REQUEST_BYTES for the whole request,
    Django's DATA_UPLOAD_MAX_MEMORY_SIZE for what is read into memory). Must come after
    LocaleMiddleware, so that the refusal is in the request's language."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        api = request.path_info.startswith(API_PREFIX)
        try:
            check_request(request, api=api)
        except DomainError as error:
            if api:
                return api_refusal(request, error)
            raise BadRequest(str(error)) from error
        except RequestDataTooBig:
            if api:
                return api_refusal(request, RequestTooLarge())
            raise  # Django's 400 page, as for any request over its limits
        except (TooManyFieldsSent, TooManyFilesSent):
            if api:
                return api_refusal(request, TooManyFields())
            raise
        return self.get_response(request)


def check_request(request: HttpRequest, *, api: bool) -> None:
    """Raise UnstorableText or NumberOutOfRange, or Django's own RequestDataTooBig and
    TooManyFieldsSent, for the first thing in `request` that may not pass."""
    _check_texts([request.path_info])
    _check_texts(v for k, v in request.META.items() if k.startswith("HTTP_") and isinstance(v, str))
    _check_pairs(request.GET.lists())
    if _declared_length(request) > settings.MAX_REQUEST_BYTES:
        raise RequestDataTooBig()
    if request.content_type in FORM_TYPES:
        _check_pairs(request.POST.lists())  # Django drops the unprintable from file names
    elif api or (request.content_type or "").endswith("json"):
        _check_json_body(request)


def _check_texts(texts: Iterable[str]) -> None:
    for text in texts:
        check_text(text)


def _check_pairs(pairs: Iterable[tuple[str, list[str]]]) -> None:
    for key, values in pairs:
        check_text(key)
        _check_texts(values)


def _declared_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0  # Django reads such a body as empty


def _check_json_body(request: HttpRequest) -> None:
    """A body that is not JSON is left to the API, which refuses it as `invalid_json`."""
    if not request.body:
        return
    try:
        document = json.loads(request.body)
    except (ValueError, RecursionError):
        return
    check_json(document)


def api_refusal(request: HttpRequest, error: DomainError) -> HttpResponse:
    """The refusal in the API's one error format."""
    return json_api.create_response(request, error_body(error.code, error), status=error.status)
