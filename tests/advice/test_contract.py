"""The advice contract: realistic profiles and what their plans must and must not say.

Each profile in ``profiles/`` describes a shop the examples do not cover; its expectation in
``expectations/`` (same file name) states, as an advisor would, which measures must and must
not be recommended, where some must stand in the plan, which phrases no reason may contain
and which questions must not be asked. The file format is documented in
``tests/advice/README.md``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from kundenkompass.files.toml_files import load_toml_file

HERE = Path(__file__).parent
PROFILES = sorted((HERE / "profiles").glob("*.toml"))
EXPECTATIONS = HERE / "expectations"

#: Phrases no reason of any contract plan may contain: figures joined wrongly, and
#: statements that assume what a profile may lack.
NEVER_IN_A_REASON = (
    "Ein Drittel der Onlineshopper",
    "ein Drittel der Onlineshopper",
    "Kundenbewertungen oder keine Beschreibung",
    # The owner has no copy of the guide: its figures are named by their source instead.
    "Abbildung",
)

KNOWN_KEYS = {
    "description",
    "must_recommend",
    "must_not_recommend",
    "top",
    "not_in_top",
    "jetzt",
    "not_spaeter",
    "not_jetzt",
    "reasons_must_not_contain",
    "must_not_ask",
    "max_jetzt_from",
}


def _expectation(profile: Path) -> dict[str, Any]:
    path = EXPECTATIONS / profile.name
    assert path.exists(), f"{profile.name} has no expectation in {EXPECTATIONS}"
    data = load_toml_file(path)
    unknown = set(data) - KNOWN_KEYS
    assert not unknown, f"{path.name}: unknown keys {sorted(unknown)}"
    return data


def test_there_are_at_least_twelve_contract_profiles() -> None:
    assert len(PROFILES) >= 12
    for profile in PROFILES:
        assert (EXPECTATIONS / profile.name).exists(), profile.name


@pytest.fixture(scope="module")
def audits(engine) -> dict[str, Any]:
    return {profile.name: engine.audit(profile) for profile in PROFILES}


@pytest.mark.parametrize("profile", PROFILES, ids=[p.stem for p in PROFILES])
def test_plan_keeps_the_contract(profile: Path, audits, engine) -> None:
    expect = _expectation(profile)
    result = audits[profile.name]
    plan = [r.measure for r in result.recommendations]
    horizon = {r.measure: r.horizon for r in result.recommendations}
    problems: list[str] = []

    for measure in expect.get("must_recommend", []):
        assert measure in engine.catalog.measures, f"unbekannte Maßnahme {measure}"
        if measure not in plan:
            problems.append(f"{measure} is not recommended")
    for measure in expect.get("must_not_recommend", []):
        assert measure in engine.catalog.measures, f"unbekannte Maßnahme {measure}"
        if measure in plan:
            problems.append(
                f"{measure} is recommended ({horizon[measure]}, #{plan.index(measure) + 1})"
            )
    top = expect.get("top", {})
    for size, measures in top.items():
        for measure in measures:
            if measure not in plan[: int(size)]:
                where = f"#{plan.index(measure) + 1}" if measure in plan else "not in the plan"
                problems.append(f"{measure} is not among the first {size} ({where})")
    for size, measures in expect.get("not_in_top", {}).items():
        for measure in measures:
            if measure in plan[: int(size)]:
                problems.append(f"{measure} is among the first {size} (#{plan.index(measure) + 1})")
    for measure in expect.get("jetzt", []):
        if horizon.get(measure) != "jetzt":
            problems.append(f"{measure} is not in 'jetzt' ({horizon.get(measure)})")
    for measure in expect.get("not_spaeter", []):
        if horizon.get(measure) not in ("jetzt", "als_naechstes"):
            problems.append(
                f"{measure} is not in 'jetzt' or 'als_naechstes' ({horizon.get(measure)})"
            )
    for measure in expect.get("not_jetzt", []):
        if horizon.get(measure) == "jetzt":
            problems.append(f"{measure} is in 'jetzt'")

    phrases = [*NEVER_IN_A_REASON, *expect.get("reasons_must_not_contain", [])]
    for recommendation in result.recommendations:
        for firing in recommendation.reasons:
            for phrase in phrases:
                if firing.reason and phrase in firing.reason:
                    problems.append(
                        f"reason of {recommendation.measure} ({firing.rule}) says {phrase!r}: "
                        f"{firing.reason}"
                    )

    asked = {question.ref for question in result.open_questions}
    for key in expect.get("must_not_ask", []):
        if key in asked:
            problems.append(f"open question {key} is asked")

    assert not problems, f"{profile.stem}:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("profile", PROFILES, ids=[p.stem for p in PROFILES])
def test_every_nein_of_the_profile_yields_a_measure(profile: Path, audits, engine) -> None:
    """Each checklist item the profile answers "nein" is addressed by a recommended measure."""
    result = audits[profile.name]
    addressed = {
        item
        for r in result.recommendations
        for item in engine.catalog.measures[r.measure].addresses
    }
    unanswered = [
        answer.item
        for phase in result.phases
        for answer in phase.checklist
        if answer.answer == "nein" and answer.item not in addressed
    ]
    assert unanswered == [], f"{profile.stem}: no measure for {unanswered}"
