"""Console: the programme's points policy (caps, quotas, expiry, transfers, point value).
Every console role reads it, since it decides what they may award; administrators change it."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from jifen.ledger import services
from jifen.ledger.queries import policy_settings
from jifen.lib.errors import DomainError
from jifen.programmes.access import access_programme
from jifen.web.common import SignedInRequest, render_console
from jifen.web.forms import PolicyForm


@require_http_methods(["GET", "POST"])
def policy(request: SignedInRequest, slug: str) -> HttpResponse:
    needs = "manage_programme" if request.method == "POST" else "view_console"
    scope = access_programme(request.user, slug, needs)
    current = policy_settings(scope.programme)
    form = PolicyForm(
        request.POST or None,
        initial=PolicyForm.initial_for(current),
        read_only=not scope.can("manage_programme"),
    )
    if form.is_bound and form.is_valid():
        try:
            services.update_policy(
                actor=request.user, programme=scope.programme, settings=form.settings()
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Saved."))
            return redirect("console-policy", slug)
    status = 422 if form.is_bound else 200
    return render_console(request, scope, "web/console/policy.html", {"form": form}, status=status)


urlpatterns = [path("policy/", policy, name="console-policy")]
