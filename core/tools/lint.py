"""``audit lint``: every problem in plugins and rulesets, each at its file, line and column.

The engine stops at the first invalid contribution; lint reads each plugin and ruleset on
its own and reports all problems at once. Both run the same checks
(:mod:`kundenkompass.catalog.checks`); lint adds the whole-catalog analyses below. Whatever
a plugin's hooks do, lint reports it as a problem and never fails itself. A problem that only
follows from another (an unknown measure while a measures file cannot be read) is left out,
and a duplicate id is reported at the source that repeats it: built-in plugins keep their
ids against installed ones, plugins against rulesets. Problem classes (the ``code`` of a
:class:`~kundenkompass.tools.lint_sources.Problem`):

``invalid-file``
    a file that cannot be read or does not match its schema, or a hook that fails;
``broken-plugin``
    an installed plugin that cannot be imported or is incompatible;
``duplicate-id``
    an id (fact key, checklist item, measure, rule) contributed twice;
``unknown-reference``
    a rule, measure, derivation, threshold or ruleset entry naming a fact, checklist
    item, answer value or measure that nothing declares;
``invalid-condition``
    an operator or value that does not fit the tested value's type;
``never-fires``
    a rule whose condition can never be true (see :mod:`kundenkompass.satisfiability`);
``unreachable-measure``
    a measure that no rule recommends, or only rules that never fire;
``cycle``
    derived facts that depend on each other in a circle, or measures that are each
    other's prerequisites;
``capacity``
    a rule beyond what durable_rules can run however it is compiled (see
    :func:`kundenkompass.rules.language.capacity_problem`; what the compiler can rewrite,
    such as long ``in`` lists or many rules with one condition, is not a problem);
``unknown-sector``
    a rule testing a sector that no plugin or ruleset serves, or an entry or ruleset
    naming a sector that looks like a misspelling of another;
``unused-threshold``
    a threshold whose fact no rule tests and no derivation reads;
``repeats-advice``
    a rule that recommends a built-in measure whenever a built-in rule already does;
``uncovered-answer``, ``untested-mention``, ``invalid-precondition``,
``invalid-needs-unless``
    gaps in the advice itself (see :mod:`kundenkompass.tools.lint_advice`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from kundenkompass.catalog.catalog import Catalog, subjects_of, threshold_fact
from kundenkompass.catalog.checks import (
    BUILT_IN_DISTRIBUTION,
    declared_rule_derived,
    findings,
    rule_findings,
)
from kundenkompass.catalog.kinds import kind_label
from kundenkompass.catalog.plugin_manager import PluginInfo, info_for_object
from kundenkompass.rules.language import Rule
from kundenkompass.rules.satisfiability import ValueSpace, never_fires
from kundenkompass.tools.lint_advice import advice_problems
from kundenkompass.tools.lint_sources import (
    Problem,
    Source,
    gather,
    installed_sources,
    plugin_source,
    shipped_sources,
)
from pydantic import BaseModel, ConfigDict


class CheckedSource(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    kind: str
    file: str
    version: str


class LintReport(BaseModel):
    """What ``audit lint`` checked and found."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    checked: list[CheckedSource]
    problems: list[Problem]

    @property
    def ok(self) -> bool:
        return not self.problems


def lint(paths: Iterable[str | Path] = ()) -> LintReport:
    """Lint the given plugin folders and ruleset files, or everything installed."""
    return check(gather(paths))


def check(sources: list[Source]) -> LintReport:
    """Every problem of the linted sources, each once, at its file, line and column."""
    # Earlier sources keep their ids: built-in plugins, then other plugins, then rulesets.
    sources = sorted(sources, key=_precedence)
    problems: list[Problem] = [p for s in sources if s.linted for p in s.problems]
    # What failed to load is reported once; what only follows from its absence is not.
    failed = {kind for source in sources for kind in source.failed}
    catalog, owner_of = _merge(sources, problems)
    by_name = {source.name: source for source in sources}
    for finding in findings(catalog):
        source = by_name.get(finding.owner)
        if source is None or not source.linted or finding.missing in failed:
            continue
        problems.append(source.problem(finding.code, finding.message, finding.kind, finding.id))
    if not failed & {"fact", "rule", "threshold", "derivation"}:
        never = _never_firing(catalog)
        flawed = {(p.source, p.id) for p in problems if p.kind == "rule"}
        for source in sources:
            if not source.linted:
                continue
            for rule in source.rules:
                if (source.name, rule.id) in flawed or rule.id not in never:
                    continue
                if owner_of.get(("rule", rule.id)) is source:
                    problems.append(source.problem("never-fires", never[rule.id], "rule", rule.id))
            problems.extend(_unreachable(source, catalog, never))
    problems.extend(_cycles(sources, catalog, owner_of))
    problems.extend(advice_problems(sources, catalog))
    unique = {(p.file, p.line, p.code, p.kind, p.id, p.message): p for p in problems}
    ordered = sorted(
        unique.values(),
        key=lambda p: (
            p.file,
            p.line or 0,
            p.column or 0,
            p.code,
            p.kind or "",
            p.id or "",
            p.message,
        ),
    )
    checked = [
        CheckedSource(name=s.name, kind=s.kind, file=s.file, version=s.version)
        for s in sources
        if s.linted and s.file
    ]
    return LintReport(checked=checked, problems=ordered)


