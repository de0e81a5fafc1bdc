"""What an earning rule's configuration says, and the points it gives. Pure: no database.

A version's configuration is a JSON object; every field is optional but those its kind needs:

    points          fixed, check-in: points per occurrence; hourly: per `unit_minutes`;
                    amount: per `unit_amount` spent
    unit_minutes    hourly: the unit of time (60; clean-up: 20 points per 120 minutes)
    rounding        hourly: "down" | "nearest" | "up" for a part of a unit
    unit_amount     amount: how much money earns `points` (1 point per 1 RMB: 1)
    min, max        range: what the reviewer chooses between (suggestions: 20–100)
    criteria        criteria: [{"code": "c1", "label": "…"}]: what a reviewer or device ticks
    combos          criteria: [{"requires": ["c1", "c2"], "points": 2}]: the best one met counts
    extras          criteria: [{"code": "photo", "label": "…", "points": 1}]: added when met
    bands           criteria: {"measure": "accuracy", "steps": [[60, 1], [70, 2], [80, 3]]}:
                    a measured value at or above a step's threshold gives its points
                    (the highest step reached; the best of bands and combos counts)
    streak_days, streak_bonus   check-in: every `streak_days` days in a row add the bonus
    windows         [["07:00", "09:00"], ["18:30", "20:30"]]: when it may be earned, local time
    eligible        {"groups": ["elderly", "new_resident", "child"], "communities": [ids]}:
                    who may earn (any group; empty means everyone)
    caps            [{"scope": "household", "period": "day", "limit": 5}]: the rule's own caps,
                    counted by the ledger's counters beside the programme's caps
    newcomer_multiplier      a new resident's first award in the programme is multiplied
    parent_child_multiplier  a parent and their child at one activity: each award multiplied
    mentor          {"above": 1000, "below": 100, "points": 10}: a member with at least
                    `above` points who brings one with fewer than `below` → both get `points`
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any

from django.utils.translation import gettext_lazy as _

from jifen.earning.errors import InvalidRule
from jifen.lib.periods import local

MAX_RULE_POINTS = 100_000
MAX_MEASURE = 10_000_000  # minutes, money, weight, percentages: far below any overflow
GROUPS = ("elderly", "new_resident", "child")
SCOPES = ("member", "household")
PERIODS = ("day", "week", "month", "year")
ROUNDINGS = ("down", "nearest", "up")


@dataclass(frozen=True)
class Criterion:
    code: str
    label: str
    points: int = 0  # extras only


@dataclass(frozen=True)
class Combo:
    requires: frozenset[str]
    points: int


@dataclass(frozen=True)
class Bands:
    measure: str
    steps: tuple[tuple[int, int], ...]  # (threshold, points), ascending


@dataclass(frozen=True)
class RuleCap:
    scope: str
    period: str
    limit: int


@dataclass(frozen=True)
class Mentor:
    above: int
    below: int
    points: int


@dataclass(frozen=True)
class RuleConfig:
    kind: str
    points: int = 0
    unit_minutes: int = 60
    rounding: str = "down"
    unit_amount: int = 1
    min: int = 0
    max: int = 0
    criteria: tuple[Criterion, ...] = ()
    combos: tuple[Combo, ...] = ()
    extras: tuple[Criterion, ...] = ()
    bands: Bands | None = None
    streak_days: int = 0
    streak_bonus: int = 0
    windows: tuple[tuple[time, time], ...] = ()
    groups: frozenset[str] = frozenset()
    communities: frozenset[int] = frozenset()
    caps: tuple[RuleCap, ...] = ()
    newcomer_multiplier: int = 1
    parent_child_multiplier: int = 1
    mentor: Mentor | None = None

    @property
    def codes(self) -> set[str]:
        """Every criterion and extra a claim or event may tick."""
        return {c.code for c in self.criteria} | {c.code for c in self.extras}

    @property
    def measures(self) -> set[str]:
        """The measured values the rule reads."""
        names = {self.bands.measure} if self.bands else set()
        if self.kind == "hourly":
            names.add("minutes")
        if self.kind == "amount":
            names.add("amount")
        return names


@dataclass(frozen=True)
class Facts:
    """What happened, as far as the rule reads it."""

    criteria: frozenset[str] = frozenset()
    measures: Mapping[str, int] = field(default_factory=dict)
    chosen: int | None = None  # range: the reviewer's choice
    streak: int = 1  # check-in: days in a row, today included


# An explanation is a list of [code, number] pairs, shown translated by `describe`.
Explanation = list[list[Any]]


def parse(kind: str, data: object) -> RuleConfig:
    """The configuration of a rule of `kind`, checked; InvalidRule says what is wrong."""
    if not isinstance(data, dict):
        raise InvalidRule(problem=_("the configuration must be an object"))
    c = RuleConfig(
        kind=kind,
        points=_int(data, "points", 0),
        unit_minutes=_int(data, "unit_minutes", 60, low=1),
        rounding=_choice(data, "rounding", ROUNDINGS, "down"),
        unit_amount=_int(data, "unit_amount", 1, low=1),
        min=_int(data, "min", 0),
        max=_int(data, "max", 0),
        criteria=tuple(_criteria(data.get("criteria", []), "criteria")),
        combos=tuple(_combos(data.get("combos", []))),
        extras=tuple(_criteria(data.get("extras", []), "extras", points=True)),
        bands=_bands(data.get("bands")),
        streak_days=_int(data, "streak_days", 0),
        streak_bonus=_int(data, "streak_bonus", 0),
        windows=tuple(_windows(data.get("windows", []))),
        groups=frozenset(_list_of(data, "groups", GROUPS, nested="eligible")),
        communities=frozenset(_ids(data.get("eligible", {}))),
        caps=tuple(_caps(data.get("caps", []))),
        newcomer_multiplier=_int(data, "newcomer_multiplier", 1, low=1, high=10),
        parent_child_multiplier=_int(data, "parent_child_multiplier", 1, low=1, high=10),
        mentor=_mentor(data.get("mentor")),
    )
    _check_kind(c)
    return c


def dump(c: RuleConfig) -> dict[str, Any]:
    """The JSON stored for a configuration (what `parse` reads back)."""
    out: dict[str, Any] = {}
    if c.kind in ("fixed", "hourly", "amount", "checkin"):
        out["points"] = c.points
    if c.kind == "hourly":
        out |= {"unit_minutes": c.unit_minutes, "rounding": c.rounding}
    if c.kind == "amount":
        out["unit_amount"] = c.unit_amount
    if c.kind == "range":
        out |= {"min": c.min, "max": c.max}
    if c.criteria:
        out["criteria"] = [{"code": x.code, "label": x.label} for x in c.criteria]
    if c.combos:
        out["combos"] = [{"requires": sorted(x.requires), "points": x.points} for x in c.combos]
    if c.extras:
        out["extras"] = [{"code": x.code, "label": x.label, "points": x.points} for x in c.extras]
    if c.bands:
        out["bands"] = {"measure": c.bands.measure, "steps": [list(s) for s in c.bands.steps]}
    if c.kind == "checkin":
        out |= {"streak_days": c.streak_days, "streak_bonus": c.streak_bonus}
    if c.windows:
        out["windows"] = [[a.strftime("%H:%M"), b.strftime("%H:%M")] for a, b in c.windows]
    if c.groups or c.communities:
        out["eligible"] = {"groups": sorted(c.groups), "communities": sorted(c.communities)}
    if c.caps:
        out["caps"] = [{"scope": x.scope, "period": x.period, "limit": x.limit} for x in c.caps]
    if c.newcomer_multiplier > 1:
        out["newcomer_multiplier"] = c.newcomer_multiplier
    if c.parent_child_multiplier > 1:
        out["parent_child_multiplier"] = c.parent_child_multiplier
    if c.mentor:
        m = c.mentor
        out["mentor"] = {"above": m.above, "below": m.below, "points": m.points}
    return out


def base_points(c: RuleConfig, facts: Facts) -> tuple[int, Explanation]:
    """The points the rule gives for `facts`, before bonuses, and how they were reached."""
    if c.kind == "fixed":
        return c.points, [["fixed", c.points]]
    if c.kind == "hourly":
        minutes = facts.measures.get("minutes", 0)
        units = _rounded(minutes, c.unit_minutes, c.rounding)
        return units * c.points, [["minutes", minutes], ["per_unit", c.points, c.unit_minutes]]
    if c.kind == "amount":
        amount = facts.measures.get("amount", 0)
        points = amount * c.points // c.unit_amount  # rounded down: no point for part of one
        return points, [["amount", amount]]
    if c.kind == "range":
        chosen = c.min if facts.chosen is None else facts.chosen
        if not c.min <= chosen <= c.max:
            raise InvalidRule(problem=_("choose between %(min)s and %(max)s") % vars(c))
        return chosen, [["chosen", chosen, c.min, c.max]]
    if c.kind == "checkin":
        bonus = (
            c.streak_bonus
            if c.streak_days and facts.streak and facts.streak % c.streak_days == 0
            else 0
        )
        explanation: Explanation = [["checkin", c.points]]
        if bonus:
            explanation.append(["streak", bonus, facts.streak])
        return c.points + bonus, explanation
    return _criteria_points(c, facts)


def _criteria_points(c: RuleConfig, facts: Facts) -> tuple[int, Explanation]:
    explanation: Explanation = []
    best = max(
        (x for x in c.combos if x.requires <= facts.criteria), key=_combo_points, default=None
    )
    points = best.points if best else 0
    if best:
        explanation.append(["combo", best.points, sorted(best.requires)])
    if c.bands is not None and c.bands.measure in facts.measures:
        value = facts.measures[c.bands.measure]
        reached = [p for threshold, p in c.bands.steps if value >= threshold]
        if reached and reached[-1] > points:
            points = reached[-1]
            explanation = [["band", reached[-1], c.bands.measure, value]]
    for extra in c.extras:
        if extra.code in facts.criteria:
            points += extra.points
            explanation.append(["extra", extra.points, extra.code])
    return points, explanation


def _combo_points(combo: Combo) -> int:
    return combo.points


def with_bonuses(
    c: RuleConfig, points: int, *, newcomer: bool = False, parent_child: bool = False
) -> tuple[int, Explanation]:
    """`points` multiplied by the bonuses that apply (never both of one kind twice)."""
    explanation: Explanation = []
    if newcomer and c.newcomer_multiplier > 1:
        points *= c.newcomer_multiplier
        explanation.append(["newcomer", c.newcomer_multiplier])
    if parent_child and c.parent_child_multiplier > 1:
        points *= c.parent_child_multiplier
        explanation.append(["parent_child", c.parent_child_multiplier])
    return min(points, MAX_RULE_POINTS), explanation


def in_window(c: RuleConfig, moment: datetime, tz: str) -> bool:
    """Whether `moment` falls in one of the rule's windows (always, when it has none)."""
    if not c.windows:
        return True
    clock_time = local(moment, tz).time()
    return any(start <= clock_time < end for start, end in c.windows)


