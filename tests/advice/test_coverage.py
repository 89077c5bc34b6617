"""A single "nein" always yields fitting advice, on every channel mix where it is asked.

For each built-in checklist item and each mix of sales channels, a profile that answers only
that item "nein" (or "teilweise" where the guide has advice for it) and nothing else must get
at least one measure that addresses the item, even though every finer fact is unknown.
"""

from __future__ import annotations

import itertools

import pytest
from kundenkompass.profile.load import Company
from kundenkompass.profile.scope import scope_problem
from kundenkompass.vocabulary import CHANNELS, PHASES

MIXES = [
    combination
    for size in range(1, len(CHANNELS) + 1)
    for combination in itertools.combinations(CHANNELS, size)
]

#: Items whose "teilweise" the guide gives no further advice for than the measure of "nein"
#: would, and that is recommended then too; listed so that the exceptions are explicit.
TEILWEISE_WITHOUT_OWN_ADVICE: frozenset[str] = frozenset()


def _gaps(engine, value: str) -> list[str]:
    owners = engine.catalog.owners
    gaps = []
    for item in engine.catalog.checklist.values():
        if owners[("checklist item", item.id)] not in PHASES:
            continue
        if value == "teilweise" and item.id in TEILWEISE_WITHOUT_OWN_ADVICE:
            continue
        for mix in MIXES:
            company = Company(name="Probe", channels=mix)
            if scope_problem(f"answers.{item.id}", engine.catalog, company):
                continue  # outside the scope of a company with these channels
            result = engine.audit(
                {"company": {"name": "Probe", "channels": list(mix)}, "answers": {item.id: value}}
            )
            answered = {a.item: a.answer for phase in result.phases for a in phase.checklist}
            if answered.get(item.id) != value:  # not asked for this mix (a precondition)
                continue
            addressing = [
                r.measure
                for r in result.recommendations
                if item.id in engine.catalog.measures[r.measure].addresses
            ]
            if not addressing:
                gaps.append(f"{item.id} = {value} with channels {list(mix)}")
    return gaps


@pytest.mark.parametrize("value", ["nein", "teilweise"])
def test_every_single_answer_yields_a_measure_that_addresses_it(engine, value):
    assert _gaps(engine, value) == []
