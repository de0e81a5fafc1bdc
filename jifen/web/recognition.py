"""Recognition's pages: the public leaderboard (anyone, for a public programme; boards and
periods switched by links that htmx swaps in place), the resident's own recognition (stars,
the way to the next one, their place on every board, the opt-out), and the administrators'
recognition settings (manage_recognition)."""

import re
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jifen.lib.errors import DomainError
from jifen.programmes.access import access_programme, access_public_programme
from jifen.programmes.models import Programme
from jifen.recognition import queries, services
from jifen.recognition.models import Board, NameDisplay, Period, Preference
from jifen.recognition.names import settings_of
from jifen.recognition.services import MAX_STARS, MAX_THRESHOLD, MAX_TOP
from jifen.web.common import SignedInRequest, once_per_form, render_console
from jifen.web.me import current_member

PAGES = "web/recognition/"


def _choice(value: str | None, choices: type[Board] | type[Period], default: str) -> str:
    return value if value in choices.values else default


def _board_context(programme: Programme, board: str, period: str) -> dict[str, Any]:
    return {
        "programme": programme,
        "board": board,
        "period": period,
        "boards": Board.choices,
        "periods": Period.choices,
        "places": queries.top(programme, board, period),
        "computed_at": queries.last_computed(programme),
    }


@require_GET
def leaderboard(request: HttpRequest, slug: str) -> HttpResponse:
    programme = access_public_programme(slug)
    board = _choice(request.GET.get("board"), Board, Board.MEMBERS)
    period = _choice(request.GET.get("period"), Period, Period.MONTH)
    template = PAGES + "leaderboard.html"
    htmx = getattr(request, "htmx", None)
    if htmx and not htmx.history_restore_request:
        template += "#board"
    with timezone.override(programme.timezone):
        return render(request, template, _board_context(programme, board, period))


@login_required
@require_GET
def my_recognition(request: HttpRequest, slug: str) -> HttpResponse:
    member = current_member(request, slug)
    preference = Preference.objects.filter(member=member).first()
    places, stars = queries.places_of(member), queries.stars_of(member)
    context = {
        "member": member,
        "programme": member.programme,
        "stars": stars,
        "star_marks": "★" * stars.count,
        "rows": [(label, [places[b][p] for p in Period.values]) for b, label in Board.choices],
        "periods": Period.choices,
        "hidden": bool(preference and preference.hide_name),
        "computed_at": queries.last_computed(member.programme),
    }
    with timezone.override(member.programme.timezone):
        return render(request, PAGES + "me.html", context)


@login_required
@require_POST
@once_per_form
def my_preference(request: HttpRequest, slug: str) -> HttpResponse:
    member = current_member(request, slug)
    hide = request.POST.get("hide_name") == "1"
    services.set_preference(member=member, hide_name=hide)
    if hide:
        messages.success(request, _("Your name is now hidden on public boards."))
    else:
        messages.success(request, _("Your name is shown on public boards again."))
    return redirect("resident-recognition", slug)


class SettingsForm(forms.Form):
    """Every field of services.update_settings, the stars as text."""

    star_thresholds = forms.CharField(
        label=_("Lifetime points for each star (separated by spaces or commas)"), max_length=200
    )
    star_names = forms.CharField(
        label=_("Names of the stars, one a line (empty: “1 star”, “2 stars”, …)"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=1000,
        required=False,
    )
    name_display = forms.ChoiceField(label=_("Names on public boards"), choices=NameDisplay.choices)
    monthly_top = forms.IntegerField(
        label=_("Places on the monthly board"), min_value=1, max_value=MAX_TOP
    )
    yearly_top = forms.IntegerField(
        label=_("Places on the yearly board"), min_value=1, max_value=MAX_TOP
    )
    title_name = forms.CharField(label=_("The annual title"), max_length=60)
    title_count = forms.IntegerField(
        label=_("Titles given each year"), min_value=1, max_value=MAX_TOP
    )

    def clean_star_thresholds(self) -> list[int]:
        parts = [p for p in re.split(r"[\s,，]+", self.cleaned_data["star_thresholds"]) if p]
        if (
            not parts
            or len(parts) > MAX_STARS
            or not all(p.isascii() and p.isdigit() for p in parts)
        ):
            raise forms.ValidationError(_("Up to 10 whole numbers of points."))
        values = [int(p) for p in parts]
        if any(not 0 < v <= MAX_THRESHOLD for v in values):
            raise forms.ValidationError(_("Each threshold is a positive number of points."))
        return values

    def clean_star_names(self) -> list[str]:
        return [n.strip() for n in self.cleaned_data["star_names"].splitlines() if n.strip()]

    @classmethod
    def initial_for(cls, programme: Programme) -> dict[str, Any]:
        found = settings_of(programme)
        initial = {name: getattr(found, name) for name in cls.base_fields}
        initial["star_thresholds"] = " ".join(str(t) for t in found.star_thresholds)
        initial["star_names"] = "\n".join(found.star_names)
        return initial


@require_http_methods(["GET", "POST"])
@once_per_form
def recognition_settings(request: SignedInRequest, slug: str) -> HttpResponse:
    scope = access_programme(request.user, slug, "manage_recognition")
    form = SettingsForm(request.POST or None, initial=SettingsForm.initial_for(scope.programme))
    if form.is_bound and form.is_valid():
        try:
            services.update_settings(
                programme=scope.programme, actor=request.user, **form.cleaned_data
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Saved."))
            return redirect("console-recognition", slug)
    status = 422 if form.is_bound else 200
    return render_console(request, scope, PAGES + "settings.html", {"form": form}, status=status)


urlpatterns = [
    path("p/<slug:slug>/leaderboard/", leaderboard, name="leaderboard"),
    path("p/<slug:slug>/me/recognition/", my_recognition, name="resident-recognition"),
    path(
        "p/<slug:slug>/me/recognition/preference/",
        my_preference,
        name="resident-recognition-preference",
    ),
    path("p/<slug:slug>/console/recognition/", recognition_settings, name="console-recognition"),
]
