from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from jifen.programmes.access import access_programme


def console(request: HttpRequest, slug: str) -> HttpResponse:
    scope = access_programme(request.user, slug, "view_console")
    return render(request, "web/console/dashboard.html", {"scope": scope,
                                                          "programme": scope.programme})


urlpatterns = [path("", console, name="console")]
