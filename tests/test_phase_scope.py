"""The phase table counts only the checklist items that apply to the company.

A store-only item is no gap of an online shop: left unanswered, it is neither an item of
the phase nor unanswered, nor a row of the checklist. Answered "entfällt" by the profile
itself, it stays as it was.
"""

from __future__ import annotations

import itertools

import pytest
from kundenkompass.engine import Engine
from kundenkompass.profile.scope import scope_problem
from kundenkompass.render.report import render_report
from kundenkompass.vocabulary import CHANNELS

MIXES = [
    list(combination)
    for size in range(1, len(CHANNELS) + 1)
    for combination in itertools.combinations(CHANNELS, size)
]

ONLINE_ONLY = {"name": "Gipfelglück Outdoor GmbH", "sector": "outdoor", "channels": ["onlineshop"]}


def applying_items(engine: Engine, company: dict[str, object]) -> list[str]:
    """The items a company of this shape may answer at all (its scope)."""
    profile = engine.load_profile({"company": company})
    return [
        item
        for item in engine.catalog.checklist
        if scope_problem(f"answers.{item}", engine.catalog, profile.company) is None
    ]


def fully_answered(engine: Engine, company: dict[str, object], answer: str = "nein"):
    answers = dict.fromkeys(applying_items(engine, company), answer)
    return {"company": company, "answers": answers}


def store_only_items(engine: Engine) -> set[str]:
    return {i.id for i in engine.catalog.checklist.values() if set(i.channels) == {"laden"}}


@pytest.mark.parametrize("channels", MIXES, ids="+".join)
def test_a_profile_answering_every_applying_item_has_no_unanswered_item(engine, channels):
    company = {"name": "Betrieb", "channels": channels}
    result = engine.audit(fully_answered(engine, company))
    for phase in result.phases:
        assert phase.unanswered == 0, (phase.phase, channels)
        assert phase.answered == phase.items == len(phase.checklist), phase.phase
        assert all(row.answer is not None for row in phase.checklist), phase.phase


def test_store_only_items_are_no_items_of_an_online_shop(engine):
    result = engine.audit(fully_answered(engine, ONLINE_ONLY))
    rows = {row.item for phase in result.phases for row in phase.checklist}
    assert rows.isdisjoint(store_only_items(engine))
    by_phase = {phase.phase: phase for phase in result.phases}
    # The review's profile: "beantwortet 4 von 7" and "7 von 9" although nothing was open.
    assert (by_phase["produktwahl"].answered, by_phase["produktwahl"].items) == (4, 4)
    assert by_phase["kauf"].unanswered == 0


def test_an_item_the_profile_answers_entfaellt_stays_as_it_was(engine):
    profile = fully_answered(engine, ONLINE_ONLY)
    left_out = engine.audit(profile)
    profile["answers"]["laden_uebersichtlich"] = {"antwort": "entfällt", "notiz": "kein Laden"}
    kept = engine.audit(profile)
    before = {p.phase: p for p in left_out.phases}["kauf"]
    after = {p.phase: p for p in kept.phases}["kauf"]
    assert (after.items, after.answered, after.not_applicable) == (
        before.items + 1,
        before.answered + 1,
        before.not_applicable + 1,
    )
    row = next(row for row in after.checklist if row.item == "laden_uebersichtlich")
    assert (row.answer, row.note) == ("entfaellt", "kein Laden")
    # Neither way is scored: the scores, the plan and the strengths are the same.
    assert [p.score for p in kept.phases] == [p.score for p in left_out.phases]
    assert kept.overall_score == left_out.overall_score
    assert kept.recommendations == left_out.recommendations
    assert kept.strengths == left_out.strengths


def test_unbekannt_for_a_store_only_item_is_not_an_open_gap(engine):
    profile = fully_answered(engine, ONLINE_ONLY)
    profile["answers"]["laden_uebersichtlich"] = "unbekannt"
    result = engine.audit(profile)
    assert all(phase.unanswered == 0 for phase in result.phases)


def test_online_items_a_store_leaves_out_are_not_counted_either(engine):
    # A precondition on the channels alone answers them "entfällt" for the audit; that is
    # not the profile's answer, so they are no items of a store-only company.
    company = {"name": "Eisenwaren", "channels": ["laden"]}
    result = engine.audit(fully_answered(engine, company))
    rows = {row.item for phase in result.phases for row in phase.checklist}
    online = {i.id for i in engine.catalog.checklist.values() if i.channels == ("onlineshop",)}
    assert rows.isdisjoint(online)
    kauf = {p.phase: p for p in result.phases}["kauf"]
    assert kauf.not_applicable == 0


def test_an_item_in_scope_left_unanswered_is_still_unanswered(engine):
    profile = fully_answered(engine, ONLINE_ONLY)
    del profile["answers"]["checkout_wenige_klicks"]
    kauf = {p.phase: p for p in engine.audit(profile).phases}["kauf"]
    assert kauf.unanswered == 1
    assert kauf.items == kauf.answered + 1


@pytest.mark.parametrize("form", ["text", "markdown", "html"])
@pytest.mark.parametrize("audience", ["advisor", "owner"])
def test_reports_show_full_coverage_for_a_fully_answered_online_shop(engine, form, audience):
    result = engine.audit(fully_answered(engine, ONLINE_ONLY))
    shown = render_report(result, form, audience=audience)
    for phase in result.phases:
        assert f"{phase.items} von {phase.items}" in shown, phase.phase
    for statement in (
        engine.catalog.checklist[i].statement["de"] for i in store_only_items(engine)
    ):
        assert statement not in shown
