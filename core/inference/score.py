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

from kundenkompass.catalog.catalog import Catalog
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


class AuditScores:
    """The phase scores of one audit's answers, and the score a phase would have with some
    of its gaps closed (the what-if of a recommendation)."""

    def __init__(self, catalog: Catalog, answers: Mapping[str, str | None]) -> None:
        self.answers = answers
        self._items: dict[str, list[ChecklistItem]] = {}
        self._achieved: dict[str, float] = {}
        self._possible: dict[str, float] = {}
        self.scores: dict[str, float | None] = {}
        for phase in PHASES:
            items = self._items[phase] = catalog.checklist_for_phase(phase)
            achieved = possible = 0.0
            for item in items:
                value = ANSWER_VALUE.get(answers.get(item.id) or "")
                if value is None:
                    continue
                achieved += value * item.weight
                possible += item.weight
            self._achieved[phase] = achieved
            self._possible[phase] = possible
            self.scores[phase] = round(100 * achieved / possible, 1) if possible else None
        self._exact = _exact_phases(catalog)

    def with_fulfilled(self, phase: str, fulfilled: Mapping[str, ChecklistItem]) -> float | None:
        """The phase's score with the items in ``fulfilled`` (already scored, id → item)
        answered "ja"."""
        possible = self._possible[phase]
        if phase not in self._exact or not possible:
            return phase_score(self._items[phase], self.answers, fulfilled.keys())
        # Every weight is a multiple of 1/16, so every sum here is exact: adding what the
        # closed gaps gain gives the very float the item-by-item sum gives.
        achieved = self._achieved[phase]
        for item_id, item in fulfilled.items():
            achieved += (1.0 - ANSWER_VALUE[self.answers[item_id] or ""]) * item.weight
        return round(100 * achieved / possible, 1)


def _exact_phases(catalog: Catalog) -> frozenset[str]:
    """The phases whose item weights are all multiples of 1/16 (per catalog)."""
    found = catalog.memo.get("exact-weight-phases")
    if found is None or found[0] is not catalog.checklist:
        exact = frozenset(
            phase
            for phase in PHASES
            if all(
                (item.weight * 16).is_integer() and item.weight < 2**20
                for item in catalog.checklist_for_phase(phase)
            )
        )
        found = catalog.memo["exact-weight-phases"] = (catalog.checklist, exact)
    return found[1]


def overall_score(scores: Mapping[str, float | None]) -> float | None:
    known = [score for score in scores.values() if score is not None]
    return round(sum(known) / len(known), 1) if known else None
