"""Generated worlds: a small catalog, rules over it, and profiles for it (hypothesis).

A world is the plain dict :mod:`tests.oracle` evaluates; :func:`world_plugin` turns the same
world into a plugin object of typed contributions for the engine. Rules are generated
type-correct (invalid rules are tested separately) and free of conflicting derivations:
every derived fact has one value that all rules deriving it agree on.
"""

from __future__ import annotations

import types
from collections.abc import Mapping
from typing import Any

from hypothesis import strategies as st
from kundenkompass import hookimpl
from kundenkompass.models import (
    ChecklistItem,
    Derivation,
    FactDefinition,
    Measure,
    Threshold,
)
from kundenkompass.rules.language import parse_rule

PLUGIN_NAME = "welt"
RULES_FILE = "welt/rules.toml"

CHANNELS = ("laden", "onlineshop", "marktplatz")
ANSWERS = ("ja", "teilweise", "nein", "entfaellt")
ENUM_VALUES = ("rot", "gruen", "blau")
LIST_VALUES = ("mo", "di", "mi")
INPUT_TYPES = ("bool", "int", "float", "enum", "enum_list", "text")
DERIVED_TYPES = ("bool", "int", "float", "enum")

#: Values profiles and rules draw from: small pools, so that rules often match.
POOLS: dict[str, tuple[Any, ...]] = {
    "bool": (True, False),
    "int": (-3, 0, 1, 2, 10, 1_000_000_000_000),
    "float": (-2.5, 0.0, 0.1, 1.0, 2.5, 1e-7, 1e12),
    "enum": ENUM_VALUES,
    "answer": ANSWERS,
    "text": ("", "a", "Ärger", 'sagt "hallo"', "back\\slash", "🚲 Rad", "1", "true", "x" * 100),
}
#: Extra values only rules use: beyond what a profile may state, or awkward in binary.
RULE_ONLY: dict[str, tuple[Any, ...]] = {
    "int": (999_999_999_999_999, -(10**15)),
    "float": (0.30000000000000004, 1e15, -1e-300, 2.5e-5, 3),
}

OPERATORS = {
    "bool": ("equals", "not_equals"),
    "int": ("equals", "not_equals", "in", "not_in", "lt", "lte", "gt", "gte"),
    "float": ("equals", "not_equals", "in", "not_in", "lt", "lte", "gt", "gte"),
    "enum": ("equals", "not_equals", "in", "not_in"),
    "answer": ("equals", "not_equals", "in", "not_in"),
    "text": ("equals", "not_equals", "in", "not_in"),
    "enum_list": ("contains", "not_contains"),
}


def _text(label: str) -> dict[str, str]:
    return {"de": label}


