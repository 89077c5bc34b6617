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
* Rules are partitioned into several rulesets so that no ruleset reaches one of
  durable_rules' capacity limits (measured on 2.0.28, see "durable_rules' capacity" in
  docs/architecture.md): an alpha node with 512 children makes the engine loop forever
  (Ctrl-C included), an alpha node that ends more than 255 rules' patterns fails with
  error 108, a fact that passes more than 63 alpha nodes at once fails with error 303
  (only for the profiles whose values pass them), 4,096 actions per ruleset. Each
  ``in`` value is an alpha node of its own, so a long ``in`` list is split into several
  durable_rules rules for the same alternative (a value matches at most one part).
* What no rewrite can fix is refused with the rule named: an alternative that tests more
  than 16 inputs (durable_rules joins at most 16 facts per rule, error 304), see
  :func:`kundenkompass.rules.language.capacity_problem`.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from kundenkompass.catalog.catalog import Catalog
from kundenkompass.errors import RuleError
from kundenkompass.models import FactType
from kundenkompass.rules.language import Leaf, Rule, capacity_problem, split_alternatives

FACT_TYPE = "kk"
#: Limits per durable_rules ruleset, well below the engine's hard limits.
MAX_TESTS_PER_PARTITION = 300
MAX_RULES_PER_PARTITION = 1_000
#: Children of one alpha node per ruleset (durable_rules loops forever at 512).
MAX_ALPHA_CHILDREN = 400
#: Rules whose pattern ends at one alpha node, per ruleset (error 108 beyond 255).
MAX_RULES_PER_PATTERN = 200
#: Alpha nodes one fact may pass at once, per ruleset (error 303 beyond 63).
MAX_PASSED_NODES = 48
#: Values of an ``in`` list compiled into one durable_rules rule; longer lists are split.
MAX_IN_VALUES = 150
#: Equality tests on one property that one value can pass at once (durable_rules coerces:
#: ``false`` equals ``0``, ``1`` equals ``1.0``); counted instead of their number.
_EQUALITY_OVERLAP = 4

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
    #: The alpha network durable_rules builds for the partition, as far as its limits go.
    load: AlphaLoad = field(default_factory=lambda: AlphaLoad())


@dataclass
class AlphaLoad:
    """What a set of patterns asks of durable_rules' alpha network (see the module docstring).

    Every pattern is a chain of tests below the ``t == "kk"`` node, one chain per ``$or``
    member; equal prefixes share their nodes.
    """

    #: Chain prefix (tests as JSON) → number of distinct next tests below it.
    children: Counter[tuple[str, ...]] = field(default_factory=Counter)
    #: Chain → number of durable_rules rules whose pattern ends there.
    ends: Counter[tuple[str, ...]] = field(default_factory=Counter)
    #: Property → (equality nodes, other nodes) testing it.
    passed: dict[str, tuple[set[tuple[str, ...]], set[tuple[str, ...]]]] = field(
        default_factory=dict
    )
    nodes: set[tuple[str, ...]] = field(default_factory=set)

    def add(self, chains: Iterable[tuple[str, tuple[str, ...]]]) -> None:
        for prop, chain in chains:
            for depth in range(1, len(chain) + 1):
                node = chain[:depth]
                if node not in self.nodes:
                    self.nodes.add(node)
                    self.children[node[:-1]] += 1
                    equalities, others = self.passed.setdefault(prop, (set(), set()))
                    (equalities if _is_equality(node[-1]) else others).add(node)
            self.ends[chain] += 1

    def fits(self) -> bool:
        return (
            max(self.children.values(), default=0) <= MAX_ALPHA_CHILDREN
            and max(self.ends.values(), default=0) <= MAX_RULES_PER_PATTERN
            and all(
                min(len(equalities), _EQUALITY_OVERLAP) + len(others) <= MAX_PASSED_NODES
                for equalities, others in self.passed.values()
            )
        )

    def copy(self) -> AlphaLoad:
        return AlphaLoad(
            Counter(self.children),
            Counter(self.ends),
            {prop: (set(eq), set(other)) for prop, (eq, other) in self.passed.items()},
            set(self.nodes),
        )


def _is_equality(test: str) -> bool:
    return not test.startswith('{"$')


