"""A rule's numbers in words, in the active language, for the pages that list rules and their
versions: “10 points each time; only 07:00–09:00; at most 5 per household per day”. Pure:
the caller passes the names of the communities the rule names."""

from collections.abc import Mapping

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from jifen.earning.rules import RuleConfig
from jifen.ledger.models import CapPeriod, CapScope

GROUP_LABELS = {
    "elderly": gettext_lazy("elderly residents"),
    "new_resident": gettext_lazy("new residents"),
    "child": gettext_lazy("children"),
}
ROUNDING_LABELS = {
    "down": gettext_lazy("a part of a unit counts for nothing"),
    "nearest": gettext_lazy("a part of a unit is rounded to the nearest unit"),
    "up": gettext_lazy("a part of a unit counts as a whole one"),
}


def in_words(config: RuleConfig, communities: Mapping[int, str] | None = None) -> str:
    """Everything the configuration says, one clause after another."""
    parts = _numbers(config) + _conditions(config, communities or {}) + _bonuses(config)
    return "; ".join(parts)


def _numbers(c: RuleConfig) -> list[str]:
    n = c.points
    if c.kind == "fixed":
        return [ngettext("%(n)s point each time", "%(n)s points each time", n) % {"n": n}]
    if c.kind == "hourly":
        per = ngettext(
            "%(n)s point per %(minutes)s minutes", "%(n)s points per %(minutes)s minutes", n
        ) % {"n": n, "minutes": c.unit_minutes}
        return [per, str(ROUNDING_LABELS[c.rounding])]
    if c.kind == "amount":
        return [
            ngettext("%(n)s point per %(amount)s spent", "%(n)s points per %(amount)s spent", n)
            % {"n": n, "amount": c.unit_amount}
        ]
    if c.kind == "range":
        return [_("%(min)s to %(max)s points, as the reviewer decides") % vars(c)]
    if c.kind == "checkin":
        return _checkin(c)
    return _criteria(c)


def _checkin(c: RuleConfig) -> list[str]:
    words = [ngettext("%(n)s point a day", "%(n)s points a day", c.points) % {"n": c.points}]
    if c.streak_days and c.streak_bonus:
        words.append(
            _("+%(bonus)s every %(days)s days in a row")
            % {"bonus": c.streak_bonus, "days": c.streak_days}
        )
    return words


def _criteria(c: RuleConfig) -> list[str]:
    labels = {x.code: x.label for x in c.criteria + c.extras}
    words = [
        f"{' + '.join(labels.get(code, code) for code in sorted(x.requires))} → {x.points}"
        for x in c.combos
    ]
    if c.bands is not None:
        steps = ", ".join(f"≥ {threshold} → {points}" for threshold, points in c.bands.steps)
        words.append(f"{labels.get(c.bands.measure, c.bands.measure)} {steps}")
    words += [f"+{x.points} {x.label}" for x in c.extras]
    return words


def _conditions(c: RuleConfig, communities: Mapping[int, str]) -> list[str]:
    words = []
    if c.windows:
        spans = ", ".join(f"{a:%H:%M}–{b:%H:%M}" for a, b in c.windows)
        words.append(_("only %(windows)s") % {"windows": spans})
    if c.groups:
        groups = ", ".join(str(GROUP_LABELS[g]) for g in sorted(c.groups))
        words.append(_("only for %(groups)s") % {"groups": groups})
    if c.communities:
        names = ", ".join(communities.get(pk, str(pk)) for pk in sorted(c.communities))
        words.append(_("only in %(communities)s") % {"communities": names})
    for cap in c.caps:
        words.append(
            _("at most %(limit)s per %(scope)s per %(period)s")
            % {
                "limit": cap.limit,
                "scope": CapScope(cap.scope).label,
                "period": CapPeriod(cap.period).label,
            }
        )
    return words


def _bonuses(c: RuleConfig) -> list[str]:
    words = []
    if c.newcomer_multiplier > 1:
        words.append(_("×%(n)s for a new resident's first time") % {"n": c.newcomer_multiplier})
    if c.parent_child_multiplier > 1:
        words.append(_("×%(n)s for a parent and child together") % {"n": c.parent_child_multiplier})
    if c.mentor is not None:
        m = c.mentor
        words.append(
            _(
                "a resident with at least %(above)s points who brings one with fewer than "
                "%(below)s: +%(points)s each"
            )
            % {"above": m.above, "below": m.below, "points": m.points}
        )
    return words
