"""The priority model: which recommended measure comes first, and why.

Each measure gets a priority score from 0 to 100 (documented in docs/scoring.md):

    points = 10 × rule priority   (hoch 3, mittel 2, niedrig 1; the highest of its rules)
           +  6 × impact          (hoch 3, mittel 2, gering 1)
           +  3 × ease            (effort gering 3, mittel 2, hoch 1)
           +  3 × affordability   (kostenlos 3, unter 500 € 2.5, unter 5.000 € 1.5, mehr 1)
           + 10 × urgency         (the phase's gap: (100 − phase score) / 100; 0.5 unscored)
    score  = points / 76 × 100

A recommended prerequisite is as urgent as the most urgent measure needing it (directly or
through others): it is pulled forward rather than holding that measure back. Measures are
ordered by that urgency, then by phase and catalog order (ties break deterministically),
and a measure always comes after its recommended prerequisites.
Horizons keep a plan doable: "jetzt" holds the first five measures of the plan with an
urgency of at least 60 points, "als_naechstes" the following ones up to the fifteenth with
at least 40, "spaeter" the rest; a quick win with at least 40 points is never "spaeter" (cheap,
fast and effective: a small company should not postpone it); a prerequisite is never in a
later horizon than a measure needing it, nor a measure in an earlier one than its
prerequisites. The plan is then read horizon by horizon (a stable sort, so
prerequisites still come first). Quick wins have high impact, low effort and cost under 500 €.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from kundenkompass.catalog.catalog import Catalog
from kundenkompass.models import Measure
from kundenkompass.vocabulary import HORIZONS, PHASES

T = TypeVar("T")

RULE_PRIORITY = {"hoch": 3, "mittel": 2, "niedrig": 1}
IMPACT = {"hoch": 3, "mittel": 2, "gering": 1}
EASE = {"gering": 3, "mittel": 2, "hoch": 1}
AFFORDABILITY = {"kostenlos": 3.0, "unter_500": 2.5, "unter_5000": 1.5, "mehr": 1.0}
MAX_POINTS = 10 * 3 + 6 * 3 + 3 * 3 + 3 * 3 + 10 * 1
TOP_STEPS = 5
#: (last plan position, minimum score) of the horizons "jetzt" and "als_naechstes".
NOW = (5, 60.0)
NEXT = (15, 40.0)


@dataclass(frozen=True)
class Ranked:
    measure: str
    score: float
    priority: str
    quick_win: bool
    horizon: str


def priority_score(measure: Measure, rule_priority: str, phase_score: float | None) -> float:
    urgency = 0.5 if phase_score is None else (100.0 - phase_score) / 100.0
    points = (
        10 * RULE_PRIORITY[rule_priority]
        + 6 * IMPACT[measure.impact]
        + 3 * EASE[measure.effort]
        + 3 * AFFORDABILITY[measure.cost]
        + 10 * urgency
    )
    return round(points / MAX_POINTS * 100, 1)


def is_quick_win(measure: Measure) -> bool:
    return (
        measure.impact == "hoch"
        and measure.effort == "gering"
        and measure.cost in ("kostenlos", "unter_500")
    )


_PHASE_ORDER = {phase: index for index, phase in enumerate(PHASES)}


def rank(
    catalog: Catalog,
    priorities: Mapping[str, str],
    phase_scores: Mapping[str, float | None],
) -> list[Ranked]:
    """Order recommended measures (``priorities``: measure id → highest rule priority)."""
    remembered = catalog.memo.get("measure-order")
    if remembered is None or remembered[0] is not catalog.measures:
        order = {measure_id: index for index, measure_id in enumerate(catalog.measures)}
        remembered = catalog.memo["measure-order"] = (catalog.measures, order)
    catalog_order: dict[str, int] = remembered[1]
    phase_order = _PHASE_ORDER
    scored: dict[str, float] = {}
    for measure_id, priority in priorities.items():
        measure = catalog.measures[measure_id]
        scored[measure_id] = priority_score(measure, priority, phase_scores.get(measure.phase))

    # Only prerequisites that are themselves recommended hold a measure back.
    waiting = {
        measure_id: [p for p in catalog.measures[measure_id].prerequisites if p in scored]
        for measure_id in scored
    }
    # A prerequisite is as urgent as the most urgent measure that needs it: it is pulled
    # forward to just before that measure instead of holding it back (the free Google
    # profile before answering the reviews on it, not both behind lesser steps).
    urgent = _pulled_forward(scored, waiting)

    def key(measure_id: str) -> tuple[float, int, int]:
        measure = catalog.measures[measure_id]
        return (-urgent[measure_id], phase_order[measure.phase], catalog_order[measure_id])

    ordered = after_what_they_need(sorted(scored, key=key), str, waiting.__getitem__)

    horizons: dict[str, str] = {}
    for plan_position, measure_id in enumerate(ordered):
        measure = catalog.measures[measure_id]
        # A prerequisite counts with the urgency it inherits from the measures needing it.
        if plan_position < NOW[0] and urgent[measure_id] >= NOW[1]:
            horizons[measure_id] = "jetzt"
        elif urgent[measure_id] >= NEXT[1] and (plan_position < NEXT[0] or is_quick_win(measure)):
            horizons[measure_id] = "als_naechstes"
        else:
            horizons[measure_id] = "spaeter"
    # A prerequisite is never later than a measure needing it (a quick win kept out of
    # "spaeter" takes its prerequisites along) ...
    for measure_id in reversed(ordered):
        for prerequisite in waiting[measure_id]:
            horizons[prerequisite] = min(
                horizons[prerequisite], horizons[measure_id], key=HORIZONS.index
            )
    # ... and a measure never earlier than its prerequisites (which only a cycle could break).
    for measure_id in ordered:
        for prerequisite in waiting[measure_id]:
            horizons[measure_id] = max(
                horizons[measure_id], horizons[prerequisite], key=HORIZONS.index
            )
    ranked = [
        Ranked(
            measure_id,
            scored[measure_id],
            priorities[measure_id],
            is_quick_win(catalog.measures[measure_id]),
            horizons[measure_id],
        )
        for measure_id in ordered
    ]
    # The plan reads horizon by horizon: a quick win kept out of "spaeter" and a measure held
    # back by its prerequisite's horizon move to their horizon's place. The sort is stable and
    # a measure's horizon is never earlier than its prerequisites', so they still come first.
    ranked.sort(key=lambda entry: HORIZONS.index(entry.horizon))
    return ranked


def _pulled_forward(
    scored: Mapping[str, float], waiting: Mapping[str, list[str]]
) -> dict[str, float]:
    """Each measure's score, raised to the highest score of the measures that need it,
    directly or through other prerequisites (a cycle stops at the first repeat)."""
    urgent = dict(scored)
    changed = True
    rounds = 0
    while changed and rounds <= len(scored):  # a fixpoint; bounded for cycles
        changed = False
        rounds += 1
        for measure_id, prerequisites in waiting.items():
            for prerequisite in prerequisites:
                if urgent[prerequisite] < urgent[measure_id]:
                    urgent[prerequisite] = urgent[measure_id]
                    changed = True
    return urgent


def after_what_they_need(
    items: Iterable[T], name: Callable[[T], str], needs: Callable[[T], Iterable[str]]
) -> list[T]:
    """``items`` in their order, each moved just behind the items it needs (by name).

    Items needing each other (a cycle, which ``audit lint`` reports) keep their order.
    Shared by the plan's measures and its projects.
    """
    pending = list(items)
    ordered: list[T] = []
    placed: set[str] = set()
    while pending:
        for candidate in pending:
            if all(other in placed for other in needs(candidate)):
                break
        else:
            candidate = pending[0]
        pending.remove(candidate)
        ordered.append(candidate)
        placed.add(name(candidate))
    return ordered
