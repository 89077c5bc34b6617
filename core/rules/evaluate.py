"""Three-valued evaluation of conditions, for explanations and open questions.

Inference itself runs on durable_rules; this module answers the questions around it:
which leaf of a rule was true, false or unknown, and which unanswered inputs could still
make a rule fire. ``None`` stands for unknown.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kundenkompass.rules.language import AllOf, AnyOf, Condition, Leaf, Not, Rule

Truth = bool | None


def evaluate_leaf(leaf: Leaf, known: Mapping[str, Any]) -> Truth:
    value = known.get(leaf.ref)
    if leaf.operator == "is_unknown":
        return (value is None) == leaf.value
    if value is None:
        return None
    operator = leaf.operator
    # The catalog checked that the operator fits the value's type (numbers for lt, …).
    expected: Any = leaf.value
    if operator == "equals":
        return (value == expected and type(value) is type(expected)) or _same_number(
            value, expected
        )
    if operator == "not_equals":
        return not (
            value == expected and (type(value) is type(expected) or _same_number(value, expected))
        )
    if operator == "in":
        return value in expected
    if operator == "not_in":
        return value not in expected
    if operator == "contains":
        return expected in value
    if operator == "not_contains":
        return expected not in value
    if operator == "lt":
        return bool(value < expected)
    if operator == "lte":
        return bool(value <= expected)
    if operator == "gt":
        return bool(value > expected)
    if operator == "gte":
        return bool(value >= expected)
    raise ValueError(f"unknown operator {operator!r}")  # pragma: no cover


def _same_number(value: Any, expected: Any) -> bool:
    numbers = (int, float)
    return (
        isinstance(value, numbers)
        and isinstance(expected, numbers)
        and not isinstance(value, bool)
        and not isinstance(expected, bool)
        and value == expected
    )


def evaluate(condition: Condition, known: Mapping[str, Any]) -> Truth:
    """Kleene logic: all/any/not over true, false and unknown."""
    if isinstance(condition, Leaf):
        return evaluate_leaf(condition, known)
    if isinstance(condition, Not):
        inner = evaluate(condition.condition, known)
        return None if inner is None else not inner
    # One deciding child settles it (false for all, true for any): the rest need no look.
    decisive = isinstance(condition, AnyOf)
    assert decisive or isinstance(condition, AllOf)
    unknown = False
    for child in condition.conditions:
        result = evaluate(child, known)
        if result is decisive:
            return decisive
        if result is None:
            unknown = True
    return None if unknown else not decisive


def rule_truth(rule: Rule, known: Mapping[str, Any]) -> Truth:
    """Whether ``rule`` holds: its ``when``, unless its ``unless`` is known to be true."""
    if rule.unless is not None and evaluate(rule.unless, known) is True:
        return False
    return evaluate(rule.when, known)


def blocked(rule: Rule, known: Mapping[str, Any]) -> bool:
    """Whether the rule's ``unless`` is known to be true (the rule cannot fire)."""
    return rule.unless is not None and evaluate(rule.unless, known) is True
