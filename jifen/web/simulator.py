"""Console: the rule-change simulator. A past period replayed under a proposed change (a
rule's points, a per-member cap, a bonus), before and after side by side, as a table and a
chart. It writes nothing, so the form is a GET: the address can be kept and shared."""

from typing import Any

from django import forms
from django.http import HttpResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from jifen.earning import rules as rule_configs
from jifen.earning.models import Rule
from jifen.insights.simulator import (
    BUCKETS,
    CAP_PERIODS,
    MAX_CAP,
    MAX_MULTIPLIER,
    Change,
    Simulation,
    simulate,
)
from jifen.lib.errors import DomainError
from jifen.programmes.access import access_programme
from jifen.web.common import SignedInRequest, render_console

CAP_PERIOD_LABELS = {
    "day": _("per day"),
    "week": _("per week"),
    "month": _("per month"),
    "year": _("per year"),
    "period": _("over the whole period"),
}


class SimulationForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))
    rule = forms.ChoiceField(label=_("Rule"), required=False)
    points = forms.IntegerField(
        label=_("Its new points"),
        required=False,
        min_value=0,
        max_value=rule_configs.MAX_RULE_POINTS,
    )
    cap = forms.IntegerField(
        label=_("Cap per resident"), required=False, min_value=1, max_value=MAX_CAP
    )
    cap_period = forms.ChoiceField(
        label=_("Cap period"),
        choices=[(p, CAP_PERIOD_LABELS[p]) for p in CAP_PERIODS],
        required=False,
        initial="month",
    )
    first_multiplier = forms.IntegerField(
        label=_("Multiplier on a resident's first participation"),
        required=False,
        min_value=1,
        max_value=MAX_MULTIPLIER,
        initial=1,
    )
    bonus_rule = forms.ChoiceField(label=_("Bonus for the rule"), required=False)
    bonus_points = forms.IntegerField(
        label=_("Bonus points"), required=False, min_value=0, max_value=rule_configs.MAX_RULE_POINTS
    )

    def __init__(self, *args: Any, codes: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "—"), *codes]
        for name in ("rule", "bonus_rule"):
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = choices

    def change(self) -> Change:
        data = self.cleaned_data
        points = (
            {data["rule"]: data["points"]} if data["rule"] and data["points"] is not None else {}
        )
        bonus = (
            {data["bonus_rule"]: data["bonus_points"]}
            if data["bonus_rule"] and data["bonus_points"]
            else {}
        )
        return Change(
            points=points,
            cap=data["cap"],
            cap_period=data["cap_period"] or "month",
            first_multiplier=data["first_multiplier"] or 1,
            bonus=bonus,
        )


def chart_of(result: Simulation) -> dict[str, Any]:
    """The chart's data: residents per balance bucket, before and after."""
    return {
        "buckets": list(BUCKETS),
        "before": list(result.before.balances),
        "after": list(result.after.balances),
        "earned_before": list(result.before.earned),
        "earned_after": list(result.after.earned),
    }


@require_GET
def simulator(request: SignedInRequest, slug: str) -> HttpResponse:
    """The form; with a period, the simulation under it (422 when it cannot be run)."""
    scope = access_programme(request.user, slug, "view_insights")
    rules = Rule.objects.filter(programme=scope.programme).order_by("code")
    codes = [(r.code, f"{r.name} ({r.code})") for r in rules]
    form = SimulationForm(request.GET or None, codes=codes, initial={"cap_period": "month"})
    context: dict[str, Any] = {"form": form, "buckets": BUCKETS}
    status = 200
    if form.is_bound:
        status = 422
        if form.is_valid():
            data = form.cleaned_data
            try:
                result = simulate(scope, start=data["start"], end=data["end"], change=form.change())
            except DomainError as error:
                form.add_error(None, str(error))
            else:
                context.update(result=result, chart=chart_of(result), rows=_rows(result))
                status = 200
    return render_console(request, scope, "web/insights/simulator.html", context, status=status)


def _rows(result: Simulation) -> list[tuple[Any, Any, Any]]:
    """The before/after table: one figure a row."""
    b, a = result.before, result.after
    rows: list[tuple[Any, Any, Any]] = [
        (_("Points issued"), b.issued, a.issued),
        (_("Residents who earned"), b.members, a.members),
        (_("Gini coefficient of points earned"), b.gini, a.gini),
    ]
    for i, name in enumerate(BUCKETS):
        rows.append(
            (_("Residents earning %(bucket)s") % {"bucket": name}, b.earned[i], a.earned[i])
        )
    for i, name in enumerate(BUCKETS):
        rows.append((_("Balances %(bucket)s") % {"bucket": name}, b.balances[i], a.balances[i]))
    for code in sorted(set(b.by_rule) | set(a.by_rule)):
        label = code or _("awards without a rule")
        rows.append(
            (
                _("Issued under %(rule)s") % {"rule": label},
                b.by_rule.get(code, 0),
                a.by_rule.get(code, 0),
            )
        )
    return rows


urlpatterns = [
    path("insights/simulator/", simulator, name="console-insights-simulator"),
]
