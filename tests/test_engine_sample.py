"""Inference semantics, on the small sample plugin in tests/data/sample_plugin."""

from __future__ import annotations

import pytest
from kundenkompass.engine import Engine

STORE = {"name": "Test GmbH", "channels": ["laden"]}


def recommended(result):
    return [r.measure for r in result.recommendations]


def test_no_answer_recommends_the_measure_with_its_reason(sample_engine):
    result = sample_engine.audit({"company": STORE, "answers": {"gbp": "nein"}})
    (gbp,) = [r for r in result.recommendations if r.measure == "gbp_anlegen"]
    assert gbp.reasons[0].rule == "gbp_fehlt"
    assert gbp.reasons[0].reason == "Es gibt kein Google-Profil."
    assert gbp.reasons[0].evidence[0].ref == "answers.gbp"
    assert gbp.reasons[0].evidence[0].shown == "nein"


def test_yes_answer_does_not_recommend(sample_engine):
    result = sample_engine.audit({"company": STORE, "answers": {"gbp": "ja"}})
    assert "gbp_anlegen" not in recommended(result)


@pytest.mark.parametrize("answers", [{}, {"gbp": "unbekannt"}])
def test_unknown_answer_is_an_open_question_not_a_measure(sample_engine, answers):
    result = sample_engine.audit({"company": STORE, "answers": answers})
    assert "gbp_anlegen" not in recommended(result)
    questions = {q.ref: q.could_recommend for q in result.open_questions}
    assert questions["answers.gbp"] == ["gbp_anlegen"]


def test_chained_rule_fires_through_a_derived_fact(sample_engine):
    result = sample_engine.audit({"company": STORE, "facts": {"homepage": False}})
    assert [(d.key, d.value, d.by) for d in result.derived_facts] == [
        ("praesenz_schwach", True, ["praesenz"])
    ]
    (praesenz,) = [r for r in result.recommendations if r.measure == "praesenz_aufbauen"]
    evidence = praesenz.reasons[0].evidence[0]
    assert evidence.ref == "facts.praesenz_schwach"
    assert evidence.derived_by == ["praesenz"]


def test_negated_list_condition_on_an_empty_list(sample_engine):
    result = sample_engine.audit(
        {"company": STORE, "answers": {"social": "nein"}, "facts": {"kanaele": []}}
    )
    assert "praesenz_aufbauen" in recommended(result)
    result = sample_engine.audit(
        {"company": STORE, "answers": {"social": "nein"}, "facts": {"kanaele": ["instagram"]}}
    )
    assert "praesenz_aufbauen" not in recommended(result)


def test_threshold_with_profile_override(sample_engine):
    slow = {"company": STORE, "facts": {"antwortzeit": 30.0}}
    assert "schneller_antworten" in recommended(sample_engine.audit(slow))
    relaxed = {**slow, "thresholds": {"antwort_schnell": 48}}
    assert "schneller_antworten" not in recommended(sample_engine.audit(relaxed))


def test_channel_measures_only_for_companies_with_that_channel(sample_engine):
    answers = {"gbp": "nein"}
    store = sample_engine.audit({"company": STORE, "answers": answers})
    shop = sample_engine.audit(
        {"company": {**STORE, "channels": ["onlineshop"]}, "answers": answers}
    )
    assert "shop_messen" not in recommended(store)
    assert "shop_messen" in recommended(shop)


def test_prerequisite_comes_first(sample_engine):
    result = sample_engine.audit(
        {"company": STORE, "answers": {"gbp": "nein"}, "facts": {"homepage": False}}
    )
    order = recommended(result)
    assert order.index("gbp_anlegen") < order.index("praesenz_aufbauen")


def test_audits_in_a_row_are_independent(sample_engine):
    first = sample_engine.audit(
        {"company": STORE, "answers": {"gbp": "nein"}, "facts": {"homepage": False}}
    )
    second = sample_engine.audit(
        {"company": STORE, "answers": {"gbp": "ja"}, "facts": {"homepage": True}}
    )
    again = sample_engine.audit(
        {"company": STORE, "answers": {"gbp": "nein"}, "facts": {"homepage": False}}
    )
    assert recommended(second) == []
    assert second.derived_facts == []
    assert first.to_json() == again.to_json()
    assert sample_engine._runner.live_states == 0


def test_a_fresh_engine_gives_byte_identical_json(sample_engine):
    from kundenkompass.catalog.plugin_data import PluginData

    from .conftest import SAMPLE_PLUGIN

    profile = {"company": STORE, "answers": {"gbp": "teilweise"}, "facts": {"antwortzeit": 99.5}}
    fresh = Engine([PluginData(SAMPLE_PLUGIN)], discover=False)
    assert fresh.audit(profile).to_json() == sample_engine.audit(profile).to_json()