def eligible(c: RuleConfig, *, community_id: int, groups: Iterable[str]) -> bool:
    if c.communities and community_id not in c.communities:
        return False
    return not c.groups or bool(c.groups & set(groups))


def member_groups(member: Any) -> set[str]:
    """The eligibility groups a member belongs to."""
    flags = {
        "elderly": member.is_elderly,
        "new_resident": member.is_new_resident,
        "child": member.is_child,
    }
    return {name for name, on in flags.items() if on}


def ceiling(c: RuleConfig) -> int | None:
    """The most one occurrence can give before bonuses, when the rule bounds it."""
    if c.kind in ("fixed",):
        return c.points
    if c.kind == "range":
        return c.max
    if c.kind == "checkin":
        return c.points + c.streak_bonus
    if c.kind == "criteria":
        combos = max((x.points for x in c.combos), default=0)
        bands = max((p for _, p in c.bands.steps), default=0) if c.bands else 0
        return max(combos, bands) + sum(x.points for x in c.extras)
    return None


def _rounded(minutes: int, unit: int, rounding: str) -> int:
    whole, part = divmod(minutes, unit)
    if rounding == "up" and part:
        return whole + 1
    if rounding == "nearest" and part * 2 >= unit:
        return whole + 1
    return whole


def _check_kind(c: RuleConfig) -> None:
    if c.kind in ("fixed", "hourly", "amount", "checkin") and c.points <= 0:
        raise InvalidRule(problem=_("give the points (more than 0)"))
    if c.kind == "range" and not 0 < c.min <= c.max:
        raise InvalidRule(problem=_("the range needs 0 < minimum ≤ maximum"))
    if c.kind == "criteria" and not (c.combos or c.bands or c.extras):
        raise InvalidRule(problem=_("give the points of the criteria or of the measured value"))
    known = {x.code for x in c.criteria} | {x.code for x in c.extras}
    for combo in c.combos:
        if not combo.requires <= known:
            raise InvalidRule(problem=_("a combination names an unknown criterion"))
    if c.kind not in ("fixed", "hourly", "amount", "range", "criteria", "checkin"):
        raise InvalidRule(problem=_("unknown kind of rule"))