def _precedence(source: Source) -> int:
    if source.kind == "plugin":
        return 0 if source.built_in else 1
    explicit = source.ruleset is not None and source.ruleset.selection == "explicit"
    return 3 if explicit else 2


# ------------------------------------------------------------------ duplicates


def _entries(source: Source) -> dict[str, list[tuple[str, str, Any]]]:
    """Key space → (kind, id, entry) of one source."""
    return {
        "fact": [("fact", f.key, f) for f in source.facts]
        + [("threshold", t.key, t) for t in source.thresholds],
        "checklist item": [("checklist item", i.id, i) for i in source.checklist],
        "measure": [("measure", m.id, m) for m in source.measures],
        "rule": [("rule", r.id, r) for r in source.rules]
        + [("measure priority", c.id, c) for c in source.priority_changes],
        "derivation": [("derivation", d.fact, d) for d in source.derivations],
        "project": [("project", p.id, p) for p in source.projects],
    }


def _merge(
    sources: list[Source], problems: list[Problem]
) -> tuple[Catalog, dict[tuple[str, str], Source]]:
    """A catalog of the first occurrence of every id; repeated ids become problems of the
    source that repeats them (the later one in precedence)."""
    first: dict[tuple[str, str], tuple[Source, str]] = {}
    kept: dict[str, dict[str, Any]] = {space: {} for space in _entries(Source("", "", False, ""))}
    for source in sources:
        for space, entries in _entries(source).items():
            for kind, identifier, entry in entries:
                earlier = first.get((space, identifier))
                if earlier is None:
                    first[(space, identifier)] = (source, kind)
                    kept[space][identifier] = entry
                    continue
                other, other_kind = earlier
                where = (
                    "zweimal in derselben Datei"
                    if other is source
                    else f"auch von {other.name!r} ({other.file_of(other_kind)})"
                )
                if source.linted:
                    problems.append(
                        source.problem(
                            "duplicate-id",
                            f"{kind_label(space)}-ID wird geliefert: {where}",
                            kind,
                            identifier,
                        )
                    )
    catalog = Catalog()
    catalog.plugins = [
        PluginInfo(
            name=s.name,
            version=s.version,
            source=s.file,
            distribution=BUILT_IN_DISTRIBUTION if s.built_in else s.distribution,
        )
        for s in sources
        if s.kind == "plugin"
    ]
    catalog.facts = {
        key: threshold_fact(entry) if first[("fact", key)][1] == "threshold" else entry
        for key, entry in kept["fact"].items()
    }
    catalog.thresholds = {
        k: e for k, e in kept["fact"].items() if first[("fact", k)][1] == "threshold"
    }
    catalog.checklist = kept["checklist item"]
    catalog.measures = kept["measure"]
    catalog.rules = {
        k: e.model_copy(update={"plugin": first[("rule", k)][0].name})
        for k, e in kept["rule"].items()
        if isinstance(e, Rule)
    }
    catalog.derivations = kept["derivation"]
    catalog.projects = kept["project"]
    catalog.rulesets = [s.ruleset for s in sources if s.ruleset is not None]
    catalog.owners = {
        (kind, identifier): source.name for (_, identifier), (source, kind) in first.items()
    }
    catalog.subjects = subjects_of(catalog)
    owner_of = {
        (("rule" if space == "rule" else space), identifier): source
        for (space, identifier), (source, _) in first.items()
    }
    return catalog, owner_of


# ------------------------------------------------------------- rules that never fire


def _never_firing(catalog: Catalog) -> dict[str, str]:
    """Rule id → why it can never fire, over all sources.

    A fact derived only by rules that never fire is never set either; the analysis is
    repeated until nothing changes.
    """
    rule_derived = declared_rule_derived(catalog)
    python_derived = set(catalog.derivations) | set(catalog.thresholds)
    checkable = {
        rule_id: rule
        for rule_id, rule in catalog.rules.items()
        if not any(f.severity == "error" for f in rule_findings(rule, catalog, rule_derived))
    }
    never: dict[str, str] = {}
    while True:
        derived_values: dict[str, tuple[Any, ...]] = {}
        for rule in checkable.values():
            if rule.derive and rule.id not in never:
                values = derived_values.setdefault(rule.derive.fact, ())
                if rule.derive.value not in values:
                    derived_values[rule.derive.fact] = (*values, rule.derive.value)

        lookup = _value_spaces(catalog, derived_values, python_derived)
        found = {
            rule_id: reason
            for rule_id, rule in checkable.items()
            if (reason := never_fires(rule, lookup, catalog.measures.get(rule.recommend or "")))
        }
        if found == never:
            return never
        never = found


