"""The public notice board (公示榜) of a month and its printable poster (A4 or A3); the
certificates of titles and stars, for the resident (their own) and for staff (members in
their scope)."""

from datetime import date

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from jifen.lib import clock
from jifen.lib.errors import DomainError
from jifen.lib.periods import local
from jifen.programmes.access import (
    access_programme,
    access_public_programme,
    found,
    resident_member,
)
from jifen.programmes.models import Member, Programme
from jifen.recognition import board, certificates, posters, titles
from jifen.recognition.models import Title
from jifen.recognition.queries import stars_of
from jifen.transparency import queries
from jifen.web.common import SignedInRequest, once_per_form, render_console, show_refusal


def month_asked(request: HttpRequest, programme: Programme) -> date:
    """The month of ?month=YYYY-MM, else the current one; a malformed month is a 404."""
    asked = request.GET.get("month", "")
    if not asked:
        return board.current_month(programme)
    try:
        year, month = (int(part) for part in asked.split("-"))
        if not 1900 <= year <= 9000:  # a month whose neighbours are dates too
            raise ValueError
        return date(year, month, 1)
    except ValueError:
        raise Http404 from None


def board_page(request: HttpRequest, slug: str) -> HttpResponse:
    programme = access_public_programme(slug)
    month = month_asked(request, programme)
    context = {
        "programme": programme,
        "board": board.board_of(programme, month),
        "previous": board.shift(month, -1),
        "next": board.shift(month, 1),
        "head": queries.latest_head(programme),
    }
    return render(request, "web/board/board.html", context)


def poster(request: HttpRequest, slug: str, paper: str) -> HttpResponse:
    programme = access_public_programme(slug)
    if paper not in posters.PAPERS:
        raise Http404
    head = queries.latest_head(programme)
    page = request.build_absolute_uri(reverse("transparency", args=[programme.slug]))
    pdf = posters.poster_pdf(
        board.board_of(programme, month_asked(request, programme)),
        head=head,
        link=posters.head_link(page, head),
        paper=paper,
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="board-{programme.slug}-{paper}.pdf"'
    return response


def proof_link(request: HttpRequest, programme: Programme, query: str) -> str:
    """The transparency page's address with `query`, absolute: it is printed as a QR."""
    page = request.build_absolute_uri(reverse("transparency", args=[programme.slug]))
    return f"{page}?{query}"


def title_pdf(request: HttpRequest, title: Title) -> HttpResponse:
    link = proof_link(request, title.programme, f"title={title.public_id}#title-check")
    return _pdf(certificates.title_certificate(title, link=link), f"title-{title.public_id}")


def star_pdf(request: HttpRequest, member: Member) -> HttpResponse:
    """No star yet: 404, as for a certificate that does not exist."""
    try:
        reached = certificates.star_reached(member)
    except certificates.NoStarYet:
        raise Http404 from None
    link = proof_link(request, member.programme, f"entry={reached.entry}#check")
    return _pdf(certificates.star_certificate(member, reached, link=link), f"star-{reached.count}")


def _pdf(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="certificate-{name}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def my_certificates(request: HttpRequest, slug: str) -> HttpResponse:
    member = resident_member(request.user, slug)
    context = {
        "programme": member.programme,
        "titles": titles.titles_of(member.programme).filter(member=member),
        "stars": stars_of(member),
    }
    return render(request, "web/board/my_certificates.html", context)


@require_GET
def my_title_certificate(request: HttpRequest, slug: str, public_id: str) -> HttpResponse:
    member = resident_member(request.user, slug)
    return title_pdf(
        request, found(titles.titles_of(member.programme), member=member, public_id=public_id)
    )


@require_GET
def my_star_certificate(request: HttpRequest, slug: str) -> HttpResponse:
    return star_pdf(request, resident_member(request.user, slug))


@require_GET
def staff_title_certificate(request: HttpRequest, slug: str, title: str) -> HttpResponse:
    scope = access_programme(request.user, slug, CAN)
    rows = titles.titles_of(scope.programme).filter(member__in=scope.members())
    return title_pdf(request, found(rows, public_id=title))


@require_http_methods(["GET", "POST"])
@once_per_form
def console_titles(request: SignedInRequest, slug: str) -> HttpResponse:
    """The titles given (members in the caller's scope); POST gives last year's, once."""
    scope = access_programme(request.user, slug, "manage_recognition")
    year = local(clock.now(), scope.programme.timezone).year - 1
    if request.method == "POST":
        try:
            given = titles.give_titles(programme=scope.programme, year=year, actor=request.user)
        except DomainError as error:
            show_refusal(request, error)
        else:
            messages.success(
                request, _("%(count)s titles of %(year)s.") % {"count": len(given), "year": year}
            )
        return redirect("console-titles", slug)
    rows = titles.titles_of(scope.programme).filter(member__in=scope.members())[:200]
    context = {"titles": rows, "year": year}
    return render_console(request, scope, "web/board/console_titles.html", context)


CAN = "view_members"  # staff print a member's certificate where they may see the member
urlpatterns = [
    path("p/<slug:slug>/console/titles/", console_titles, name="console-titles"),
    path("p/<slug:slug>/board/", board_page, name="board"),
    path("p/<slug:slug>/board/poster-<str:paper>.pdf", poster, name="board-poster"),
    path("p/<slug:slug>/me/certificates/", my_certificates, name="my-certificates"),
    path(
        "p/<slug:slug>/me/certificates/title-<str:public_id>.pdf",
        my_title_certificate,
        name="my-title-certificate",
    ),
    path("p/<slug:slug>/me/certificates/star.pdf", my_star_certificate, name="my-star-certificate"),
    path(
        "p/<slug:slug>/console/titles/<str:title>/certificate.pdf",
        staff_title_certificate,
        name="console-title-certificate",
    ),
]
