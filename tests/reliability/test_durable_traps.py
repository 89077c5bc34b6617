"""The known durable_rules traps: each shown to exist, and shown to be handled by the engine.

Where a trap could hang or crash the interpreter, the engine's side runs in a child
process with a timeout (tests/reliability/isolated.py).
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest
from durable.engine import MessageObservedException
from hypothesis import HealthCheck, given, settings
from kundenkompass.engine import Engine
from kundenkompass.errors import AuditError, RuleError
from kundenkompass.inference.compile import FACT_TYPE
from kundenkompass.inference.runner import QuietHost

from ..conftest import ROOT
from .worlds import make_plugin, world_plugin, worlds

COMPANY = {"name": "Fallen GmbH", "channels": ["laden"]}


def run_isolated(scenario: str) -> dict[str, Any]:
    """Run a scenario of tests/reliability/isolated.py in a child process, with a timeout."""
    done = subprocess.run(
        [sys.executable, "-m", "tests.reliability.isolated", scenario],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert done.returncode == 0, f"exit {done.returncode}: {done.stderr[-2000:]}"
    return json.loads(done.stdout)


class Raw:
    """A bare durable_rules ruleset, to show a trap of the library itself."""

    count = 0

    def __init__(self, pattern: dict[str, Any]) -> None:
        Raw.count += 1
        self.name = f"trap_{Raw.count}"
        self.fired: list[Any] = []
        self.host = QuietHost()
        self.host.set_rulesets(
            {
                self.name: {
                    "r": {"all": [{"m": pattern}], "run": lambda c: self.fired.append(c.m)},
                    "sink": {
                        "all": [{"a": {"t": "x"}}, {"b": {"t": "never"}}],
                        "run": lambda c: None,
                    },
                }
            }
        )

    def matches(self, fact: dict[str, Any]) -> bool:
        before = len(self.fired)
        self.host.assert_fact(self.name, {**fact, "sid": str(Raw.count) + str(before)})
        return len(self.fired) > before


def world(
    rules: list[dict[str, Any]], facts: dict[str, str], derived: dict[str, Any] | None = None
):
    all_facts = {key: {"type": kind, "source": "input"} for key, kind in facts.items()}
    for key, value in (derived or {}).items():
        all_facts[key] = {
            "type": "float" if isinstance(value, float) else "bool",
            "source": "derived",
        }
    return {
        "checklist": ["frage_0"],
        "facts": all_facts,
        "derived_values": dict(derived or {}),
        "thresholds": {},
        "derivations": {},
        "measures": {f"massnahme_{i}": {"channels": []} for i in range(3)},
        "rules": rules,
    }


def engine_for(rules: list[dict[str, Any]], facts: dict[str, str], derived=None) -> Engine:
    return Engine([world_plugin(world(rules, facts, derived))], discover=False)


def recommended(result) -> dict[str, list[str]]:
    return {r.measure: sorted(f.rule for f in r.reasons) for r in result.recommendations}


# ------------------------------------------------------------- missing-field semantics


def test_trap_neq_does_not_match_a_missing_field():
    raw = Raw({"$and": [{"t": "x"}, {"$neq": {"antwort": "ja"}}]})
    assert raw.matches({"t": "x", "antwort": "nein"})
    assert not raw.matches({"t": "x"})  # missing: neither equal nor unequal


@pytest.mark.parametrize(
    "when",
    [
        {"answer": "frage_0", "not_equals": "ja"},
        {"answer": "frage_0", "not_in": ["ja", "teilweise"]},
        {"not": {"answer": "frage_0", "equals": "ja"}},
        {"not": {"answer": "frage_0", "in": ["ja"]}},
        {"not": {"fact": "filialen", "gt": 3}},
        {"fact": "kanaele", "not_contains": "mo"},
        {
            "not": {
                "all": [{"answer": "frage_0", "equals": "ja"}, {"fact": "website", "equals": True}]
            }
        },
    ],
    ids=["not_equals", "not_in", "not-equals", "not-in", "not-gt", "not_contains", "not-all"],
)
def test_negations_on_unknown_values_do_not_fire_but_do_on_known_ones(when):
    engine = engine_for(
        [{"id": "negiert", "recommend": "massnahme_0", "when": when}],
        {"website": "bool", "filialen": "int", "kanaele": "enum_list"},
    )
    assert recommended(engine.audit({"company": COMPANY})) == {}
    known = {
        "company": COMPANY,
        "answers": {"frage_0": "nein"},
        "facts": {"website": False, "filialen": 1, "kanaele": []},
    }
    assert recommended(engine.audit(known)) == {"massnahme_0": ["negiert"]}
    questions = [q.ref for q in engine.audit({"company": COMPANY}).open_questions]
    assert questions, "the unknown input is an open question instead"


def test_unbekannt_in_a_profile_is_unknown_not_a_value():
    engine = engine_for(
        [{"id": "r", "recommend": "massnahme_0", "when": {"fact": "website", "not_equals": True}}],
        {"website": "bool"},
    )
    profile = {
        "company": COMPANY,
        "answers": {"frage_0": "unbekannt"},
        "facts": {"website": "unbekannt"},
    }
    assert recommended(engine.audit(profile)) == {}


# ------------------------------------------------------------------- 0 == false coercion


def test_trap_false_matches_zero_and_strings_compare_with_numbers():
    assert Raw({"$and": [{"t": "x"}, {"wert": False}]}).matches({"t": "x", "wert": 0})
    assert Raw({"$and": [{"t": "x"}, {"$lt": {"wert": 3}}]}).matches({"t": "x", "wert": "2"})


def test_a_zero_never_satisfies_a_false_in_the_engine():
    engine = engine_for(
        [
            {
                "id": "falsch",
                "recommend": "massnahme_0",
                "when": {"fact": "website", "equals": False},
            },
            {"id": "null", "recommend": "massnahme_1", "when": {"fact": "filialen", "equals": 0}},
            {
                "id": "nicht_wahr",
                "recommend": "massnahme_2",
                "when": {"fact": "website", "not_equals": True},
            },
        ],
        {"website": "bool", "filialen": "int"},
    )
    assert recommended(engine.audit({"company": COMPANY, "facts": {"filialen": 0}})) == {
        "massnahme_1": ["null"]
    }
    assert recommended(engine.audit({"company": COMPANY, "facts": {"website": False}})) == {
        "massnahme_0": ["falsch"],
        "massnahme_2": ["nicht_wahr"],
    }


@pytest.mark.parametrize(
    ("when", "message"),
    [
        ({"fact": "website", "equals": 0}, "der Wert 0 passt nicht; erwartet: true oder false"),
        ({"fact": "website", "not_equals": 1}, "der Wert 1 passt nicht; erwartet: true oder false"),
        (
            {"fact": "filialen", "equals": False},
            "der Wert False passt nicht; erwartet: eine ganze Zahl",
        ),
        ({"fact": "filialen", "lt": "3"}, "der Wert '3' passt nicht; erwartet: eine ganze Zahl"),
        ({"fact": "filialen", "in": [1, True]}, "der Wert True passt nicht"),
    ],
)
def test_rules_that_would_rely_on_coercion_are_refused(when, message):
    with pytest.raises(RuleError, match=message) as caught:
        engine_for(
            [{"id": "gemischt", "recommend": "massnahme_0", "when": when}],
            {"website": "bool", "filialen": "int"},
        )
    assert "Regel 'gemischt'" in str(caught.value) and "welt/rules.toml" in str(caught.value)


def test_a_derived_value_of_the_wrong_type_is_refused():
    rule = {
        "id": "abgeleitet",
        "derive": {"fact": "schwach", "value": 0},
        "when": {"fact": "website", "equals": False},
    }
    with pytest.raises(
        RuleError, match=r"derive\.value: der Wert 0 passt nicht; erwartet: true oder false"
    ):
        engine_for([rule], {"website": "bool"}, {"schwach": True})


# ------------------------------------------------------- patterns without a discriminator


def test_a_rule_of_only_is_unknown_leaves_fires_once_and_stops():
    outcome = run_isolated("only_is_unknown")
    assert outcome["empty"]["fired"] == ["nicht_unbekannt#0", "nichts_bekannt#0"]
    assert outcome["empty"]["recommended"] == {
        "massnahme_0": ["nichts_bekannt"],
        "massnahme_1": ["nicht_unbekannt"],
    }
    assert outcome["known"]["fired"] == []
    assert outcome["empty"]["live_states"] == outcome["known"]["live_states"] == 0


@settings(
    max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(world=worlds())
def test_every_compiled_pattern_starts_with_the_positive_discriminator(world):
    engine = Engine([world_plugin(world)], discover=False)
    for partition in engine.compiled.partitions:
        for definition in partition.definitions.values():
            for pattern in definition["all"]:
                ((_, test),) = pattern.items()
                assert test["$and"][0] == {"t": FACT_TYPE}, test


# ------------------------------------------------------------------ duplicate derivations


def test_trap_an_identical_fact_cannot_be_asserted_twice():
    raw = Raw({"$and": [{"t": "x"}, {"wert": 1}]})
    raw.host.assert_fact(raw.name, {"t": "x", "wert": 1, "sid": "doppelt"})
    with pytest.raises(MessageObservedException):
        raw.host.assert_fact(raw.name, {"t": "x", "wert": 1, "sid": "doppelt"})


def test_two_rules_deriving_the_same_fact_both_count_and_the_chain_fires_once():
    engine = engine_for(
        [
            {
                "id": "erste",
                "derive": {"fact": "schwach", "value": True},
                "when": {"fact": "website", "equals": False},
            },
            {
                "id": "zweite",
                "derive": {"fact": "schwach", "value": True},
                "when": {"fact": "filialen", "lt": 2},
            },
            {
                "id": "beide_wege",
                "derive": {"fact": "schwach", "value": True},
                "when": {
                    "any": [{"fact": "website", "equals": False}, {"fact": "filialen", "equals": 1}]
                },
            },
            {
                "id": "folge",
                "recommend": "massnahme_0",
                "when": {"fact": "schwach", "equals": True},
            },
        ],
        {"website": "bool", "filialen": "int"},
        {"schwach": True},
    )
    result = engine.audit({"company": COMPANY, "facts": {"website": False, "filialen": 1}})
    assert [(d.key, d.value, d.by) for d in result.derived_facts] == [
        ("schwach", True, ["beide_wege", "erste", "zweite"])
    ]
    assert recommended(result) == {"massnahme_0": ["folge"]}


def test_one_and_one_point_zero_derived_for_a_float_fact_are_the_same_value():
    engine = engine_for(
        [
            {
                "id": "ganz",
                "derive": {"fact": "quote", "value": 1},
                "when": {"fact": "website", "equals": False},
            },
            {
                "id": "komma",
                "derive": {"fact": "quote", "value": 1.0},
                "when": {"fact": "filialen", "gt": 0},
            },
            {"id": "folge", "recommend": "massnahme_0", "when": {"fact": "quote", "gte": 1}},
        ],
        {"website": "bool", "filialen": "int"},
        {"quote": 1.0},
    )
    result = engine.audit({"company": COMPANY, "facts": {"website": False, "filialen": 2}})
    assert [(d.key, d.value, d.by) for d in result.derived_facts] == [
        ("quote", 1.0, ["ganz", "komma"])
    ]
    assert '"value": 1.0' in result.to_json()


def test_conflicting_derivations_are_an_error_naming_plugin_and_both_rules():
    engine = engine_for(
        [
            {
                "id": "hoch",
                "derive": {"fact": "quote", "value": 2.0},
                "when": {"fact": "website", "equals": False},
            },
            {
                "id": "tief",
                "derive": {"fact": "quote", "value": 0.5},
                "when": {"fact": "filialen", "gt": 0},
            },
        ],
        {"website": "bool", "filialen": "int"},
        {"quote": 1.0},
    )
    with pytest.raises(AuditError) as caught:
        engine.audit({"company": COMPANY, "facts": {"website": False, "filialen": 2}})
    message = str(caught.value)
    assert "Plugin 'welt'" in message and "welt/rules.toml" in message
    assert "'hoch'" in message and "'tief'" in message
    assert engine._runner.live_states == 0
    # The engine is still usable afterwards.
    assert engine.audit({"company": COMPANY}).derived_facts == []


# ------------------------------------------------------------------- cycles and crashes


def test_chaining_cycles_and_self_triggering_rules_terminate():
    outcome = run_isolated("cycles")
    started = outcome["started"]
    assert started["derived"] == {
        "a": [True, ["c_zu_a", "start"]],
        "b": [True, ["a_zu_b", "selbst_oder"]],
        "c": [True, ["b_zu_c", "selbst"]],
    }
    assert started["recommended"] == {"massnahme_0": ["ergebnis"]}
    # Every alternative fires at most once, however the facts feed back.
    for case in outcome.values():
        assert len(case["fired"]) == len(set(case["fired"]))
    assert outcome["via_any"]["recommended"] == {"massnahme_0": ["ergebnis"]}
    assert outcome["nothing"] == {"derived": {}, "fired": [], "live_states": 0, "recommended": {}}


def test_audits_in_which_no_rule_fires_do_not_crash_the_process():
    # durable_rules frees an uninitialized pointer when a state in which no action ran is
    # deleted; this killed the process with a segfault or abort before the start fact.
    assert run_isolated("nothing_fires") == {"audits": 90, "recommended": []}


# ----------------------------------------------------------------- numbers in exponent form


def test_numbers_python_writes_with_an_exponent_reach_durable_rules_intact():
    engine = engine_for(
        [
            {"id": "winzig", "recommend": "massnahme_0", "when": {"fact": "anteil", "lt": 2.5e-5}},
            {"id": "positiv", "recommend": "massnahme_1", "when": {"fact": "anteil", "gt": 0}},
            {"id": "riesig", "recommend": "massnahme_2", "when": {"fact": "anteil", "lt": 1e15}},
        ],
        {"anteil": "float"},
    )
    tiny = engine.audit({"company": COMPANY, "facts": {"anteil": 1e-7}})
    assert set(recommended(tiny)) == {"massnahme_0", "massnahme_1", "massnahme_2"}
    zero = engine.audit({"company": COMPANY, "facts": {"anteil": 0.0}})
    assert set(recommended(zero)) == {"massnahme_0", "massnahme_2"}
    larger = engine.audit({"company": COMPANY, "facts": {"anteil": 3e-5}})
    assert set(recommended(larger)) == {"massnahme_1", "massnahme_2"}


def test_a_plugin_object_without_rules_is_fine():
    engine = Engine([make_plugin("leer", register_rules=lambda: [])], discover=False)
    assert engine.audit({"company": COMPANY}).recommendations == []
