"""Console: the programme's earning rules (the list, a rule with its versions, adding and
editing one, and trying it out as it is typed), the earning settings, and device keys.

Every console role reads the rules; administrators (“manage_rules”) add and change them.
A change of numbers adds a version; awards keep pointing at the version that made them."""

from typing import Any

from django.contrib import messages
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from jifen.earning import rulebook, rules
from jifen.earning.access import access_device, access_rule
from jifen.earning.crediting import config_of, current_version
from jifen.earning.devices import create_device_key, revoke_device_key
from jifen.earning.earning_settings import current_settings, update_earning_settings
from jifen.earning.errors import InvalidRule, RuleCodeTaken
from jifen.earning.models import Rule, RuleKind
from jifen.earning.rule_queries import (
    community_names,
    device_keys,
    device_rules,
    rule_rows,
    unused_code,
    versions_of,
)
from jifen.lib.errors import DomainError
from jifen.programmes.access import StaffScope, access_programme
from jifen.programmes.models import Member
from jifen.web.common import SignedInRequest, once_per_form, render_console
from jifen.web.rule_forms import (
    DeviceKeyForm,
    EarningSettingsForm,
    RuleForm,
    SampleForm,
    kind_of,
)

RULE_FORM = "web/console/rule_form.html"
MATCHES = 5  # residents named when a search for the preview finds several


def rule_list(request: SignedInRequest, slug: str) -> HttpResponse:
    scope = access_programme(request.user, slug, "view_console")
    rows = rule_rows(scope.programme)
    return render_console(request, scope, "web/console/rules.html", {"rows": rows})


def rule_page(request: SignedInRequest, slug: str, code: str) -> HttpResponse:
    scope = access_programme(request.user, slug, "view_console")
    rule = access_rule(scope, code)
    context = {"rule": rule, "versions": versions_of(rule)}
    return render_console(request, scope, "web/console/rule.html", context)


@require_http_methods(["GET", "POST"])
@once_per_form
def rule_new(request: SignedInRequest, slug: str) -> HttpResponse:
    scope = access_programme(request.user, slug, "manage_rules")
    data = request.POST or None
    kind = kind_of(data if data is not None else request.GET)
    form = RuleForm(data, kind=kind, communities=_communities(scope))
    if form.is_bound and form.is_valid():
        rule = _create(request, scope, form)
        if rule is not None:
            messages.success(request, _("The rule “%(name)s” was added.") % {"name": rule.name})
            return redirect("console-rule", slug, rule.code)
    return _form_page(request, scope, form, None, form.config or None)


def _create(request: SignedInRequest, scope: StaffScope, form: RuleForm) -> Rule | None:
    data = form.cleaned_data
    try:
        return rulebook.create_rule(
            programme=scope.programme,
            code=data["code"] or unused_code(scope.programme, data["name"]),
            kind=form.rule_kind,
            config=form.config,
            actor=request.user,
            **form.rule_fields(),
        )
    except RuleCodeTaken as error:
        form.add_error("code", str(error))
    except InvalidRule as error:
        form.add_error(None, str(error))
    return None


@require_http_methods(["GET", "POST"])
@once_per_form
def rule_edit(request: SignedInRequest, slug: str, code: str) -> HttpResponse:
    scope = access_programme(request.user, slug, "manage_rules")
    rule = access_rule(scope, code)
    form, current = _edit_form(scope, rule, request.POST or None)
    if form.is_bound and form.is_valid():
        try:
            rulebook.update_rule(
                rule=rule, actor=request.user, config=form.config, **form.rule_fields()
            )
        except InvalidRule as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Saved."))
            return redirect("console-rule", slug, rule.code)
    return _form_page(request, scope, form, rule, form.config or current)


def _edit_form(
    scope: StaffScope, rule: Rule, data: QueryDict | None
) -> tuple[RuleForm, dict[str, Any]]:
    """The form for `rule`, showing its settings and current numbers; and those numbers."""
    current = config_of(current_version(rule))
    form = RuleForm(
        data,
        kind=rule.kind,
        communities=_communities(scope),
        current=current,
        initial=RuleForm.initial_for(rule, current),
    )
    return form, rules.dump(current)


@require_GET
def rule_preview(request: SignedInRequest, slug: str, code: str | None = None) -> HttpResponse:
    """What the rule as typed gives for the sample facts: the panel alone for htmx, else the
    whole form with it (nothing is saved)."""
    scope = access_programme(request.user, slug, "manage_rules")
    data = request.GET or None
    if code is None:
        rule = None
        form = RuleForm(data, kind=kind_of(data), communities=_communities(scope))
        config = form.config if form.is_bound and form.is_valid() else None
    else:
        rule = access_rule(scope, code)
        form, current = _edit_form(scope, rule, data)
        config = form.config if form.is_bound and form.is_valid() else current
    if request.htmx:
        context = {"form": form, "rule": rule, **_panel(scope, rule, form, config, request.GET)}
        return render_console(request, scope, f"{RULE_FORM}#preview", context)
    return _form_page(request, scope, form, rule, config)