@st.composite
def worlds(draw: st.DrawFn, max_rules: int = 8) -> dict[str, Any]:
    items = [f"frage_{i}" for i in range(draw(st.integers(1, 3)))]
    facts: dict[str, dict[str, Any]] = {}
    for index, kind in enumerate(
        draw(st.lists(st.sampled_from(INPUT_TYPES), min_size=1, max_size=6))
    ):
        facts[f"{kind}_{index}"] = {"type": kind, "source": "input"}
    derived_values: dict[str, Any] = {}
    for index, kind in enumerate(draw(st.lists(st.sampled_from(DERIVED_TYPES), max_size=3))):
        key = f"abgeleitet_{index}"
        facts[key] = {"type": kind, "source": "derived"}
        derived_values[key] = draw(st.sampled_from(POOLS[kind]))
    numeric = [
        key
        for key, fact in facts.items()
        if fact["type"] in ("int", "float") and fact["source"] == "input"
    ]
    thresholds: dict[str, dict[str, Any]] = {}
    derivations: dict[str, Any] = {}
    if numeric and draw(st.booleans()):
        thresholds["schwelle"] = {
            "input": f"facts.{draw(st.sampled_from(numeric))}",
            "operator": draw(st.sampled_from(("lt", "lte", "gt", "gte"))),
            "value": draw(st.sampled_from(POOLS["float"])),
        }
    if numeric and draw(st.booleans()):
        derivations["verdoppelt"] = Doubled(f"facts.{draw(st.sampled_from(numeric))}")
        facts["verdoppelt"] = {"type": "float", "source": "derived"}
    measures = {
        f"massnahme_{i}": {
            "channels": draw(
                st.one_of(
                    st.just([]),
                    st.lists(st.sampled_from(CHANNELS), min_size=1, max_size=2, unique=True),
                )
            )
        }
        for i in range(draw(st.integers(1, 4)))
    }
    world = {
        "checklist": items,
        "facts": facts,
        "derived_values": derived_values,
        "thresholds": thresholds,
        "derivations": derivations,
        "measures": measures,
    }
    subjects = _subjects(world)
    rules = []
    for index in range(draw(st.integers(1, max_rules))):
        rule: dict[str, Any] = {"id": f"regel_{index}", "when": draw(conditions(subjects))}
        # "unless" tests only what is known before rules fire (no rule-derived facts).
        if draw(st.booleans()):
            known_early = [subject for subject in subjects if subject[3]]
            rule["unless"] = draw(conditions(known_early, depth=draw(st.integers(0, 1))))
        if derived_values and draw(st.booleans()):
            key = draw(st.sampled_from(sorted(derived_values)))
            rule["derive"] = {"fact": key, "value": derived_values[key]}
        else:
            rule["recommend"] = draw(st.sampled_from(sorted(measures)))
            rule["priority"] = draw(st.sampled_from(("hoch", "mittel", "niedrig")))
        if "unless" in rule and len(parse_rule(rule, RULES_FILE).alternatives()) > 64:
            del rule["unless"]  # beyond the engine's limit of alternatives
        rules.append(rule)
    world["rules"] = rules
    return world


class Doubled:
    """A Python derivation: twice a numeric input (a class, so that it prints readably)."""

    def __init__(self, ref: str) -> None:
        self.ref = ref

    def __call__(self, known: Mapping[str, Any]) -> float | None:
        value = known.get(self.ref)
        return None if value is None else float(value) * 2

    def __repr__(self) -> str:
        return f"Doubled({self.ref!r})"


def _subjects(world: Mapping[str, Any]) -> list[tuple[str, str, str, bool]]:
    """(subject, key, value type, whether is_unknown may test it)."""
    subjects = [("answer", item, "answer", True) for item in world["checklist"]]
    for key, fact in world["facts"].items():
        rule_derived = fact["source"] == "derived" and key in world["derived_values"]
        subjects.append(("fact", key, fact["type"], not rule_derived))
    for key in world["thresholds"]:
        subjects.append(("fact", key, "bool", True))
    subjects.append(("company", "channels", "channels", True))
    subjects.append(("company", "sector", "text", True))
    return subjects


def _values(kind: str) -> st.SearchStrategy[Any]:
    if kind == "enum_list":
        return st.sampled_from(LIST_VALUES)
    if kind == "channels":
        return st.sampled_from(CHANNELS)
    return st.sampled_from(POOLS[kind] + RULE_ONLY.get(kind, ()))


@st.composite
def leaves(draw: st.DrawFn, subjects: list[tuple[str, str, str, bool]]) -> dict[str, Any]:
    subject, key, kind, unknown_ok = draw(st.sampled_from(subjects))
    operators = OPERATORS["enum_list" if kind == "channels" else kind]
    if unknown_ok:
        operators = (*operators, "is_unknown")
    operator = draw(st.sampled_from(operators))
    if operator == "is_unknown":
        value: Any = draw(st.booleans())
    elif operator in ("in", "not_in"):
        value = draw(st.lists(_values(kind), min_size=1, max_size=3))
    else:
        value = draw(_values(kind))
    return {subject: key, operator: value}


@st.composite
def conditions(
    draw: st.DrawFn, subjects: list[tuple[str, str, str, bool]], depth: int = 2
) -> dict[str, Any]:
    """A condition with at most two levels of all/any (``not`` anywhere in between).

    At most 3 × 3 leaves keep every rule far below the engine's limit of 64 alternatives.
    """
    shape = draw(
        st.sampled_from(("leaf", "leaf", "not", "all", "any") if depth else ("leaf", "not"))
    )
    if shape == "leaf":
        return draw(leaves(subjects))
    if shape == "not":
        return {"not": draw(conditions(subjects, depth))}
    children = draw(st.lists(conditions(subjects, depth - 1), min_size=1, max_size=3))
    return {shape: children}


