from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from jifen.api.main import api
from jifen.web import language

urlpatterns = [
    path("api/v1/", api.urls),
    path("operators/", admin.site.urls),
    # Before Django's own i18n URLs: the same name, and a signed-in user's choice is kept.
    path("i18n/setlang/", language.set_language, name="set_language"),
    path("i18n/", include("django.conf.urls.i18n")),
    *i18n_patterns(path("", include("jifen.web.urls"))),
]

# Error pages in the URL's language (jifen/web/errors.py); JSON under /api/.
handler400 = "jifen.web.errors.bad_request"
handler403 = "jifen.web.errors.permission_denied"
handler404 = "jifen.web.errors.page_not_found"
handler500 = "jifen.web.errors.server_error"
