"""Turning what durable_rules concluded into reasons, evidence and open questions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .catalog import Catalog
from .compile_rules import CompiledRules
from .evaluate import evaluate, evaluate_leaf
from .infer import Inference
from .models import text_in
from .results import Evidence, Firing, OpenQuestion
from .rule_language import Leaf, Rule, to_alternatives
from .texts import text


def all_known(known: Mapping[str, Any], inference: Inference) -> dict[str, Any]:
    """Inputs plus the facts rules derived."""
    combined = dict(known)
    for key, derived in inference.derived.items():
        combined[f"facts.{key}"] = derived.value
    return combined


def show_value(ref: str, value: Any, catalog: Catalog, language: str = "de") -> str:
    definition = catalog.subjects.get(ref)
    if value is None:
        return text("answer.unbekannt", language)
    if ref.startswith("answers."):
        return text(f"answer.{value}", language)
    if ref == "company.channels":
        return ", ".join(text(f"channel.{v}", language) for v in value)
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, tuple | list):
        if not value:
            return "keine"
        labels = [definition.label(v, language) if definition else str(v) for v in value]
        return ", ".join(labels)
    if isinstance(value, float):
        shown = f"{value:g}".replace(".", ",")
    else:
        shown = str(value) if not definition else definition.label(str(value), language)
    unit = definition.unit if definition and definition.unit else ""
    return f"{shown} {unit}".strip()


def label_of(ref: str, catalog: Catalog, language: str = "de") -> str:
    if ref.startswith("answers."):
        item = catalog.checklist.get(ref.split(".", 1)[1])
        return text_in(item.statement, language) if item else ref
    definition = catalog.subjects.get(ref)
    return text_in(definition.question, language) if definition else ref


def evidence_for(
    leaves: tuple[Leaf, ...], values: Mapping[str, Any], inference: Inference, catalog: Catalog
) -> list[Evidence]:
    evidence = []
    for leaf in leaves:
        value = values.get(leaf.ref)
        derived_by: list[str] = []
        if leaf.subject == "fact" and leaf.key in inference.derived:
            derived_by = sorted({name.split("#")[0] for name in inference.derived[leaf.key].by})
        evidence.append(
            Evidence(
                ref=leaf.ref,
                label=label_of(leaf.ref, catalog).rstrip(".?"),
                value=list(value) if isinstance(value, tuple) else value,
                shown=show_value(leaf.ref, value, catalog),
                test=leaf.describe(),
                derived_by=derived_by,
            )
        )
    return evidence


def firings(
    compiled: CompiledRules,
    inference: Inference,
    values: Mapping[str, Any],
    catalog: Catalog,
) -> dict[str, list[Firing]]:
    """Recommend-firings grouped by measure, each rule once (its first alternative)."""
    by_measure: dict[str, list[Firing]] = {}
    seen: set[str] = set()
    for name in sorted(inference.fired, key=_alternative_order):
        alternative = compiled.alternatives[name]
        rule = alternative.rule
        if rule.recommend is None or rule.id in seen:
            continue
        seen.add(rule.id)
        by_measure.setdefault(rule.recommend, []).append(
            Firing(
                rule=rule.id,
                plugin=rule.plugin,
                origin=rule.origin,
                priority=rule.priority,
                reason=text_in(rule.reason) if rule.reason else None,
                evidence=evidence_for(alternative.leaves, values, inference, catalog),
            )
        )
    return by_measure


def _alternative_order(name: str) -> tuple[str, int]:
    rule_id, index = name.rsplit("#", 1)
    return rule_id, int(index)


def unknown_inputs(
    rule: Rule, values: Mapping[str, Any], catalog: Catalog, visiting: frozenset[str] = frozenset()
) -> set[str]:
    """Unanswered inputs whose answers could make ``rule`` true (empty if it cannot fire)."""
    if evaluate(rule.when, values) is not None:
        return set()
    found: set[str] = set()
    for leaves in to_alternatives(rule.when):
        truths = [evaluate_leaf(leaf, values) for leaf in leaves]
        if False in truths:
            continue
        for leaf, truth in zip(leaves, truths, strict=True):
            if truth is None:
                found |= _inputs_behind(leaf.ref, values, catalog, visiting | {rule.id})
    return found


def _inputs_behind(
    ref: str, values: Mapping[str, Any], catalog: Catalog, visiting: frozenset[str]
) -> set[str]:
    key = ref.split(".", 1)[1]
    if ref.startswith("facts.") and key in catalog.thresholds:
        return (
            {catalog.thresholds[key].input}
            if catalog.thresholds[key].input not in values
            else set()
        )
    if ref.startswith("facts.") and key in catalog.derivations:
        return {i for i in catalog.derivations[key].inputs if i not in values}
    if ref.startswith("facts.") and key in catalog.rule_derived_facts:
        found: set[str] = set()
        for rule in catalog.rules.values():
            if rule.derive and rule.derive.fact == key and rule.id not in visiting:
                found |= unknown_inputs(rule, values, catalog, visiting)
        return found
    return {ref}


def asked_of(ref: str, catalog: Catalog, channels: set[str]) -> bool:
    """Whether the question behind ``ref`` applies to a company with these channels."""
    kind, key = ref.split(".", 1)
    source = catalog.checklist.get(key) if kind == "answers" else catalog.facts.get(key)
    wanted = set(getattr(source, "channels", ()) or ())
    return not wanted or bool(wanted & channels)


def open_questions(
    catalog: Catalog,
    values: Mapping[str, Any],
    recommended: set[str],
    applicable: set[str],
    channels: set[str],
) -> list[OpenQuestion]:
    """Unanswered questions whose answers could recommend a measure not yet recommended.

    Questions meant only for channels the company does not have are left out.
    """
    could: dict[str, set[str]] = {}
    for rule in catalog.rules.values():
        measure = rule.recommend
        if measure is None or measure in recommended or measure not in applicable:
            continue
        for ref in unknown_inputs(rule, values, catalog):
            if asked_of(ref, catalog, channels):
                could.setdefault(ref, set()).add(measure)
    questions = []
    order = {ref: position for position, ref in enumerate(catalog.subjects)}
    for ref in sorted(could, key=lambda r: (order.get(r, len(order)), r)):
        phase = None
        key = ref.split(".", 1)[1]
        if ref.startswith("answers.") and key in catalog.checklist:
            phase = catalog.checklist[key].phase
        elif ref.startswith("facts.") and key in catalog.facts:
            phase = catalog.facts[key].phase
        measures_in_order = [m for m in catalog.measures if m in could[ref]]
        questions.append(
            OpenQuestion(
                ref=ref,
                question=label_of(ref, catalog),
                phase=phase,
                could_recommend=measures_in_order,
            )
        )
    return questions
