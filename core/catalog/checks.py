"""Checks of what plugins and rulesets contribute, shared by the engine and ``audit lint``.

Each check is a function that looks at a whole :class:`~kundenkompass.catalog.catalog.Catalog`
and yields :class:`Finding` objects. The engine (:func:`validate`) raises the first finding of
severity ``error`` as an error naming the plugin or file at fault; ``audit lint`` reports
every finding, each at its file, line and column. A new check is one more function in
:data:`CHECKS`.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Iterator
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from itertools import combinations
from typing import TYPE_CHECKING, Any, Literal

from kundenkompass.catalog.kinds import kind_label
from kundenkompass.errors import KundenkompassError, PluginError, RuleError
from kundenkompass.models import FactDefinition, FactType
from kundenkompass.rules.language import (
    MAX_ALTERNATIVES,
    Leaf,
    Rule,
    capacity_problem,
    iter_leaves,
    to_alternatives,
)
from kundenkompass.vocabulary import Operator

if TYPE_CHECKING:
    from kundenkompass.catalog.contents import Catalog

#: The distribution whose plugins are the built-in ones.
BUILT_IN_DISTRIBUTION = "kundenkompass"

#: Operators that make sense for each value type.
OPERATORS_BY_TYPE: dict[FactType, frozenset[Operator]] = {
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

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Finding:
    """One problem of one contribution."""

    #: The problem class, as ``audit lint`` shows it (``unknown-reference``, …).
    code: str
    #: What ``id`` names: ``rule``, ``measure``, ``derivation``, ``threshold``,
    #: ``measure priority``, ``not applicable`` or ``ruleset``.
    kind: str
    id: str
    message: str
    #: The plugin (or ``ruleset:<name>``) that contributed the entry at fault.
    owner: str
    #: The file of a rule or ruleset entry, for errors that name it.
    origin: str | None = None
    #: Where in a ruleset file the entry is, e.g. ``not_applicable[0]``.
    where: str | None = None
    #: The kind of contribution the finding misses (``measure``, ``fact``, …): when that
    #: kind failed to load, lint leaves the finding out as a follow-on problem.
    missing: str | None = None
    #: ``error`` stops the engine; ``warning`` is only reported by ``audit lint``.
    severity: Severity = "error"

    def error(self) -> KundenkompassError:
        """The error the engine raises for this finding."""
        # The culprit lets --skip-broken-plugins leave out the plugin or ruleset at fault.
        if self.kind == "rule":
            return RuleError(self.origin or "?", self.id, self.message, culprit=self.owner)
        if self.origin is not None:
            rule = self.id if self.kind == "measure priority" else None
            message = f"{self.where}: {self.message}" if self.where else self.message
            return RuleError(self.origin, rule, message, culprit=self.owner)
        return PluginError(self.owner, f"{kind_label(self.kind)} {self.id!r}: {self.message}")


Check = Callable[["Catalog"], Iterator[Finding]]


def suggest(word: str, pool: Iterable[str]) -> str:
    """``; meinten Sie 'x'?`` for the closest of ``pool``, or nothing."""
    close = difflib.get_close_matches(word, list(pool), n=1)
    return f"; meinten Sie {close[0]!r}?" if close else ""


def owner_of(catalog: Catalog, kind: str, identifier: str) -> str:
    return catalog.owners.get((kind, identifier), "?")


def built_in(catalog: Catalog, plugin: str | None) -> bool:
    return any(
        info.name == plugin and info.distribution == BUILT_IN_DISTRIBUTION
        for info in catalog.plugins
    )


def declared_rule_derived(catalog: Catalog) -> set[str]:
    """Facts rules derive that are declared as derived (a rule deriving an input fact is
    reported as such, not as an ``is_unknown`` test of it elsewhere)."""
    return {
        key
        for key in catalog.rule_derived_facts
        if key in catalog.facts and catalog.facts[key].source == "derived"
    }


# ------------------------------------------------------------------------ measures


def check_measures(catalog: Catalog) -> Iterator[Finding]:
    for measure in catalog.measures.values():
        owner = owner_of(catalog, "measure", measure.id)
        for prerequisite in measure.prerequisites:
            if prerequisite not in catalog.measures:
                yield Finding(
                    "unknown-reference",
                    "measure",
                    measure.id,
                    f"unbekannte Voraussetzung {prerequisite!r}"
                    f"{suggest(prerequisite, catalog.measures)}",
                    owner,
                    missing="measure",
                )
        for item in measure.addresses:
            if item not in catalog.checklist:
                yield Finding(
                    "unknown-reference",
                    "measure",
                    measure.id,
                    f"bezieht sich auf den unbekannten Checklistenpunkt {item!r}"
                    f"{suggest(item, catalog.checklist)}",
                    owner,
                    missing="checklist item",
                )


# ------------------------------------------------------------------------ projects


def check_projects(catalog: Catalog) -> Iterator[Finding]:
    """Each project's measures exist, and a measure belongs to at most one project."""
    grouped: dict[str, str] = {}
    for project in catalog.projects.values():
        owner = owner_of(catalog, "project", project.id)
        for measure_id in project.measures:
            if measure_id not in catalog.measures:
                yield Finding(
                    "unknown-reference",
                    "project",
                    project.id,
                    f"unbekannte Maßnahme {measure_id!r}{suggest(measure_id, catalog.measures)}",
                    owner,
                    missing="measure",
                )
            elif measure_id in grouped:
                yield Finding(
                    "duplicate-id",
                    "project",
                    project.id,
                    f"Maßnahme {measure_id!r} gehört schon zum Projekt {grouped[measure_id]!r}",
                    owner,
                )
            else:
                grouped[measure_id] = project.id


