"""Pages of voices (being built)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
