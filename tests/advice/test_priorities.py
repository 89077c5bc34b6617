"""The priority model keeps cheap, effective steps early and reads horizon by horizon."""

from __future__ import annotations

from pathlib import Path

import pytest
from kundenkompass.inference.prioritize import HORIZONS, NEXT

from ..conftest import ROOT

HERE = Path(__file__).parent
PROFILES = [
    *sorted((HERE / "profiles").glob("*.toml")),
    *sorted((ROOT / "examples").glob("*.toml")),
]


@pytest.mark.parametrize("profile", PROFILES, ids=[p.stem for p in PROFILES])
def test_plan_reads_horizon_by_horizon_and_keeps_quick_wins_out_of_later(engine, profile):
    result = engine.audit(profile)
    order = [HORIZONS.index(r.horizon) for r in result.recommendations]
    assert order == sorted(order), "the plan lists 'jetzt', then 'als_naechstes', then 'spaeter'"
    for recommendation in result.recommendations:
        if recommendation.quick_win and recommendation.score >= NEXT[1]:
            assert recommendation.horizon != "spaeter", recommendation.measure
    position = {r.measure: index for index, r in enumerate(result.recommendations)}
    for recommendation in result.recommendations:
        for prerequisite in recommendation.prerequisites:
            assert position[prerequisite] < position[recommendation.measure]


def test_a_quick_win_beyond_the_fifteenth_place_is_not_postponed(engine):
    """The gift shop answered almost everything "nein": its plan is long."""
    result = engine.audit(HERE / "profiles" / "geschenkeladen_nur_checkliste.toml")
    plan = [r.measure for r in result.recommendations]
    contactless = plan.index("kontaktlos_mobil_bezahlen_laden")
    assert contactless >= NEXT[0]
    assert result.recommendations[contactless].horizon == "als_naechstes"
