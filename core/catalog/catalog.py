"""Collecting what plugins contribute into one validated, typed catalog.

This is the only module that calls the plugins' hooks (the checks of the collected
content are in :mod:`kundenkompass.catalog.checks`). Each hook implementation is called
on its own so that a failure, a wrong return type or a duplicate id names the plugin.
Everything downstream works with the :class:`Catalog`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import pluggy
from kundenkompass.catalog.contents import Catalog as Catalog  # re-exported: the catalog's type
from kundenkompass.catalog.plugin_manager import PluginInfo, SkippedPlugin
from kundenkompass.catalog.rulesets import Ruleset, load_ruleset
from kundenkompass.errors import KundenkompassError, PluginError, RuleError
from kundenkompass.models import (
    ChecklistItem,
    Derivation,
    FactDefinition,
    FactType,
    Measure,
    Project,
    Threshold,
)
from kundenkompass.rules.language import Condition, Rule, iter_leaves, parse_condition
from kundenkompass.vocabulary import ANSWERS, CHANNELS, PHASES
from pydantic import BaseModel

T = TypeVar("T", bound=BaseModel)


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
    # Imported here: an engine whose catalog comes from the start-up cache never collects.
    from kundenkompass.catalog.checks import validate

    catalog = Catalog(
        plugins=sorted(infos, key=lambda info: info.name),
        rulesets=sorted(rulesets, key=lambda ruleset: ruleset.name),
    )
    order: dict[str, int] = {phase: index for index, phase in enumerate(PHASES)}

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
    projects = _gather(manager, "register_projects", Project, lambda p: p.id, catalog, "project")
    for plugin, position, threshold in thresholds:
        if ("fact", threshold.key) in catalog.owners:
            raise PluginError(
                plugin,
                f"Schwellenwert {threshold.key!r} hat den Schlüssel eines deklarierten Fakts",
            )
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
    catalog.projects = {
        p.id: p
        for _, _, _, p in sorted((order[p.phase], plugin, i, p) for plugin, i, p in projects)
    }
    catalog.rules = {
        r.id: r.model_copy(update={"plugin": plugin})
        for plugin, _, r in sorted(rules, key=lambda entry: (entry[0], entry[1]))
    }
    catalog.derivations = {d.fact: d for _, _, d in sorted(derivations, key=lambda e: e[2].fact)}
    catalog.thresholds = {t.key: t for _, _, t in sorted(thresholds, key=lambda e: e[2].key)}
    catalog.subjects = subjects_of(catalog)
    catalog.preconditions = _preconditions(catalog)
    validate(catalog)
    catalog.needs_unless = _needs_unless(catalog)
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
            plugin, f"register_rulesets löste {type(error).__name__} aus: {error}"
        ) from error
    if result is None:
        return []
    if not isinstance(result, list | tuple):
        raise PluginError(
            plugin,
            f"register_rulesets muss eine Liste von Regelwerk-Dateipfaden liefern, erhalten: "
            f"{type(result).__name__}",
        )
    loaded = []
    for position, entry in enumerate(result):
        if not isinstance(entry, str | os.PathLike):
            raise PluginError(
                plugin,
                f"register_rulesets lieferte {type(entry).__name__} an Position {position}; "
                "erwartet: der Pfad einer Regelwerk-Datei",
            )
        try:
            ruleset = load_ruleset(Path(entry), "sector")
        except RuleError as error:
            raise PluginError(plugin, f"liefert ein ungültiges Regelwerk: {error}") from error
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
                named = _naming_the_plugin(error, infos)
                if named is error:
                    raise
                raise named from error
            culprit: str | None
            if isinstance(error, PluginError):
                culprit, reason = error.plugin, error.message
            else:
                culprit, reason = error.culprit, str(error)
            ruleset = next((r for r in rulesets if r.plugin_name == culprit), None)
            installed = any(info.name == culprit and info.installed for info in infos)
            if not installed and (ruleset is None or ruleset.selection != "sector"):
                raise
            manager.unregister(name=culprit)
            if ruleset is not None:
                rulesets.remove(ruleset)
            infos = [info for info in infos if info.name != culprit]
            skipped.append(SkippedPlugin(name=str(culprit), reason=reason))


def _naming_the_plugin(
    error: PluginError | RuleError, infos: Iterable[PluginInfo]
) -> PluginError | RuleError:
    """The error, naming the entry point and distribution of the installed plugin at fault."""
    culprit = error.plugin if isinstance(error, PluginError) else error.culprit
    info = next((info for info in infos if info.name == culprit and info.installed), None)
    if info is None:
        return error
    if isinstance(error, PluginError):
        if error.origin:
            return error
        return PluginError(error.plugin, error.message, origin=info.origin, location=error.location)
    return RuleError(
        error.origin,
        error.rule,
        f"{error.message} (plugin {info.name!r}: {info.origin})",
        culprit=culprit,
    )


def _gather(
    manager: pluggy.PluginManager,
    hook_name: str,
    model: type[T],
    identify: Callable[[T], str],
    catalog: Catalog,
    kind: str,
) -> list[tuple[str, int, T]]:
    from kundenkompass.catalog.checks import built_in
    from kundenkompass.catalog.kinds import kind_label

    gathered: list[tuple[str, int, T]] = []
    implementations = getattr(manager.hook, hook_name).get_hookimpls()
    for implementation in sorted(implementations, key=lambda impl: impl.plugin_name):
        plugin = implementation.plugin_name
        try:
            result = implementation.function()
        except KundenkompassError as error:  # e.g. a located problem of its data files
            raise PluginError(plugin, f"{hook_name}: {error}") from error
        except Exception as error:
            raise PluginError(
                plugin, f"{hook_name} löste {type(error).__name__} aus: {error}"
            ) from error
        if result is None:
            continue
        if not isinstance(result, list | tuple):
            raise PluginError(
                plugin,
                f"{hook_name} muss eine Liste von {model.__name__} liefern, erhalten: "
                f"{type(result).__name__}",
            )
        for position, entry in enumerate(result):
            if not isinstance(entry, model):
                raise PluginError(
                    plugin,
                    f"{hook_name} lieferte {type(entry).__name__} an Position {position}; "
                    f"erwartet: {model.__name__}",
                )
            identifier = identify(entry)
            owner = catalog.owners.get((kind, identifier))
            if owner is not None:
                # Blame the newcomer: a built-in plugin keeps its ids against installed ones.
                culprit, other = plugin, owner
                if built_in(catalog, plugin) and not built_in(catalog, owner):
                    culprit, other = owner, plugin
                raise PluginError(
                    culprit,
                    f"{kind_label(kind)}-ID {identifier!r} liefert schon das Plugin {other!r} "
                    f"(geliefert von {owner!r} und {plugin!r})",
                )
            catalog.owners[(kind, identifier)] = plugin
            gathered.append((plugin, position, entry))
    return gathered


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


def subjects_of(catalog: Catalog) -> dict[str, FactDefinition]:
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


def _preconditions(catalog: Catalog) -> dict[str, Condition]:
    """Parse and check every ``applies_when``; raise naming the plugin on the first problem.

    A precondition decides what is asked, before any rule fires: it may test answers,
    input facts and company fields, but no derived fact, and preconditions may not depend
    on each other in a circle.
    """
    from kundenkompass.catalog.checks import leaf_problem
    from kundenkompass.catalog.kinds import kind_label

    found: dict[str, Condition] = {}
    entries: list[tuple[str, str, str, dict[str, Any] | None]] = [
        ("checklist item", item.id, f"answers.{item.id}", item.applies_when)
        for item in catalog.checklist.values()
    ]
    entries += [
        ("fact", fact.key, f"facts.{fact.key}", fact.applies_when)
        for fact in catalog.facts.values()
    ]
    for kind, key, ref, raw in entries:
        if raw is None:
            continue
        owner = catalog.owners.get((kind, key), "?")
        label = f"{kind_label(kind)} {key!r}"
        try:
            condition = parse_condition(raw, owner, label, "applies_when")
        except RuleError as error:
            raise PluginError(owner, f"{label}: {error.message}") from None
        if kind == "fact" and catalog.facts[key].source == "derived":
            raise PluginError(
                owner, f"{label}: applies_when: ein abgeleiteter Fakt wird nie gefragt"
            )
        for leaf in iter_leaves(condition):
            problem = leaf_problem(leaf, catalog, set())
            derived = leaf.subject == "fact" and leaf.key in catalog.facts
            if problem is None and derived and catalog.facts[leaf.key].source == "derived":
                problem = (
                    f"{leaf.ref} ist abgeleitet; eine Vorbedingung darf Antworten, Eingabe-Fakten "
                    "und Unternehmensfelder prüfen (sie entscheidet, was gefragt wird)"
                )
            if problem is None and leaf.ref == ref:
                problem = f"{leaf.ref} ist der {kind_label(kind)} selbst"
            if problem:
                raise PluginError(owner, f"{label}: applies_when: {problem}")
        found[ref] = condition
    depends = {ref: {leaf.ref for leaf in iter_leaves(c)} for ref, c in found.items()}
    circle = _circle(depends)
    if circle:
        kind = "fact" if circle[0].startswith("facts.") else "checklist item"
        key = circle[0].split(".", 1)[1]
        raise PluginError(
            catalog.owners.get((kind, key), "?"),
            f"{kind_label(kind)} {key!r}: applies_when hängt von sich selbst ab: "
            f"{' → '.join(circle)}",
        )
    # Preconditions that others depend on come first, so that one pass decides them all.
    ordered: dict[str, Condition] = {}

    def place(ref: str) -> None:
        if ref in ordered or ref not in found:
            return
        for dependency in sorted(depends[ref]):
            place(dependency)
        ordered[ref] = found[ref]

    for ref in found:
        place(ref)
    return ordered


def _needs_unless(catalog: Catalog) -> dict[str, Condition]:
    """Parse and check every project's ``needs_unless``; raise naming the plugin on the
    first problem."""
    found: dict[str, Condition] = {}
    for project in catalog.projects.values():
        if project.needs_unless is None:
            continue
        condition, problem = needs_unless_of(project, catalog)
        if condition is None:
            owner = catalog.owners.get(("project", project.id), "?")
            raise PluginError(owner, f"Projekt {project.id!r}: {problem}")
        found[project.id] = condition
    return found


def needs_unless_of(project: Project, catalog: Catalog) -> tuple[Condition | None, str]:
    """A project's parsed ``needs_unless``, or None and what is wrong with it (``needs_unless:
    …``). It may test whatever a rule may test."""
    from kundenkompass.catalog.checks import leaf_problem

    try:
        condition = parse_condition(project.needs_unless, "", "", "needs_unless")
    except RuleError as error:
        return None, error.message
    for leaf in iter_leaves(condition):
        problem = leaf_problem(leaf, catalog, catalog.rule_derived_facts)
        if problem:
            return None, f"needs_unless: {problem}"
    return condition, ""


def _circle(depends: dict[str, set[str]]) -> list[str]:
    """A circle in the graph (first node repeated at the end), or an empty list."""
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> list[str]:
        if node in path:
            return [*path[path.index(node) :], node]
        if node in done:
            return []
        for successor in sorted(depends.get(node, ())):
            found = visit(successor, [*path, node])
            if found:
                return found
        done.add(node)
        return []

    for node in sorted(depends):
        found = visit(node, [])
        if found:
            return found
    return []