# ------------------------------------------------------------ derivations, thresholds


def check_derivations(catalog: Catalog) -> Iterator[Finding]:
    rule_derived = declared_rule_derived(catalog)
    for derivation in catalog.derivations.values():
        owner = owner_of(catalog, "derivation", derivation.fact)
        fact = catalog.facts.get(derivation.fact)
        if fact is None or fact.source != "derived":
            yield Finding(
                "unknown-reference",
                "derivation",
                derivation.fact,
                'den Fakt mit source = "derived" deklarieren',
                owner,
                missing="fact",
            )
        elif derivation.fact in rule_derived:
            yield Finding(
                "invalid-condition",
                "derivation",
                derivation.fact,
                "der Fakt wird auch von Regeln abgeleitet",
                owner,
            )
        for ref in derivation.inputs:
            if ref not in catalog.subjects:
                yield Finding(
                    "unknown-reference",
                    "derivation",
                    derivation.fact,
                    f"unbekannte Eingabe {ref!r}{suggest(ref, catalog.subjects)}",
                    owner,
                    missing="fact",
                )


def check_thresholds(catalog: Catalog) -> Iterator[Finding]:
    rule_derived = declared_rule_derived(catalog)
    for threshold in catalog.thresholds.values():
        owner = owner_of(catalog, "threshold", threshold.key)
        measured = catalog.subjects.get(threshold.input)
        if measured is None or measured.type not in (FactType.INT, FactType.FLOAT):
            yield Finding(
                "unknown-reference",
                "threshold",
                threshold.key,
                f"die Eingabe {threshold.input!r} muss einen deklarierten Fakt vom Typ int oder float nennen",
                owner,
                missing="fact" if measured is None else None,
            )
        if threshold.key in rule_derived:
            yield Finding(
                "invalid-condition",
                "threshold",
                threshold.key,
                "Regeln dürfen ihn nicht ableiten",
                owner,
            )


# --------------------------------------------------------------------------- rules


def check_rules(catalog: Catalog) -> Iterator[Finding]:
    rule_derived = declared_rule_derived(catalog)
    for rule in catalog.rules.values():
        yield from rule_findings(rule, catalog, rule_derived)


