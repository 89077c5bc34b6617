"""Rule sets at durable_rules' capacity, audited in a child process and checked against the
oracle (run by tests/reliability/test_capacity.py with a timeout: beyond its limits
durable_rules loops forever and ignores Ctrl-C).

``python -m tests.reliability.capacity SCENARIO SIZE`` prints one JSON line: the number of
durable_rules rulesets the rules were compiled into, and every profile whose conclusions
differ from the oracle's.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any

from kundenkompass.engine import Engine

from .. import oracle
from .isolated import world
from .worlds import world_plugin

COMPANY = {"name": "Kapazität GmbH", "channels": ["laden"]}


def _recommend(rule_id: str, when: dict[str, Any], measure: str = "massnahme_0") -> dict[str, Any]:
    return {"id": rule_id, "when": when, "recommend": measure}


def long_in_list(size: int) -> dict[str, Any]:
    """One ``in`` list of ``size`` values, one ``not_in`` list, and a rule beside them."""
    return world(
        [
            _recommend("lange_liste", {"fact": "filialen", "in": list(range(size))}),
            _recommend("lange_ausnahme", {"fact": "filialen", "not_in": list(range(0, size, 2))}),
            _recommend("website", {"fact": "website", "equals": True}, "massnahme_1"),
        ]
    )


def same_condition(size: int) -> dict[str, Any]:
    """``size`` rules with one condition, and ``size`` sharing it with a second one."""
    rules = [_recommend(f"gleich_{i}", {"fact": "website", "equals": True}) for i in range(size)]
    rules += [
        _recommend(
            f"geteilt_{i}",
            {"all": [{"fact": "website", "equals": True}, {"fact": "filialen", "gt": i}]},
            "massnahme_1",
        )
        for i in range(size)
    ]
    return world(rules)


def numeric_tests(size: int) -> dict[str, Any]:
    """``size`` comparisons of one value: a large value passes all of them at once."""
    rules = [_recommend(f"mehr_als_{i}", {"fact": "filialen", "gt": i}) for i in range(size)]
    rules += [
        _recommend(f"hoechstens_{i}", {"fact": "filialen", "lte": i}, "massnahme_1")
        for i in range(size)
    ]
    rules += [
        _recommend(f"nicht_{i}", {"fact": "filialen", "not_equals": i}, "massnahme_1")
        for i in range(size)
    ]
    return world(rules)


def derived_chain(size: int) -> dict[str, Any]:
    """A fact derived from a long list, tested by ``size`` rules in other rulesets."""
    rules: list[dict[str, Any]] = [
        {
            "id": "viele_filialen",
            "when": {"fact": "filialen", "in": list(range(10, 10 + size))},
            "derive": {"fact": "kette", "value": True},
        }
    ]
    rules += [_recommend(f"kette_{i}", {"fact": "kette", "equals": True}) for i in range(size)]
    rules += [
        _recommend(
            f"kette_gross_{i}",
            {"all": [{"fact": "kette", "equals": True}, {"fact": "filialen", "gte": i}]},
            "massnahme_1",
        )
        for i in range(size)
    ]
    return world(rules, derived={"kette": True})


SCENARIOS: dict[str, Callable[[int], dict[str, Any]]] = {
    "long_in_list": long_in_list,
    "same_condition": same_condition,
    "numeric_tests": numeric_tests,
    "derived_chain": derived_chain,
}


def profiles(size: int) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = [{"company": COMPANY}]
    for value in sorted({0, 1, 7, 10, 11, size // 2, size - 1, size, size + 1, 10**9}):
        for website in (True, False):
            found.append({"company": COMPANY, "facts": {"filialen": value, "website": website}})
    return found


def conclusions(engine: Engine, profile: dict[str, Any]) -> dict[str, Any]:
    result = engine.audit(profile)
    return {
        "recommended": {
            r.measure: sorted({f.rule for f in r.reasons}) for r in result.recommendations
        },
        "derived": {d.key: [d.value, sorted(d.by)] for d in result.derived_facts},
    }


def expected(scenario: dict[str, Any], profile: dict[str, Any]) -> dict[str, Any]:
    found = oracle.infer(scenario, profile)
    return {
        "recommended": {m: sorted(rules) for m, rules in found.recommended.items() if rules},
        "derived": {k: [v, sorted(rules)] for k, (v, rules) in found.derived.items()},
    }


def main(name: str, size: int) -> None:
    scenario = SCENARIOS[name](size)
    engine = Engine([world_plugin(scenario)], discover=False)
    differences = []
    recommendations = 0
    for profile in profiles(size):
        engine_found = conclusions(engine, profile)
        recommendations += sum(len(rules) for rules in engine_found["recommended"].values())
        # The engine names a derivation step by rule id; the oracle by rule id as well.
        engine_found["derived"] = {
            key: [value, sorted({by.split("#")[0] for by in rules})]
            for key, (value, rules) in engine_found["derived"].items()
        }
        oracle_found = expected(scenario, profile)
        if engine_found != oracle_found:
            differences.append({"profile": profile, "engine": engine_found, "oracle": oracle_found})
    print(
        json.dumps(
            {
                "rulesets": len(engine.compiled.partitions),
                "rules": engine.compiled.rule_count,
                "differences": differences[:3],
                "recommendations": recommendations,
                "live_states": engine._runner.live_states,
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
