from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from jifen.programmes.access import resident_member


def resident_home(request: HttpRequest, slug: str) -> HttpResponse:
    member = resident_member(request.user, slug)
    return render(request, "web/resident_home.html", {"member": member})


urlpatterns = [path("", resident_home, name="resident-home")]