def rule_findings(
    rule: Rule, catalog: Catalog, rule_derived: AbstractSet[str]
) -> Iterator[Finding]:
    """Every reference and type problem of one rule."""
    owner = rule.plugin or owner_of(catalog, "rule", rule.id)

    def finding(code: str, message: str, missing: str | None = None) -> Finding:
        return Finding(code, "rule", rule.id, message, owner, origin=rule.origin, missing=missing)

    if rule.recommend is not None and rule.recommend not in catalog.measures:
        yield finding(
            "unknown-reference",
            f"empfiehlt die unbekannte Maßnahme {rule.recommend!r}"
            f"{suggest(rule.recommend, catalog.measures)}",
            "measure",
        )
    if rule.derive is not None:
        fact = catalog.facts.get(rule.derive.fact)
        if fact is None:
            yield finding(
                "unknown-reference",
                f"leitet den unbekannten Fakt {rule.derive.fact!r} ab"
                f"{suggest(rule.derive.fact, catalog.facts)}",
                "fact",
            )
        elif fact.source != "derived":
            yield finding(
                "invalid-condition",
                f'leitet den Fakt {fact.key!r} ab, der nicht mit source = "derived" deklariert ist',
            )
        elif fact.type in (FactType.ENUM_LIST, FactType.TEXT):
            yield finding(
                "invalid-condition",
                f"der abgeleitete Fakt {fact.key!r} muss bool, int, float oder enum sein",
            )
        else:
            problem = value_problem(fact, "equals", rule.derive.value)
            if problem:
                yield finding("invalid-condition", f"derive.value: {problem}")
    problem = unless_problem(rule, catalog)
    if problem:
        yield finding("invalid-condition", problem)
    mentioned = mentions_problem(rule, catalog)
    if mentioned:
        yield finding("unknown-reference", mentioned)
    for leaf in rule.leaves():
        problem = leaf_problem(leaf, catalog, rule_derived)
        if problem is None:
            continue
        definition = catalog.subjects.get(leaf.ref)
        unknown_value = (
            definition is not None
            and definition.type in (FactType.ENUM, FactType.ENUM_LIST)
            and "passt nicht" in problem
        )
        code = "unknown-reference" if definition is None or unknown_value else "invalid-condition"
        missing = None
        if definition is None:
            missing = {"answer": "checklist item", "fact": "fact"}.get(leaf.subject)
        yield finding(code, problem, missing)
    if len(rule.alternatives()) > MAX_ALTERNATIVES:
        yield finding(
            "invalid-condition",
            f"die Bedingung ergibt mehr als {MAX_ALTERNATIVES} Alternativen; "
            "bitte auf mehrere Regeln aufteilen",
        )
    else:
        capacity = capacity_problem(rule)
        if capacity:
            yield finding("capacity", capacity)


def unless_problem(rule: Rule, catalog: Catalog) -> str | None:
    """Why the rule's ``unless`` cannot be decided before inference, or None.

    ``unless`` silences a rule only when known true, so it may not test a fact that rules
    derive: whether that fact is known yet would depend on the order in which rules fire.
    """
    if rule.unless is None:
        return None
    for leaf in iter_leaves(rule.unless):
        if leaf.subject == "fact" and leaf.key in catalog.rule_derived_facts:
            return (
                f"unless: {leaf.ref} wird von Regeln abgeleitet; 'unless' darf Antworten, "
                "Eingabe-Fakten, Unternehmensfelder, Schwellenwerte und Ableitungen prüfen, "
                "die vor dem Feuern der Regeln bekannt sind"
            )
    return None


def mentions_problem(rule: Rule, catalog: Catalog) -> str | None:
    """A key path in the rule's ``mentions`` that nothing declares, or None."""
    for ref in rule.mentions:
        if ref not in catalog.subjects:
            pool = [r for r in catalog.subjects if r.startswith(ref.partition(".")[0] + ".")]
            return f"nennt die unbekannte Eingabe {ref!r}{suggest(ref, pool)}"
    return None


