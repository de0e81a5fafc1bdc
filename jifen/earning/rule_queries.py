"""Reads for the console's rule and device pages: the programme's rules with their current
numbers in words, a rule's versions, the device keys."""

import secrets
from dataclasses import dataclass

from django.db.models import F, QuerySet
from django.utils.text import slugify

from jifen.earning import rules
from jifen.earning.models import DeviceKey, Rule, RuleVersion
from jifen.earning.rule_words import in_words
from jifen.programmes.models import Community, Programme


@dataclass(frozen=True)
class RuleRow:
    rule: Rule
    config: rules.RuleConfig
    words: str


@dataclass(frozen=True)
class VersionRow:
    version: RuleVersion
    words: str


def community_names(programme: Programme) -> dict[int, str]:
    return dict(Community.objects.filter(programme=programme).values_list("pk", "name"))


def rule_rows(programme: Programme) -> list[RuleRow]:
    """Every rule of the programme with its current version's numbers (two queries)."""
    current = RuleVersion.objects.filter(rule__programme=programme, number=F("rule__version"))
    configs = {v.rule_id: v.config for v in current}
    names = community_names(programme)
    rows = []
    for rule in Rule.objects.filter(programme=programme):
        config = rules.parse(rule.kind, configs[rule.pk])
        rows.append(RuleRow(rule, config, in_words(config, names)))
    return rows


def versions_of(rule: Rule) -> list[VersionRow]:
    """A rule's versions, newest first, each in words."""
    names = community_names(rule.programme)
    versions = RuleVersion.objects.filter(rule=rule).select_related("created_by")
    return [
        VersionRow(v, in_words(rules.parse(rule.kind, v.config), names))
        for v in versions.order_by("-number")
    ]


def unused_code(programme: Programme, name: str) -> str:
    """A code for a new rule named `name` that no rule of the programme has: the name in
    Latin letters when it has some (“patrol”), else “rule”, with a random ending if taken."""
    base = slugify(name)[:30] or "rule"
    taken = Rule.objects.filter(programme=programme, code=base).exists()
    return f"{base}-{secrets.token_hex(3)}" if taken or base == "rule" else base


def device_keys(programme: Programme) -> QuerySet[DeviceKey]:
    return DeviceKey.objects.filter(programme=programme).prefetch_related("rules")


def device_rules(programme: Programme) -> QuerySet[Rule]:
    """The rules a device may be given: those that allow devices."""
    return Rule.objects.filter(programme=programme, allows_devices=True)
