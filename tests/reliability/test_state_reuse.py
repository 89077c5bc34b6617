"""Audits in a durable_rules state kept (emptied) from the audit before.

The runner retracts an audit's facts and keeps the state for the next audit instead of
creating a new one (see the module docstring of ``kundenkompass.inference.runner``). What
fires and what is derived must be what a new state gives, whatever audits ran before.
"""

from __future__ import annotations

from typing import Any

import durable_rules_engine  # type: ignore[import-not-found]
import pytest
from hypothesis import HealthCheck, given, settings
from kundenkompass.engine import Engine
from kundenkompass.errors import RuleError
from kundenkompass.inference.runner import RuleRunner
from kundenkompass.profile.known_values import known_values

from ..conftest import ROOT
from ..strategies import profiles

EXAMPLE = ROOT / "examples" / "radhaus.toml"
REUSED = Engine()
NEW_STATES = Engine()


def never_emptied(*args: Any) -> bool:
    return False


# Emptying "fails" for this runner, so that it deletes every state and creates a new one
# for each audit: the reference.
NEW_STATES._runner._host.empty_state = never_emptied  # type: ignore[method-assign]


def known(engine: Engine, profile: dict[str, Any]) -> dict[str, Any]:
    scoped = engine._in_scope(engine.load_profile(profile))[0]
    return known_values(scoped, engine.catalog)


def stored_facts(runner: RuleRunner) -> dict[str, str]:
    """The facts of the kept state in each ruleset where it exists."""
    assert runner._idle_sid is not None
    return {
        name: durable_rules_engine.get_facts(runner._host._handles[name], runner._idle_sid)
        for name in sorted(runner._created)
    }


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(profiles(REUSED.catalog))
def test_an_audit_in_a_kept_state_concludes_what_a_new_state_concludes(profile):
    values = known(REUSED, profile)
    reused = REUSED._runner.run(values)
    fresh = NEW_STATES._runner.run(values)
    assert reused.fired == fresh.fired
    assert reused.derived == fresh.derived
    assert NEW_STATES._runner._idle_sid is None  # the reference really starts afresh


def test_the_kept_state_holds_no_fact_of_the_audit_before(engine):
    engine.audit(EXAMPLE)
    runner = engine._runner
    kept = stored_facts(runner)
    assert kept  # the audit asserted facts, so states exist
    assert set(kept.values()) == {"[]"}
    assert runner.live_states == 0


def test_a_state_that_does_not_come_out_empty_is_deleted(engine, monkeypatch):
    runner = engine._runner
    profile = engine.load_profile(EXAMPLE)
    expected = engine.audit(profile).to_json()
    monkeypatch.setattr(runner._host, "empty_state", never_emptied)
    first_sid = runner._idle_sid
    assert engine.audit(profile).to_json() == expected
    assert runner._idle_sid is None and runner._created == set()
    monkeypatch.undo()
    assert engine.audit(profile).to_json() == expected
    assert runner._idle_sid not in (None, first_sid)  # a new state, kept again


def test_a_failure_while_emptying_deletes_the_state_and_the_next_audit_starts_afresh(
    engine, monkeypatch
):
    runner = engine._runner
    profile = engine.load_profile(EXAMPLE)
    expected = engine.audit(profile).to_json()

    def failing(*args: Any) -> bool:
        raise Exception("error 201")  # durable_rules raises bare exceptions with a number

    monkeypatch.setattr(runner._host, "empty_state", failing)
    assert engine.audit(profile).to_json() == expected
    assert runner._idle_sid is None and runner._created == set()
    monkeypatch.undo()
    assert engine.audit(profile).to_json() == expected


def test_the_state_of_a_failed_audit_is_not_kept(engine, monkeypatch):
    runner = engine._runner
    profile = engine.load_profile(EXAMPLE)
    expected = engine.audit(profile).to_json()
    host_assert = runner._host.assert_encoded

    def failing(name, facts, *args, **kwargs):
        raise RuntimeError("error 303")

    monkeypatch.setattr(runner._host, "assert_encoded", failing)
    with pytest.raises(RuleError):
        engine.audit(profile)
    assert runner._idle_sid is None and runner._created == set()
    assert runner.live_states == 0
    monkeypatch.setattr(runner._host, "assert_encoded", host_assert)
    assert engine.audit(profile).to_json() == expected
