"""One engine, many audits: from many threads, repeatedly, with failures in between."""

from __future__ import annotations

import random
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from kundenkompass import hookimpl
from kundenkompass.catalog.catalog import Catalog
from kundenkompass.catalog.plugin_data import PluginData
from kundenkompass.engine import Engine
from kundenkompass.errors import AuditError, PluginError
from kundenkompass.models import Derivation, FactDefinition, FactType
from kundenkompass.profile.load import Company
from kundenkompass.profile.scope import scope_problem
from kundenkompass.rules.language import parse_rules
from kundenkompass.vocabulary import CHANNELS

from .conftest import ROOT, SAMPLE_PLUGIN

ANSWER_WORDS = ["ja", "teilweise", "nein", "entfällt", None]


def generated_profile(catalog: Catalog, seed: int) -> dict[str, Any]:
    """A random but valid profile; about a fifth of all inputs are left unknown."""
    rng = random.Random(seed)
    channels = [c for c in CHANNELS if rng.random() < 0.5] or [rng.choice(CHANNELS)]
    # Only what is in the company's scope (sector "test", its channels).
    company = Company(name="Firma", sector="test", channels=tuple(channels))
    answers = {}
    for item_id in catalog.checklist:
        word = rng.choice(ANSWER_WORDS)
        if word is not None and not scope_problem(f"answers.{item_id}", catalog, company):
            answers[item_id] = word
    facts: dict[str, Any] = {}
    for fact in catalog.input_facts():
        if rng.random() < 0.2 or scope_problem(f"facts.{fact.key}", catalog, company):
            continue
        low = fact.minimum if fact.minimum is not None else 0
        high = fact.maximum if fact.maximum is not None else low + 100
        if fact.type is FactType.BOOL:
            facts[fact.key] = rng.random() < 0.5
        elif fact.type is FactType.INT:
            facts[fact.key] = rng.randint(int(low), int(high))
        elif fact.type is FactType.FLOAT:
            facts[fact.key] = round(rng.uniform(low, high), 1)
        elif fact.type is FactType.ENUM:
            facts[fact.key] = rng.choice(fact.values)
        elif fact.type is FactType.ENUM_LIST:
            facts[fact.key] = [v for v in fact.values if rng.random() < 0.4]
        else:
            facts[fact.key] = f"Text {seed}"
    return {
        "company": {"name": f"Firma {seed}", "sector": "test", "channels": channels},
        "answers": answers,
        "facts": facts,
    }


@pytest.fixture(scope="module")
def profiles(engine) -> list[dict[str, Any]]:
    return [generated_profile(engine.catalog, seed) for seed in range(40)]


@pytest.fixture(scope="module")
def expected(profiles) -> list[str]:
    """Each profile's JSON from an engine that has audited nothing else."""
    fresh = Engine()
    return [fresh.audit(profile).to_json() for profile in profiles]


def test_generated_profiles_differ(expected):
    assert len(set(expected)) == len(expected)


def test_repeated_audits_on_one_engine_give_identical_results(engine, profiles, expected):
    for _ in range(3):
        for profile, json in zip(profiles, expected, strict=True):
            assert engine.audit(profile).to_json() == json
    assert engine._runner.live_states == 0


def test_many_threads_on_one_engine_match_a_fresh_engine(engine, profiles, expected):
    work = [index for index in range(len(profiles)) for _ in range(4)]
    random.Random(7).shuffle(work)
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda i: (i, engine.audit(profiles[i]).to_json()), work))
    for index, json in results:
        assert json == expected[index], f"profile {index} differs when audited from threads"
    assert engine._runner.live_states == 0


def test_live_durable_rules_states_stay_bounded_under_threads(profiles, monkeypatch):
    engine = Engine()
    runner = engine._runner
    seen: list[int] = []
    host_assert = runner._host.assert_encoded

    def watching_assert(*args, **kwargs):
        seen.append(runner.live_states)
        return host_assert(*args, **kwargs)

    monkeypatch.setattr(runner._host, "assert_encoded", watching_assert)
    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(engine.audit, profiles * 2))
    assert seen, "no audit reached durable_rules"
    assert max(seen) == 1  # audits take turns: one live state per ruleset at a time
    assert runner.live_states == 0


def test_threaded_result_matches_a_fresh_process(engine):
    # The CLI's own interpreter, so no state of this test session can leak into it.
    code = (
        "import sys; from pathlib import Path; from kundenkompass.engine import Engine; "
        "sys.stdout.write(Engine().audit(Path('examples/radhaus.toml')).to_json())"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    fresh = done.stdout
    profile = ROOT / "examples" / "radhaus.toml"
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: engine.audit(profile).to_json(), range(8)))
    for result in results:
        assert result.splitlines() == fresh.splitlines()


# ------------------------------------------------------------ failures do not poison


