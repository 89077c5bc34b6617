"""Whether a rule's condition can ever be true, for ``audit lint``.

A rule fires when all leaves of one of its alternatives (see
:meth:`kundenkompass.rules.language.Rule.alternatives`, ``unless`` included) are true. An
alternative can never be true when

* two of its leaves contradict each other (``lt 3`` and ``gt 5``, ``equals true`` and
  ``equals false``, ``contains x`` and ``not_contains x``, unknown and a value),
* a leaf tests a value outside what the value can be: beyond a fact's ``minimum`` or
  ``maximum``, or a value that no rule derives for a derived fact,
* it tests a derived fact that nothing sets,
* it needs inputs of different sectors together, or a sector its measure is not for,
* it excludes every channel the recommended measure is meant for.

Each check returns a sentence for the report, or ``None`` when the alternative can hold.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from kundenkompass.models import FactDefinition, FactType, Measure
from kundenkompass.rules.evaluate import evaluate_leaf
from kundenkompass.rules.language import Leaf, Rule


@dataclass(frozen=True)
class ValueSpace:
    """What is known about the values at one key path."""

    definition: FactDefinition
    #: For facts that only rules derive: the values they derive (empty: nothing sets it).
    derived_values: tuple[Any, ...] | None = None
    #: Sectors of the checklist item or fact behind the key path (empty: every sector).
    sectors: tuple[str, ...] = ()


Lookup = Callable[[str], ValueSpace | None]


def never_fires(rule: Rule, lookup: Lookup, measure: Measure | None = None) -> str | None:
    """Why ``rule`` can never fire, or ``None`` when one of its alternatives can be true."""
    reasons = []
    alternatives = rule.alternatives()
    if not alternatives:
        return "ihr 'unless' ist immer bekannt wahr, wenn ihr 'when' wahr ist"
    for leaves in alternatives:
        reason = impossible(leaves, lookup, measure)
        if reason is None:
            return None
        reasons.append(reason)
    if len(reasons) == 1:
        return reasons[0]
    return "keine ihrer Alternativen kann wahr sein: " + "; ".join(
        f"({number}) {reason}" for number, reason in enumerate(reasons, start=1)
    )


def impossible(
    leaves: Iterable[Leaf], lookup: Lookup, measure: Measure | None = None
) -> str | None:
    """Why this conjunction of leaves can never be true, or ``None``."""
    by_ref: dict[str, list[Leaf]] = {}
    for leaf in leaves:
        by_ref.setdefault(leaf.ref, []).append(leaf)
    for ref, tests in by_ref.items():
        space = lookup(ref)
        if space is None:
            continue
        reason = _ref_problem(ref, tests, space)
        if reason:
            return reason
    return _sector_problem(by_ref, lookup, measure) or _channel_problem(by_ref, measure)


def _describe(tests: list[Leaf]) -> str:
    return " und ".join(test.describe() for test in tests)


def _ref_problem(ref: str, tests: list[Leaf], space: ValueSpace) -> str | None:
    unknown = [t for t in tests if t.operator == "is_unknown"]
    values = [t for t in tests if t.operator != "is_unknown"]
    if {t.value for t in unknown} == {True, False}:
        return f"{_describe(unknown)} widersprechen sich"
    if any(t.value is True for t in unknown) and values:
        return f"{_describe(tests)} widersprechen sich (ein unbekannter Wert hat keinen Wert)"
    if not values:
        return None
    if space.derived_values is not None:
        if not space.derived_values:
            return f"{ref} wird nie gesetzt: keine Regel und keine Ableitung leitet ihn ab"
        return _finite_problem(ref, values, space.derived_values, derived=True)
    kind = space.definition.type
    if kind is FactType.BOOL:
        return _finite_problem(ref, values, (True, False))
    if kind is FactType.ENUM:
        return _finite_problem(ref, values, space.definition.values)
    if kind is FactType.ENUM_LIST:
        required = {t.value for t in values if t.operator == "contains"}
        excluded = {t.value for t in values if t.operator == "not_contains"}
        if required & excluded:
            return f"{_describe(values)} widersprechen sich"
        return None
    if kind in (FactType.INT, FactType.FLOAT):
        return _number_problem(ref, values, space.definition)
    return _text_problem(values)


def _finite_problem(
    ref: str, tests: list[Leaf], candidates: Iterable[Any], derived: bool = False
) -> str | None:
    candidates = tuple(candidates)
    for test in tests:
        if not any(evaluate_leaf(test, {ref: value}) for value in candidates):
            if derived:
                shown = ", ".join(_show(value) for value in candidates)
                return f"{test.describe()} kann nie gelten: Regeln leiten nur {shown} ab"
            return f"{test.describe()} kann nie gelten"
    if not any(all(evaluate_leaf(t, {ref: value}) for t in tests) for value in candidates):
        return f"{_describe(tests)} widersprechen sich"
    return None


def _text_problem(tests: list[Leaf]) -> str | None:
    positive = [t for t in tests if t.operator in ("equals", "in")]
    if not positive:
        return None  # any text not excluded satisfies the negative tests
    ref = positive[0].ref
    candidates = {v for v in _values(positive[0])}
    for test in positive[1:]:
        candidates &= set(_values(test))
    if not any(all(evaluate_leaf(t, {ref: value}) for t in tests) for value in candidates):
        return f"{_describe(tests)} widersprechen sich"
    return None


def _number_problem(ref: str, tests: list[Leaf], definition: FactDefinition) -> str | None:
    whole = definition.type is FactType.INT
    low = definition.minimum if definition.minimum is not None else -math.inf
    high = definition.maximum if definition.maximum is not None else math.inf
    shown_range = _range(definition)
    for test in tests:
        if not _number_interval_holds([test], low, high, whole):
            if shown_range:
                return f"{test.describe()} kann nie gelten: der Fakt reicht von {shown_range}"
            return f"{test.describe()} kann nie gelten"
    if not _number_interval_holds(tests, low, high, whole):
        return f"{_describe(tests)} widersprechen sich"
    return None


def _number_interval_holds(tests: list[Leaf], low: float, high: float, whole: bool) -> bool:
    """Whether some number in [low, high] (a whole one if ``whole``) passes all tests."""
    ref = tests[0].ref
    points = None
    for test in tests:
        if test.operator in ("equals", "in"):
            values = set(_values(test))
            points = values if points is None else points & values
    if points is not None:
        return any(
            low <= value <= high
            and (not whole or float(value).is_integer())
            and all(evaluate_leaf(t, {ref: value}) for t in tests)
            for value in points
        )
    lower, lower_open, upper, upper_open = low, False, high, False
    for test in tests:
        value = test.value
        if not isinstance(value, int | float):  # equals/in were handled above
            continue
        if test.operator in ("gt", "gte") and (
            value > lower or (value == lower and test.operator == "gt")
        ):
            lower, lower_open = value, test.operator == "gt"
        elif test.operator in ("lt", "lte") and (
            value < upper or (value == upper and test.operator == "lt")
        ):
            upper, upper_open = value, test.operator == "lt"
    if whole:
        lower = math.floor(lower) + 1 if lower_open and float(lower).is_integer() else lower
        lower = math.ceil(lower) if math.isfinite(lower) else lower
        upper = math.ceil(upper) - 1 if upper_open and float(upper).is_integer() else upper
        upper = math.floor(upper) if math.isfinite(upper) else upper
        lower_open = upper_open = False
    if lower > upper or (lower == upper and (lower_open or upper_open)):
        return False
    if lower == upper:  # a single number is left: the exclusions decide
        return all(evaluate_leaf(t, {ref: lower}) for t in tests)
    return True


def _sector_problem(
    by_ref: dict[str, list[Leaf]], lookup: Lookup, measure: Measure | None
) -> str | None:
    """Inputs and measures of sectors that no single company has together."""
    allowed: set[str] | None = None
    sources: list[str] = []
    for ref in by_ref:
        space = lookup(ref)
        if space is not None and space.sectors:
            sectors = set(space.sectors)
            allowed = sectors if allowed is None else allowed & sectors
            sources.append(f"{ref} (Branche {', '.join(sorted(sectors))})")
    if measure is not None and measure.sectors:
        allowed = set(measure.sectors) if allowed is None else allowed & set(measure.sectors)
        sources.append(f"Maßnahme {measure.id!r} (Branche {', '.join(sorted(measure.sectors))})")
    if allowed is not None and not allowed:
        return "sie braucht " + " und ".join(sources) + ", was kein Unternehmen zugleich hat"
    sector_tests = by_ref.get("company.sector", [])
    if (
        allowed
        and sector_tests
        and not any(
            all(evaluate_leaf(t, {"company.sector": sector}) for t in sector_tests)
            for sector in allowed
        )
    ):
        return f"{_describe(sector_tests)} schließt {' und '.join(sources)} aus"
    return None


def _channel_problem(by_ref: dict[str, list[Leaf]], measure: Measure | None) -> str | None:
    if measure is None or not measure.channels:
        return None
    excluded = {t.value for t in by_ref.get("company.channels", []) if t.operator == "not_contains"}
    if set(measure.channels) <= excluded:
        return (
            f"Maßnahme {measure.id!r} ist nur für Unternehmen mit den Kanälen "
            f"{', '.join(measure.channels)}, die die Bedingung ausschließt"
        )
    return None


def _values(leaf: Leaf) -> tuple[Any, ...]:
    return leaf.value if isinstance(leaf.value, tuple) else (leaf.value,)


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    return str(value)


def _range(definition: FactDefinition) -> str:
    if definition.minimum is None and definition.maximum is None:
        return ""
    low = "−∞" if definition.minimum is None else f"{definition.minimum:g}"
    high = "∞" if definition.maximum is None else f"{definition.maximum:g}"
    return f"{low} bis {high}"
