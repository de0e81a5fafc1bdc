"""Error pages (400, 403, 404, 500, and a refused CSRF check) in the URL's language: /fr/…
answers in French, a URL without a language prefix in the visitor's language. Under /api/
they answer in the API's format, {"code": …, "detail": …}."""

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils import translation
from django.utils.translation import gettext_lazy as _

TOO_LARGE = (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent)

# status → (code for the API, title, what the page says)
PAGES = {
    400: ("bad_request", _("Bad request"), _("The server could not understand this request.")),
    403: ("forbidden", _("Not allowed"), _("You are not allowed to open this page.")),
    404: (
        "not_found",
        _("Page not found"),
        _("There is no page at this address, or you may not see it."),
    ),
    500: (
        "server_error",
        _("Something went wrong"),
        _("Something went wrong on our side. The error has been logged; please try again later."),
    ),
}
TOO_LARGE_PAGE = (
    "request_too_large",
    _("Too much at once"),
    _("What was sent is larger than the server accepts. Send less at a time, or a smaller file."),
)
CSRF_PAGE = (
    "csrf_failed",
    _("The form has expired"),
    _("For your safety the form could not be sent. Go back, reload the page and send it again."),
)


def language_of(request: HttpRequest) -> str:
    """The language of the URL's prefix, else the visitor's (cookie, browser, default)."""
    return translation.get_language_from_path(
        request.path_info
    ) or translation.get_language_from_request(request)


def error_response(
    request: HttpRequest, status: int, page: tuple[str, object, object]
) -> HttpResponse:
    code, title, message = page
    with translation.override(language_of(request)):
        if request.path_info.startswith("/api/"):
            return JsonResponse({"code": code, "detail": str(message)}, status=status)
        context = {"status": status, "title": title, "message": message}
        return render(request, "web/error.html", context, status=status)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    page = TOO_LARGE_PAGE if isinstance(exception, TOO_LARGE) else PAGES[400]
    return error_response(request, 400, page)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    return error_response(request, 403, PAGES[403])


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return error_response(request, 404, PAGES[404])


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return error_response(request, 403, CSRF_PAGE)


def server_error(request: HttpRequest) -> HttpResponse:
    """Rendered without the request's context: the database may be what failed."""
    code, title, message = PAGES[500]
    with translation.override(language_of(request)):
        if request.path_info.startswith("/api/"):
            return JsonResponse({"code": code, "detail": str(message)}, status=500)
        html = loader.render_to_string(
            "web/error_500.html", {"status": 500, "title": title, "message": message}
        )
    return HttpResponse(html, status=500)
