from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from jifen.api.main import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("operators/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    *i18n_patterns(path("", include("jifen.web.urls"))),
]
