"""``audit lint`` checks of the advice itself, on top of the checks of each rule.

``uncovered-answer``
    a checklist item that, answered "nein" on its own (everything else unknown), makes no
    further rule recommend a measure (beyond what the channels alone bring) for a company
    with a channel mix on which it is asked (only the store, only the online shop, or
    both). The check infers in Python with the rule
    language's three-valued evaluation, to a fixpoint; the test suite runs the same
    question through the engine.
``untested-mention``
    a rule whose ``mentions`` names an input that neither its ``when`` nor its ``unless``
    tests, directly or through the facts rules derive for it: its reason would speak of
    something it never looked at.
``invalid-precondition``
    an ``applies_when`` that names something nothing declares, tests a derived fact or
    depends on itself.
``invalid-needs-unless``
    a project's ``needs_unless`` that names something nothing declares or does not fit
    the tested value's type.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from kundenkompass.catalog.catalog import Catalog, _preconditions, needs_unless_of
from kundenkompass.errors import PluginError
from kundenkompass.models import ChecklistItem
from kundenkompass.rules.evaluate import evaluate, rule_truth
from kundenkompass.rules.language import Rule
from kundenkompass.tools.lint_sources import Problem, Source

#: The channel mixes on which every item must be covered.
CHANNEL_MIXES: tuple[tuple[str, ...], ...] = (("laden",), ("onlineshop",), ("laden", "onlineshop"))


def advice_problems(sources: list[Source], catalog: Catalog) -> list[Problem]:
    problems: list[Problem] = []
    try:
        catalog.preconditions = _preconditions(catalog)
    except PluginError as error:
        owner = next((s for s in sources if s.name == error.plugin and s.linted), None)
        if owner is not None:
            problems.append(owner.problem("invalid-precondition", error.message))
        catalog.preconditions = {}
    for source in sources:
        if not source.linted:
            continue
        for project in source.projects:
            if project.needs_unless is None:
                continue
            _, problem = needs_unless_of(project, catalog)
            if problem:
                problems.append(
                    source.problem("invalid-needs-unless", problem, "project", project.id)
                )
        for item in source.checklist:
            for channels in uncovered(item, catalog):
                shown = " und ".join(channels)
                problems.append(
                    source.problem(
                        "uncovered-answer",
                        f'allein mit "nein" beantwortet, lässt er keine Regel eine Maßnahme '
                        f"empfehlen für ein Unternehmen, das über {shown} verkauft",
                        "checklist item",
                        item.id,
                    )
                )
        for rule in source.rules:
            for ref in untested_mentions(rule, catalog):
                problems.append(
                    source.problem(
                        "untested-mention",
                        f"ihre Begründung nennt {ref}, das die Regel nicht prüft",
                        "rule",
                        rule.id,
                    )
                )
    return problems


# ------------------------------------------------------------------ coverage


def asked_on(item: ChecklistItem, channels: tuple[str, ...], catalog: Catalog) -> bool:
    """Whether a company with these channels (and the item's sector) is asked the item."""
    if item.channels and not set(item.channels) & set(channels):
        return False
    precondition = catalog.preconditions.get(f"answers.{item.id}")
    return precondition is None or evaluate(precondition, _company(item, channels)) is not False


def uncovered(item: ChecklistItem, catalog: Catalog) -> list[tuple[str, ...]]:
    """The channel mixes on which the item, answered "nein" alone, yields no measure."""
    gaps = []
    for channels in CHANNEL_MIXES:
        if not asked_on(item, channels, catalog):
            continue
        company = _company(item, channels)
        answered = recommending_rules(catalog, company | {f"answers.{item.id}": "nein"})
        if not set(answered) - set(recommending_rules(catalog, company)):
            gaps.append(channels)
    return gaps


def _company(item: ChecklistItem, channels: tuple[str, ...]) -> dict[str, Any]:
    company: dict[str, Any] = {"company.channels": channels}
    if item.sectors:
        company["company.sector"] = item.sectors[0]
    return company


def recommended(catalog: Catalog, inputs: Mapping[str, Any]) -> set[str]:
    """The measures the rules recommend for these inputs."""
    return set(recommending_rules(catalog, inputs).values())


def recommending_rules(catalog: Catalog, inputs: Mapping[str, Any]) -> dict[str, str]:
    """Rule id → measure, for the rules that recommend an applicable measure for these
    inputs (forward chaining to a fixpoint)."""
    known = dict(inputs)
    for key, derivation in catalog.derivations.items():
        given = {ref: known[ref] for ref in derivation.inputs if ref in known}
        try:
            value = derivation.compute(given)
        except Exception:  # a failing derivation is reported by the other checks
            value = None
        if value is not None:
            known[f"facts.{key}"] = value
    channels = set(known.get("company.channels", ()))
    sector = known.get("company.sector")
    fired: set[str] = set()
    measures: dict[str, str] = {}
    changed = True
    while changed:
        changed = False
        for rule in catalog.rules.values():
            if rule.id in fired or rule_truth(rule, known) is not True:
                continue
            fired.add(rule.id)
            changed = True
            if rule.derive is not None:
                known.setdefault(f"facts.{rule.derive.fact}", rule.derive.value)
            elif rule.recommend in catalog.measures:
                measure = catalog.measures[rule.recommend]
                if measure.channels and not set(measure.channels) & channels:
                    continue
                if measure.sectors and sector not in measure.sectors:
                    continue
                measures[rule.id] = measure.id
    return measures


# ------------------------------------------------------------------ mentions


def untested_mentions(rule: Rule, catalog: Catalog) -> list[str]:
    """The inputs the rule's reason mentions that it does not test."""
    if not rule.mentions:
        return []
    tested = _tested(rule, catalog, set())
    return [ref for ref in rule.mentions if ref in catalog.subjects and ref not in tested]


def _tested(rule: Rule, catalog: Catalog, seen: set[str]) -> set[str]:
    """Key paths a rule tests, and those behind the derived facts it tests."""
    found: set[str] = set()
    for leaf in rule.leaves():
        found.add(leaf.ref)
        key = leaf.key
        if leaf.subject != "fact" or key in seen:
            continue
        seen.add(key)
        if key in catalog.derivations:
            found.update(catalog.derivations[key].inputs)
        if key in catalog.thresholds:
            found.add(catalog.thresholds[key].input)
        for other in _deriving(catalog, key):
            found |= _tested(other, catalog, seen)
    return found


def _deriving(catalog: Catalog, key: str) -> Iterable[Rule]:
    return (r for r in catalog.rules.values() if r.derive and r.derive.fact == key)
