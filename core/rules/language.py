"""The declarative rule language: parsing TOML rule tables into typed rules.

A rule is data, never code::

    [[rule]]
    id = "gbp_fehlt"
    recommend = "google_business_profil_anlegen"
    priority = "hoch"
    reason.de = "Es gibt kein Google-Unternehmensprofil."
    when = { answer = "google_business_profil", in = ["nein", "teilweise"] }

A condition is a leaf ``{ <subject> = "<key>", <operator> = <value> }`` with the subject
``answer``, ``fact`` or ``company``, or a combination ``{ all = [...] }``,
``{ any = [...] }`` or ``{ not = {...} }``.

Unknown is not false: a leaf on an unknown value is neither true nor false, ``not``
keeps it unknown, and a rule fires only when its condition is true.

A rule may declare what contradicts its reason with ``unless``, a condition in the same
syntax: the rule does not fire when ``unless`` is known to be true. When it is false or
unknown, the rule fires as without it (an unknown input must not silence advice)::

    [[rule]]
    id = "schaufenster_kundenfrequenz_sinkt"
    recommend = "schaufenster_einladend_gestalten"
    when = { fact = "kundenfrequenz_sinkt", equals = true }
    unless = { fact = "schaufenster_ansprechend", equals = true }
"""

# Annotations here are evaluated when defined (no `from __future__ import annotations`):
# pydantic reads them on every start, and as strings each would be compiled.

import math
from collections.abc import Iterator, Mapping
from functools import cached_property
from itertools import product
from typing import Annotated, Any, Literal

from kundenkompass.errors import RuleError
from kundenkompass.files.reasons import validation_reason
from kundenkompass.models import Identifier, LocalizedText
from kundenkompass.vocabulary import (
    OPERATORS,
    PRIORITIES,
    SUBJECTS,
    Operator,
    Priority,
    Subject,
)
from pydantic import AfterValidator, BaseModel, ConfigDict

COMBINATORS = ("all", "any", "not")

#: Each operator and the operator of its negation (used to push ``not`` into the leaves).
NEGATED_OPERATOR: dict[Operator, Operator] = {
    "equals": "not_equals",
    "not_equals": "equals",
    "in": "not_in",
    "not_in": "in",
    "contains": "not_contains",
    "not_contains": "contains",
    "lt": "gte",
    "gte": "lt",
    "lte": "gt",
    "gt": "lte",
}

#: Upper bound on the alternatives a rule may expand into; beyond it a rule is too complex.
MAX_ALTERNATIVES = 64

#: Inputs one alternative of a rule may test: durable_rules joins at most 16 facts per rule
#: (error 304 beyond), and every input (every member a list is asked about, every
#: unknown-marker) is a fact of its own.
MAX_INPUTS_PER_ALTERNATIVE = 16

#: Largest magnitude of a number in a rule. Profiles allow far less (10^12); beyond 2^53
#: whole numbers lose precision as floats, and durable_rules saturates integers at 2^63.
MAX_RULE_NUMBER = 1e15


