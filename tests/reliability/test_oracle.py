"""The engine against an independent oracle, over generated rule sets and profiles.

The durable_rules-backed engine and :mod:`tests.oracle` (a naive recursive evaluator with a
forward-chaining fixpoint) must recommend exactly the same measures, for the same rules,
and derive the same facts with the same values. Any difference is a bug in one of them.
"""

from __future__ import annotations

from typing import Any
from unittest.mock import patch

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kundenkompass.engine import Engine
from kundenkompass.inference import compile as compile_rules
from kundenkompass.inference.compile import MAX_RULES_PER_PARTITION
from kundenkompass.results import AuditResult

from .. import oracle
from .worlds import (
    ANSWERS,
    CHANNELS,
    INPUT_TYPES,
    LIST_VALUES,
    OPERATORS,
    POOLS,
    RULE_ONLY,
    profiles,
    world_plugin,
    worlds,
)

DIFFERENTIAL = settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def typed(value: Any) -> tuple[str, Any]:
    """A value with its type, so that 1 and True or 1 and 1.0 are told apart."""
    return type(value).__name__, value


def engine_conclusions(result: AuditResult) -> tuple[dict[str, set[str]], dict[str, Any]]:
    recommended = {
        rec.measure: {firing.rule for firing in rec.reasons} for rec in result.recommendations
    }
    derived = {fact.key: (typed(fact.value), set(fact.by)) for fact in result.derived_facts}
    return recommended, derived


def oracle_conclusions(
    world: dict[str, Any], profile: dict[str, Any]
) -> tuple[dict[str, set[str]], dict[str, Any]]:
    expected = oracle.infer(world, profile)
    assert not expected.conflicts, "generated worlds never derive conflicting values"
    derived = {key: (typed(value), rules) for key, (value, rules) in expected.derived.items()}
    return expected.recommended, derived


@DIFFERENTIAL
@given(world=worlds(), data=st.data())
def test_engine_and_oracle_agree_on_generated_rules_and_profiles(world, data):
    # Small partitions make derived facts cross from one durable_rules ruleset to another.
    per_partition = data.draw(
        st.sampled_from((1, 2, 3, MAX_RULES_PER_PARTITION)), label="rules per ruleset"
    )
    with patch.object(compile_rules, "MAX_RULES_PER_PARTITION", per_partition):
        engine = Engine([world_plugin(world)], discover=False)
    for profile in data.draw(st.lists(profiles(world), min_size=1, max_size=10), label="profiles"):
        assert engine_conclusions(engine.audit(profile)) == oracle_conclusions(world, profile)
    assert engine._runner.live_states == 0


def single_leaf_world() -> dict[str, Any]:
    """Every operator on every kind of value, each leaf plain and negated, one rule each."""
    facts = {f"{kind}_0": {"type": kind, "source": "input"} for kind in INPUT_TYPES}
    subjects = [("answer", "frage_0", "answer")]
    subjects += [("fact", key, fact["type"]) for key, fact in facts.items()]
    subjects += [("company", "channels", "enum_list"), ("company", "sector", "text")]
    rules: list[dict[str, Any]] = []
    for subject, key, kind in subjects:
        for operator in (*OPERATORS[kind], "is_unknown"):
            if operator == "is_unknown":
                values: list[Any] = [True, False]
            elif operator in ("in", "not_in"):
                pool = POOLS[kind]
                values = [[pool[0]], [pool[1], pool[-1]], list(pool)]
            elif kind == "enum_list":
                values = list(CHANNELS if subject == "company" else LIST_VALUES)
            else:
                values = list(POOLS[kind] + RULE_ONLY.get(kind, ()))
            for value in values:
                leaf = {subject: key, operator: value}
                for condition in (leaf, {"not": leaf}, {"not": {"not": leaf}}):
                    rules.append({"id": f"regel_{len(rules)}", "when": condition})
    for rule in rules:
        rule["recommend"] = f"fuer_{rule['id']}"
    return {
        "checklist": ["frage_0"],
        "facts": facts,
        "derived_values": {},
        "thresholds": {},
        "derivations": {},
        "measures": {rule["recommend"]: {"channels": []} for rule in rules},
        "rules": rules,
    }


def single_value_profiles() -> list[dict[str, Any]]:
    """Profiles that each state one value (or none at all)."""
    company = {"name": "Welt GmbH", "channels": ["laden"]}
    found: list[dict[str, Any]] = [{"company": company}]
    found += [{"company": company, "answers": {"frage_0": word}} for word in ANSWERS]
    for kind in INPUT_TYPES:
        if kind == "enum_list":
            values: list[Any] = [[], ["mo"], ["di", "mi"], list(LIST_VALUES)]
        else:
            values = list(POOLS[kind])
        found += [{"company": company, "facts": {f"{kind}_0": value}} for value in values]
    found += [
        {"company": {**company, "channels": list(channels)}}
        for channels in (["onlineshop"], CHANNELS)
    ]
    found += [{"company": {**company, "sector": sector}} for sector in POOLS["text"]]
    return found


def test_every_operator_plain_and_negated_agrees_with_the_oracle():
    world = single_leaf_world()
    engine = Engine([world_plugin(world)], discover=False)
    for profile in single_value_profiles():
        assert engine_conclusions(engine.audit(profile)) == oracle_conclusions(world, profile), (
            profile
        )
