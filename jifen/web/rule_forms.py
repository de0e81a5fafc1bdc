"""The console's forms for earning rules, for trying a rule out, for the earning settings and
for device keys. They turn what an administrator types into the configuration that
jifen.earning.rules reads (see its docstring); the services check it again, and their
refusals are shown on the form. (They live beside their only views, in jifen/web/rules.py.)"""

import re
from datetime import date
from typing import Any

from django import forms
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jifen.earning import rules
from jifen.earning.earning_settings import (
    MAX_DAYS,
    MAX_ROTATION,
    MIN_ROTATION,
    EarningSettingsData,
)
from jifen.earning.models import EarningSettings, Rule, RuleCategory, RuleKind
from jifen.earning.rule_words import GROUP_LABELS, ROUNDING_LABELS
from jifen.ledger.models import CapPeriod, CapScope
from jifen.web.rule_config import KIND_NUMBERS, ConfigBuilder, config_initial, row_counts

MAX_NOTICE_DAYS = 90
TOP = rules.MAX_RULE_POINTS
RULE_FIELDS = (
    "name",
    "description",
    "category",
    "allows_claims",
    "allows_devices",
    "requires_review",
    "notice_days",
    "is_active",
)


def _number(label: Any, *, low: int, high: int, required: bool = False, **kw: Any) -> Any:
    return forms.IntegerField(
        label=label,
        min_value=low,
        max_value=high,
        required=required,
        widget=forms.NumberInput(attrs={"aria-label": label}),
        **kw,
    )


def _text(label: Any, length: int) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=length,
        required=False,
        widget=forms.TextInput(attrs={"aria-label": label}),
    )


def _clock(label: Any) -> forms.TimeField:
    return forms.TimeField(
        label=label,
        required=False,
        input_formats=["%H:%M"],
        widget=forms.TimeInput(format="%H:%M", attrs={"type": "time", "aria-label": label}),
    )


def _choice(label: Any, choices: Any, initial: str) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=choices,
        initial=initial,
        required=False,  # a browser always sends one; left out, the initial one is meant
        widget=forms.Select({"aria-label": label}),
    )


def kind_of(data: Any, default: str = RuleKind.FIXED) -> str:
    """The kind a new rule's form is for, from its data (a wrong one: the default)."""
    kind = data.get("kind") if data is not None else None
    return kind if kind in RuleKind.values else default


