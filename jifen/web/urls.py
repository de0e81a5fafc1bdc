"""Every page, grouped by who uses it; each module keeps its own `urlpatterns`."""

from django.urls import include, path

urlpatterns = [
    path("", include("jifen.web.public")),
    path("", include("jifen.web.auth")),
    path("", include("jifen.web.invitations")),
    path("", include("jifen.web.transparency")),
    path("", include("jifen.web.board")),
    path("", include("jifen.web.recognition")),
    path("account/tokens/", include("jifen.web.tokens")),
    path("p/<slug:slug>/me/", include("jifen.web.me")),
    path("p/<slug:slug>/me/", include("jifen.web.resident_activities")),
    path("p/<slug:slug>/me/", include("jifen.web.claims")),
    path("p/<slug:slug>/me/", include("jifen.web.appeals")),
    path("p/<slug:slug>/me/", include("jifen.web.rewards_resident")),
    path("p/<slug:slug>/console/", include("jifen.web.review")),
    path("p/<slug:slug>/console/", include("jifen.web.programmes")),
    path("p/<slug:slug>/console/", include("jifen.web.members")),
    path("p/<slug:slug>/console/", include("jifen.web.imports")),
    path("p/<slug:slug>/console/", include("jifen.web.cards")),
    path("p/<slug:slug>/console/", include("jifen.web.ledger")),
    path("p/<slug:slug>/console/", include("jifen.web.policy")),
    path("p/<slug:slug>/console/", include("jifen.web.activities")),
    path("p/<slug:slug>/console/", include("jifen.web.checkin")),
    path("p/<slug:slug>/console/", include("jifen.web.counter")),
    path("p/<slug:slug>/console/", include("jifen.web.rules")),
    path("p/<slug:slug>/console/", include("jifen.web.catalogue")),
    path("p/<slug:slug>/console/", include("jifen.web.orders")),
    path("p/<slug:slug>/console/", include("jifen.web.settlements")),
    path("p/<slug:slug>/console/", include("jifen.web.insights")),
    path("", include("jifen.web.voices")),
]
