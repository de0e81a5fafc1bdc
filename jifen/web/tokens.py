"""The signed-in user's personal API tokens: make one (its key is shown once), revoke one."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from jifen.accounts.models import PersonalToken
from jifen.accounts.services import create_personal_token, revoke_personal_token
from jifen.lib.errors import DomainError
from jifen.web.common import SignedInRequest, show_refusal


@never_cache  # the page that shows a new key must not be kept by any cache
@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: SignedInRequest) -> HttpResponse:
    new_key, status = None, 200
    if request.method == "POST":
        try:
            new_key = create_personal_token(
                user=request.user,
                name=request.POST.get("name", ""),
            )[1]
        except DomainError as error:
            show_refusal(request, error)
            status = 422
    context = {"tokens": request.user.tokens.all(), "new_key": new_key}
    return render(request, "web/tokens.html", context, status=status)


@login_required
@require_POST
def revoke(request: SignedInRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(PersonalToken, pk=pk, user=request.user)
    revoke_personal_token(user=request.user, token=token)
    messages.success(request, _("The token “%(name)s” no longer works.") % {"name": token.name})
    return redirect("api_tokens")


urlpatterns = [
    path("", tokens, name="api_tokens"),
    path("<int:pk>/revoke/", revoke, name="api_token_revoke"),
]