def _int(
    data: Mapping[str, Any], name: str, default: int, *, low: int = 0, high: int = MAX_RULE_POINTS
) -> int:
    value = data.get(name, default)
    if type(value) is not int or not low <= value <= high:
        raise InvalidRule(
            problem=_("“%(name)s” must be a whole number from %(low)s to %(high)s")
            % {"name": name, "low": low, "high": high}
        )
    return value


def _choice(data: Mapping[str, Any], name: str, choices: tuple[str, ...], default: str) -> str:
    value = data.get(name, default)
    if value not in choices:
        raise InvalidRule(
            problem=_("“%(name)s” must be one of %(choices)s")
            % {"name": name, "choices": ", ".join(choices)}
        )
    return str(value)


def _text(value: object, name: str, limit: int = 60) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise InvalidRule(problem=_("“%(name)s” needs a short text") % {"name": name})
    return value.strip()


def _criteria(items: object, name: str, *, points: bool = False) -> list[Criterion]:
    if not isinstance(items, list) or len(items) > 20:
        raise InvalidRule(problem=_("“%(name)s” must be a list") % {"name": name})
    out = []
    for item in items:
        if not isinstance(item, dict):
            raise InvalidRule(problem=_("“%(name)s” must be a list") % {"name": name})
        out.append(
            Criterion(
                code=_text(item.get("code"), "code", 20),
                label=_text(item.get("label", item.get("code")), "label", 100),
                points=_int(item, "points", 0) if points else 0,
            )
        )
    if len({x.code for x in out}) != len(out):
        raise InvalidRule(problem=_("two criteria have one code"))
    return out


