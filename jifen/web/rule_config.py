"""Between a rule form's fields and a rule's configuration (see jifen.earning.rules): what a
valid form says, and what the form shows for a stored configuration. A row typed half-way is
an error on that row; everything else is left for rules.parse, which the services call."""

from typing import Any

from django.forms import Form
from django.utils.translation import gettext_lazy as _

from jifen.earning import rules
from jifen.earning.models import RuleKind

# Rows each table of the form offers (more when a rule already has more).
ROWS = {"criteria": 4, "combos": 4, "extras": 2, "steps": 4, "windows": 3, "caps": 3}
KIND_NUMBERS = {
    "fixed": ("points",),
    "hourly": ("points", "unit_minutes", "rounding"),
    "amount": ("points", "unit_amount"),
    "range": ("min", "max"),
    "checkin": ("points", "streak_days", "streak_bonus"),
    "criteria": (),
}


class ConfigBuilder:
    """The configuration a valid RuleForm says; a row typed half-way is an error on it."""

    def __init__(self, form: Form, *, kind: str, rows: dict[str, int]) -> None:
        self.form, self.kind, self.rows = form, kind, rows
        self.data = form.cleaned_data

    def build(self) -> dict[str, Any]:
        d = self.data
        config = {k: d[k] for k in KIND_NUMBERS[self.kind] if d.get(k) not in (None, "")}
        if self.kind == RuleKind.CRITERIA:
            config |= self._criteria()
        windows = self._windows()
        if windows:
            config["windows"] = windows
        if d["groups"] or d["communities"]:
            config["eligible"] = {"groups": d["groups"], "communities": d["communities"]}
        caps = [
            {
                "scope": d[f"cap_{c}_scope"] or "household",
                "period": d[f"cap_{c}_period"] or "day",
                "limit": limit,
            }
            for c in range(1, self.rows["caps"] + 1)
            if (limit := d[f"cap_{c}_limit"]) is not None
        ]
        if caps:
            config["caps"] = caps
        for name in ("newcomer_multiplier", "parent_child_multiplier"):
            if (d[name] or 1) > 1:
                config[name] = d[name]
        return config | self._mentor()

    def _criteria(self) -> dict[str, Any]:
        criteria = self._labelled("criterion", self.rows["criteria"], "c")
        extras = self._extras()
        combos = self._combos({i: c["code"] for i, c in criteria.items()})
        out: dict[str, Any] = {
            "criteria": list(criteria.values()),
            "combos": combos,
            "extras": extras,
        }
        bands = self._bands()
        return out | ({"bands": bands} if bands else {})

    def _labelled(self, prefix: str, count: int, default: str) -> dict[int, dict[str, Any]]:
        """The rows with a code or a label, by row number; a code left empty is made from
        the row's number (c1, c2…)."""
        found = {}
        for i in range(1, count + 1):
            code, label = self.data[f"{prefix}_{i}_code"], self.data[f"{prefix}_{i}_label"]
            if code or label:
                code = code or f"{default}{i}"
                found[i] = {"code": code, "label": label or code}
        return found

    def _extras(self) -> list[dict[str, Any]]:
        named = self._labelled("extra", self.rows["extras"], "extra")
        extras = []
        for j in range(1, self.rows["extras"] + 1):
            points = self.data[f"extra_{j}_points"]
            if j in named and points is None:
                self.form.add_error(f"extra_{j}_points", _("Give the points of this extra."))
            elif points is not None and j not in named:
                self.form.add_error(f"extra_{j}_label", _("Name this extra."))
            elif j in named:
                extras.append(named[j] | {"points": points})
        return extras

    def _combos(self, codes: dict[int, str]) -> list[dict[str, Any]]:
        combos = []
        for k in range(1, self.rows["combos"] + 1):
            ticked = [int(n) for n in self.data[f"combo_{k}_requires"]]
            points = self.data[f"combo_{k}_points"]
            if not ticked and points is None:
                continue
            if not ticked:
                self.form.add_error(
                    f"combo_{k}_requires", _("Tick the criteria this combination needs.")
                )
            elif points is None:
                self.form.add_error(f"combo_{k}_points", _("Give the points of this combination."))
            elif any(n not in codes for n in ticked):
                self.form.add_error(f"combo_{k}_requires", _("A ticked criterion has no name yet."))
            else:
                combos.append({"requires": [codes[n] for n in ticked], "points": points})
        return combos

    def _bands(self) -> dict[str, Any] | None:
        steps = []
        for s in range(1, self.rows["steps"] + 1):
            threshold, points = self.data[f"band_{s}_threshold"], self.data[f"band_{s}_points"]
            if (threshold is None) != (points is None):
                self.form.add_error(
                    f"band_{s}_points", _("Give both the threshold and its points.")
                )
            elif threshold is not None:
                steps.append([threshold, points])
        if not steps:
            return None
        measure = self.data["band_measure"]
        if not measure:
            self.form.add_error(
                "band_measure", _("Name the measured value, for example “accuracy”.")
            )
        return {"measure": measure, "steps": sorted(steps)}

    def _windows(self) -> list[list[str]]:
        windows = []
        for w in range(1, self.rows["windows"] + 1):
            start, end = self.data[f"window_{w}_start"], self.data[f"window_{w}_end"]
            if (start is None) != (end is None):
                self.form.add_error(f"window_{w}_end", _("Give both the start and the end."))
            elif start is not None:
                windows.append([f"{start:%H:%M}", f"{end:%H:%M}"])
        return windows

    def _mentor(self) -> dict[str, Any]:
        parts = {k: self.data[f"mentor_{k}"] for k in ("above", "below", "points")}
        given = [v is not None for v in parts.values()]
        if any(given) and not all(given):
            self.form.add_error("mentor_points", _("Give all three numbers, or none."))
            return {}
        return {"mentor": parts} if all(given) else {}


