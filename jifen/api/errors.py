"""One error format for the whole API: {"code": …, "detail": …}. `code` is stable and never
depends on the language; `detail` is translated to the request's language."""

import logging
from collections.abc import Callable
from typing import Any

from django.core.exceptions import (
    BadRequest,
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError
from ninja.openapi.schema import OpenAPISchema

from jifen.lib.errors import DomainError

logger = logging.getLogger("jifen.api")


class Unauthenticated(DomainError):
    code = "unauthenticated"
    message = _("Sign in, or send a valid personal token as “Authorization: Bearer …”.")
    status = 401


class CsrfFailed(DomainError):
    code = "csrf_failed"
    message = _("The CSRF token is missing or wrong: send it in the X-CSRFToken header.")
    status = 403


class InvalidCursor(DomainError):
    code = "invalid_cursor"
    message = _("This cursor is not valid; start again from the first page.")


NOT_FOUND = _("Not found.")
INVALID_INPUT = _("The input is not valid.")
SERVER_ERROR = _("Something went wrong on our side. The error has been logged.")
# The same words as the web's 400 pages (jifen/web/errors.py).
BAD_REQUEST = _("The server could not understand this request.")
TOO_LARGE = _(
    "What was sent is larger than the server accepts. Send less at a time, or a smaller file."
)
# ninja's own HTTP errors (unparsable body, throttling) mapped to our codes.
HTTP_CODES: dict[int, tuple[str, Any]] = {
    400: ("invalid_json", _("The request body is not valid JSON.")),
    401: ("unauthenticated", Unauthenticated.message),
    403: ("forbidden", _("You are not allowed to do this.")),
    404: ("not_found", NOT_FOUND),
    429: ("throttled", _("Too many requests; wait a moment and try again.")),
}


class ErrorItem(Schema):
    """One problem with the input: where (`loc`, e.g. ["body", "payload", "amount"]) and what."""

    loc: list[str | int] | None = None
    msg: str
    type: str | None = None


class ErrorOut(Schema):
    """Every refusal. `code` is stable; `detail` is translated; `errors` lists the problems
    of an invalid input; `retry_after` (seconds) comes with a throttled request."""

    code: str
    detail: str
    errors: list[ErrorItem] | None = None
    retry_after: int | None = None


# The refusals an operation may answer, by status, with when each applies.
ERROR_STATUSES: dict[int, str] = {
    400: "A character or a number that cannot be stored, in the path, the query, a header or "
    "the body (`invalid_text`, `invalid_number`), or a body that is not JSON (`invalid_json`).",
    401: "Not signed in, or the token is wrong or revoked (`unauthenticated`).",
    403: "A session write without its CSRF token (`csrf_failed`), or not allowed.",
    404: "Not found, or not yours to see: the two look the same (`not_found`).",
    409: "Refused by what is already there: a conflict, points that are not there, a key "
    "used for another request (`idempotency_conflict`) …",
    422: "The input is not valid (`invalid_input`, with `errors`) or a rule refuses it.",
    413: "The body is larger than the server reads (`request_too_large`).",
}


class JifenAPI(NinjaAPI):
    """django-ninja's API, whose OpenAPI description also declares every refusal."""

    def get_openapi_schema(self, **kwargs: Any) -> OpenAPISchema:
        schema = super().get_openapi_schema(**kwargs)
        declare_errors(schema)
        return schema


def declare_errors(schema: dict[str, Any]) -> None:
    """Add ErrorOut, and to each operation the refusals it can answer (error_statuses)."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    error = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(error.pop("$defs", {}))
    components["ErrorOut"] = error
    ref = {"$ref": "#/components/schemas/ErrorOut"}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for status in error_statuses(path, method, operation):
                operation["responses"].setdefault(
                    status,  # ninja keys responses by the number
                    {
                        "description": ERROR_STATUSES[status],
                        "content": {"application/json": {"schema": ref}},
                    },
                )


def error_statuses(path: str, method: str, operation: dict[str, Any]) -> list[int]:
    """What an operation can refuse with: signed-in operations 401, signed-in writes 403 and
    409, any with a path parameter 404, any with input 422, any with a body 413, and every
    one 400 (the edge refuses a NUL or a broken character wherever it is, even in a query
    parameter the operation does not read)."""
    has_body = "requestBody" in operation
    signed_in, write = bool(operation.get("security")), method != "get"
    statuses = {
        401: signed_in,
        403: signed_in and write,
        404: "{" in path,
        409: write,
        422: has_body or bool(operation.get("parameters")),
        400: True,
        413: has_body,
    }
    return sorted(status for status, applies in statuses.items() if applies)


def install_error_handlers(api: NinjaAPI) -> None:
    """Replace ninja's default handlers with ones that all answer in the one format."""
    handlers: dict[type[Exception], Callable[[HttpRequest, Any], tuple[int, dict[str, Any]]]] = {
        DomainError: _domain_error,
        Http404: _not_found,
        PermissionDenied: _not_found,  # forbidden and missing look the same
        ValidationError: _invalid_input,
        DjangoValidationError: _invalid_model,  # a service's full_clean() or password check
        AuthenticationError: _unauthenticated,
        HttpError: _http_error,
        SuspiciousOperation: _bad_request,  # a body over Django's limits, among others
        BadRequest: _bad_request,
        Exception: _server_error,
    }
    for exc_class, handler in handlers.items():
        api.add_exception_handler(exc_class, _responder(api, handler))


def _responder(api: NinjaAPI, handler: Callable[..., tuple[int, dict[str, Any]]]) -> Any:
    def respond(request: HttpRequest, exc: Exception) -> HttpResponse:
        status, body = handler(request, exc)
        response = api.create_response(request, body, status=status)
        if status == 401:
            response["WWW-Authenticate"] = 'Bearer realm="jifen"'
        return response

    return respond


def error_body(code: str, detail: Any, **extra: Any) -> dict[str, Any]:
    return {"code": code, "detail": str(detail), **extra}


def _domain_error(request: HttpRequest, exc: DomainError) -> tuple[int, dict[str, Any]]:
    return exc.status, error_body(exc.code, exc)


def _not_found(request: HttpRequest, exc: Exception) -> tuple[int, dict[str, Any]]:
    return 404, error_body("not_found", NOT_FOUND)


def _invalid_input(request: HttpRequest, exc: ValidationError) -> tuple[int, dict[str, Any]]:
    errors = [{"loc": e.get("loc"), "msg": e.get("msg"), "type": e.get("type")} for e in exc.errors]
    return 422, error_body("invalid_input", INVALID_INPUT, errors=errors)


def _invalid_model(request: HttpRequest, exc: DjangoValidationError) -> tuple[int, dict[str, Any]]:
    fields = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    errors = [{"loc": [field], "msg": str(msg)} for field, msgs in fields.items() for msg in msgs]
    return 422, error_body("invalid_input", INVALID_INPUT, errors=errors)


def _bad_request(request: HttpRequest, exc: Exception) -> tuple[int, dict[str, Any]]:
    if isinstance(exc, (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent)):
        return 400, error_body("request_too_large", TOO_LARGE)
    return 400, error_body("bad_request", BAD_REQUEST)


def _unauthenticated(request: HttpRequest, exc: Exception) -> tuple[int, dict[str, Any]]:
    return 401, error_body(Unauthenticated.code, Unauthenticated.message)


def _http_error(request: HttpRequest, exc: HttpError) -> tuple[int, dict[str, Any]]:
    code, detail = HTTP_CODES.get(exc.status_code, ("http_error", exc.message))
    body = error_body(code, detail)
    if isinstance(exc, Throttled) and exc.wait is not None:
        body["retry_after"] = int(exc.wait) + 1
    return exc.status_code, body


def _server_error(request: HttpRequest, exc: Exception) -> tuple[int, dict[str, Any]]:
    # The client learns nothing about the internals; the log gets the traceback.
    logger.error("Unhandled error in %s %s", request.method, request.path, exc_info=exc)
    return 500, error_body("server_error", SERVER_ERROR)
