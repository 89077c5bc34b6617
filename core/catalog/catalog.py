"""Collecting what plugins contribute into one validated, typed catalog.

This is the only module that calls the plugins' hooks. Each hook implementation is called
on its own so that a failure, a wrong return type or a duplicate id names the plugin.
Everything downstream works with the :class:`Catalog`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from itertools import combinations
from typing import Any, TypeVar

import pluggy
from kundenkompass.catalog.plugin_manager import PluginInfo, SkippedPlugin
from kundenkompass.catalog.rulesets import Ruleset, load_ruleset
from kundenkompass.errors import KundenkompassError, PluginError, RuleError
from kundenkompass.models import (
    ANSWERS,
    CHANNELS,
    PHASES,
    ChecklistItem,
    Derivation,
    FactDefinition,
    FactType,
    Measure,
    Threshold,
)
from kundenkompass.rules.language import MAX_ALTERNATIVES, Leaf, Rule, to_alternatives
from pydantic import BaseModel

T = TypeVar("T", bound=BaseModel)

#: Operators that make sense for each value type.
OPERATORS_BY_TYPE: dict[FactType, frozenset[str]] = {
    FactType.BOOL: frozenset({"equals", "not_equals", "is_unknown"}),
    FactType.INT: frozenset(
        {"equals", "not_equals", "in", "not_in", "lt", "lte", "gt", "gte", "is_unknown"}
    ),
    FactType.FLOAT: frozenset(
        {"equals", "not_equals", "in", "not_in", "lt", "lte", "gt", "gte", "is_unknown"}
    ),
    FactType.ENUM: frozenset({"equals", "not_equals", "in", "not_in", "is_unknown"}),
    FactType.ENUM_LIST: frozenset({"contains", "not_contains", "is_unknown"}),
    FactType.TEXT: frozenset({"equals", "not_equals", "in", "not_in", "is_unknown"}),
}

ANSWER_DEFINITION_VALUES = ANSWERS

#: The distribution whose plugins are the built-in ones.
BUILT_IN_DISTRIBUTION = "kundenkompass"


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
    #: ``(kind, id)`` → name of the plugin that contributed it.
    owners: dict[tuple[str, str], str] = field(default_factory=dict)
    #: Key path (``answers.x``, ``facts.y``, ``company.channels``) → its definition.
    subjects: dict[str, FactDefinition] = field(default_factory=dict)
    #: Loaded rulesets, by name; their content is among the contributions above.
    rulesets: list[Ruleset] = field(default_factory=list)
    _rule_derived: tuple[dict[str, Rule], frozenset[str]] | None = field(
        default=None, repr=False, compare=False
    )

    def checklist_for_phase(self, phase: str) -> list[ChecklistItem]:
        return [item for item in self.checklist.values() if item.phase == phase]

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


def collect(
    manager: pluggy.PluginManager,
    infos: Iterable[PluginInfo],
    rulesets: Sequence[Ruleset] = (),
) -> Catalog:
    """Call every plugin's hooks and build the validated catalog.

    The rulesets' contributions come through ``manager`` like any plugin's (registered
    under :attr:`Ruleset.plugin_name`); their priority changes and not-applicable marks
    are checked here.
    """
    catalog = Catalog(
        plugins=sorted(infos, key=lambda info: info.name),
        rulesets=sorted(rulesets, key=lambda ruleset: ruleset.name),
    )
    order = {phase: index for index, phase in enumerate(PHASES)}

    facts = _gather(manager, "register_facts", FactDefinition, lambda f: f.key, catalog, "fact")
    items = _gather(
        manager,
        "register_checklist_items",
        ChecklistItem,
        lambda i: i.id,
        catalog,
        "checklist item",
    )
    measures = _gather(manager, "register_measures", Measure, lambda m: m.id, catalog, "measure")
    rules = _gather(manager, "register_rules", Rule, lambda r: r.id, catalog, "rule")
    derivations = _gather(
        manager, "register_derivations", Derivation, lambda d: d.fact, catalog, "derivation"
    )
    thresholds = _gather(
        manager, "register_thresholds", Threshold, lambda t: t.key, catalog, "threshold"
    )
    for plugin, position, threshold in thresholds:
        if ("fact", threshold.key) in catalog.owners:
            raise PluginError(plugin, f"threshold {threshold.key!r} has the key of a declared fact")
        facts.append((plugin, 10_000 + position, threshold_fact(threshold)))

    # Stable order: phase as in the guide, then plugin name, then position in the plugin.
    catalog.facts = {
        f.key: f
        for _, _, _, f in sorted(
            (order.get(f.phase or "", len(order)), plugin, i, f) for plugin, i, f in facts
        )
    }
    catalog.checklist = {
        it.id: it
        for _, _, _, it in sorted((order[it.phase], plugin, i, it) for plugin, i, it in items)
    }
    catalog.measures = {
        m.id: m
        for _, _, _, m in sorted((order[m.phase], plugin, i, m) for plugin, i, m in measures)
    }
    catalog.rules = {
        r.id: r.model_copy(update={"plugin": plugin})
        for plugin, _, r in sorted(rules, key=lambda entry: (entry[0], entry[1]))
    }
    catalog.derivations = {d.fact: d for _, _, d in sorted(derivations, key=lambda e: e[2].fact)}
    catalog.thresholds = {t.key: t for _, _, t in sorted(thresholds, key=lambda e: e[2].key)}
    catalog.subjects = _subjects(catalog)
    validate(catalog)
    validate_rulesets(catalog)
    return catalog


def gather_rulesets(
    manager: pluggy.PluginManager,
    infos: Iterable[PluginInfo],
    skipped: list[SkippedPlugin] | None = None,
) -> list[Ruleset]:
    """Load the rulesets plugins ship (``register_rulesets``), each scoped to its sector.

    A failing hook or an invalid file names the plugin; with a ``skipped`` list, an
    installed plugin at fault is left out (unregistered) and appended to it instead.
    """
    infos = list(infos)
    shipped: list[Ruleset] = []
    implementations = manager.hook.register_rulesets.get_hookimpls()
    for implementation in sorted(implementations, key=lambda impl: impl.plugin_name):
        plugin = implementation.plugin_name
        try:
            shipped.extend(_shipped_by(plugin, implementation.function))
        except PluginError as error:
            installed = any(info.name == plugin and info.installed for info in infos)
            if skipped is None or not installed:
                raise
            manager.unregister(name=plugin)
            skipped.append(SkippedPlugin(name=plugin, reason=error.message))
    return shipped


def _shipped_by(plugin: str, hook: Callable[[], Any]) -> list[Ruleset]:
    try:
        result = hook()
    except Exception as error:  # third-party code: any failure names the plugin
        raise PluginError(
            plugin, f"register_rulesets raised {type(error).__name__}: {error}"
        ) from error
    if result is None:
        return []
    if not isinstance(result, list | tuple):
        raise PluginError(
            plugin,
            f"register_rulesets must return a list of ruleset file paths, got "
            f"{type(result).__name__}",
        )
    loaded = []
    for position, entry in enumerate(result):
        if not isinstance(entry, str | os.PathLike):
            raise PluginError(
                plugin,
                f"register_rulesets returned {type(entry).__name__} at position {position}; "
                "expected the path of a ruleset file",
            )
        try:
            ruleset = load_ruleset(Path(entry), "sector")
        except RuleError as error:
            raise PluginError(plugin, f"ships an invalid ruleset: {error}") from error
        loaded.append(replace(ruleset, provider=plugin))
    return loaded


def collect_skipping(
    manager: pluggy.PluginManager,
    infos: Iterable[PluginInfo],
    rulesets: Sequence[Ruleset],
    skipped: list[SkippedPlugin] | None,
) -> Catalog:
    """:func:`collect`; with a ``skipped`` list, leave out what breaks it and start over.

    Only installed plugins and bundled rulesets are left out (and appended to
    ``skipped``); a plugin registered in code or an explicit ruleset was asked for, so its
    error is raised. Everything that relied on a left-out plugin is left out in turn.
    """
    infos = list(infos)
    rulesets = list(rulesets)
    while True:
        try:
            return collect(manager, infos, rulesets)
        except (PluginError, RuleError) as error:
            if skipped is None:
                raise
            if isinstance(error, PluginError):
                culprit, reason = error.plugin, error.message
            else:
                culprit, reason = getattr(error, "culprit", None), str(error)
            ruleset = next((r for r in rulesets if r.plugin_name == culprit), None)
            installed = any(info.name == culprit and info.installed for info in infos)
            if not installed and (ruleset is None or ruleset.selection != "sector"):
                raise
            manager.unregister(name=culprit)
            if ruleset is not None:
                rulesets.remove(ruleset)
            infos = [info for info in infos if info.name != culprit]
            skipped.append(SkippedPlugin(name=str(culprit), reason=reason))


def _gather(
    manager: pluggy.PluginManager,
    hook_name: str,
    model: type[T],
    identify: Callable[[T], str],
    catalog: Catalog,
    kind: str,
) -> list[tuple[str, int, T]]:
    gathered: list[tuple[str, int, T]] = []
    implementations = getattr(manager.hook, hook_name).get_hookimpls()
    for implementation in sorted(implementations, key=lambda impl: impl.plugin_name):
        plugin = implementation.plugin_name
        try:
            result = implementation.function()
        except KundenkompassError as error:
            raise PluginError(plugin, f"{hook_name}: {error}") from error
        except Exception as error:
            raise PluginError(
                plugin, f"{hook_name} raised {type(error).__name__}: {error}"
            ) from error
        if result is None:
            continue
        if not isinstance(result, list | tuple):
            raise PluginError(
                plugin,
                f"{hook_name} must return a list of {model.__name__}, got {type(result).__name__}",
            )
        for position, entry in enumerate(result):
            if not isinstance(entry, model):
                raise PluginError(
                    plugin,
                    f"{hook_name} returned {type(entry).__name__} at position {position}; "
                    f"expected {model.__name__}",
                )
            identifier = identify(entry)
            owner = catalog.owners.get((kind, identifier))
            if owner is not None:
                # Blame the newcomer: a built-in plugin keeps its ids against installed ones.
                culprit, other = plugin, owner
                if _built_in(catalog, plugin) and not _built_in(catalog, owner):
                    culprit, other = owner, plugin
                raise PluginError(
                    culprit,
                    f"{kind} id {identifier!r} is already contributed by plugin {other!r} "
                    f"(contributed by both {owner!r} and {plugin!r})",
                )
            catalog.owners[(kind, identifier)] = plugin
            gathered.append((plugin, position, entry))
    return gathered


def _built_in(catalog: Catalog, plugin: str) -> bool:
    return any(
        info.name == plugin and info.distribution == BUILT_IN_DISTRIBUTION
        for info in catalog.plugins
    )


def threshold_fact(threshold: Threshold) -> FactDefinition:
    """The bool fact a threshold declares."""
    return FactDefinition(
        key=threshold.key,
        type=FactType.BOOL,
        question=threshold.description,
        phase=threshold.phase,
        source="derived",
        our_default=threshold.our_default,
        reference=threshold.reference,
    )


def _subjects(catalog: Catalog) -> dict[str, FactDefinition]:
    subjects: dict[str, FactDefinition] = {
        "company.channels": FactDefinition(
            key="channels",
            type=FactType.ENUM_LIST,
            values=CHANNELS,
            question={"de": "Über welche Kanäle verkauft das Unternehmen?"},
        ),
        "company.sector": FactDefinition(
            key="sector", type=FactType.TEXT, question={"de": "Branche des Unternehmens"}
        ),
    }
    for item in catalog.checklist.values():
        subjects[f"answers.{item.id}"] = FactDefinition(
            key=item.id, type=FactType.ENUM, values=ANSWERS, question=item.statement
        )
    for fact in catalog.facts.values():
        subjects[f"facts.{fact.key}"] = fact
    return subjects


# ---------------------------------------------------------------------------- checks


def validate(catalog: Catalog) -> None:
    """Check every reference between contributions; raise on the first problem."""
    for measure in catalog.measures.values():
        owner = catalog.owners[("measure", measure.id)]
        for prerequisite in measure.prerequisites:
            if prerequisite not in catalog.measures:
                raise PluginError(
                    owner, f"measure {measure.id!r}: unknown prerequisite {prerequisite!r}"
                )
        for item in measure.addresses:
            if item not in catalog.checklist:
                raise PluginError(
                    owner, f"measure {measure.id!r}: addresses unknown checklist item {item!r}"
                )
    # Only facts declared as derived: a rule deriving an input fact is reported as such,
    # not as an is_unknown test of that fact in some other rule.
    rule_derived = {
        key
        for key in catalog.rule_derived_facts
        if key in catalog.facts and catalog.facts[key].source == "derived"
    }
    for derivation in catalog.derivations.values():
        owner = catalog.owners[("derivation", derivation.fact)]
        fact = catalog.facts.get(derivation.fact)
        if fact is None or fact.source != "derived":
            raise PluginError(
                owner,
                f'derivation {derivation.fact!r}: declare the fact with source = "derived"',
            )
        if derivation.fact in rule_derived:
            raise PluginError(
                owner, f"derivation {derivation.fact!r}: the fact is also derived by rules"
            )
        for ref in derivation.inputs:
            if ref not in catalog.subjects:
                raise PluginError(owner, f"derivation {derivation.fact!r}: unknown input {ref!r}")
    for threshold in catalog.thresholds.values():
        owner = catalog.owners[("threshold", threshold.key)]
        measured = catalog.subjects.get(threshold.input)
        if measured is None or measured.type not in (FactType.INT, FactType.FLOAT):
            raise PluginError(
                owner,
                f"threshold {threshold.key!r}: input {threshold.input!r} must name a "
                "declared int or float fact",
            )
        if threshold.key in rule_derived:
            raise PluginError(owner, f"threshold {threshold.key!r}: rules may not derive it")
    for rule in catalog.rules.values():
        try:
            check_rule(rule, catalog, rule_derived)
        except RuleError as error:
            # Lets --skip-broken-plugins leave out the plugin that owns the rule.
            error.culprit = rule.plugin  # type: ignore[attr-defined]
            raise


def validate_rulesets(catalog: Catalog) -> None:
    """Check the rulesets' priority changes and not-applicable marks.

    Two rulesets that can apply to the same audit may not change the priority of the same
    measure, except that an explicit ruleset takes precedence over a bundled one.
    """
    for ruleset in catalog.rulesets:
        origin = str(ruleset.path)
        try:
            for change in ruleset.priority_changes:
                if change.id in catalog.rules:
                    raise RuleError(
                        origin,
                        change.id,
                        f"the id is already used by a rule of {catalog.rules[change.id].plugin!r}",
                    )
                if change.measure not in catalog.measures:
                    raise RuleError(
                        origin,
                        change.id,
                        f"changes the priority of unknown measure {change.measure!r}"
                        f"{_suggest(change.measure, catalog.measures)}",
                    )
            for index, mark in enumerate(ruleset.not_applicable):
                if mark.item not in catalog.checklist:
                    raise RuleError(
                        origin,
                        None,
                        f"not_applicable[{index}]: unknown checklist item {mark.item!r}"
                        f"{_suggest(mark.item, catalog.checklist)}",
                    )
        except RuleError as error:
            error.culprit = ruleset.plugin_name  # type: ignore[attr-defined]
            raise
    change_ids: dict[str, str] = {}
    for ruleset in catalog.rulesets:
        for change in ruleset.priority_changes:
            if change.id in change_ids:
                error = RuleError(
                    str(ruleset.path),
                    change.id,
                    f"the id is already used in ruleset {change_ids[change.id]!r}",
                )
                error.culprit = ruleset.plugin_name  # type: ignore[attr-defined]
                raise error
            change_ids[change.id] = ruleset.name
    for first, second in combinations(catalog.rulesets, 2):
        # An explicit ruleset's change wins over the others; rulesets chosen the same way
        # clash where they can apply to the same audit.
        together = (first.selection == second.selection) and (
            first.all_sectors or second.all_sectors or first.sector == second.sector
        )
        if not together:
            continue
        common = {c.measure for c in first.priority_changes} & {
            c.measure for c in second.priority_changes
        }
        if common:
            error = RuleError(
                str(second.path),
                None,
                f"ruleset {second.name!r} and ruleset {first.name!r} ({first.path}) both "
                f"change the priority of measure {sorted(common)[0]!r}; keep one of the changes",
            )
            error.culprit = second.plugin_name  # type: ignore[attr-defined]
            raise error


def check_rule(rule: Rule, catalog: Catalog, rule_derived: set[str]) -> None:
    def fail(message: str) -> None:
        raise RuleError(rule.origin, rule.id, message)

    if rule.recommend is not None and rule.recommend not in catalog.measures:
        fail(
            f"recommends unknown measure {rule.recommend!r}{_suggest(rule.recommend, catalog.measures)}"
        )
    if rule.derive is not None:
        fact = catalog.facts.get(rule.derive.fact)
        if fact is None:
            fail(
                f"derives unknown fact {rule.derive.fact!r}{_suggest(rule.derive.fact, catalog.facts)}"
            )
        assert fact is not None
        if fact.source != "derived":
            fail(f'derives fact {fact.key!r}, which is not declared with source = "derived"')
        if fact.type in (FactType.ENUM_LIST, FactType.TEXT):
            fail(f"derived fact {fact.key!r} must be bool, int, float or enum")
        problem = value_problem(fact, "equals", rule.derive.value)
        if problem:
            fail(f"derive.value: {problem}")
    for leaf in rule.leaves():
        problem = leaf_problem(leaf, catalog, rule_derived)
        if problem:
            fail(problem)
    if len(to_alternatives(rule.when)) > MAX_ALTERNATIVES:
        fail(
            f"condition expands to more than {MAX_ALTERNATIVES} alternatives; "
            "split it into several rules"
        )


def leaf_problem(leaf: Leaf, catalog: Catalog, rule_derived: set[str]) -> str | None:
    definition = catalog.subjects.get(leaf.ref)
    if definition is None:
        kind = {"answer": "checklist item", "fact": "fact", "company": "company field"}[
            leaf.subject
        ]
        pool = [
            ref.split(".", 1)[1]
            for ref in catalog.subjects
            if ref.startswith(leaf.ref.split(".")[0] + ".")
        ]
        return f"unknown {kind} {leaf.key!r}{_suggest(leaf.key, pool)}"
    allowed = OPERATORS_BY_TYPE[definition.type]
    if leaf.operator not in allowed:
        return (
            f"{leaf.ref}: operator {leaf.operator!r} does not apply to a {definition.type.value} "
            f"value; use one of {sorted(allowed)}"
        )
    if leaf.operator == "is_unknown":
        if leaf.subject == "fact" and leaf.key in rule_derived:
            return (
                f"{leaf.ref}: is_unknown cannot test a fact that rules derive (it would "
                "depend on the order in which rules fire)"
            )
        return None
    values = leaf.value if isinstance(leaf.value, tuple) else (leaf.value,)
    for value in values:
        problem = value_problem(definition, leaf.operator, value)
        if problem:
            return f"{leaf.ref}: {problem}"
    return None


def value_problem(definition: FactDefinition, operator: str, value: Any) -> str | None:
    kind = definition.type
    if kind is FactType.BOOL:
        ok = isinstance(value, bool)
        expected = "true or false"
    elif kind is FactType.INT:
        ok = isinstance(value, int) and not isinstance(value, bool)
        expected = "a whole number"
    elif kind is FactType.FLOAT:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        expected = "a number"
    elif kind in (FactType.ENUM, FactType.ENUM_LIST):
        ok = isinstance(value, str) and value in definition.values
        expected = "one of " + ", ".join(f'"{v}"' for v in definition.values)
    else:
        ok = isinstance(value, str)
        expected = "a string"
    if ok:
        return None
    return f"value {value!r} does not fit; expected {expected}"


def _suggest(word: str, pool: Iterable[str]) -> str:
    import difflib

    close = difflib.get_close_matches(word, list(pool), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""
