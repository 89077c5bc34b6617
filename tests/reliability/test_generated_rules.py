"""Invalid rules, generated: refused with the rule and its file before durable_rules sees them.

Each example takes a valid generated rule set, breaks one rule in one way (an unknown
operator, a value of the wrong type, a reference to something nobody declares, a broken
structure, a number out of range) and writes it to a plugin's ``rules.toml``.
"""

from __future__ import annotations

import json
import math
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pytest
from durable import engine as durable_engine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kundenkompass.catalog.plugin_data import PluginData
from kundenkompass.engine import Engine
from kundenkompass.errors import PluginError, RuleError
from kundenkompass.rules.language import parse_rule

from .. import oracle
from .worlds import make_plugin, profiles, world_plugin, worlds

GENERATED = settings(
    max_examples=120,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
OPERATORS = (
    "equals",
    "not_equals",
    "in",
    "not_in",
    "contains",
    "not_contains",
    "lt",
    "lte",
    "gt",
    "gte",
    "is_unknown",
)
SUBJECTS = ("answer", "fact", "company")
STRUCTURES = ("empty_all", "not_list", "two_operators", "no_subject", "no_when", "two_actions")
#: Ways to break one rule.
BREAKAGES = (
    "operator",
    "value",
    "reference",
    "recommend",
    "derive",
    "number",
    "is_unknown",
    "subject",
    *STRUCTURES,
)


@contextmanager
def never_compiled() -> Iterator[None]:
    """durable_rules must never see an invalid rule: compiling one fails the test."""

    def refuse(self, *args, **kwargs):
        raise AssertionError("an invalid rule reached durable_rules")

    with patch.object(durable_engine.Host, "set_rulesets", refuse):
        yield


def toml_value(value: Any) -> str:
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, dict):
        return (
            "{ " + ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items()) + " }"
        )
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def rules_toml(rules: list[dict[str, Any]]) -> str:
    blocks = []
    for rule in rules:
        lines = ["[[rule]]"]
        lines += [f"{key} = {toml_value(value)}" for key, value in rule.items()]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def leaf_paths(condition: dict[str, Any], path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    for combinator in ("all", "any"):
        if combinator in condition:
            return [
                p
                for i, child in enumerate(condition[combinator])
                for p in leaf_paths(child, (*path, combinator, i))
            ]
    if "not" in condition:
        return leaf_paths(condition["not"], (*path, "not"))
    return [path]


def at(condition: dict[str, Any], path: tuple[Any, ...]) -> dict[str, Any]:
    for step in path:
        condition = condition[step]
    return condition


def wrong_values(world: dict[str, Any], leaf: dict[str, Any]) -> list[Any]:
    """Values that do not fit the leaf's subject (never ones that would fit)."""
    subject = next(name for name in SUBJECTS if name in leaf)
    key = leaf[subject]
    if subject == "answer":
        kind = "answer"
    elif subject == "company":
        kind = "enum_list" if key == "channels" else "text"
    elif key in world["thresholds"]:
        kind = "bool"
    else:
        kind = world["facts"][key]["type"]
    return {
        "bool": ["ja", 1, 0, 1.5],
        "int": ["1", 1.5, True, False],
        "float": ["1.5", True],
        "enum": ["lila", 1, True],
        "enum_list": ["sonntag", 1, True],
        "text": [1, 2.5, True],
        "answer": ["vielleicht", "Ja", "entfällt", 1, True],
    }[kind]


@st.composite
def broken_worlds(draw: st.DrawFn, kind: str) -> tuple[dict[str, Any], str, str]:
    """A world with one rule broken; returns it, the broken rule's id and what to expect."""
    world = draw(worlds(max_rules=4))
    rule = draw(st.sampled_from(world["rules"]))
    leaf = at(rule["when"], draw(st.sampled_from(leaf_paths(rule["when"]))))
    subject = next(name for name in SUBJECTS if name in leaf)
    operator = next(name for name in leaf if name != subject)
    if kind == "operator":
        unknown = draw(
            st.sampled_from(("eq", "gleich", "$neq", "is", "contains_all", "Equals", "matches"))
        )
        leaf[unknown] = leaf.pop(operator)
        expected = f"unbekannte Schlüssel ['{unknown}']"
    elif kind == "value" and operator != "is_unknown":
        bad = draw(st.sampled_from(wrong_values(world, leaf)))
        leaf[operator] = [bad] if operator in ("in", "not_in") else bad
        expected = "passt nicht"
    elif kind == "value":
        leaf[operator] = draw(st.sampled_from(("ja", 1, "true")))
        expected = "is_unknown: erwartet: true oder false"
    elif kind == "reference":
        leaf[subject] = {"answer": "frage_99", "fact": "fakt_gibt_es_nicht", "company": "umsatz"}[
            subject
        ]
        expected = {
            "answer": "unbekannt: Checklistenpunkt",
            "fact": "unbekannt: Fakt",
            "company": "unbekannt: Unternehmensfeld",
        }[subject]
    elif kind == "recommend":
        rule.pop("derive", None)
        rule["recommend"] = "massnahme_gibt_es_nicht"
        expected = "empfiehlt die unbekannte Maßnahme 'massnahme_gibt_es_nicht'"
    elif kind == "derive":
        rule.pop("recommend", None)
        rule.pop("priority", None)
        input_fact = next((k for k, f in world["facts"].items() if f["source"] == "input"), None)
        target = draw(
            st.sampled_from(["fakt_gibt_es_nicht", *([input_fact] if input_fact else [])])
        )
        rule["derive"] = {"fact": target, "value": True}
        expected = (
            "leitet den unbekannten Fakt"
            if target == "fakt_gibt_es_nicht"
            else 'nicht mit source = "derived" deklariert'
        )
    elif kind in STRUCTURES:
        shape = kind
        if shape == "empty_all":
            rule["when"] = {"all": []}
            expected = "when.all: erwartet: eine nicht leere Liste"
        elif shape == "not_list":
            rule["when"] = {"not": [rule["when"]]}
            expected = "eine Bedingung muss eine Tabelle sein"
        elif shape == "two_operators":
            leaf["gt" if operator != "gt" else "lt"] = 1
            expected = "genau einen Operator"
        elif shape == "no_subject":
            del leaf[subject]
            expected = "genau eines von"
        elif shape == "no_when":
            del rule["when"]
            expected = "'when' fehlt"
        else:
            rule["recommend"] = next(iter(world["measures"]))
            rule["derive"] = {"fact": "x", "value": True}
            rule.pop("priority", None)
            expected = "braucht genau eine Aktion"
    elif kind == "number":
        value = draw(st.sampled_from((math.inf, -math.inf, math.nan, 1e16, -(10**16))))
        leaf.clear()
        leaf.update({"fact": "zahl", draw(st.sampled_from(("lt", "equals", "gte"))): value})
        world["facts"]["zahl"] = {"type": "float", "source": "input"}
        finite = not isinstance(value, float) or math.isfinite(value)
        expected = "Zahlen in Regeln liegen zwischen" if finite else "ist keine endliche Zahl"
    elif kind == "is_unknown":
        derived = [
            key
            for key in world["derived_values"]
            if any(r.get("derive", {}).get("fact") == key for r in world["rules"])
        ]
        if not derived:
            leaf.clear()
            leaf.update({"fact": "gibt_es_nicht", "is_unknown": True})
            expected = "unbekannt: Fakt"
        else:
            leaf.clear()
            leaf.update({"fact": draw(st.sampled_from(derived)), "is_unknown": True})
            expected = "is_unknown kann keinen Fakt prüfen, den Regeln ableiten"
    else:
        leaf["firma" if subject != "answer" else "antwort"] = leaf.pop(subject)
        expected = "unbekannte Schlüssel"
    return world, rule["id"], expected


@pytest.mark.parametrize("kind", BREAKAGES)
@settings(GENERATED, max_examples=10)
@given(data=st.data())
def test_invalid_generated_rules_are_refused_naming_rule_and_file(kind, data):
    world, rule_id, expected = data.draw(broken_worlds(kind))
    rules = world.pop("rules")
    world["rules"] = []
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "rules.toml"
        path.write_text(rules_toml(rules), encoding="utf-8")
        regeln = PluginData(Path(folder))
        regeln.KUNDENKOMPASS_PLUGIN_NAME = "regeln"  # type: ignore[attr-defined]
        with never_compiled(), pytest.raises((RuleError, PluginError)) as caught:
            Engine([world_plugin(world), regeln], discover=False)
    message = str(caught.value)
    assert str(path) in message, message
    assert f"Regel '{rule_id}'" in message, message
    assert expected in message, message


@GENERATED
@given(world=worlds(max_rules=4), data=st.data())
def test_the_same_rule_sets_unbroken_load_and_agree_with_the_oracle(world, data):
    rules = world.pop("rules")
    world["rules"] = []
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "rules.toml").write_text(rules_toml(rules), encoding="utf-8")
        regeln = PluginData(Path(folder))
        regeln.KUNDENKOMPASS_PLUGIN_NAME = "regeln"  # type: ignore[attr-defined]
        engine = Engine([world_plugin(world), regeln], discover=False)
    world["rules"] = rules
    for profile in data.draw(st.lists(profiles(world), min_size=1, max_size=3)):
        result = engine.audit(profile)
        found = {r.measure: {f.rule for f in r.reasons} for r in result.recommendations}
        assert found == oracle.infer(world, profile).recommended


def test_a_rule_from_code_naming_an_unknown_fact_never_reaches_durable_rules():
    rule = parse_rule(
        {
            "id": "fern",
            "derive": {"fact": "x", "value": 1},
            "when": {"fact": "nichts", "equals": True},
        },
        "code.py",
    )
    with (
        never_compiled(),
        pytest.raises(
            RuleError, match=r"code\.py: Regel 'fern': leitet den unbekannten Fakt 'x' ab"
        ),
    ):
        Engine([make_plugin("code", register_rules=lambda: [rule])], discover=False)