@st.composite
def profiles(draw: st.DrawFn, world: Mapping[str, Any]) -> dict[str, Any]:
    company: dict[str, Any] = {
        "name": "Welt GmbH",
        "channels": draw(st.lists(st.sampled_from(CHANNELS), min_size=1, unique=True)),
    }
    if draw(st.booleans()):
        company["sector"] = draw(st.sampled_from(POOLS["text"]))
    answers: dict[str, Any] = {}
    for item in world["checklist"]:
        word = draw(
            st.sampled_from(
                ("ja", "teilweise", "nein", "entfällt", "entfaellt", " Nein ", "unbekannt", None)
            )
        )
        if word is None:
            continue
        answers[item] = {"antwort": word, "notiz": "Notiz"} if draw(st.booleans()) else word
    facts: dict[str, Any] = {}
    for key, fact in world["facts"].items():
        if fact["source"] != "input":
            continue
        choice = draw(st.sampled_from(("value", "value", "unbekannt", "absent")))
        if choice == "absent":
            continue
        facts[key] = "unbekannt" if choice == "unbekannt" else draw(profile_values(fact["type"]))
    profile = {"company": company, "answers": answers, "facts": facts}
    if world["thresholds"] and draw(st.booleans()):
        profile["thresholds"] = {"schwelle": draw(st.sampled_from(POOLS["float"]))}
    return profile


def profile_values(kind: str) -> st.SearchStrategy[Any]:
    if kind == "enum_list":
        return st.lists(st.sampled_from(LIST_VALUES), unique=True)
    if kind == "int":
        # TOML may write a whole number as 2.0; the profile accepts it as 2.
        return st.sampled_from(POOLS["int"]) | st.just(2.0)
    return st.sampled_from(POOLS[kind])


def world_plugin(world: Mapping[str, Any]) -> types.SimpleNamespace:
    """The world as a plugin object whose hooks return typed contributions."""
    facts = [
        FactDefinition(
            key=key,
            type=fact["type"],
            question=_text(f"Frage zu {key}"),
            values=ENUM_VALUES
            if fact["type"] == "enum"
            else LIST_VALUES
            if fact["type"] == "enum_list"
            else (),
            source=fact["source"],
        )
        for key, fact in world["facts"].items()
    ]
    items = [
        ChecklistItem(id=item, phase="kauf", statement=_text(f"Aussage {item}"), reference="Welt")
        for item in world["checklist"]
    ]
    measures = [
        Measure(
            id=measure,
            phase="bindung",
            title=_text(f"Titel {measure}"),
            description=_text("Beschreibung"),
            reference="Welt",
            channels=tuple(spec["channels"]),
        )
        for measure, spec in world["measures"].items()
    ]
    thresholds = [
        Threshold(
            key=key,
            input=spec["input"],
            operator=spec["operator"],
            value=spec["value"],
            description=_text("Schwelle"),
        )
        for key, spec in world["thresholds"].items()
    ]
    derivations = [
        Derivation(fact=key, inputs=(compute.ref,), compute=compute, description=_text("Doppelt"))
        for key, compute in world["derivations"].items()
    ]
    rules = [parse_rule(raw, RULES_FILE, index) for index, raw in enumerate(world["rules"])]
    return make_plugin(
        PLUGIN_NAME,
        register_facts=lambda: facts,
        register_checklist_items=lambda: items,
        register_measures=lambda: measures,
        register_thresholds=lambda: thresholds,
        register_derivations=lambda: derivations,
        register_rules=lambda: rules,
    )


def make_plugin(name: str, **hooks: Any) -> types.SimpleNamespace:
    """A plugin object with the given hook functions."""
    plugin = types.SimpleNamespace(KUNDENKOMPASS_PLUGIN_NAME=name)
    for hook_name, function in hooks.items():
        setattr(plugin, hook_name, hookimpl(function))
    return plugin