def number_problem(value: Any) -> str | None:
    """Why a number cannot stand in a rule, or None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return f"{value!r} ist keine endliche Zahl"
    if abs(value) > MAX_RULE_NUMBER:
        return f"{value!r} liegt außerhalb des Bereichs; Zahlen in Regeln liegen zwischen -1e15 und 1e15"
    return None


def _check_scalar(value: Any) -> Any:
    for item in value if isinstance(value, tuple) else (value,):
        problem = number_problem(item)
        if problem:
            raise ValueError(problem)
    return value


Scalar = bool | int | float | str


class _Node(BaseModel):
    # Built on first validation: a start from the cached catalog validates no rule.
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class Leaf(_Node):
    kind: Literal["leaf"] = "leaf"
    subject: Subject
    key: str
    operator: Operator
    value: Annotated[Scalar | tuple[Scalar, ...], AfterValidator(_check_scalar)]

    # Cached: audits read it for every leaf they explain; pydantic compares and hashes a
    # model by its fields alone, so the cached value changes neither.
    @cached_property
    def ref(self) -> str:
        """The key path of the value this leaf tests, as it appears in a profile."""
        return f"{_TABLE[self.subject]}.{self.key}"

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> "Leaf":
        copied = super().model_copy(update=update, deep=deep)
        copied.__dict__.pop("ref", None)  # an update may change what it is computed from
        return copied

    def negated(self) -> "Leaf":
        if self.operator == "is_unknown":
            return self.model_copy(update={"value": not self.value})
        return self.model_copy(update={"operator": NEGATED_OPERATOR[self.operator]})

    def describe(self) -> str:
        value = self.value
        if isinstance(value, tuple):
            shown = "[" + ", ".join(_show(v) for v in value) + "]"
        else:
            shown = _show(value)
        return f"{self.ref} {self.operator} {shown}"


class AllOf(_Node):
    kind: Literal["all"] = "all"
    conditions: tuple["Condition", ...]


class AnyOf(_Node):
    kind: Literal["any"] = "any"
    conditions: tuple["Condition", ...]


class Not(_Node):
    kind: Literal["not"] = "not"
    condition: "Condition"


Condition = Leaf | AllOf | AnyOf | Not

_TABLE = {"answer": "answers", "fact": "facts", "company": "company"}


def _show(value: Scalar) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    return str(value)


class DerivedValue(_Node):
    fact: Identifier
    value: Annotated[Scalar, AfterValidator(_check_scalar)]


class Rule(_Node):
    """A validated rule: a condition and one action (recommend a measure or derive a fact)."""

    id: Identifier
    when: Condition
    #: What contradicts the rule: it does not fire when this is known to be true.
    unless: Condition | None = None
    #: Key paths of the inputs the reason speaks of; each must be tested (``audit lint``).
    mentions: tuple[str, ...] = ()
    recommend: Identifier | None = None
    derive: DerivedValue | None = None
    priority: Priority = "mittel"
    reason: LocalizedText | None = None
    #: Where the rule comes from, e.g. ``plugins/informationssuche/rules.toml``.
    origin: str = "<unknown>"
    #: The plugin or ruleset that contributed it (set by the engine).
    plugin: str = ""

    def leaves(self) -> Iterator[Leaf]:
        """Every leaf the rule tests, in ``when`` and in ``unless``."""
        yield from iter_leaves(self.when)
        if self.unless is not None:
            yield from iter_leaves(self.unless)

    def alternatives(self) -> list[tuple[Leaf, ...]]:
        """The conjunctions of leaves under which the rule fires (see :func:`rule_alternatives`)."""
        return rule_alternatives(self)

    @property
    def action(self) -> str:
        if self.recommend:
            return f"recommend {self.recommend}"
        assert self.derive is not None
        return f"derive {self.derive.fact} = {_show(self.derive.value)}"


def iter_leaves(condition: Condition) -> Iterator[Leaf]:
    if isinstance(condition, Leaf):
        yield condition
    elif isinstance(condition, Not):
        yield from iter_leaves(condition.condition)
    else:
        for child in condition.conditions:
            yield from iter_leaves(child)


# --------------------------------------------------------------------------- parsing


def parse_rules(data: Mapping[str, Any], origin: str) -> list[Rule]:
    """Parse the ``[[rule]]`` array of a rules file; ``origin`` names the file in errors."""
    unknown = set(data) - {"rule"}
    if unknown:
        raise RuleError(
            origin,
            None,
            f"unbekannte Schlüssel auf oberster Ebene: {sorted(unknown)}; erwartet: Tabellen [[rule]]",
        )
    rules = data.get("rule", [])
    if not isinstance(rules, list):
        raise RuleError(origin, None, "'rule' muss eine Liste von Tabellen sein ([[rule]])")
    return [parse_rule(entry, origin, index) for index, entry in enumerate(rules)]


def parse_rule(entry: Any, origin: str, index: int = 0) -> Rule:
    if not isinstance(entry, Mapping):
        raise RuleError(origin, f"rule[{index}]", "muss eine Tabelle sein")
    rule_id = entry.get("id")
    label = rule_id if isinstance(rule_id, str) else f"rule[{index}]"
    allowed = {"id", "when", "unless", "recommend", "derive", "priority", "reason", "mentions"}
    unknown = sorted(set(entry) - allowed)
    if unknown:
        raise RuleError(
            origin, label, f"unbekannte Schlüssel {unknown}; erlaubt: {sorted(allowed)}"
        )
    if "when" not in entry:
        raise RuleError(origin, label, "'when' fehlt (die Bedingung der Regel)")
    has_recommend = "recommend" in entry
    has_derive = "derive" in entry
    if has_recommend == has_derive:
        raise RuleError(origin, label, "braucht genau eine Aktion: 'recommend' oder 'derive'")
    if has_derive and "reason" in entry:
        raise RuleError(origin, label, "'reason' gehört zu Regeln, die eine Maßnahme empfehlen")
    if "priority" in entry and entry["priority"] not in PRIORITIES:
        raise RuleError(
            origin, label, f"Priorität {entry['priority']!r} ist keine von {list(PRIORITIES)}"
        )
    when = parse_condition(entry["when"], origin, label, "when")
    parsed: dict[str, Any] = {**entry, "when": when, "origin": origin}
    if "unless" in entry:
        parsed["unless"] = parse_condition(entry["unless"], origin, label, "unless")
    if "mentions" in entry:
        mentions = entry["mentions"]
        if not isinstance(mentions, list) or not all(
            isinstance(ref, str) and ref.partition(".")[0] in _TABLE.values() for ref in mentions
        ):
            raise RuleError(
                origin,
                label,
                'mentions: erwartet: eine Liste von Schlüsselpfaden wie "facts.eigene_website" '
                'oder "answers.google_business_profil"',
            )
        if "reason" not in entry:
            raise RuleError(origin, label, "mentions: nur eine Regel mit 'reason' nennt Eingaben")
        parsed["mentions"] = tuple(mentions)
    try:
        return Rule.model_validate(parsed)
    except ValueError as error:
        raise RuleError(origin, label, _first_pydantic_message(error)) from None


def parse_condition(raw: Any, origin: str, rule: str, path: str) -> Condition:
    if not isinstance(raw, Mapping):
        raise RuleError(
            origin, rule, f"{path}: eine Bedingung muss eine Tabelle sein, erhalten: {raw!r}"
        )
    keys = set(raw)
    combinators = keys & set(COMBINATORS)
    if combinators:
        if len(keys) != 1:
            raise RuleError(
                origin,
                rule,
                f"{path}: '{next(iter(combinators))}' muss allein in seiner Tabelle stehen",
            )
        (name,) = combinators
        body = raw[name]
        if name == "not":
            return Not(condition=parse_condition(body, origin, rule, f"{path}.not"))
        if not isinstance(body, list) or not body:
            raise RuleError(origin, rule, f"{path}.{name}: erwartet: eine nicht leere Liste")
        children = tuple(
            parse_condition(child, origin, rule, f"{path}.{name}[{i}]")
            for i, child in enumerate(body)
        )
        return AllOf(conditions=children) if name == "all" else AnyOf(conditions=children)
    subjects = keys & set(SUBJECTS)
    operators = keys & set(OPERATORS)
    strange = keys - set(SUBJECTS) - set(OPERATORS)
    if strange:
        raise RuleError(
            origin,
            rule,
            f"{path}: unbekannte Schlüssel {sorted(strange)}; eine Bedingung nennt eines von "
            f"{list(SUBJECTS)} und einen Operator aus {list(OPERATORS)} oder verknüpft "
            f"Bedingungen mit {list(COMBINATORS)}",
        )
    if len(subjects) != 1:
        raise RuleError(origin, rule, f"{path}: genau eines von {list(SUBJECTS)} angeben")
    if len(operators) != 1:
        raise RuleError(origin, rule, f"{path}: genau einen Operator aus {list(OPERATORS)} angeben")
    (subject,) = subjects
    (operator,) = operators
    key = raw[subject]
    if not isinstance(key, str):
        raise RuleError(
            origin, rule, f"{path}.{subject}: erwartet: ein Schlüsselname, erhalten: {key!r}"
        )
    value = raw[operator]
    if operator in ("in", "not_in"):
        if not isinstance(value, list) or not value:
            raise RuleError(origin, rule, f"{path}.{operator}: erwartet: eine nicht leere Liste")
        value = tuple(value)
    elif operator == "is_unknown" and not isinstance(value, bool):
        raise RuleError(origin, rule, f"{path}.is_unknown: erwartet: true oder false")
    for item in value if isinstance(value, tuple) else (value,):
        if not isinstance(item, bool | int | float | str):
            raise RuleError(
                origin, rule, f"{path}.{operator}: erwartet: ein Text, eine Zahl oder true/false"
            )
        problem = number_problem(item)
        if problem:
            raise RuleError(origin, rule, f"{path}.{operator}: {problem}")
    return Leaf(subject=subject, key=key, operator=operator, value=value)


def _first_pydantic_message(error: ValueError) -> str:
    errors = getattr(error, "errors", None)
    if callable(errors):
        first = errors()[0]
        location = ".".join(str(part) for part in first["loc"])
        return f"{location}: {validation_reason(first)}"
    return str(error)


# ------------------------------------------------------------------ normal forms


def to_alternatives(condition: Condition) -> list[tuple[Leaf, ...]]:
    """Expand a condition into alternatives (disjunctive normal form).

    The rule fires when all leaves of at least one alternative are true. ``not`` is pushed
    down to the leaves first; that keeps the three-valued meaning, because a negated leaf
    on an unknown value is still unknown, exactly as the negated condition would be.
    """
    return _dnf(condition, negate=False)


def _dnf(condition: Condition, negate: bool) -> list[tuple[Leaf, ...]]:
    if isinstance(condition, Leaf):
        return [(condition.negated() if negate else condition,)]
    if isinstance(condition, Not):
        return _dnf(condition.condition, not negate)
    conjunctive = isinstance(condition, AllOf) != negate
    parts = [_dnf(child, negate) for child in condition.conditions]
    if not conjunctive:
        return [alternative for part in parts for alternative in part]
    combined: list[tuple[Leaf, ...]] = []
    for choice in product(*parts):
        combined.append(tuple(leaf for alternative in choice for leaf in alternative))
        if len(combined) > MAX_ALTERNATIVES:
            break
    return combined


def not_known_true(condition: Condition) -> Condition:
    """A condition that is true exactly when ``condition`` is false or unknown.

    It is never unknown itself: a leaf that is not known to be true is false or tests an
    unknown value, and ``is_unknown`` says which. This is how ``unless`` compiles.
    """
    return _not_known(condition, truth=True)


def _not_known(condition: Condition, truth: bool) -> Condition:
    """Not known to be ``truth``: false-or-unknown (``truth``) or true-or-unknown (not)."""
    if isinstance(condition, Leaf):
        if condition.operator == "is_unknown":  # always known: true or false
            return condition.negated() if truth else condition
        differs = condition.negated() if truth else condition
        unknown = Leaf(
            subject=condition.subject, key=condition.key, operator="is_unknown", value=True
        )
        return AnyOf(conditions=(differs, unknown))
    if isinstance(condition, Not):
        return _not_known(condition.condition, not truth)
    children = tuple(_not_known(child, truth) for child in condition.conditions)
    # Not known true: one child of "all" is not, or every child of "any" is not.
    # Not known false: every child of "all" is not, or one child of "any" is not.
    if isinstance(condition, AllOf) == truth:
        return AnyOf(conditions=children)
    return AllOf(conditions=children)


def rule_alternatives(rule: Rule) -> list[tuple[Leaf, ...]]:
    """The alternatives of ``when`` and, with ``unless``, of "``unless`` not known true".

    Combinations that can never hold (a value and "unknown" for the same input) are left
    out, and a leaf repeated within one alternative is kept once.
    """
    return [when + guard for when, guard in split_alternatives(rule)]


def split_alternatives(rule: Rule) -> list[tuple[tuple[Leaf, ...], tuple[Leaf, ...]]]:
    """:func:`rule_alternatives`, each split into its leaves from ``when`` and the guard's."""
    if rule.unless is None:
        return [(when, ()) for when in to_alternatives(rule.when)]
    combined: list[tuple[tuple[Leaf, ...], tuple[Leaf, ...]]] = []
    guards = to_alternatives(not_known_true(rule.unless))
    for when in to_alternatives(rule.when):
        for guard in guards:
            extra = tuple(leaf for leaf in dict.fromkeys(guard) if leaf not in when)
            if _contradictory((*when, *extra)):
                continue
            combined.append((when, extra))
            if len(combined) > MAX_ALTERNATIVES:
                return combined
    return combined


