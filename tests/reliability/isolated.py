"""Audits that could hang or crash the interpreter, run in a child process by the tests.

``python -m tests.reliability.isolated SCENARIO`` prints one JSON line with what the engine
concluded. The tests run it with a timeout, so a rule set that loops forever or a
durable_rules crash fails the test instead of hanging or killing the test run.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any

from kundenkompass.engine import Engine
from kundenkompass.profile.known_values import known_values

from .worlds import world_plugin

COMPANY = {"name": "Isoliert GmbH", "channels": ["laden"]}


def world(rules: list[dict[str, Any]], derived: dict[str, Any] | None = None) -> dict[str, Any]:
    facts: dict[str, dict[str, Any]] = {
        "website": {"type": "bool", "source": "input"},
        "filialen": {"type": "int", "source": "input"},
    }
    for key in derived or {}:
        facts[key] = {"type": "bool", "source": "derived"}
    return {
        "checklist": ["frage_0"],
        "facts": facts,
        "derived_values": dict(derived or {}),
        "thresholds": {},
        "derivations": {},
        "measures": {"massnahme_0": {"channels": []}, "massnahme_1": {"channels": []}},
        "rules": rules,
    }


def conclusions(engine: Engine, profile: dict[str, Any]) -> dict[str, Any]:
    result = engine.audit(profile)
    # The inference itself, to count how often each alternative fired.
    inference = engine._runner.run(known_values(engine.load_profile(profile), engine.catalog))
    return {
        "recommended": {
            r.measure: sorted(f.rule for f in r.reasons) for r in result.recommendations
        },
        "derived": {d.key: [d.value, d.by] for d in result.derived_facts},
        "fired": sorted(inference.fired),
        "live_states": engine._runner.live_states,
    }


def only_is_unknown() -> dict[str, Any]:
    """Patterns without a positive value: every leaf tests that something is unknown."""
    rules = [
        {
            "id": "nichts_bekannt",
            "recommend": "massnahme_0",
            "when": {
                "all": [
                    {"fact": "website", "is_unknown": True},
                    {"answer": "frage_0", "is_unknown": True},
                ]
            },
        },
        {
            "id": "nicht_unbekannt",
            "recommend": "massnahme_1",
            "when": {"not": {"fact": "filialen", "is_unknown": False}},
        },
    ]
    engine = Engine([world_plugin(world(rules))], discover=False)
    return {
        "empty": conclusions(engine, {"company": COMPANY}),
        "known": conclusions(
            engine, {"company": COMPANY, "facts": {"website": True, "filialen": 2}}
        ),
    }


def cycles() -> dict[str, Any]:
    """a → b → c → a, a rule deriving its own premise, and one deriving what it tests."""
    rules = [
        {
            "id": "start",
            "derive": {"fact": "a", "value": True},
            "when": {"fact": "website", "equals": False},
        },
        {
            "id": "a_zu_b",
            "derive": {"fact": "b", "value": True},
            "when": {"fact": "a", "equals": True},
        },
        {
            "id": "b_zu_c",
            "derive": {"fact": "c", "value": True},
            "when": {"fact": "b", "equals": True},
        },
        {
            "id": "c_zu_a",
            "derive": {"fact": "a", "value": True},
            "when": {"fact": "c", "equals": True},
        },
        {
            "id": "selbst",
            "derive": {"fact": "c", "value": True},
            "when": {"fact": "c", "equals": True},
        },
        {
            "id": "selbst_oder",
            "derive": {"fact": "b", "value": True},
            "when": {"any": [{"fact": "b", "equals": True}, {"fact": "filialen", "gt": 0}]},
        },
        {"id": "ergebnis", "recommend": "massnahme_0", "when": {"fact": "c", "equals": True}},
    ]
    engine = Engine([world_plugin(world(rules, {"a": True, "b": True, "c": True}))], discover=False)
    return {
        "started": conclusions(engine, {"company": COMPANY, "facts": {"website": False}}),
        "via_any": conclusions(engine, {"company": COMPANY, "facts": {"filialen": 3}}),
        "nothing": conclusions(
            engine, {"company": COMPANY, "facts": {"website": True, "filialen": 0}}
        ),
    }


def nothing_fires() -> dict[str, Any]:
    """Many fresh engines whose audits fire no rule at all: deleting such a state must not crash."""
    rules = [{"id": "nie", "recommend": "massnahme_0", "when": {"fact": "filialen", "gt": 10}}]
    outcomes = []
    for _ in range(30):
        engine = Engine([world_plugin(world(rules))], discover=False)
        for filialen in (1, 2, 3):
            outcomes.append(
                conclusions(engine, {"company": COMPANY, "facts": {"filialen": filialen}})
            )
    return {
        "audits": len(outcomes),
        "recommended": sorted({m for o in outcomes for m in o["recommended"]}),
    }


SCENARIOS: dict[str, Callable[[], dict[str, Any]]] = {
    "only_is_unknown": only_is_unknown,
    "cycles": cycles,
    "nothing_fires": nothing_fires,
}

if __name__ == "__main__":
    print(json.dumps(SCENARIOS[sys.argv[1]](), sort_keys=True))
