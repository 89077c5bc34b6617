"""The what-if line names the phases whose scores rise.

A measure's checklist items may belong to other phases than its own: asking customers in
person is a Bedarfsentstehung measure that also fulfils Zufriedenheit & Bindung items. The
worksheet said "Phase +0,0 Punkte, Gesamtindex +4,2 Punkte" then; it names the phases now.
"""

from __future__ import annotations

import itertools

import pytest
from kundenkompass.render.report import render_report
from kundenkompass.render.view import report_view
from kundenkompass.results import WhatIf
from kundenkompass.vocabulary import CHANNELS, PHASES

from .conftest import ROOT
from .test_phase_scope import ONLINE_ONLY, fully_answered

EXAMPLES = sorted((ROOT / "examples").glob("*.toml"))
MIXES = [
    list(combination)
    for size in range(1, len(CHANNELS) + 1)
    for combination in itertools.combinations(CHANNELS, size)
]


def audits(engine):
    for path in EXAMPLES:
        yield path.stem, engine.audit(path)
    for channels in MIXES:
        for answer in ("nein", "teilweise"):
            company = {"name": "Betrieb", "channels": channels}
            yield (
                f"{'+'.join(channels)} {answer}",
                engine.audit(fully_answered(engine, company, answer)),
            )


def test_phase_gains_are_the_phases_of_the_fulfilled_items(engine):
    seen_elsewhere = 0
    for name, result in audits(engine):
        scores = {p.phase: p.score for p in result.phases}
        for rec in result.recommendations:
            gain = rec.what_if
            phases = [g.phase for g in gain.phase_gains]
            assert phases == [p for p in PHASES if p in phases], (name, rec.measure)
            item_phases = {engine.catalog.checklist[i].phase for i in gain.items}
            assert set(phases) <= item_phases, (name, rec.measure)
            assert all(g.gain > 0 for g in gain.phase_gains)
            own = {g.phase: g.gain for g in gain.phase_gains}.get(rec.phase, 0.0)
            assert gain.phase_score_gain == own, (name, rec.measure)
            if gain.items and all(s is not None for s in scores.values()):
                # The index is the mean of the five phases: the gains add up to five times it.
                total = sum(g.gain for g in gain.phase_gains)
                assert abs(total / len(PHASES) - gain.overall_gain) <= 0.1, (name, rec.measure)
            seen_elsewhere += rec.phase not in item_phases and bool(gain.items)
    assert seen_elsewhere > 0


def test_no_what_if_line_says_phase_zero_while_a_score_rises(engine):
    for name, result in audits(engine):
        view = report_view(result, "de", "advisor")
        for rec in result.recommendations:
            if not rec.what_if.items:
                continue
            line = view.what_if(rec)
            if rec.what_if.overall_gain > 0 or rec.what_if.phase_gains:
                assert "Phase +0,0" not in line, (name, rec.measure, line)
            for gain in rec.what_if.phase_gains:
                if [g.phase for g in rec.what_if.phase_gains] != [rec.phase]:
                    assert f"{view.t(f'phase.{gain.phase}')} +" in line, (name, line)


def test_the_review_case_names_zufriedenheit_und_bindung(engine):
    profile = fully_answered(engine, ONLINE_ONLY, "ja")
    profile["answers"].update(
        feedback_ernst_nehmen="teilweise",
        feedback_verbesserungen_ableiten="nein",
        negative_bewertungen_als_anlass="nein",
    )
    profile["facts"] = {"feedback_kanaele": ["social_media"]}
    result = engine.audit(profile)
    rec = next(r for r in result.recommendations if r.measure == "auf_kundenfeedback_reagieren")
    assert rec.phase == "bedarfsentstehung"
    assert [g.phase for g in rec.what_if.phase_gains] == ["bindung"]
    assert rec.what_if.phase_score_gain == 0
    line = report_view(result, "de", "advisor").what_if(rec)
    assert line.startswith("Wenn umgesetzt: Zufriedenheit & Bindung +")
    for form in ("text", "markdown", "html"):
        shown = render_report(result, form, audience="advisor")
        assert "Phase +0,0" not in shown
        assert "Zufriedenheit &amp; Bindung +" in shown or "Zufriedenheit & Bindung +" in shown


def test_the_own_phase_alone_keeps_the_short_line(engine):
    result = engine.audit(ROOT / "examples" / "radhaus.toml")
    rec = next(r for r in result.recommendations if r.measure == "google_business_profil_anlegen")
    line = report_view(result, "de", "advisor").what_if(rec)
    assert line == "Wenn umgesetzt: Phase +13,3 Punkte, Gesamtindex +2,6 Punkte"


@pytest.mark.parametrize(
    ("phase_gain", "expected"),
    [
        (0.0, "Wenn umgesetzt: Gesamtindex +4,2 Punkte"),
        (3.5, "Wenn umgesetzt: Phase +3,5 Punkte, Gesamtindex +4,2 Punkte"),
    ],
)
def test_a_result_without_phase_gains_never_claims_phase_zero(engine, phase_gain, expected):
    # Results written before phase gains were recorded read back with none.
    result = engine.audit(ROOT / "examples" / "radhaus.toml")
    rec = next(r for r in result.recommendations if r.what_if.items)
    old = rec.model_copy(
        update={
            "what_if": WhatIf(
                phase_score_gain=phase_gain, overall_gain=4.2, items=rec.what_if.items
            )
        }
    )
    assert report_view(result, "de", "advisor").what_if(old) == expected