def _form_page(
    request: SignedInRequest,
    scope: StaffScope,
    form: RuleForm,
    rule: Rule | None,
    config: dict[str, Any] | None,
) -> HttpResponse:
    data = request.POST if request.method == "POST" else request.GET
    context = {
        "form": form,
        "rule": rule,
        "kinds": RuleKind.choices,
        **_panel(scope, rule, form, config, data),
    }
    status = 422 if request.method == "POST" else 200
    return render_console(request, scope, RULE_FORM, context, status=status)


def _panel(
    scope: StaffScope,
    rule: Rule | None,
    form: RuleForm,
    config: dict[str, Any] | None,
    data: QueryDict,
) -> dict[str, Any]:
    """The preview panel's context: the sample form, the resident found, what the rule
    gives (or why it cannot say)."""
    if config is None:
        return {"sample": None}
    try:
        parsed = rules.parse(form.rule_kind, config)
    except InvalidRule as error:
        return {"sample": None, "problem": str(error)}
    sample = SampleForm(data, config=parsed)
    if not sample.is_valid():
        return {"sample": sample}
    member, matches = _resident(scope, sample.cleaned_data["sample_resident"])
    trying = rule or Rule(programme=scope.programme, kind=form.rule_kind)
    try:
        shown = rulebook.preview(rule=trying, config=config, facts=sample.facts(), member=member)
    except InvalidRule as error:
        return {"sample": sample, "problem": str(error)}
    return {"sample": sample, "shown": shown, "member": member, "matches": matches}


def _resident(scope: StaffScope, text: str) -> tuple[Member | None, list[Member]]:
    """The one active resident in the scope whose name or phone matches, and the matches."""
    if not text:
        return None, []
    found = list(scope.members().active().search(text).select_related("community")[:MATCHES])
    return (found[0] if len(found) == 1 else None), found


def _communities(scope: StaffScope) -> list[tuple[int, str]]:
    return sorted(community_names(scope.programme).items(), key=lambda item: item[1])


# Earning settings.


@require_http_methods(["GET", "POST"])
@once_per_form
def earning_settings(request: SignedInRequest, slug: str) -> HttpResponse:
    scope = access_programme(request.user, slug, "manage_programme")
    initial = EarningSettingsForm.initial_for(current_settings(scope.programme))
    form = EarningSettingsForm(request.POST or None, initial=initial)
    if form.is_bound and form.is_valid():
        try:
            update_earning_settings(
                programme=scope.programme, actor=request.user, data=form.data_of()
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Saved."))
            return redirect("console-earning-settings", slug)
    status = 422 if form.is_bound else 200
    return render_console(
        request, scope, "web/console/earning_settings.html", {"form": form}, status=status
    )


# Device keys.


@never_cache  # the page that shows a new key must not be kept by any cache
@require_http_methods(["GET", "POST"])
@once_per_form
def devices(request: SignedInRequest, slug: str) -> HttpResponse:
    scope = access_programme(request.user, slug, "manage_devices")
    offered = list(device_rules(scope.programme))
    form = DeviceKeyForm(request.POST or None, offered=offered)
    new_key, status = None, 200
    if form.is_bound and form.is_valid():
        new_key = create_device_key(
            programme=scope.programme,
            name=form.cleaned_data["name"],
            rules=form.chosen_rules(),
            actor=request.user,
            per_minute=form.cleaned_data["per_minute"],
        )
        form = DeviceKeyForm(offered=offered)
    elif form.is_bound:
        status = 422
    context = {"form": form, "keys": device_keys(scope.programme), "new_key": new_key}
    return render_console(request, scope, "web/console/devices.html", context, status=status)


@require_http_methods(["GET", "POST"])
@once_per_form
def device_revoke(request: SignedInRequest, slug: str) -> HttpResponse:
    """GET asks to confirm (?device=…); POST revokes. Without a key named: the list."""
    scope = access_programme(request.user, slug, "manage_devices")
    chosen = (request.POST if request.method == "POST" else request.GET).get("device", "")
    if not chosen:
        return redirect("console-devices", slug)
    device = access_device(scope, chosen)
    if request.method == "GET":
        context = {"device": device}
        return render_console(request, scope, "web/console/device_revoke.html", context)
    revoke_device_key(device=device, actor=request.user)
    messages.success(request, _("The key “%(name)s” no longer works.") % {"name": device.name})
    return redirect("console-devices", slug)


urlpatterns = [
    path("rules/", rule_list, name="console-rules"),
    path("rules/new/", rule_new, name="console-rule-new"),
    path("rules/new/preview/", rule_preview, name="console-rule-new-preview"),
    path("rule/<slug:code>/", rule_page, name="console-rule"),
    path("rule/<slug:code>/edit/", rule_edit, name="console-rule-edit"),
    path("rule/<slug:code>/preview/", rule_preview, name="console-rule-preview"),
    path("earning/settings/", earning_settings, name="console-earning-settings"),
    path("devices/", devices, name="console-devices"),
    path("devices/revoke/", device_revoke, name="console-device-revoke"),
]
