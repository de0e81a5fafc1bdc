"""How stored codes read on a page, in the page's language: audit actions, the targets of
audit entries, the name of a programme's points."""

import re

from django import template
from django.utils.translation import gettext as _

from jifen.audit.labels import ACTION_LABELS
from jifen.audit.labels import action_label as label_of_action
from jifen.audit.models import AuditEntry
from jifen.programmes.models import Programme, RoleKind

register = template.Library()


@register.filter
def action_label(action: str) -> str:
    """`role.grant` → “Role given” (ACTION_LABELS in jifen/audit/labels.py)."""
    return label_of_action(action)


@register.filter
def audit_target(entry: AuditEntry) -> str:
    """What the entry was done to, as recorded, except a role or a role offer: its name is
    written in the language of whoever acted (“管理员 · 幸福里社区”), so it is shown from
    its code."""
    roles = ("programmes.role", "programmes.roleoffer")
    kind = entry.data.get("kind") if entry.target_type in roles else None
    if kind not in RoleKind.values:
        return entry.target_repr
    _name, _dot, where = entry.target_repr.partition(" · ")
    label = str(RoleKind(kind).label)
    return f"{label} · {where}" if where else label


@register.simple_tag
def points_unit(programme: Programme, count: int) -> str:
    """The name of `count` points here: see Programme.points_unit."""
    return programme.points_unit(count)


@register.simple_tag
def audit_actions() -> list[tuple[str, str]]:
    """(code, label) of every action, by label, for the audit log's filter."""
    return sorted(((code, str(label)) for code, label in ACTION_LABELS.items()), key=lambda a: a[1])


_RULE_REFERENCE = re.compile(r"^[\w-]+@v(\d+) ")


@register.filter
def rule_version(reference: str) -> str:
    """“rule version 2” for a ledger entry that an earning rule produced (its reference is
    `code@v2 …`), else nothing."""
    found = _RULE_REFERENCE.match(reference or "")
    return _("rule version %(n)s") % {"n": found.group(1)} if found else ""
