"""A small, independent reference evaluator of the rule language, used only in tests.

It is deliberately naive and shares no code with the engine's inference: rules are read in
their raw TOML form (plain dicts), conditions are evaluated by a direct recursive
three-valued (Kleene) evaluation, and chaining is a forward-chaining fixpoint that
re-evaluates every rule until nothing changes. Whatever the durable_rules-backed engine
concludes must equal what this module concludes; a difference is a bug in one of them.

The world it evaluates is a plain dict::

    {
        "facts": {"key": {"type": "int", "values": [...], "source": "input"}},
        "checklist": ["item_id", ...],
        "measures": {"measure_id": {"channels": ["laden"]}},
        "thresholds": {"key": {"input": "facts.x", "operator": "lte", "value": 24}},
        "derivations": {"key": callable(known inputs) -> value or None},
        "rules": [{"id": ..., "when": {...}, "unless": {...} (optional),
                   "recommend": ... | "derive": {...}}],
    }

and a profile is the raw mapping a user writes (``company``, ``answers``, ``facts``,
``thresholds``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

#: How a profile may spell an answer, and what a rule compares it with.
ANSWER_WORDS = {
    "ja": "ja",
    "teilweise": "teilweise",
    "nein": "nein",
    "entfällt": "entfaellt",
    "entfaellt": "entfaellt",
}

Truth = bool | None


@dataclass
class OracleResult:
    #: Measure id → ids of the recommending rules whose condition holds (channels applied).
    recommended: dict[str, set[str]] = field(default_factory=dict)
    #: Derived fact key → (value, ids of the rules that derive it).
    derived: dict[str, tuple[Any, set[str]]] = field(default_factory=dict)
    #: (fact, rule, value) of every rule whose derivation contradicts an earlier one.
    conflicts: list[tuple[str, str, Any]] = field(default_factory=list)


def known_inputs(world: Mapping[str, Any], profile: Mapping[str, Any]) -> dict[str, Any]:
    """The values the profile states, by key path; an unknown value is simply absent."""
    known: dict[str, Any] = {}
    company = profile["company"]
    known["company.channels"] = list(company["channels"])
    if company.get("sector") is not None:
        known["company.sector"] = company["sector"]
    for item, raw in profile.get("answers", {}).items():
        word = raw["antwort"] if isinstance(raw, Mapping) else raw
        word = word.strip().lower()
        if word in ANSWER_WORDS:
            known[f"answers.{item}"] = ANSWER_WORDS[word]
    for key, raw in profile.get("facts", {}).items():
        if raw == "unbekannt":
            continue
        kind = world["facts"][key]["type"]
        if kind == "float":
            raw = float(raw)
        elif kind == "int":
            raw = int(raw)
        known[f"facts.{key}"] = raw
    for key, compute in world.get("derivations", {}).items():
        value = compute(known)
        if value is not None:
            known[f"facts.{key}"] = value
    overrides = profile.get("thresholds", {})
    for key, threshold in world.get("thresholds", {}).items():
        measured = known.get(threshold["input"])
        if measured is None:
            continue
        limit = overrides.get(key, threshold["value"])
        known[f"facts.{key}"] = compare(threshold["operator"], measured, limit)
    return known


def compare(operator: str, left: Any, right: Any) -> bool:
    if operator == "lt":
        return left < right
    if operator == "lte":
        return left <= right
    if operator == "gt":
        return left > right
    if operator == "gte":
        return left >= right
    raise AssertionError(f"not a comparison: {operator}")


def same(left: Any, right: Any) -> bool:
    """Equality without Python's ``True == 1``: booleans only equal booleans."""
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left is right
    return left == right


def leaf_truth(leaf: Mapping[str, Any], values: Mapping[str, Any]) -> Truth:
    subject = next(name for name in ("answer", "fact", "company") if name in leaf)
    table = {"answer": "answers", "fact": "facts", "company": "company"}[subject]
    ref = f"{table}.{leaf[subject]}"
    (operator,) = (name for name in leaf if name != subject)
    expected = leaf[operator]
    present = ref in values
    if operator == "is_unknown":
        return (not present) is expected
    if not present:
        return None
    value = values[ref]
    if operator == "equals":
        return same(value, expected)
    if operator == "not_equals":
        return not same(value, expected)
    if operator == "in":
        return any(same(value, option) for option in expected)
    if operator == "not_in":
        return not any(same(value, option) for option in expected)
    if operator == "contains":
        return expected in value
    if operator == "not_contains":
        return expected not in value
    return compare(operator, value, expected)


def truth(condition: Mapping[str, Any], values: Mapping[str, Any]) -> Truth:
    """Kleene logic, straight from the definition."""
    if "not" in condition:
        inner = truth(condition["not"], values)
        return None if inner is None else not inner
    if "all" in condition:
        parts = [truth(child, values) for child in condition["all"]]
        if any(part is False for part in parts):
            return False
        if any(part is None for part in parts):
            return None
        return True
    if "any" in condition:
        parts = [truth(child, values) for child in condition["any"]]
        if any(part is True for part in parts):
            return True
        if any(part is None for part in parts):
            return None
        return False
    return leaf_truth(condition, values)


def infer(world: Mapping[str, Any], profile: Mapping[str, Any]) -> OracleResult:
    """Forward chaining to a fixpoint: fire every rule whose condition is true, repeat."""
    values = known_inputs(world, profile)
    result = OracleResult()
    fired: set[str] = set()
    changed = True
    while changed:
        changed = False
        for rule in world["rules"]:
            if rule["id"] in fired or truth(rule["when"], values) is not True:
                continue
            # "unless" only tests values known before rules fire; known true silences.
            if "unless" in rule and truth(rule["unless"], values) is True:
                continue
            fired.add(rule["id"])
            changed = True
            if "recommend" in rule:
                result.recommended.setdefault(rule["recommend"], set()).add(rule["id"])
                continue
            key, value = rule["derive"]["fact"], rule["derive"]["value"]
            if key not in result.derived:
                result.derived[key] = (value, {rule["id"]})
                values[f"facts.{key}"] = value
            elif same(result.derived[key][0], value):
                result.derived[key][1].add(rule["id"])
            else:
                result.conflicts.append((key, rule["id"], value))
    channels = set(profile["company"]["channels"])
    for measure in list(result.recommended):
        wanted = set(world["measures"][measure].get("channels", ()))
        if wanted and not wanted & channels:
            del result.recommended[measure]
    return result


def leaves(condition: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """Every leaf of a raw condition."""
    for combinator in ("all", "any"):
        if combinator in condition:
            return [leaf for child in condition[combinator] for leaf in leaves(child)]
    if "not" in condition:
        return leaves(condition["not"])
    return [condition]
