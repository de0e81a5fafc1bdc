"""Editing rules: every change of numbers adds a version (never edits one), and a preview
says what a rule gives before it is saved: “criteria 1 and 2 with a photo → 3 points; this
household has 4 left today”."""

from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from jifen.accounts.models import User
from jifen.audit.services import record as audit
from jifen.earning import crediting, errors, rules
from jifen.earning.models import Rule, RuleVersion
from jifen.ledger.queries import room_left
from jifen.lib import clock
from jifen.programmes.models import Community, Member, Programme

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


def create_rule(
    *, programme: Programme, code: str, kind: str, config: Any, actor: User | None, **fields: Any
) -> Rule:
    parsed = rules.parse(kind, config)
    _require_own_communities(programme, parsed)
    try:
        with transaction.atomic():
            rule = Rule.objects.create(programme=programme, code=code, kind=kind, **fields)
            RuleVersion.objects.create(
                rule=rule, number=1, config=rules.dump(parsed), created_by=actor
            )
            audit(actor=actor, action="rule.create", target=rule, programme=programme)
    except IntegrityError:
        raise errors.RuleCodeTaken(code=code) from None
    return rule


def update_rule(*, rule: Rule, actor: User | None, config: Any = None, **fields: Any) -> Rule:
    """Change a rule's settings; new numbers make a new version (awards made under the old
    one keep pointing at it)."""
    with transaction.atomic():
        locked = Rule.objects.select_for_update().get(pk=rule.pk)
        for name, value in fields.items():
            if name not in RULE_FIELDS:
                raise ValueError(name)
            setattr(locked, name, value)
        if config is not None:
            checked = rules.parse(locked.kind, config)
            _require_own_communities(locked.programme, checked)
            parsed = rules.dump(checked)
            current = crediting.current_version(locked)
            if parsed != current.config:
                locked.version += 1
                RuleVersion.objects.create(
                    rule=locked, number=locked.version, config=parsed, created_by=actor
                )
        locked.save()
        audit(
            actor=actor,
            action="rule.update",
            target=locked,
            programme=locked.programme,
            data={"version": locked.version},
        )
    return locked


def _require_own_communities(programme: Programme, config: rules.RuleConfig) -> None:
    """Eligibility may name only the programme's own communities."""
    wanted = set(config.communities)
    if not wanted:
        return
    if Community.objects.filter(programme=programme, pk__in=wanted).count() != len(wanted):
        raise errors.InvalidRule(problem=_("a community named is not one of this programme"))


@dataclass(frozen=True)
class Preview:
    points: int
    explanation: rules.Explanation
    left: int | None  # what the tightest cap leaves this member today, None when uncapped
    text: str


def preview(
    *, rule: Rule, config: Any, facts: rules.Facts, member: Member | None = None
) -> Preview:
    parsed = rules.parse(rule.kind, config)
    points, explanation = rules.base_points(parsed, facts)
    left = None
    if member is not None:
        left = room_left(member, crediting.rule_limits(rule, parsed, member, clock.now()))
    text = _("%(what)s → %(points)s points") % {
        "what": describe(explanation, parsed),
        "points": points,
    }
    if left is not None:
        text += "; " + _("%(left)s left today for this resident or household") % {"left": left}
    return Preview(points, explanation, left, text)


def describe(explanation: rules.Explanation, config: rules.RuleConfig | None = None) -> str:
    """An explanation in the active language: “criteria c1, c2 + photo”, “90 minutes”."""
    labels: dict[str, str] = (
        {c.code: c.label for c in (config.criteria + config.extras)} if config else {}
    )
    parts = []
    for item in explanation:
        code = item[0]
        if code == "fixed":
            parts.append(_("%(n)s points each time") % {"n": item[1]})
        elif code == "minutes":
            parts.append(_("%(n)s minutes") % {"n": item[1]})
        elif code == "per_unit":
            parts.append(_("%(n)s points per %(m)s minutes") % {"n": item[1], "m": item[2]})
        elif code == "amount":
            parts.append(_("%(n)s spent") % {"n": item[1]})
        elif code == "chosen":
            parts.append(
                _("%(n)s chosen (of %(min)s–%(max)s)")
                % {"n": item[1], "min": item[2], "max": item[3]}
            )
        elif code == "combo":
            names = "、".join(labels.get(c, c) for c in item[2])
            parts.append(_("criteria met: %(names)s") % {"names": names})
        elif code == "band":
            parts.append(
                _("%(measure)s %(value)s")
                % {"measure": labels.get(item[2], item[2]), "value": item[3]}
            )
        elif code == "extra":
            parts.append(f"+{labels.get(item[2], item[2])}")
        elif code == "checkin":
            parts.append(_("daily check-in"))
        elif code == "streak":
            parts.append(_("%(days)s days in a row: +%(n)s") % {"days": item[2], "n": item[1]})
        elif code == "newcomer":
            parts.append(_("first time of a new resident ×%(n)s") % {"n": item[1]})
        elif code == "parent_child":
            parts.append(_("parent and child together ×%(n)s") % {"n": item[1]})
        elif code == "mentor":
            parts.append(_("bringing a newcomer: +%(n)s") % {"n": item[1]})
        elif code == "appeal":
            parts.append(_("corrected on appeal"))
    return "; ".join(parts)