def row_counts(current: rules.RuleConfig | None) -> dict[str, int]:
    """The rows each table offers: the defaults, or one more than a rule already uses."""
    if current is None:
        return dict(ROWS)
    used = {
        "criteria": len(current.criteria),
        "combos": len(current.combos),
        "extras": len(current.extras),
        "steps": len(current.bands.steps) if current.bands else 0,
        "windows": len(current.windows),
        "caps": len(current.caps),
    }
    return {name: max(ROWS[name], used[name] + 1) for name in ROWS}


def config_initial(c: rules.RuleConfig) -> dict[str, Any]:
    """The form's fields for a stored configuration (the inverse of ConfigBuilder)."""
    initial: dict[str, Any] = {name: getattr(c, name) for name in KIND_NUMBERS[c.kind]}
    row_of = {}
    for i, criterion in enumerate(c.criteria, start=1):
        initial |= {f"criterion_{i}_code": criterion.code, f"criterion_{i}_label": criterion.label}
        row_of[criterion.code] = str(i)
    for k, combo in enumerate(c.combos, start=1):
        ticked = sorted((row_of[code] for code in combo.requires if code in row_of), key=int)
        initial |= {f"combo_{k}_requires": ticked, f"combo_{k}_points": combo.points}
    for j, extra in enumerate(c.extras, start=1):
        initial |= {f"extra_{j}_code": extra.code, f"extra_{j}_label": extra.label}
        initial[f"extra_{j}_points"] = extra.points
    if c.bands:
        initial["band_measure"] = c.bands.measure
        for s, (threshold, points) in enumerate(c.bands.steps, start=1):
            initial |= {f"band_{s}_threshold": threshold, f"band_{s}_points": points}
    for w, (start, end) in enumerate(c.windows, start=1):
        initial |= {f"window_{w}_start": start, f"window_{w}_end": end}
    initial["groups"] = sorted(c.groups)
    initial["communities"] = [str(pk) for pk in sorted(c.communities)]
    for n, cap in enumerate(c.caps, start=1):
        initial |= {f"cap_{n}_limit": cap.limit, f"cap_{n}_scope": cap.scope}
        initial[f"cap_{n}_period"] = cap.period
    initial["newcomer_multiplier"] = c.newcomer_multiplier
    initial["parent_child_multiplier"] = c.parent_child_multiplier
    if c.mentor:
        m = c.mentor
        initial |= {"mentor_above": m.above, "mentor_below": m.below, "mentor_points": m.points}
    return initial
