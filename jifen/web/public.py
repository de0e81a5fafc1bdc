"""Pages anyone may see: the front page and each programme's landing page."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from jifen.programmes.models import Programme
from jifen.programmes.queries import programmes_of


def home(request: HttpRequest) -> HttpResponse:
    """Signed in: the programmes the user belongs to. Otherwise the public programmes."""
    public = Programme.objects.filter(is_public=True)
    mine = programmes_of(request.user) if request.user.is_authenticated else []
    return render(request, "web/home.html", {"public": public, "mine": mine})


def landing(request: HttpRequest, slug: str) -> HttpResponse:
    programme = Programme.objects.filter(slug=slug, is_public=True).first()
    if programme is None:
        raise Http404
    return render(request, "web/landing.html", {"programme": programme,
                                                "communities": programme.communities.all()})


urlpatterns = [
    path("", home, name="home"),
    path("p/<slug:slug>/", landing, name="landing"),
]
