"""The catalog: everything the loaded plugins contribute, validated and typed.

Built by :func:`kundenkompass.catalog.catalog.collect`, checked by
:mod:`kundenkompass.catalog.checks`, read by every later step.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kundenkompass.catalog.plugin_manager import PluginInfo
from kundenkompass.catalog.rulesets import Ruleset
from kundenkompass.models import (
    ChecklistItem,
    Derivation,
    FactDefinition,
    Measure,
    Project,
    Threshold,
)
from kundenkompass.rules.language import Condition, Rule


@dataclass
class Catalog:
    """Everything the loaded plugins contribute, validated and in a stable order."""

    plugins: list[PluginInfo] = field(default_factory=list)
    facts: dict[str, FactDefinition] = field(default_factory=dict)
    checklist: dict[str, ChecklistItem] = field(default_factory=dict)
    measures: dict[str, Measure] = field(default_factory=dict)
    rules: dict[str, Rule] = field(default_factory=dict)
    derivations: dict[str, Derivation] = field(default_factory=dict)
    thresholds: dict[str, Threshold] = field(default_factory=dict)
    #: Projects grouping measures for the owner's roadmap, by id.
    projects: dict[str, Project] = field(default_factory=dict)
    #: ``(kind, id)`` → name of the plugin that contributed it.
    owners: dict[tuple[str, str], str] = field(default_factory=dict)
    #: Key path (``answers.x``, ``facts.y``, ``company.channels``) → its definition.
    subjects: dict[str, FactDefinition] = field(default_factory=dict)
    #: Key path of a checklist item or fact (``answers.x``, ``facts.y``) → its parsed
    #: ``applies_when``; a precondition comes after those of the inputs it tests.
    preconditions: dict[str, Condition] = field(default_factory=dict)
    #: Project id → its parsed ``needs_unless``.
    needs_unless: dict[str, Condition] = field(default_factory=dict)
    #: Loaded rulesets, by name; their content is among the contributions above.
    rulesets: list[Ruleset] = field(default_factory=list)
    _rule_derived: tuple[dict[str, Rule], frozenset[str]] | None = field(
        default=None, repr=False, compare=False
    )

    #: What audits derive from the contributions alone (labels, expanded conditions),
    #: computed once per catalog by whoever needs it; never part of a comparison.
    memo: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

    def checklist_for_phase(self, phase: str) -> list[ChecklistItem]:
        # Asked several times per audit; computed once per checklist table.
        key = ("checklist_for_phase", phase)
        found = self.memo.get(key)
        if found is None or found[0] is not self.checklist:
            found = (self.checklist, tuple(i for i in self.checklist.values() if i.phase == phase))
            self.memo[key] = found
        return list(found[1])

    def rules_deriving(self, fact: str) -> tuple[Rule, ...]:
        """The rules that derive ``fact``, in catalog order."""
        found = self.memo.get("rules_deriving")
        if found is None or found[0] is not self.rules:
            by_fact: dict[str, list[Rule]] = {}
            for rule in self.rules.values():
                if rule.derive:
                    by_fact.setdefault(rule.derive.fact, []).append(rule)
            found = (self.rules, {key: tuple(rules) for key, rules in by_fact.items()})
            self.memo["rules_deriving"] = found
        return found[1].get(fact, ())

    @property
    def rule_derived_facts(self) -> frozenset[str]:
        # Asked for every leaf while explaining each audit: computed once per rules table.
        if self._rule_derived is None or self._rule_derived[0] is not self.rules:
            derived = frozenset(rule.derive.fact for rule in self.rules.values() if rule.derive)
            self._rule_derived = (self.rules, derived)
        return self._rule_derived[1]

    def input_facts(self) -> list[FactDefinition]:
        return [fact for fact in self.facts.values() if fact.source == "input"]

    @property
    def sectors(self) -> list[str]:
        """Every sector that some contribution or ruleset is scoped to."""
        found = {ruleset.sector for ruleset in self.rulesets}
        for entries in (self.facts.values(), self.checklist.values(), self.measures.values()):
            for entry in entries:
                found.update(entry.sectors)
        return sorted(found)
