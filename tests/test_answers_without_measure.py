"""„Antworten ohne Maßnahme“: an item answered "nein" or "teilweise" that the plan does
not take up is listed for the advisor, with what speaks against the gap."""

from __future__ import annotations

from pathlib import Path

import pytest
from kundenkompass.catalog.plugin_data import PluginData
from kundenkompass.engine import Engine
from kundenkompass.render.report import render_report
from kundenkompass.results import AuditResult

from .test_advice_invariants import PROFILES, _name

CHECKLIST = """
phase = "informationssuche"

[[item]]
id = "schaufenster"
statement.de = "Das Schaufenster lädt zum Betreten ein."
reference = "Informationssuche – Checkliste"

[[item]]
id = "beschilderung"
statement.de = "Der Weg zum Geschäft ist gut ausgeschildert."
reference = "Informationssuche – Checkliste"
"""

FACTS = """
phase = "informationssuche"

[[fact]]
key = "schaufenster_neu_gestaltet"
type = "bool"
question.de = "Wurde das Schaufenster in den letzten drei Monaten neu gestaltet?"
"""

MEASURES = """
phase = "informationssuche"

[[measure]]
id = "schaufenster_gestalten"
title.de = "Schaufenster einladend gestalten"
description.de = "Beschreibung"
reference = "Informationssuche"
addresses = ["schaufenster"]
"""

RULES = """
[[rule]]
id = "schaufenster_laedt_nicht_ein"
recommend = "schaufenster_gestalten"
reason.de = "Das Schaufenster lädt nicht zum Betreten ein."
when = { answer = "schaufenster", in = ["nein", "teilweise"] }
unless = { fact = "schaufenster_neu_gestaltet", equals = true }
"""


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    folder: Path = tmp_path_factory.mktemp("plugins") / "schaufenster"
    folder.mkdir()
    for name, content in [
        ("checklist.toml", CHECKLIST),
        ("facts.toml", FACTS),
        ("measures.toml", MEASURES),
        ("rules.toml", RULES),
    ]:
        (folder / name).write_text(content, encoding="utf-8")
    return Engine([PluginData(folder)], discover=False)


def audit(engine: Engine, answers: str, facts: str = "") -> AuditResult:
    return engine.audit(
        f'[company]\nname = "Test"\nchannels = ["laden"]\n[answers]\n{answers}\n[facts]\n{facts}\n'
    )


def test_a_no_that_a_known_fact_speaks_against_is_listed_with_that_fact(small):
    result = audit(small, 'schaufenster = "nein"', "schaufenster_neu_gestaltet = true")
    assert result.recommendations == []
    (gap,) = result.answers_without_measure
    assert (gap.item, gap.phase, gap.answer) == ("schaufenster", "informationssuche", "nein")
    assert gap.statement == "Das Schaufenster lädt zum Betreten ein."
    assert gap.rules == ["schaufenster_laedt_nicht_ein"]
    assert [(e.ref, e.shown) for e in gap.because] == [("facts.schaufenster_neu_gestaltet", "ja")]


@pytest.mark.parametrize("facts", ["", "schaufenster_neu_gestaltet = false"])
def test_a_no_the_plan_takes_up_is_not_listed(small, facts):
    for answer in ("nein", "teilweise"):
        result = audit(small, f'schaufenster = "{answer}"', facts)
        assert [r.measure for r in result.recommendations] == ["schaufenster_gestalten"]
        assert result.answers_without_measure == []


def test_a_no_that_no_rule_takes_up_is_listed_without_a_reason(small):
    result = audit(small, 'schaufenster = "ja"\nbeschilderung = "teilweise"')
    (gap,) = result.answers_without_measure
    assert (gap.item, gap.answer, gap.because, gap.rules) == ("beschilderung", "teilweise", [], [])


def test_fulfilled_unanswered_and_not_applicable_items_are_never_listed(small):
    for answers in ('schaufenster = "ja"', "", 'schaufenster = "entfaellt"'):
        result = audit(small, answers, "schaufenster_neu_gestaltet = true")
        assert result.answers_without_measure == []


@pytest.mark.parametrize("format", ["text", "markdown", "html"])
def test_the_worksheet_shows_them_and_the_owners_report_does_not(small, format):
    result = audit(small, 'schaufenster = "nein"', "schaufenster_neu_gestaltet = true")
    worksheet = render_report(result, format, audience="advisor")
    assert "Antworten ohne Maßnahme" in worksheet
    assert "Das Schaufenster lädt zum Betreten ein." in worksheet
    assert "Antwort: nein. Dagegen sprechen: Wurde das Schaufenster in den letzten drei" in (
        " ".join(worksheet.split())
    )
    assert "Antworten ohne Maßnahme" not in render_report(result, format, audience="owner")
    plain = audit(small, 'schaufenster = "nein"')
    assert "Antworten ohne Maßnahme" not in render_report(plain, format, audience="advisor")


@pytest.mark.parametrize("path", PROFILES, ids=_name)
def test_every_no_and_partly_is_taken_up_or_listed(engine, path):
    """Each item answered "nein" or "teilweise" is taken up by a recommended measure (it
    addresses the item or a reason rests on the answer) or listed, never both."""
    result = engine.audit(path)
    taken_up = {
        item
        for r in result.recommendations
        for item in engine.catalog.measures[r.measure].addresses
    } | {
        e.ref.removeprefix("answers.")
        for r in result.recommendations
        for firing in r.reasons
        for e in firing.evidence
        if e.ref.startswith("answers.")
    }
    gaps = [
        row.item
        for phase in result.phases
        for row in phase.checklist
        if row.answer in ("nein", "teilweise") and row.item not in taken_up
    ]
    assert [gap.item for gap in result.answers_without_measure] == gaps
    for gap in result.answers_without_measure:
        assert all(e.shown for e in gap.because)
        assert all(engine.catalog.rules[rule].unless is not None for rule in gap.rules)
