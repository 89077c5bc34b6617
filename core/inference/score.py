"""Scores per phase and overall, from the checklist answers.

ja = 1, teilweise = 0.5, nein = 0, each weighted by the item's weight; "entfällt" and
unknown answers are left out of the score (unknown ones show as coverage). The overall index
is the mean of the phase scores, each phase counting equally as a step of the journey.
Maturity levels (see docs/scoring.md):

* below 40: "hat Nachholbedarf" (the guide's wording for companies fulfilling none or few items)
* 40 to below 70: "auf dem Weg"
* 70 to below 90: "fortgeschritten"
* 90 and above: "vorbildlich kundenzentriert"
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet
from typing import Protocol

from kundenkompass.models import ChecklistItem
from kundenkompass.vocabulary import MATURITY_THRESHOLDS, PHASES, Maturity

ANSWER_VALUE: dict[str, float] = {"ja": 1.0, "teilweise": 0.5, "nein": 0.0}


def maturity(score: float | None) -> Maturity | None:
    if score is None:
        return None
    for lower, level in MATURITY_THRESHOLDS:
        if score >= lower:
            return level
    return MATURITY_THRESHOLDS[-1][1]


class PhaseChecklists(Protocol):
    """What scoring needs of a catalog: the checklist items of each phase."""

    def checklist_for_phase(self, phase: str) -> list[ChecklistItem]: ...


def phase_scores(
    catalog: PhaseChecklists, answers: Mapping[str, str | None]
) -> dict[str, float | None]:
    """Score 0–100 per phase (None when no item of the phase is scored)."""
    return {phase: phase_score(catalog.checklist_for_phase(phase), answers) for phase in PHASES}


def phase_score(
    items: Iterable[ChecklistItem],
    answers: Mapping[str, str | None],
    fulfilled: AbstractSet[str] = frozenset(),
) -> float | None:
    """Score 0–100 of one phase's checklist items (None when none of them is scored);
    the items in ``fulfilled`` count as answered "ja"."""
    achieved = possible = 0.0
    for item in items:
        if item.id in fulfilled:
            value: float | None = ANSWER_VALUE["ja"]
        else:
            value = ANSWER_VALUE.get(answers.get(item.id) or "")
        if value is None:
            continue
        achieved += value * item.weight
        possible += item.weight
    return round(100 * achieved / possible, 1) if possible else None


def overall_score(scores: Mapping[str, float | None]) -> float | None:
    known = [score for score in scores.values() if score is not None]
    return round(sum(known) / len(known), 1) if known else None
