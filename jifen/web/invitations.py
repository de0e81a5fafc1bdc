"""Answering what a programme asks of a person, always through the one-time link its staff
gave them: an invitation (set a password, or sign in and accept or decline) or a role offer
(sign in and accept or decline). Nothing is answered without the link: no page lists what
is addressed to an account, which is found by a phone number no one has verified.

Who may do what is decided by jifen.programmes.invitations and staff; these views only show
the answer the services allow and call them."""

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth.password_validation import password_validators_help_text_html
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from jifen.lib.errors import DomainError, InvalidInput
from jifen.programmes import services
from jifen.programmes.errors import InvitationInvalid
from jifen.programmes.invitations import Answer, how_to_answer, sign_in_username
from jifen.programmes.models import Invitation
from jifen.programmes.staff import how_to_answer_offer
from jifen.web.auth import BACKEND


class SetPasswordForm(forms.Form):
    password = forms.CharField(
        label=gettext_lazy("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    confirm = forms.CharField(
        label=gettext_lazy("Repeat the password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password") and data.get("confirm") and data["password"] != data["confirm"]:
            self.add_error("confirm", gettext_lazy("The two passwords are not the same."))
        return data


ANSWERS = ("accept", "decline")


@sensitive_post_parameters("password", "confirm")
@never_cache
@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The page behind an invitation link. A POST carries a password, or, signed in,
    `answer=accept|decline`."""
    try:
        invite = services.open_invitation(token)
    except InvitationInvalid as error:
        return _refused(request, error)
    user = request.user if request.user.is_authenticated else None
    answer = how_to_answer(invite, user)
    if request.method == "POST" and "answer" in request.POST and user is not None:
        return _answer(request, invite, token, request.POST["answer"])
    form = SetPasswordForm(request.POST if request.method == "POST" else None)
    if answer == Answer.PASSWORD and form.is_bound and form.is_valid():
        return _set_password(request, invite, token, form)
    return _invitation_page(request, invite, answer, form)


def _set_password(
    request: HttpRequest, invite: Invitation, token: str, form: SetPasswordForm
) -> HttpResponse:
    try:
        user = services.accept_invitation(token=token, password=form.cleaned_data["password"])
    except ValidationError as error:  # a weak password; the invitation stays usable
        form.add_error("password", error)
        return _invitation_page(request, invite, Answer.PASSWORD, form)
    except DomainError as error:  # used from another device a moment ago, or now taken
        return _refused(request, error)
    auth_login(request, user, backend=BACKEND)
    return redirect("resident-home", slug=invite.programme.slug)


def _answer(request: HttpRequest, invite: Invitation, token: str, answer: str) -> HttpResponse:
    """Accept or decline as the signed-in person; the services refuse anyone else."""
    if answer not in ANSWERS:
        return _refused(request, InvalidInput())
    try:
        if answer == "accept":
            services.join_programme(token=token, user=request.user)  # type: ignore[arg-type]
        else:
            services.decline_invitation(token=token, user=request.user)  # type: ignore[arg-type]
    except DomainError as error:
        return _refused(request, error)
    if answer == "accept":
        messages.success(request, _("Welcome to %(name)s.") % {"name": invite.programme.name})
        return redirect("resident-home", slug=invite.programme.slug)
    messages.success(request, _("You declined the invitation."))
    return redirect("home")


def _invitation_page(
    request: HttpRequest, invite: Invitation, answer: Answer, form: SetPasswordForm
) -> HttpResponse:
    context = {
        "invitation": invite,
        "member": invite.member,
        "programme": invite.programme,
        "answer": str(answer),
        "form": form,
        "password_help": password_validators_help_text_html(),
        "username": sign_in_username(invite) if answer == Answer.PASSWORD else "",
    }
    if answer == Answer.SOMEONE_ELSE or (answer != Answer.PASSWORD and request.method == "POST"):
        status = 403  # e.g. a password sent where none can be set: nothing was changed
    else:
        status = 422 if form.is_bound else 200
    return render(request, "web/invitation.html", context, status=status)


def _refused(request: HttpRequest, error: DomainError, *, offer: bool = False) -> HttpResponse:
    context = {"error": error, "role_offer": offer}
    return render(request, "web/invitation_invalid.html", context, status=error.status)


@never_cache
@require_http_methods(["GET", "POST"])
def role_offer(request: HttpRequest, secret: str) -> HttpResponse:
    """The page behind a role offer's link: sign in, then, as the person it is offered to,
    `answer=accept|decline`."""
    try:
        offer = services.open_role_offer(secret)
    except DomainError as error:
        return _refused(request, error, offer=True)
    user = request.user if request.user.is_authenticated else None
    if request.method == "POST" and user is not None:
        return _answer_offer(request, secret, request.POST.get("answer", ""))
    answer = how_to_answer_offer(offer, user)
    # A POST signed out, or a page for someone else: nothing was changed.
    status = 403 if answer == Answer.SOMEONE_ELSE or request.method == "POST" else 200
    context = {"offer": offer, "programme": offer.programme, "answer": str(answer)}
    return render(request, "web/role_offer.html", context, status=status)


def _answer_offer(request: HttpRequest, secret: str, answer: str) -> HttpResponse:
    """Take or refuse the role as the signed-in person; the services refuse anyone else."""
    if answer not in ANSWERS:
        return _refused(request, InvalidInput(), offer=True)
    user = request.user
    try:
        if answer == "decline":
            services.decline_role_offer(secret=secret, user=user)  # type: ignore[arg-type]
            messages.success(request, _("You declined the role."))
            return redirect("home")
        role = services.accept_role_offer(secret=secret, user=user)  # type: ignore[arg-type]
    except DomainError as error:
        return _refused(request, error, offer=True)
    messages.success(request, _("The role is yours."))
    return redirect("console", role.programme.slug)


urlpatterns = [
    path("invite/<str:token>/", invitation, name="invitation"),
    path("role/<str:secret>/", role_offer, name="role-offer"),
]