def _chains(patterns: list[dict[str, Any]]) -> list[tuple[str, tuple[str, ...]]]:
    """(property, chain of tests) for every path through the patterns' ``$or`` members."""
    chains: list[tuple[str, tuple[str, ...]]] = []
    for pattern in patterns:
        (tests,) = pattern.values()
        prop = ""
        paths: list[tuple[str, ...]] = [()]
        for test in tests["$and"][1:]:
            members = test.get("$or", [test])
            for member in members:
                prop = prop or _tested_property(member)
            paths = [(*path, json.dumps(m, sort_keys=True)) for path in paths for m in members]
        chains.extend((prop, path) for path in paths)
    return chains


def _tested_property(test: dict[str, Any]) -> str:
    (key, value), *_ = test.items()
    if key.startswith("$") and isinstance(value, dict):
        return _tested_property(value)
    if key.startswith("$") and isinstance(value, list):
        return _tested_property(value[0])
    return key


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
    #: durable_rules rule name → name of the alternative it is a part of, for alternatives
    #: compiled into several durable_rules rules (long ``in`` lists).
    part_of: dict[str, str] = field(default_factory=dict)

    def alternative(self, durable_name: str) -> Alternative:
        """The alternative that the durable_rules rule ``durable_name`` stands for."""
        return self.alternatives[self.part_of.get(durable_name, durable_name)]

    @property
    def rule_count(self) -> int:
        return len(self.alternatives)


def compile_rules(catalog: Catalog, prefix: str = "kundenkompass") -> CompiledRules:
    alternatives: dict[str, Alternative] = {}
    members: dict[str, set[str]] = {}
    unknown_markers: set[str] = set()
    compiled: list[tuple[str, dict[str, Any], set[str], set[str]]] = []

    part_of: dict[str, str] = {}

    for rule in catalog.rules.values():
        problem = capacity_problem(rule)
        if problem is not None:
            raise RuleError(rule.origin, rule.id, f"{problem} (Plugin {rule.plugin!r})")
        for index, (when, guard) in enumerate(split_alternatives(rule)):
            leaves = when + guard
            alternative = Alternative(rule, index, leaves, len(when))
            alternatives[alternative.name] = alternative
            for leaf in leaves:
                if leaf.operator == "is_unknown":
                    unknown_markers.add(leaf.ref)
                elif leaf.operator in ("contains", "not_contains"):
                    members.setdefault(leaf.ref, set()).add(str(leaf.value))
            for part, split_leaves in enumerate(_split_in_lists(leaves)):
                name = alternative.name if part == 0 else f"{alternative.name}~{part}"
                if part:
                    part_of[name] = alternative.name
                definition, properties, tests = _durable_rule(
                    Alternative(rule, index, split_leaves, len(when)), catalog
                )
                compiled.append((name, definition, properties, tests))

    partitions = _partition(compiled, prefix)
    consumers: dict[str, list[int]] = {}
    for position, partition in enumerate(partitions):
        for prop in partition.properties:
            consumers.setdefault(prop, []).append(position)
    fingerprint = hashlib.sha256(
        json.dumps([p.definitions for p in partitions], sort_keys=True).encode()
    ).hexdigest()[:16]
    return CompiledRules(
        partitions, alternatives, members, unknown_markers, consumers, fingerprint, part_of
    )


def _split_in_lists(leaves: tuple[Leaf, ...]) -> list[tuple[Leaf, ...]]:
    """``leaves`` with every ``in`` list longer than :data:`MAX_IN_VALUES` cut into parts:
    one conjunction per combination of parts. A value lies in at most one part of a list,
    so at most one of the conjunctions holds."""
    options: list[list[Leaf]] = []
    for leaf in leaves:
        values = leaf.value
        if leaf.operator == "in" and isinstance(values, tuple) and len(values) > MAX_IN_VALUES:
            options.append(
                [
                    leaf.model_copy(update={"value": values[start : start + MAX_IN_VALUES]})
                    for start in range(0, len(values), MAX_IN_VALUES)
                ]
            )
        else:
            options.append([leaf])
    return [tuple(choice) for choice in itertools.product(*options)]


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
        chains = _chains(definition["all"])
        load = current.load.copy()
        load.add(chains)
        too_many_tests = len(current.tests | tests) > MAX_TESTS_PER_PARTITION
        too_many_rules = len(current.definitions) >= MAX_RULES_PER_PARTITION
        if current.definitions and (too_many_tests or too_many_rules or not load.fits()):
            partitions.append(current)
            current = Partition(name=f"{prefix}_{len(partitions)}")
            load = AlphaLoad()
            load.add(chains)
        current.definitions[name] = definition
        current.properties |= properties
        current.tests |= tests
        current.load = load
    partitions.append(current)
    return partitions
