"""The engine's own action loop (DirectHost) against durable_rules' stock dispatch.

Both hosts get the engine's compiled rulesets and, per profile, the facts the engine
asserts; every action records its rule and asserts what the rule derives, as the engine's
actions do. The rules that fire, in their order, must be the same.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, given, settings
from kundenkompass.engine import Engine
from kundenkompass.inference.compile import FACT_TYPE, property_name
from kundenkompass.inference.runner import (
    SINK_RULE,
    START_FACT_TYPE,
    START_RULE,
    DirectHost,
    QuietHost,
    _dumps,
)
from kundenkompass.profile.known_values import known_values

from ..strategies import profiles

ENGINE = Engine()
SIDS = itertools.count(1)


class Recorder:
    """A host with the engine's rulesets whose actions record the rules that fire."""

    def __init__(self, host: QuietHost, prefix: str) -> None:
        self.host = host
        self.fired: list[str] = []
        self.derived: set[str] = set()
        self.names: list[str] = []
        definitions: dict[str, dict[str, Any]] = {}
        for partition in ENGINE.compiled.partitions:
            name = f"{prefix}_{partition.name}"
            self.names.append(name)
            rules = {rule: dict(d) for rule, d in partition.definitions.items()}
            for rule_name, definition in rules.items():
                definition["run"] = self.action(rule_name)
            rules[SINK_RULE] = {
                "all": [{"fact": {"t": FACT_TYPE}}, {"never": {"t": "__never__"}}],
                "run": lambda context: None,
            }
            rules[START_RULE] = {
                "pri": 0,
                "all": [{"start": {"t": START_FACT_TYPE}}],
                "run": lambda context: self.fired.append(START_RULE),
            }
            definitions[name] = rules
        host.set_rulesets(definitions)

    def action(self, rule_name: str) -> Callable[[Any], None]:
        rule = ENGINE.compiled.alternative(rule_name).rule

        def run(context: Any) -> None:
            self.fired.append(rule_name)
            if rule.derive is not None and rule.derive.fact not in self.derived:
                self.derived.add(rule.derive.fact)
                prop = property_name(f"facts.{rule.derive.fact}")
                context.assert_fact({"t": FACT_TYPE, prop: rule.derive.value})

        return run

    def run(self, facts: list[tuple[str, Any]]) -> list[str]:
        self.fired.clear()
        self.derived.clear()
        sid = str(next(SIDS))
        try:
            for name in self.names:
                self.host.assert_fact(name, {"t": START_FACT_TYPE, "sid": sid})
                batch = [{"t": FACT_TYPE, prop: value, "sid": sid} for prop, value in facts]
                self.host.assert_facts(name, batch)
        finally:
            for name in self.names:
                self.host.delete_state(name, sid)
        return list(self.fired)


DIRECT = Recorder(DirectHost(), "direct")
STOCK = Recorder(QuietHost(), "stock")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(profiles(ENGINE.catalog))
def test_direct_dispatch_fires_what_the_stock_dispatch_fires(profile: dict[str, Any]) -> None:
    scoped = ENGINE._in_scope(ENGINE.load_profile(profile))[0]
    facts = ENGINE._runner._input_facts(known_values(scoped, ENGINE.catalog))
    stock = STOCK.run(facts)
    assert stock.count(START_RULE) == len(ENGINE.compiled.partitions)
    assert DIRECT.run(facts) == stock


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(profiles(ENGINE.catalog))
def test_the_facts_written_as_json_are_the_input_facts(profile: dict[str, Any]) -> None:
    """The runner writes each audit's facts as JSON text without a dict per fact: the
    text is what durable_rules' JSON (``_dumps``) gives for the input facts, in order."""
    runner = ENGINE._runner
    scoped = ENGINE._in_scope(ENGINE.load_profile(profile))[0]
    known = known_values(scoped, ENGINE.catalog)
    expected: list[list[str]] = [[] for _ in runner._names]
    for prop, value in runner._input_facts(known):
        for position in ENGINE.compiled.consumers.get(prop, ()):
            fact = {"t": FACT_TYPE, prop: value, "sid": "7"}
            expected[position].append(_dumps(fact, ensure_ascii=False))
    assert runner._fact_batches(known, "7") == expected