def _value_spaces(
    catalog: Catalog, derived_values: dict[str, tuple[Any, ...]], python_derived: set[str]
) -> Callable[[str], ValueSpace | None]:
    def lookup(ref: str) -> ValueSpace | None:
        definition = catalog.subjects.get(ref)
        if definition is None:
            return None
        table, _, key = ref.partition(".")
        entry = catalog.checklist.get(key) if table == "answers" else catalog.facts.get(key)
        sectors = tuple(getattr(entry, "sectors", ())) if table != "company" else ()
        values = None
        if table == "facts" and definition.source == "derived" and key not in python_derived:
            values = derived_values.get(key, ())
        return ValueSpace(definition=definition, derived_values=values, sectors=sectors)

    return lookup


def _unreachable(source: Source, catalog: Catalog, never: dict[str, str]) -> list[Problem]:
    found = []
    for measure in source.measures:
        recommending = sorted(r.id for r in catalog.rules.values() if r.recommend == measure.id)
        if not recommending:
            message = "keine Regel empfiehlt diese Maßnahme"
        elif all(rule_id in never for rule_id in recommending):
            message = "nur Regeln, die nie feuern können, empfehlen sie: " + ", ".join(recommending)
        else:
            continue
        found.append(source.problem("unreachable-measure", message, "measure", measure.id))
    return found


# ---------------------------------------------------------------------- cycles


def _cycles(
    sources: list[Source], catalog: Catalog, owner_of: dict[tuple[str, str], Source]
) -> list[Problem]:
    found: list[Problem] = []
    rule_derived = catalog.rule_derived_facts
    # derived fact → facts its deriving rules test, with the rules
    depends: dict[str, dict[str, str]] = {}
    for rule in catalog.rules.values():
        if rule.derive is None:
            continue
        for leaf in rule.leaves():
            if leaf.subject == "fact" and leaf.key in rule_derived:
                depends.setdefault(rule.derive.fact, {}).setdefault(leaf.key, rule.id)
    for cycle in _circles({k: set(v) for k, v in depends.items()}):
        steps = [f"{fact} (Regel {depends[fact][nxt]!r})" for fact, nxt in _pairs(cycle)]
        rules = [depends[fact][nxt] for fact, nxt in _pairs(cycle)]
        for rule_id in rules:
            source = owner_of.get(("rule", rule_id))
            if source is not None and source.linted:
                found.append(
                    source.problem(
                        "cycle",
                        "abgeleitete Fakten hängen im Kreis voneinander ab: "
                        + " → ".join([*steps, cycle[0]]),
                        "rule",
                        rule_id,
                    )
                )
                break
    prerequisites = {
        m.id: set(m.prerequisites) & set(catalog.measures) for m in catalog.measures.values()
    }
    for cycle in _circles(prerequisites):
        for measure_id in cycle:
            source = owner_of.get(("measure", measure_id))
            if source is not None and source.linted:
                found.append(
                    source.problem(
                        "cycle",
                        "Maßnahmen sind gegenseitig Voraussetzung füreinander: "
                        + " → ".join([*cycle, cycle[0]]),
                        "measure",
                        measure_id,
                    )
                )
                break
    return found


def _pairs(cycle: list[str]) -> list[tuple[str, str]]:
    return [(cycle[i], cycle[(i + 1) % len(cycle)]) for i in range(len(cycle))]


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One circle per strongly connected component that has one (Tarjan), stable order."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    counter = 0

    def visit(node: str) -> None:
        nonlocal counter
        index[node] = low[node] = counter
        counter += 1
        stack.append(node)
        on_stack.add(node)
        for successor in sorted(graph.get(node, ())):
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            components.append(component)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    circles = []
    for component in components:
        members = set(component)
        start = min(component)
        if len(component) == 1 and start not in graph.get(start, ()):
            continue
        circles.append(_walk(start, members, graph))
    return sorted(circles)


def _walk(start: str, members: set[str], graph: dict[str, set[str]]) -> list[str]:
    """A circle through ``start`` inside one strongly connected component."""
    path = [start]
    seen = {start}
    node = start
    while True:
        successors = sorted(graph.get(node, set()) & members)
        if start in successors:
            return path
        unseen = [s for s in successors if s not in seen]
        node = unseen[0] if unseen else successors[0]
        if node in seen:  # close the circle where it repeats
            return path[path.index(node) :]
        path.append(node)
        seen.add(node)


def lint_plugins(plugins: Iterable[object], *, with_installed: bool = False) -> LintReport:
    """Lint plugin objects (and the rulesets they ship) in the context of the built-in
    plugins, or of every installed plugin with ``with_installed``.

    For tests of a plugin under development; ``audit lint`` lints folders and files.
    """
    context, _ = installed_sources(lint_all=False)
    sources = [s for s in context if with_installed or s.built_in]
    linted: list[Source] = []
    for plugin in plugins:
        info = info_for_object(plugin)
        source = plugin_source(info.name, plugin, info.version, True)
        linted.append(source)
        linted.extend(shipped_sources(source, plugin, True))
    names = {source.name for source in linted}
    sources = [s for s in sources if s.name not in names]
    return check(sources + linted)
