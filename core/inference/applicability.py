"""Which questions apply to a company, by the preconditions (``applies_when``) it answered.

A fact or checklist item with ``applies_when`` applies while its precondition is not known
to be false. For one audit this module

* finds the questions ruled out (in the catalog's order of preconditions, so that a
  ruled-out input counts as unknown for the preconditions that test it),
* answers ruled-out checklist items "entfällt" with a note saying why (not scored),
* leaves ruled-out facts out of the inference, and records every value a profile gave
  for a ruled-out question as ignored.

Preconditions that test only ``[company]`` fields are part of the company's scope: a
value given where they are false is refused earlier (:mod:`kundenkompass.profile.scope`).
* describes a precondition in German for the profile template.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kundenkompass.catalog.catalog import Catalog
from kundenkompass.catalog.labels import label_of, show_value
from kundenkompass.catalog.memo import result_memo, typed
from kundenkompass.profile.load import Answer, Profile
from kundenkompass.results import IgnoredInput
from kundenkompass.rules.evaluate import evaluate
from kundenkompass.rules.language import AllOf, Condition, Leaf, Not, iter_leaves
from kundenkompass.texts import text


@dataclass(frozen=True)
class Applicability:
    """The questions a profile rules out, and what it said for them anyway."""

    #: Key path → the known inputs that make its precondition false.
    ruled_out: dict[str, tuple[Leaf, ...]] = field(default_factory=dict)
    ignored: tuple[IgnoredInput, ...] = ()


def profile_values(profile: Profile) -> dict[str, Any]:
    """The profile's own inputs by key path (what preconditions may test)."""
    values: dict[str, Any] = {"company.channels": tuple(profile.company.channels)}
    if profile.company.sector is not None:
        values["company.sector"] = profile.company.sector
    for item, answer in profile.answers.items():
        if answer.value is not None:
            values[f"answers.{item}"] = answer.value
    for key, value in profile.facts.items():
        values[f"facts.{key}"] = value
    return values


def ruled_out(catalog: Catalog, values: Mapping[str, Any]) -> dict[str, tuple[Leaf, ...]]:
    """Key paths whose precondition is known false, with the inputs that decide it."""
    # What is ruled out depends only on the values the preconditions read and on which of
    # their own key paths are given: the same values (and types) give the same answer.
    read = tuple(map(values.get, _precondition_inputs(catalog)))
    try:
        key: Hashable | None = ("ruled-out", read, tuple(map(type, read)))
        memo = result_memo(catalog)
        found = memo.get(key)
    except TypeError:  # an unhashable value: not remembered
        key, found = None, None
    if found is None:
        found = _ruled_out(catalog, values)
        if key is not None:
            memo.put(key, found)
    return dict(found)


def _precondition_inputs(catalog: Catalog) -> tuple[str, ...]:
    """The key paths preconditions test, and those they apply to, per catalog."""
    found = catalog.memo.get("precondition-inputs")
    if found is None or found[0] is not catalog.preconditions:
        refs = dict.fromkeys(catalog.preconditions)
        for condition in catalog.preconditions.values():
            refs.update(dict.fromkeys(leaf.ref for leaf in iter_leaves(condition)))
        found = catalog.memo["precondition-inputs"] = (catalog.preconditions, tuple(refs))
    return found[1]


def _ruled_out(catalog: Catalog, values: Mapping[str, Any]) -> dict[str, tuple[Leaf, ...]]:
    current = dict(values)
    found: dict[str, tuple[Leaf, ...]] = {}
    for ref, condition in catalog.preconditions.items():
        if evaluate(condition, current) is False:
            found[ref] = tuple(dict.fromkeys(_why(condition, current, False)))
            current.pop(ref, None)
    return found


def _why(condition: Condition, values: Mapping[str, Any], truth: bool) -> list[Leaf]:
    """The leaves that give ``condition`` its known ``truth``."""
    if isinstance(condition, Leaf):
        return [condition]
    if isinstance(condition, Not):
        return _why(condition.condition, values, not truth)
    decisive = [child for child in condition.conditions if evaluate(child, values) is truth]
    # "all" is false by one false child, "any" true by one true child: name the first.
    if isinstance(condition, AllOf) != truth:
        decisive = decisive[:1]
    return [leaf for child in decisive for leaf in _why(child, values, truth)]


def because(
    leaves: tuple[Leaf, ...], values: Mapping[str, Any], catalog: Catalog, language: str = "de"
) -> str:
    """``Hat das Unternehmen eine eigene Website: nein`` for the deciding inputs (each input
    once, though several of its tests may decide)."""
    return "; ".join(
        f"{label_of(ref, catalog, language).rstrip('.?')}: "
        f"{show_value(ref, values.get(ref), catalog, language)}"
        for ref in dict.fromkeys(leaf.ref for leaf in leaves)
    )


def apply_preconditions(
    profile: Profile, catalog: Catalog, language: str = "de"
) -> tuple[Profile, Applicability]:
    """The profile with ruled-out items answered "entfällt" and ruled-out facts left out."""
    if not catalog.preconditions:
        return profile, Applicability()
    values = profile_values(profile)
    found = ruled_out(catalog, values)
    if not found:
        return profile, Applicability()
    answers = dict(profile.answers)
    facts = dict(profile.facts)
    ignored: list[IgnoredInput] = []
    for ref, leaves in found.items():
        key = ref.split(".", 1)[1]
        answer, ignored_input = _ruled_out_parts(ref, leaves, values, catalog, language)
        if answer is not None:
            answers[key] = answer
        else:
            facts.pop(key, None)
        if ignored_input is not None:
            ignored.append(ignored_input)
    changed = profile.model_copy(update={"answers": dict(sorted(answers.items())), "facts": facts})
    return changed, Applicability(ruled_out=found, ignored=tuple(ignored))


def _ruled_out_parts(
    ref: str,
    leaves: tuple[Leaf, ...],
    values: Mapping[str, Any],
    catalog: Catalog,
    language: str,
) -> tuple[Answer | None, IgnoredInput | None]:
    """For a ruled-out question: its "entfällt" answer (checklist items) and what the
    profile gave for it (listed as not counted); remembered for the same values."""
    given = values.get(ref)
    try:
        key: Hashable | None = (
            "ruled-out-parts",
            ref,
            leaves,
            typed(given),
            tuple(typed(values.get(leaf.ref)) for leaf in leaves),
            language,
        )
        memo = result_memo(catalog)
        found = memo.get(key)
    except TypeError:  # an unhashable value: not remembered
        key, found = None, None
    if found is not None:
        return found  # type: ignore[no-any-return]
    reason = because(leaves, values, catalog, language)
    answer = None
    if ref.startswith("answers."):
        answer = Answer(
            value="entfaellt", note=text("applicability.note", language, because=reason)
        )
    ignored_input = None
    if given is not None and given != "entfaellt":
        ignored_input = IgnoredInput(
            ref=ref,
            label=label_of(ref, catalog, language).rstrip(".?"),
            value=list(given) if isinstance(given, tuple) else given,
            shown=show_value(ref, given, catalog, language),
            because=reason,
        )
    if key is not None:
        memo.put(key, (answer, ignored_input))
    return answer, ignored_input


def holds_for(condition: Condition, values: Mapping[str, Any]) -> bool:
    """Whether a precondition is not known false (the question is asked)."""
    return evaluate(condition, values) is not False
