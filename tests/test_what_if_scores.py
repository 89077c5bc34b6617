"""A phase's score with gaps closed equals scoring the changed answers item by item.

The what-if of each recommendation adds what the closed gaps gain to the phase's sum when
every weight is a multiple of 1/16 (then every sum is exact); other weights are scored item
by item. Both must give the float that scoring the changed answers gives.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from kundenkompass.catalog.contents import Catalog
from kundenkompass.inference.score import AuditScores, phase_score
from kundenkompass.models import ChecklistItem

WEIGHTS = st.one_of(
    st.sampled_from([1.0, 1.5, 0.25, 2.0, 0.0625, 10.0]),  # multiples of 1/16
    st.floats(min_value=0.01, max_value=10, allow_nan=False).map(lambda w: round(w, 2)),
)
ANSWERS = st.sampled_from(["ja", "teilweise", "nein", "entfaellt", None])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(WEIGHTS, ANSWERS), min_size=1, max_size=12), st.data())
def test_closing_gaps_scores_like_the_changed_answers(items, data) -> None:
    checklist = {
        f"punkt_{index}": ChecklistItem(
            id=f"punkt_{index}",
            phase="kauf",
            statement={"de": "Aussage"},
            reference="Leitfaden",
            weight=weight,
        )
        for index, (weight, _) in enumerate(items)
    }
    answers = {f"punkt_{index}": answer for index, (_, answer) in enumerate(items)}
    gaps = [item for item, answer in answers.items() if answer in ("nein", "teilweise")]
    closed = data.draw(st.lists(st.sampled_from(gaps), unique=True) if gaps else st.just([]))
    scoring = AuditScores(Catalog(checklist=checklist), answers)

    changed = {**answers, **dict.fromkeys(closed, "ja")}
    expected = phase_score(list(checklist.values()), changed)
    got = scoring.with_fulfilled("kauf", {item: checklist[item] for item in closed})
    assert got == expected
    assert scoring.scores["kauf"] == phase_score(list(checklist.values()), answers)
