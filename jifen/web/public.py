"""Pages anyone may see: the front page and each public programme's landing page.
They show names, descriptions and counts only: never a resident's name or phone."""

from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from jifen.programmes.access import access_public_programme
from jifen.programmes.models import Community, MemberStatus, Programme
from jifen.programmes.queries import ProgrammeEntry, programmes_of

_ACTIVE = Q(members__status=MemberStatus.ACTIVE)


def home(request: HttpRequest) -> HttpResponse:
    """Signed in: the programmes the user belongs to. Always: the public programmes.
    Never an invitation or a role offer: those are answered only through their link, since
    the account they are matched to (by an unverified phone number) may not be the person's."""
    public = Programme.objects.filter(is_public=True).annotate(
        community_count=Count("communities", distinct=True)
    )
    context: dict[str, object] = {"public": public, "mine": []}
    if request.user.is_authenticated:
        context["mine"] = programmes_of(request.user)
    return render(request, "web/home.html", context)


def landing(request: HttpRequest, slug: str) -> HttpResponse:
    """A public programme's page: what it is, its communities and how many take part."""
    programme = access_public_programme(slug)
    communities = _communities_with_counts(programme)
    entry = _entry_for(request, programme)
    return render(
        request,
        "web/landing.html",
        {
            "programme": programme,
            "communities": communities,
            "entry": entry,
            "resident_count": sum(c.resident_count for c in communities),  # type: ignore[attr-defined]  # annotated by _communities_with_counts
        },
    )


def _communities_with_counts(programme: Programme) -> list[Community]:
    qs: QuerySet[Community] = Community.objects.filter(programme=programme)
    return list(qs.annotate(resident_count=Count("members", filter=_ACTIVE)))


def _entry_for(request: HttpRequest, programme: Programme) -> ProgrammeEntry | None:
    """The signed-in user's standing here (for "My page" / "Console" links), or None."""
    if not request.user.is_authenticated:
        return None
    return next((e for e in programmes_of(request.user) if e.programme.pk == programme.pk), None)


urlpatterns = [
    path("", home, name="home"),
    path("p/<slug:slug>/", landing, name="landing"),
]
