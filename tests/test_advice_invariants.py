"""Invariants of the advice over every example and contract profile.

* No recommendation rests on a rule whose declared contradiction (``unless``) is known
  true in the profile.
* Every built-in checklist item answered "nein" on its own (everything else unknown)
  yields at least one measure, on every channel mix where the item is asked.
* No open question asks about something the profile says the company does not have: a
  channel, a sector, or a precondition (``applies_when``) it makes false; derived facts
  are never asked.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from kundenkompass.catalog.checks import BUILT_IN_DISTRIBUTION
from kundenkompass.engine import Engine
from kundenkompass.inference.applicability import profile_values
from kundenkompass.profile.known_values import known_values
from kundenkompass.rules.evaluate import evaluate

from .conftest import ROOT, TESTS

PROFILES = sorted(
    {
        *(ROOT / "examples").glob("*.toml"),
        ROOT / "examples" / "kundenkompass-fahrradhandel" / "radwerk.toml",
        *(TESTS / "advice" / "profiles").glob("**/*.toml"),
    }
)
CHANNEL_MIXES = (("laden",), ("onlineshop",), ("laden", "onlineshop"))


def _name(path: Path) -> str:
    return str(path.relative_to(ROOT))


def all_values(engine: Engine, path: Path) -> tuple[Any, dict[str, Any], dict[str, Any]]:
    """The result, the profile's own inputs, and every known value (derived included)."""
    profile = engine.load_profile(path)
    result = engine.audit(profile)
    applied, _, _ = engine._in_scope(profile)
    values = known_values(applied, engine.catalog)
    for fact in result.derived_facts:
        values[f"facts.{fact.key}"] = fact.value
    return result, profile_values(profile), values


@pytest.mark.parametrize("path", PROFILES, ids=_name)
def test_no_recommendation_is_contradicted_by_a_known_input(engine, path):
    result, _, values = all_values(engine, path)
    contradicted = []
    for recommendation in result.recommendations:
        for firing in recommendation.reasons:
            rule = engine.catalog.rules.get(firing.rule)
            unless = rule.unless if rule is not None else None
            if unless is not None and evaluate(unless, values) is True:
                contradicted.append((recommendation.measure, firing.rule))
    assert contradicted == []


@pytest.mark.parametrize("path", PROFILES, ids=_name)
def test_no_open_question_about_what_the_company_does_not_have(engine, path):
    result, own, _ = all_values(engine, path)
    catalog = engine.catalog
    channels = set(result.company.channels)
    wrong = []
    for question in result.open_questions:
        table, _, key = question.ref.partition(".")
        entry = catalog.checklist.get(key) if table == "answers" else catalog.facts.get(key)
        assert entry is not None, question.ref
        if entry.channels and not set(entry.channels) & channels:
            wrong.append((question.ref, "channel"))
        if entry.sectors and result.company.sector not in entry.sectors:
            wrong.append((question.ref, "sector"))
        if table == "facts" and entry.source == "derived":  # type: ignore[union-attr]
            wrong.append((question.ref, "derived"))
        precondition = catalog.preconditions.get(question.ref)
        if precondition is not None and evaluate(precondition, own) is False:
            wrong.append((question.ref, "precondition"))
    assert wrong == []


def _built_in_items(engine: Engine) -> list[str]:
    built_in = {
        info.name for info in engine.catalog.plugins if info.distribution == BUILT_IN_DISTRIBUTION
    }
    return [
        item.id
        for item in engine.catalog.checklist.values()
        if engine.catalog.owners[("checklist item", item.id)] in built_in and not item.sectors
    ]


def single_no_gaps(engine: Engine) -> list[tuple[str, tuple[str, ...]]]:
    """(item, channels) where the item alone answered "nein" makes no rule recommend a
    measure beyond those the channels alone bring."""
    gaps = []
    for item_id in _built_in_items(engine):
        item = engine.catalog.checklist[item_id]
        for channels in CHANNEL_MIXES:
            if item.channels and not set(item.channels) & set(channels):
                continue  # not asked on this channel mix
            precondition = engine.catalog.preconditions.get(f"answers.{item_id}")
            company = {"company.channels": channels}
            if precondition is not None and evaluate(precondition, company) is False:
                continue
            profile: dict[str, Any] = {
                "company": {"name": "Einzelfall", "channels": list(channels)}
            }
            baseline = _recommending_rules(engine, profile)
            answered = _recommending_rules(engine, {**profile, "answers": {item_id: "nein"}})
            if not answered - baseline:
                gaps.append((item_id, channels))
    return gaps


def _recommending_rules(engine: Engine, profile: dict[str, Any]) -> set[str]:
    result = engine.audit(profile)
    return {firing.rule for r in result.recommendations for firing in r.reasons}


def test_every_single_no_yields_a_measure_on_every_channel_mix(engine):
    assert single_no_gaps(engine) == []