def _contradictory(leaves: tuple[Leaf, ...]) -> bool:
    """Whether an input is tested for being unknown and, at once, known or for a value."""
    unknown = {leaf.ref for leaf in leaves if leaf.operator == "is_unknown" and leaf.value}
    known = {leaf.ref for leaf in leaves if leaf.operator == "is_unknown" and not leaf.value}
    valued = {leaf.ref for leaf in leaves if leaf.operator != "is_unknown"}
    return bool(unknown & (known | valued))


def capacity_problem(rule: Rule) -> str | None:
    """Why durable_rules cannot run ``rule`` however it is compiled, or None.

    Everything else beyond durable_rules' capacity (long ``in`` lists, many rules with one
    condition, many tests of one value) the compiler rewrites.
    """
    for leaves in rule_alternatives(rule):
        inputs = {_input_of(leaf) for leaf in leaves}
        if len(inputs) > MAX_INPUTS_PER_ALTERNATIVE:
            return (
                f"die Bedingung prüft {len(inputs)} Eingaben zugleich; durable_rules verknüpft "
                f"höchstens {MAX_INPUTS_PER_ALTERNATIVE} (seine Grenze an Fakten je Regel). "
                "Teilen Sie die Regel, z. B. mit einem abgeleiteten Fakt für einen Teil der "
                "Eingaben"
            )
    return None


def _input_of(leaf: Leaf) -> tuple[str, str]:
    if leaf.operator == "is_unknown":
        return ("unknown", leaf.ref)
    if leaf.operator in ("contains", "not_contains"):
        return (leaf.ref, str(leaf.value))
    return (leaf.ref, "")
