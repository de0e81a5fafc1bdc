"""Printing member cards: choose whose cards, see how many, download the PDF sheet."""

import io

from django import forms
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from jifen.lib.errors import DomainError
from jifen.programmes.access import (
    StaffScope,
    access_household,
    access_member,
    access_programme,
)
from jifen.programmes.cards import (
    MAX_CARDS_PER_PDF,
    CardSelection,
    cards_to_print,
    print_card,
    print_cards,
)
from jifen.programmes.models import Community, Household
from jifen.web.common import SignedInRequest, render_console, show_refusal

PREVIEW = 12  # names listed under the count, enough to recognise the selection


# Forms live beside their only views; move them to web/forms.py if another module needs them.
class CardFilterForm(forms.Form):
    community = forms.ModelChoiceField(
        queryset=Community.objects.none(),
        required=False,
        label=_("Community"),
        empty_label=_("All communities"),
    )
    household = forms.CharField(required=False, widget=forms.HiddenInput, label=_("Household"))
    q = forms.CharField(required=False, max_length=100, label=_("Name or phone"))
    elderly = forms.BooleanField(required=False, label=_("Elderly only"))
    without_account = forms.BooleanField(
        required=False, label=_("Only members who have not signed in (no account)")
    )

    def __init__(self, data: QueryDict, *, scope: StaffScope) -> None:
        super().__init__(data)
        self.scope = scope
        self.fields["community"].queryset = scope.communities()  # type: ignore[attr-defined]

    def clean_household(self) -> Household | None:
        public_id = self.cleaned_data["household"]
        if not public_id:
            return None
        try:
            return access_household(self.scope, public_id)
        except Http404:  # also for another programme's or community's household
            raise ValidationError(_("This household was not found.")) from None

    def selection(self) -> CardSelection:
        data = self.cleaned_data
        return CardSelection(
            community=data["community"],
            household=data["household"],
            search=data["q"],
            elderly_only=data["elderly"],
            without_account=data["without_account"],
        )


def cards(request: SignedInRequest, slug: str) -> HttpResponse:
    scope = access_programme(request.user, slug, "manage_members")
    form = CardFilterForm(request.GET, scope=scope)
    context = {
        "programme": scope.programme,
        "form": form,
        "cap": MAX_CARDS_PER_PDF,
        "query": request.GET.urlencode(),
    }
    if form.is_valid():
        members = cards_to_print(scope=scope, selection=form.selection())
        context.update(
            count=members.count(),
            preview=members[:PREVIEW],
            household=form.cleaned_data["household"],
        )
    page = "web/console/cards.html"
    return render_console(request, scope, f"{page}#summary" if request.htmx else page, context)


@never_cache
def cards_pdf(request: SignedInRequest, slug: str) -> HttpResponseBase:
    scope = access_programme(request.user, slug, "manage_members")
    form = CardFilterForm(request.GET, scope=scope)
    if not form.is_valid():  # the page shows why
        return _back_to_cards(slug, request)
    try:
        pdf = print_cards(actor=request.user, scope=scope, selection=form.selection())
    except DomainError as error:
        show_refusal(request, error)
        return _back_to_cards(slug, request)
    return _attachment(pdf, f"member-cards-{slug}.pdf")


@never_cache
def card(request: SignedInRequest, slug: str, public_id: str) -> HttpResponseBase:
    scope = access_programme(request.user, slug, "manage_members")
    member = access_member(scope, public_id)
    try:
        pdf = print_card(actor=request.user, member=member)
    except DomainError as error:
        show_refusal(request, error)
        return redirect("console-cards", slug=slug)
    return _attachment(pdf, f"member-card-{member.public_id}.pdf")


def _back_to_cards(slug: str, request: HttpRequest) -> HttpResponse:
    return redirect(f"{reverse('console-cards', args=[slug])}?{request.GET.urlencode()}")


def _attachment(pdf: bytes, filename: str) -> FileResponse:
    return FileResponse(
        io.BytesIO(pdf), as_attachment=True, filename=filename, content_type="application/pdf"
    )


urlpatterns = [
    path("cards/", cards, name="console-cards"),
    path("cards/print/", cards_pdf, name="console-cards-pdf"),
    path("cards/member/<str:public_id>/", card, name="console-card"),
]