class Troublemaker:
    """A plugin whose derivation raises for one input value and whose rules conflict."""

    KUNDENKOMPASS_PLUGIN_NAME = "troublemaker"

    @hookimpl
    def register_facts(self) -> list[FactDefinition]:
        return [
            FactDefinition(
                key="antwort_bewertet", type="bool", question={"de": "?"}, source="derived"
            ),
            FactDefinition(key="streit", type="bool", question={"de": "?"}, source="derived"),
        ]

    @hookimpl
    def register_derivations(self) -> list[Derivation]:
        def rate(known: dict[str, Any]) -> bool | None:
            hours = known.get("facts.antwortzeit")
            if hours == 13:
                raise ZeroDivisionError("unlucky number")
            return None if hours is None else hours < 12

        return [
            Derivation(
                fact="antwort_bewertet",
                inputs=("facts.antwortzeit",),
                compute=rate,
                description={"de": "Antwortzeit bewertet"},
            )
        ]

    @hookimpl
    def register_rules(self):
        return parse_rules(
            {
                "rule": [
                    {
                        "id": "streit_ja",
                        "derive": {"fact": "streit", "value": True},
                        "when": {"answer": "social", "equals": "teilweise"},
                    },
                    {
                        "id": "streit_nein",
                        "derive": {"fact": "streit", "value": False},
                        "when": {"fact": "homepage", "equals": False},
                    },
                ]
            },
            "troublemaker",
        )


STORE = {"name": "Test GmbH", "channels": ["laden"]}
GOOD = [
    {"company": STORE, "answers": {"gbp": "nein"}, "facts": {"antwortzeit": 30.0}},
    {"company": STORE, "answers": {"gbp": "ja", "social": "nein"}, "facts": {"kanaele": []}},
    {"company": STORE, "answers": {"social": "teilweise"}, "facts": {"homepage": True}},
    {"company": STORE, "facts": {"homepage": False, "antwortzeit": 2.0}},
]
RAISING_DERIVATION = {"company": STORE, "facts": {"antwortzeit": 13.0}}
CONFLICTING_RULES = {
    "company": STORE,
    "answers": {"social": "teilweise"},
    "facts": {"homepage": False},
}


@pytest.fixture(scope="module")
def troubled_engine() -> Engine:
    return Engine([PluginData(SAMPLE_PLUGIN), Troublemaker()], discover=False)


def test_failing_audits_raise_clear_errors(troubled_engine):
    with pytest.raises(
        PluginError, match="Ableitung 'antwort_bewertet' löste ZeroDivisionError aus"
    ):
        troubled_engine.audit(RAISING_DERIVATION)
    with pytest.raises(AuditError, match="streit") as caught:
        troubled_engine.audit(CONFLICTING_RULES)
    assert {rule for rule, _ in caught.value.failures} <= {"streit_ja", "streit_nein"}
    assert troubled_engine._runner.live_states == 0


def test_a_failed_audit_does_not_poison_the_next(troubled_engine):
    fresh = Engine([PluginData(SAMPLE_PLUGIN), Troublemaker()], discover=False)
    expected = [fresh.audit(profile).to_json() for profile in GOOD]
    for profile, json in zip(GOOD, expected, strict=True):
        with pytest.raises(AuditError):
            troubled_engine.audit(CONFLICTING_RULES)
        with pytest.raises(PluginError):
            troubled_engine.audit(RAISING_DERIVATION)
        assert troubled_engine.audit(profile).to_json() == json


def test_failures_in_some_threads_do_not_disturb_the_others(troubled_engine):
    fresh = Engine([PluginData(SAMPLE_PLUGIN), Troublemaker()], discover=False)
    expected = [fresh.audit(profile).to_json() for profile in GOOD]
    work = [*range(len(GOOD)), "conflict", "raise"] * 25
    random.Random(3).shuffle(work)
    errors: list[str] = []
    lock = threading.Lock()

    def audit(job: int | str) -> None:
        if job == "conflict":
            with pytest.raises(AuditError):
                troubled_engine.audit(CONFLICTING_RULES)
        elif job == "raise":
            with pytest.raises(PluginError):
                troubled_engine.audit(RAISING_DERIVATION)
        elif troubled_engine.audit(GOOD[job]).to_json() != expected[job]:
            with lock:
                errors.append(f"profile {job} differs")

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(audit, work))
    assert errors == []
    assert troubled_engine._runner.live_states == 0


# ------------------------------------------------- durable_rules' fact identity collisions


def test_a_fact_identity_collision_is_retried_under_a_new_state(engine, monkeypatch):
    """durable_rules may refuse a fact as "already observed" when its 32-bit identity hash,
    which includes the state id, collides with another fact's: the result of an audit must
    not depend on how many audits the engine ran before."""
    from durable import engine as durable_engine

    profile = ROOT / "examples" / "radhaus.toml"
    expected = engine.audit(profile).to_json()
    runner = engine._runner
    host_assert = runner._host.assert_encoded
    sids: list[str] = []

    def colliding_once(name, facts, sid, **kwargs):
        sids.append(sid)
        if len(sids) == 1:
            raise durable_engine.MessageObservedException(facts)
        return host_assert(name, facts, sid, **kwargs)

    monkeypatch.setattr(runner._host, "assert_encoded", colliding_once)
    assert engine.audit(profile).to_json() == expected
    assert len(set(sids)) == 2  # the second run had its own state id
    assert runner.live_states == 0


def test_a_collision_that_keeps_coming_back_is_an_audit_error(engine, monkeypatch):
    from durable import engine as durable_engine
    from kundenkompass.inference.runner import MAX_RUNS

    runner = engine._runner
    calls: list[int] = []

    def always_colliding(name, facts, *args, **kwargs):
        calls.append(1)
        raise durable_engine.MessageObservedException(facts)

    monkeypatch.setattr(runner._host, "assert_encoded", always_colliding)
    with pytest.raises(AuditError, match="MessageObservedException"):
        engine.audit(ROOT / "examples" / "radhaus.toml")
    assert len(calls) == MAX_RUNS
    assert runner.live_states == 0