def leaf_problem(leaf: Leaf, catalog: Catalog, rule_derived: AbstractSet[str]) -> str | None:
    definition = catalog.subjects.get(leaf.ref)
    if definition is None:
        kind = {"answer": "Checklistenpunkt", "fact": "Fakt", "company": "Unternehmensfeld"}[
            leaf.subject
        ]
        pool = [
            ref.split(".", 1)[1]
            for ref in catalog.subjects
            if ref.startswith(leaf.ref.split(".")[0] + ".")
        ]
        return f"unbekannt: {kind} {leaf.key!r}{suggest(leaf.key, pool)}"
    allowed = OPERATORS_BY_TYPE[definition.type]
    if leaf.operator not in allowed:
        return (
            f"{leaf.ref}: der Operator {leaf.operator!r} passt nicht zu einem Wert vom Typ "
            f"{definition.type.value}; möglich: {sorted(allowed)}"
        )
    if leaf.operator == "is_unknown":
        if leaf.subject == "fact" and leaf.key in rule_derived:
            return (
                f"{leaf.ref}: is_unknown kann keinen Fakt prüfen, den Regeln ableiten (das "
                "hinge von der Reihenfolge ab, in der die Regeln feuern)"
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
        expected = "true oder false"
    elif kind is FactType.INT:
        ok = isinstance(value, int) and not isinstance(value, bool)
        expected = "eine ganze Zahl"
    elif kind is FactType.FLOAT:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        expected = "eine Zahl"
    elif kind in (FactType.ENUM, FactType.ENUM_LIST):
        ok = isinstance(value, str) and value in definition.values
        expected = "eines von " + ", ".join(f'"{v}"' for v in definition.values)
        if isinstance(value, str):
            expected += suggest(value, definition.values)
    else:
        ok = isinstance(value, str)
        expected = "ein Text"
    if ok:
        return None
    return f"der Wert {value!r} passt nicht; erwartet: {expected}"


# ------------------------------------------------------------------------ rulesets


def check_rulesets(catalog: Catalog) -> Iterator[Finding]:
    """The rulesets' priority changes and not-applicable marks.

    Two rulesets that can apply to the same audit may not change the priority of the same
    measure, except that an explicit ruleset takes precedence over the others.
    """
    change_ids: dict[str, str] = {}
    for ruleset in catalog.rulesets:
        origin = str(ruleset.path)
        owner = ruleset.plugin_name
        for change in ruleset.priority_changes:
            if change.id in catalog.rules:
                yield Finding(
                    "duplicate-id",
                    "measure priority",
                    change.id,
                    f"die ID gehört schon einer Regel von {catalog.rules[change.id].plugin!r}",
                    owner,
                    origin,
                )
            elif change.id in change_ids:
                yield Finding(
                    "duplicate-id",
                    "measure priority",
                    change.id,
                    f"die ID wird schon im Regelwerk {change_ids[change.id]!r} verwendet",
                    owner,
                    origin,
                )
            change_ids.setdefault(change.id, ruleset.name)
            if change.measure not in catalog.measures:
                yield Finding(
                    "unknown-reference",
                    "measure priority",
                    change.id,
                    f"ändert die Priorität der unbekannten Maßnahme {change.measure!r}"
                    f"{suggest(change.measure, catalog.measures)}",
                    owner,
                    origin,
                    missing="measure",
                )
        for index, mark in enumerate(ruleset.not_applicable):
            if mark.item not in catalog.checklist:
                yield Finding(
                    "unknown-reference",
                    "not applicable",
                    mark.item,
                    f"unbekannter Checklistenpunkt {mark.item!r}"
                    f"{suggest(mark.item, catalog.checklist)}",
                    owner,
                    origin,
                    where=f"not_applicable[{index}]",
                    missing="checklist item",
                )
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
            yield Finding(
                "duplicate-id",
                "ruleset",
                second.name,
                f"Regelwerk {second.name!r} und Regelwerk {first.name!r} ({first.path}) ändern "
                f"beide die Priorität der Maßnahme {sorted(common)[0]!r}; bitte nur eine "
                "Änderung behalten",
                second.plugin_name,
                str(second.path),
            )


# ------------------------------------------------------- advice (reported by lint only)


def check_sector_values(catalog: Catalog) -> Iterator[Finding]:
    """Sector values that no plugin or ruleset serves, or that look like a misspelt one.

    A rule testing such a sector never fires; an entry scoped to a misspelt sector is
    never shown.
    """
    served = set(catalog.sectors)
    for rule in catalog.rules.values():
        for leaf in rule.leaves():
            if leaf.ref != "company.sector" or leaf.operator == "is_unknown":
                continue
            values = leaf.value if isinstance(leaf.value, tuple) else (leaf.value,)
            for value in values:
                if isinstance(value, str) and value not in served:
                    yield Finding(
                        "unknown-sector",
                        "rule",
                        rule.id,
                        f"prüft die Branche {value!r}, die kein Plugin und kein Regelwerk bedient"
                        f"{suggest(value, served)}",
                        rule.plugin or owner_of(catalog, "rule", rule.id),
                        origin=rule.origin,
                        severity="warning",
                    )
    # A sector named by one kind of entry only, close to a sector others name: a typo.
    named: dict[str, list[tuple[str, str, str]]] = {}
    for kind, entries in (
        ("fact", [(f.key, f.sectors) for f in catalog.facts.values()]),
        ("checklist item", [(i.id, i.sectors) for i in catalog.checklist.values()]),
        ("measure", [(m.id, m.sectors) for m in catalog.measures.values()]),
    ):
        for identifier, sectors in entries:
            for sector in sectors:
                named.setdefault(sector, []).append(
                    (kind, identifier, owner_of(catalog, kind, identifier))
                )
    for ruleset in catalog.rulesets:
        named.setdefault(ruleset.sector, []).append(("ruleset", ruleset.name, ruleset.plugin_name))
    common = {sector for sector, users in named.items() if len(users) > 1}
    for sector, users in sorted(named.items()):
        if len(users) > 1:
            continue
        close = difflib.get_close_matches(sector, sorted(common - {sector}), n=1, cutoff=0.8)
        if not close:
            continue
        kind, identifier, owner = users[0]
        yield Finding(
            "unknown-sector",
            kind,
            identifier,
            f"die Branche {sector!r} kommt sonst nirgends vor; meinten Sie {close[0]!r}?",
            owner,
            origin=next((str(r.path) for r in catalog.rulesets if r.plugin_name == owner), None)
            if kind == "ruleset"
            else None,
            severity="warning",
        )


def check_unused_thresholds(catalog: Catalog) -> Iterator[Finding]:
    """A threshold whose fact no rule tests and no derivation reads changes nothing."""
    used = {
        leaf.key
        for rule in catalog.rules.values()
        for leaf in rule.leaves()
        if leaf.subject == "fact"
    }
    used |= {ref.split(".", 1)[1] for d in catalog.derivations.values() for ref in d.inputs}
    for threshold in catalog.thresholds.values():
        if threshold.key not in used:
            yield Finding(
                "unused-threshold",
                "threshold",
                threshold.key,
                f"keine Regel prüft den Fakt {threshold.key!r} und keine Ableitung liest ihn",
                owner_of(catalog, "threshold", threshold.key),
                severity="warning",
            )


def _alternatives(rule: Rule) -> list[frozenset[tuple[str, str, str]]]:
    """The rule's alternatives as sets of tests, leaving out tests of the sector."""
    return [
        frozenset(
            (leaf.ref, leaf.operator, repr(leaf.value))
            for leaf in leaves
            if leaf.ref != "company.sector"
        )
        for leaves in to_alternatives(rule.when)
    ]


def check_repeated_advice(catalog: Catalog) -> Iterator[Finding]:
    """A rule that recommends a built-in measure whenever a built-in rule already does.

    Each alternative of the rule contains every test of some alternative of a built-in
    rule for the same measure: the advice is already given, and the plan would show the
    same reason twice.
    """
    built_in_rules: dict[str, list[Rule]] = {}
    for rule in catalog.rules.values():
        if rule.recommend is not None and built_in(catalog, rule.plugin):
            built_in_rules.setdefault(rule.recommend, []).append(rule)
    for rule in catalog.rules.values():
        if rule.recommend is None or built_in(catalog, rule.plugin):
            continue
        for other in built_in_rules.get(rule.recommend, ()):
            if other.unless is not None and other.unless != rule.unless:
                continue  # the built-in rule is silenced where this one may still fire
            theirs = _alternatives(other)
            if all(any(mine >= their for their in theirs) for mine in _alternatives(rule)):
                yield Finding(
                    "repeats-advice",
                    "rule",
                    rule.id,
                    f"wiederholt die mitgelieferte Regel {other.id!r}: sie empfiehlt "
                    f"{rule.recommend!r} unter derselben Bedingung; stattdessen die Priorität "
                    "der Maßnahme mit [[measure_priority]] in einem Regelwerk erhöhen",
                    rule.plugin or owner_of(catalog, "rule", rule.id),
                    origin=rule.origin,
                    severity="warning",
                )
                break


#: Every check, in the order the engine runs them.
CHECKS: list[Check] = [
    check_measures,
    check_projects,
    check_derivations,
    check_thresholds,
    check_rules,
    check_rulesets,
    check_sector_values,
    check_unused_thresholds,
    check_repeated_advice,
]


def findings(catalog: Catalog) -> list[Finding]:
    """Every finding of every check."""
    return [finding for check in CHECKS for finding in check(catalog)]


def validate(catalog: Catalog) -> None:
    """Raise the first finding of severity ``error`` as the error that names its owner."""
    for check in CHECKS:
        for finding in check(catalog):
            if finding.severity == "error":
                raise finding.error()