def _combos(items: object) -> list[Combo]:
    if not isinstance(items, list) or len(items) > 20:
        raise InvalidRule(problem=_("“%(name)s” must be a list") % {"name": "combos"})
    out = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("requires"), list):
            raise InvalidRule(problem=_("“%(name)s” must be a list") % {"name": "combos"})
        out.append(
            Combo(
                frozenset(_text(code, "requires", 20) for code in item["requires"]),
                _int(item, "points", 0, low=1),
            )
        )
    return out


def _bands(data: object) -> Bands | None:
    if data is None:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("steps"), list):
        raise InvalidRule(problem=_("the bands need a measure and steps"))
    steps = []
    for step in data["steps"]:
        if not (isinstance(step, list) and len(step) == 2):
            raise InvalidRule(problem=_("each band is [threshold, points]"))
        steps.append(
            (
                _int({"t": step[0]}, "t", 0, high=MAX_MEASURE),
                _int({"p": step[1]}, "p", 0, low=1),
            )
        )
    if [t for t, _ in steps] != sorted({t for t, _ in steps}):
        raise InvalidRule(problem=_("band thresholds must rise"))
    return Bands(_text(data.get("measure"), "measure", 20), tuple(steps))


def _windows(items: object) -> list[tuple[time, time]]:
    if not isinstance(items, list) or len(items) > 10:
        raise InvalidRule(problem=_("“%(name)s” must be a list") % {"name": "windows"})
    out = []
    for item in items:
        try:
            start, end = (time.fromisoformat(str(x)) for x in item)
        except (TypeError, ValueError):
            raise InvalidRule(problem=_("a time window is [“07:00”, “09:00”]")) from None
        if not start < end:
            raise InvalidRule(problem=_("a time window must end after it starts"))
        out.append((start, end))
    return out


def _list_of(
    data: Mapping[str, Any], name: str, allowed: tuple[str, ...], *, nested: str
) -> list[str]:
    holder = data.get(nested, {})
    if not isinstance(holder, dict):
        raise InvalidRule(problem=_("“%(name)s” must be an object") % {"name": nested})
    values = holder.get(name, [])
    if not isinstance(values, list) or any(v not in allowed for v in values):
        raise InvalidRule(problem=_("“%(name)s” must be a list") % {"name": name})
    return [str(v) for v in values]


def _ids(holder: object) -> list[int]:
    values = holder.get("communities", []) if isinstance(holder, dict) else []
    if not isinstance(values, list) or any(type(v) is not int or v < 1 for v in values):
        raise InvalidRule(problem=_("“%(name)s” must be a list") % {"name": "communities"})
    return [int(v) for v in values]


def _caps(items: object) -> list[RuleCap]:
    if not isinstance(items, list) or len(items) > 8:
        raise InvalidRule(problem=_("“%(name)s” must be a list") % {"name": "caps"})
    out = []
    for item in items:
        if not isinstance(item, dict):
            raise InvalidRule(problem=_("“%(name)s” must be a list") % {"name": "caps"})
        out.append(
            RuleCap(
                _choice(item, "scope", SCOPES, "household"),
                _choice(item, "period", PERIODS, "day"),
                _int(item, "limit", 0, low=1),
            )
        )
    return out


def _mentor(data: object) -> Mentor | None:
    if data is None:
        return None
    if not isinstance(data, dict):
        raise InvalidRule(problem=_("“%(name)s” must be an object") % {"name": "mentor"})
    return Mentor(
        _int(data, "above", 0, high=MAX_MEASURE),
        _int(data, "below", 0, high=MAX_MEASURE),
        _int(data, "points", 0, low=1),
    )