class RuleForm(forms.Form):
    """A rule's settings and numbers. The fields for the numbers depend on the kind, which
    is chosen once, when the rule is made; conditions and bonuses are the same for all."""

    name = forms.CharField(label=pgettext_lazy("name of a thing", "Name"), max_length=100)
    description = forms.CharField(
        label=_("Description"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    category = forms.ChoiceField(
        label=_("Category"), choices=RuleCategory.choices, initial=RuleCategory.OTHER
    )
    allows_claims = forms.BooleanField(label=_("Residents may claim it"), required=False)
    allows_devices = forms.BooleanField(label=_("Devices may post events"), required=False)
    requires_review = forms.BooleanField(label=_("A reviewer approves each award"), required=False)
    notice_days = forms.IntegerField(
        label=_("Days on public notice before the points count"),
        min_value=0,
        max_value=MAX_NOTICE_DAYS,
        initial=0,
    )
    is_active = forms.BooleanField(
        label=_("In use: residents earn under it"), required=False, initial=True
    )

    def __init__(
        self,
        data: Any = None,
        *,
        kind: str,
        communities: list[tuple[int, str]],
        current: rules.RuleConfig | None = None,
        initial: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(data, initial=initial)
        self.rule_kind = kind
        self.rows = row_counts(current)
        self.config: dict[str, Any] = {}
        if current is None:  # a new rule: its code and kind are chosen now, never changed
            self.fields["code"] = forms.SlugField(
                label=_("Code"),
                max_length=40,
                required=False,
                help_text=_(
                    "Letters, digits and hyphens, used in the records and by devices. "
                    "Leave it empty to make one from the name."
                ),
            )
            self.fields["kind"] = forms.ChoiceField(
                choices=RuleKind.choices, initial=kind, widget=forms.HiddenInput
            )
        self._add_numbers()
        if kind == RuleKind.CRITERIA:
            self._add_criteria()
        self._add_conditions(communities)

    # Building the fields.

    def _add_numbers(self) -> None:
        wanted = KIND_NUMBERS[self.rule_kind]
        points_label = {
            "hourly": _("Points per unit of time"),
            "amount": _("Points per amount spent"),
            "checkin": _("Points a day"),
        }.get(self.rule_kind, _("Points each time"))
        offered: dict[str, Any] = {
            "points": _number(points_label, low=1, high=TOP, required=True),
            "unit_minutes": _number(
                _("Unit of time (minutes)"), low=1, high=TOP, required=True, initial=60
            ),
            "rounding": _choice(_("A part of a unit"), list(ROUNDING_LABELS.items()), "down"),
            "unit_amount": _number(
                _("Amount spent for those points"), low=1, high=TOP, required=True, initial=1
            ),
            "min": _number(_("Fewest points"), low=1, high=TOP, required=True),
            "max": _number(_("Most points"), low=1, high=TOP, required=True),
            "streak_days": _number(_("Days in a row for a bonus"), low=0, high=366, initial=7),
            "streak_bonus": _number(_("Bonus points"), low=0, high=TOP, initial=0),
        }
        for name in wanted:
            self.fields[name] = offered[name]

    def _add_criteria(self) -> None:
        rows = self.rows
        for i in range(1, rows["criteria"] + 1):
            self.fields[f"criterion_{i}_code"] = _text(_("Code of criterion %(n)s") % {"n": i}, 20)
            self.fields[f"criterion_{i}_label"] = _text(_("Criterion %(n)s") % {"n": i}, 100)
        numbers = [(str(i), str(i)) for i in range(1, rows["criteria"] + 1)]
        for k in range(1, rows["combos"] + 1):
            self.fields[f"combo_{k}_requires"] = forms.MultipleChoiceField(
                label=_("Criteria of combination %(n)s") % {"n": k},
                choices=numbers,
                required=False,
                widget=forms.CheckboxSelectMultiple,
            )
            self.fields[f"combo_{k}_points"] = _number(
                _("Points of combination %(n)s") % {"n": k}, low=1, high=TOP
            )
        for j in range(1, rows["extras"] + 1):
            self.fields[f"extra_{j}_code"] = _text(_("Code of extra %(n)s") % {"n": j}, 20)
            self.fields[f"extra_{j}_label"] = _text(_("Extra %(n)s") % {"n": j}, 100)
            self.fields[f"extra_{j}_points"] = _number(
                _("Points of extra %(n)s") % {"n": j}, low=1, high=TOP
            )
        self.fields["band_measure"] = _text(_("Measured value"), 20)
        for s in range(1, rows["steps"] + 1):
            self.fields[f"band_{s}_threshold"] = _number(
                _("From (step %(n)s)") % {"n": s}, low=0, high=rules.MAX_MEASURE
            )
            self.fields[f"band_{s}_points"] = _number(
                _("Points (step %(n)s)") % {"n": s}, low=1, high=TOP
            )

    def _add_conditions(self, communities: list[tuple[int, str]]) -> None:
        for w in range(1, self.rows["windows"] + 1):
            self.fields[f"window_{w}_start"] = _clock(_("From (window %(n)s)") % {"n": w})
            self.fields[f"window_{w}_end"] = _clock(_("Until (window %(n)s)") % {"n": w})
        self.fields["groups"] = forms.MultipleChoiceField(
            label=_("Only for"),
            choices=list(GROUP_LABELS.items()),
            required=False,
            widget=forms.CheckboxSelectMultiple,
        )
        self.fields["communities"] = forms.TypedMultipleChoiceField(
            label=_("Only in"),
            choices=[(str(pk), name) for pk, name in communities],
            coerce=int,
            required=False,
            widget=forms.CheckboxSelectMultiple,
        )
        for c in range(1, self.rows["caps"] + 1):
            self.fields[f"cap_{c}_limit"] = _number(
                _("At most (cap %(n)s)") % {"n": c}, low=1, high=TOP
            )
            self.fields[f"cap_{c}_scope"] = _choice(
                _("Per (cap %(n)s)") % {"n": c}, CapScope.choices, CapScope.HOUSEHOLD
            )
            self.fields[f"cap_{c}_period"] = _choice(
                _("Each (cap %(n)s)") % {"n": c}, CapPeriod.choices, CapPeriod.DAY
            )
        self.fields["newcomer_multiplier"] = _number(
            _("A new resident's first award is multiplied by"), low=1, high=10, initial=1
        )
        self.fields["parent_child_multiplier"] = _number(
            _("A parent and child together: each award multiplied by"), low=1, high=10, initial=1
        )
        self.fields["mentor_above"] = _number(
            _("A resident with at least (points)"), low=0, high=rules.MAX_MEASURE
        )
        self.fields["mentor_below"] = _number(
            _("who brings one with fewer than (points)"), low=0, high=rules.MAX_MEASURE
        )
        self.fields["mentor_points"] = _number(_("both get (points)"), low=1, high=TOP)

    # What the template shows, table by table.

    def field_list(self, *names: str) -> list[forms.BoundField]:
        return [self[name] for name in names if name in self.fields]

    def numbers(self) -> list[forms.BoundField]:
        return self.field_list(*KIND_NUMBERS[self.rule_kind])

    def criteria_rows(self) -> list[tuple[int, forms.BoundField, forms.BoundField]]:
        return [
            (i, self[f"criterion_{i}_code"], self[f"criterion_{i}_label"])
            for i in range(1, self.rows["criteria"] + 1)
        ]

    def combo_rows(self) -> list[tuple[int, forms.BoundField, forms.BoundField]]:
        return [
            (k, self[f"combo_{k}_requires"], self[f"combo_{k}_points"])
            for k in range(1, self.rows["combos"] + 1)
        ]

    def extra_rows(self) -> list[list[forms.BoundField]]:
        return [
            [self[f"extra_{j}_{part}"] for part in ("code", "label", "points")]
            for j in range(1, self.rows["extras"] + 1)
        ]

    def band_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [
            (self[f"band_{s}_threshold"], self[f"band_{s}_points"])
            for s in range(1, self.rows["steps"] + 1)
        ]

    def window_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [
            (self[f"window_{w}_start"], self[f"window_{w}_end"])
            for w in range(1, self.rows["windows"] + 1)
        ]

    def cap_rows(self) -> list[list[forms.BoundField]]:
        return [
            [self[f"cap_{c}_{part}"] for part in ("limit", "scope", "period")]
            for c in range(1, self.rows["caps"] + 1)
        ]

    # Reading what was typed.

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors:
            self.config = ConfigBuilder(self, kind=self.rule_kind, rows=self.rows).build()
        return data

    def rule_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in RULE_FIELDS}

    @classmethod
    def initial_for(cls, rule: Rule, config: rules.RuleConfig) -> dict[str, Any]:
        """What the form shows for a rule's settings and current numbers."""
        initial = {name: getattr(rule, name) for name in RULE_FIELDS}
        return initial | config_initial(config)


# What is typed into the preview panel is kept when the panel is redrawn by an answer to a
# request sent before the typing (htmx keeps an element with this attribute and an id).
KEEP = {"hx-preserve": "true"}


class SampleForm(forms.Form):
    """What the preview tries the rule with: the criteria met, the measured value, the time,
    the amount, the reviewer's choice, the days in a row; and, optionally, a resident."""

    sample_resident = forms.CharField(
        label=_("For a resident (name or phone number)"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs=KEEP),
    )

    def __init__(self, data: Any, *, config: rules.RuleConfig) -> None:
        super().__init__(data)
        self.config = config
        choices = [(x.code, x.label) for x in config.criteria + config.extras]
        if choices:
            self.fields["sample_criteria"] = forms.MultipleChoiceField(
                label=_("Criteria met"),
                choices=choices,
                required=False,
                widget=forms.CheckboxSelectMultiple,
            )
        if config.bands is not None:
            self.fields["sample_value"] = _number(
                config.bands.measure, low=0, high=rules.MAX_MEASURE
            )
        wanted = {
            "hourly": ("sample_minutes", _("Minutes spent"), rules.MAX_MEASURE),
            "amount": ("sample_amount", _("Amount spent"), rules.MAX_MEASURE),
            "range": ("sample_chosen", _("Points the reviewer chooses"), TOP),
            "checkin": ("sample_streak", _("Days in a row, today included"), 366),
        }.get(config.kind)
        if wanted:
            name, label, high = wanted
            self.fields[name] = _number(label, low=0, high=high)
        for field in self.fields.values():
            if isinstance(field, forms.IntegerField):
                field.widget.attrs |= KEEP

    def facts(self) -> rules.Facts:
        d, c = self.cleaned_data, self.config
        measures = {}
        if c.bands is not None and d.get("sample_value") is not None:
            measures[c.bands.measure] = d["sample_value"]
        for name in ("minutes", "amount"):
            if d.get(f"sample_{name}") is not None:
                measures[name] = d[f"sample_{name}"]
        return rules.Facts(
            criteria=frozenset(d.get("sample_criteria", [])),
            measures=measures,
            chosen=d.get("sample_chosen"),
            streak=d.get("sample_streak") or 1,
        )


WEEKDAY_CHOICES = [(str(n), WEEKDAYS[n - 1]) for n in range(1, 8)]
DATES = re.compile(r"[\s,，;；、]+")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date(text: str) -> date:
    try:
        if ISO_DATE.fullmatch(text):
            return date.fromisoformat(text)
    except ValueError:
        pass
    raise forms.ValidationError(
        _("“%(value)s” is not a date such as 2026-10-01."), params={"value": text[:20]}
    )


class EarningSettingsForm(forms.Form):
    appeal_days = forms.IntegerField(
        label=_("Days a resident has to appeal an award"), min_value=1, max_value=MAX_DAYS
    )
    answer_working_days = forms.IntegerField(
        label=_("Working days to answer an appeal"), min_value=1, max_value=MAX_DAYS
    )
    weekend = forms.TypedMultipleChoiceField(
        label=_("Days off each week"),
        choices=WEEKDAY_CHOICES,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    holidays = forms.CharField(
        label=_("Holidays"),
        max_length=10_000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One date a line, such as 2026-10-01: they are not working days."),
    )
    checkin_rotation_seconds = forms.IntegerField(
        label=_("An activity's check-in code changes every (seconds)"),
        min_value=MIN_ROTATION,
        max_value=MAX_ROTATION,
    )

    @classmethod
    def initial_for(cls, settings: EarningSettings) -> dict[str, Any]:
        return {
            "appeal_days": settings.appeal_days,
            "answer_working_days": settings.answer_working_days,
            "weekend": [str(d) for d in settings.weekend or []],
            "holidays": "\n".join(sorted(str(d) for d in settings.holidays or [])),
            "checkin_rotation_seconds": settings.checkin_rotation_seconds,
        }

    def clean_holidays(self) -> tuple[date, ...]:
        texts = [t for t in DATES.split(self.cleaned_data["holidays"]) if t]
        return tuple(sorted({_iso_date(text) for text in texts}))

    def data_of(self) -> EarningSettingsData:
        d = self.cleaned_data
        return EarningSettingsData(
            appeal_days=d["appeal_days"],
            answer_working_days=d["answer_working_days"],
            weekend=tuple(d["weekend"]),
            holidays=d["holidays"],
            checkin_rotation_seconds=d["checkin_rotation_seconds"],
        )


class DeviceKeyForm(forms.Form):
    name = forms.CharField(
        label=pgettext_lazy("name of a thing", "Name"),
        max_length=100,
        help_text=_("Such as the bin or kiosk it is for, and where it stands."),
    )
    rules = forms.MultipleChoiceField(
        label=_("Rules it may post events for"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    per_minute = forms.IntegerField(
        label=_("At most, events a minute"), min_value=1, max_value=10_000, initial=600
    )

    def __init__(self, data: Any = None, *, offered: list[Rule]) -> None:
        super().__init__(data)
        self.offered = {rule.code: rule for rule in offered}
        field = self.fields["rules"]
        assert isinstance(field, forms.MultipleChoiceField)  # declared so above
        field.choices = [(rule.code, rule.name) for rule in offered]

    def chosen_rules(self) -> list[Rule]:
        return [self.offered[code] for code in self.cleaned_data["rules"]]
