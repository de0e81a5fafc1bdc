"""The public notice board (公示榜) of a month, and its printable poster (A4 or A3)."""

from datetime import date

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse

from jifen.programmes.access import access_public_programme
from jifen.programmes.models import Programme
from jifen.recognition import board, posters
from jifen.transparency import queries


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


urlpatterns = [
    path("p/<slug:slug>/board/", board_page, name="board"),
    path("p/<slug:slug>/board/poster-<str:paper>.pdf", poster, name="board-poster"),
]
