"""Compiling validated rules into durable_rules rulesets.

How facts look inside durable_rules, and why:

* Every known value is its own fact with a single property, e.g.
  ``{"t": "kk", "answers__google_business_profil": "nein"}``. One property per fact keeps
  the number of alpha nodes a fact passes small: durable_rules fails with error 303 when one
  fact matches more than 64 sibling nodes, which a single fact holding a whole profile would.
* A list value (``enum_list``) becomes one bool fact per member a rule asks about
  (``facts__zahlarten__paypal: true``), so "does not contain" is well defined even for an
  empty list (durable_rules' ``$iall`` fails on empty arrays).
* ``is_unknown`` tests a marker fact (``unknown__facts__website: true``) that the engine
  asserts for inputs some rule asks about; unknown values themselves are never asserted.
* Each rule is expanded into alternatives (disjunctive normal form) and every alternative
  becomes one durable_rules rule whose patterns each test one property. A rule's
  ``unless`` joins as "not known true": for each leaf its negation or its unknown-marker
  (see :func:`kundenkompass.rules.language.not_known_true`). All patterns start
  with the positive discriminator ``t == "kk"``: a pattern of ``$nex`` alone would match the
  state message durable_rules re-asserts after each action and fire forever.
* Every ruleset has a sink rule that stores every ``kk`` fact but can never fire; without it
  a fact no rule matches raises ``MessageNotHandledException`` and holds back the actions
  of the other facts asserted with it.
* Rules are partitioned into several rulesets so that no node gets more children than
  durable_rules can hold (about 500 per node, 4,096 actions per ruleset).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from kundenkompass.catalog.catalog import Catalog
from kundenkompass.models import FactType
from kundenkompass.rules.language import Leaf, Rule, split_alternatives

FACT_TYPE = "kk"
#: Limits per durable_rules ruleset, well below the engine's hard limits.
MAX_TESTS_PER_PARTITION = 300
MAX_RULES_PER_PARTITION = 1_000

_COMPARISONS = {"lt": "$lt", "lte": "$lte", "gt": "$gt", "gte": "$gte"}


def property_name(ref: str) -> str:
    """``answers.x`` → ``answers__x`` (dots would mean nested fields to durable_rules)."""
    return ref.replace(".", "__")


def member_property(ref: str, member: str) -> str:
    return f"{property_name(ref)}__{member}"


def unknown_property(ref: str) -> str:
    return f"unknown__{property_name(ref)}"


@dataclass(frozen=True)
class Alternative:
    """One conjunction of leaves of a rule; it fires when all its leaves are true."""

    rule: Rule
    index: int
    leaves: tuple[Leaf, ...]
    #: How many of ``leaves`` come from ``when``; the rest guard against ``unless``.
    when_count: int = -1

    @property
    def when_leaves(self) -> tuple[Leaf, ...]:
        return self.leaves if self.when_count < 0 else self.leaves[: self.when_count]

    @property
    def name(self) -> str:
        return f"{self.rule.id}#{self.index}"


@dataclass
class Partition:
    name: str
    #: durable_rules rule name → definition without ``run`` (added when registering).
    definitions: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Properties that the partition's patterns test (which facts to assert into it).
    properties: set[str] = field(default_factory=set)
    tests: set[str] = field(default_factory=set)


@dataclass
class CompiledRules:
    partitions: list[Partition]
    alternatives: dict[str, Alternative]
    #: Input key path → members of the list a rule asks about.
    members: dict[str, set[str]]
    #: Input key paths for which an unknown-marker fact must be asserted.
    unknown_markers: set[str]
    #: Property → indexes of the partitions whose patterns test it.
    consumers: dict[str, list[int]]
    fingerprint: str

    @property
    def rule_count(self) -> int:
        return len(self.alternatives)


def compile_rules(catalog: Catalog, prefix: str = "kundenkompass") -> CompiledRules:
    alternatives: dict[str, Alternative] = {}
    members: dict[str, set[str]] = {}
    unknown_markers: set[str] = set()
    compiled: list[tuple[str, dict[str, Any], set[str], set[str]]] = []

    for rule in catalog.rules.values():
        for index, (when, guard) in enumerate(split_alternatives(rule)):
            leaves = when + guard
            alternative = Alternative(rule, index, leaves, len(when))
            alternatives[alternative.name] = alternative
            for leaf in leaves:
                if leaf.operator == "is_unknown":
                    unknown_markers.add(leaf.ref)
                elif leaf.operator in ("contains", "not_contains"):
                    members.setdefault(leaf.ref, set()).add(str(leaf.value))
            definition, properties, tests = _durable_rule(alternative, catalog)
            compiled.append((alternative.name, definition, properties, tests))

    partitions = _partition(compiled, prefix)
    consumers: dict[str, list[int]] = {}
    for position, partition in enumerate(partitions):
        for prop in partition.properties:
            consumers.setdefault(prop, []).append(position)
    fingerprint = hashlib.sha256(
        json.dumps([p.definitions for p in partitions], sort_keys=True).encode()
    ).hexdigest()[:16]
    return CompiledRules(partitions, alternatives, members, unknown_markers, consumers, fingerprint)


def _durable_rule(
    alternative: Alternative, catalog: Catalog
) -> tuple[dict[str, Any], set[str], set[str]]:
    by_property: dict[str, list[dict[str, Any]]] = {}
    for leaf in alternative.leaves:
        prop, test = _leaf_test(leaf, catalog)
        by_property.setdefault(prop, []).append(test)
    patterns = []
    tests: set[str] = set()
    for position, (_prop, prop_tests) in enumerate(sorted(by_property.items())):
        patterns.append({f"p{position}": {"$and": [{"t": FACT_TYPE}, *prop_tests]}})
        tests.update(json.dumps(test, sort_keys=True) for test in prop_tests)
    # Derivations fire before recommendations, so that chains complete early; lower fires first.
    priority = 1 if alternative.rule.derive else 2
    return {"pri": priority, "all": patterns}, set(by_property), tests


def _leaf_test(leaf: Leaf, catalog: Catalog) -> tuple[str, dict[str, Any]]:
    if leaf.operator == "is_unknown":
        return unknown_property(leaf.ref), {unknown_property(leaf.ref): bool(leaf.value)}
    definition = catalog.subjects[leaf.ref]
    if definition.type is FactType.ENUM_LIST:
        prop = member_property(leaf.ref, str(leaf.value))
        return prop, {prop: leaf.operator == "contains"}
    prop = property_name(leaf.ref)
    value = leaf.value
    operator = leaf.operator
    if operator == "equals":
        return prop, {prop: value}
    if operator == "not_equals":
        return prop, {"$neq": {prop: value}}
    if operator in _COMPARISONS:
        return prop, {_COMPARISONS[operator]: {prop: value}}
    assert isinstance(value, tuple)
    if operator == "in":
        if len(value) == 1:
            return prop, {prop: value[0]}
        return prop, {"$or": [{prop: item} for item in value]}
    if operator == "not_in":
        return prop, {"$and": [{"$neq": {prop: item}} for item in value]}
    raise ValueError(f"operator {operator!r} cannot be compiled")  # pragma: no cover


def _partition(
    compiled: Iterable[tuple[str, dict[str, Any], set[str], set[str]]], prefix: str
) -> list[Partition]:
    partitions: list[Partition] = []
    current = Partition(name=f"{prefix}_0")
    for name, definition, properties, tests in compiled:
        too_many_tests = len(current.tests | tests) > MAX_TESTS_PER_PARTITION
        too_many_rules = len(current.definitions) >= MAX_RULES_PER_PARTITION
        if current.definitions and (too_many_tests or too_many_rules):
            partitions.append(current)
            current = Partition(name=f"{prefix}_{len(partitions)}")
        current.definitions[name] = definition
        current.properties |= properties
        current.tests |= tests
    partitions.append(current)
    return partitions
