"""Properties of scores and the plan over generated profiles of the built-in catalog."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kundenkompass.engine import Engine
from kundenkompass.results import AuditResult

from .strategies import profiles

ENGINE = Engine()
PROPERTY_SETTINGS = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def depends_on(result: AuditResult, ref: str) -> dict[str, bool]:
    """For each recommended measure: does every one of its reasons depend on ``ref``?"""
    derived = {fact.key: fact for fact in result.derived_facts}
    memo: dict[str, bool] = {}

    def fact_depends(key: str) -> bool:
        if key not in memo:
            memo[key] = False  # guards cycles
            memo[key] = all(
                any(evidence_depends(e) for e in step.evidence) for step in derived[key].steps
            )
        return memo[key]

    def evidence_depends(evidence) -> bool:
        if evidence.ref == ref:
            return True
        key = evidence.ref.split(".", 1)[1]
        return bool(evidence.derived_by) and key in derived and fact_depends(key)

    return {
        rec.measure: all(any(evidence_depends(e) for e in f.evidence) for f in rec.reasons)
        for rec in result.recommendations
    }


@PROPERTY_SETTINGS
@given(data=st.data())
def test_yes_instead_of_no_never_lowers_a_score_and_drops_its_measures(data):
    profile = data.draw(profiles(ENGINE.catalog))
    answered_no = sorted(k for k, v in profile["answers"].items() if v == "nein")
    if not answered_no:
        profile["answers"][next(iter(ENGINE.catalog.checklist))] = "nein"
        answered_no = sorted(k for k, v in profile["answers"].items() if v == "nein")
    item = data.draw(st.sampled_from(answered_no))
    before = ENGINE.audit(profile)
    after = ENGINE.audit({**profile, "answers": {**profile["answers"], item: "ja"}})

    for old, new in zip(before.phases, after.phases, strict=True):
        assert (new.score or 0) >= (old.score or 0), (item, old.phase)
    assert (after.overall_score or 0) >= (before.overall_score or 0)
    only_because = {m for m, only in depends_on(before, f"answers.{item}").items() if only}
    still = only_because & {r.measure for r in after.recommendations}
    assert not still, f"{still} stay recommended after {item} = ja"


@PROPERTY_SETTINGS
@given(profile=profiles(ENGINE.catalog))
def test_plan_is_deterministic_ordered_and_explained(profile):
    result = ENGINE.audit(profile)
    assert ENGINE.audit(profile).to_json() == result.to_json()

    position = {rec.measure: index for index, rec in enumerate(result.recommendations)}
    for rec in result.recommendations:
        for prerequisite in rec.prerequisites:
            if prerequisite in position:
                assert position[prerequisite] < position[rec.measure], (prerequisite, rec.measure)
    assert result.top_steps == [rec.measure for rec in result.recommendations[:5]]

    given_refs = (
        {f"answers.{k}" for k in profile["answers"]}
        | {f"facts.{k}" for k in profile["facts"]}
        | {"company.channels", "company.sector"}
    )
    derived = {fact.key: fact for fact in result.derived_facts}

    def input_refs(evidence_list, seen=frozenset()):
        refs = set()
        for evidence in evidence_list:
            key = evidence.ref.split(".", 1)[1]
            if evidence.derived_by and key in derived and key not in seen:
                for step in derived[key].steps:
                    refs |= input_refs(step.evidence, seen | {key})
            else:
                refs.add(evidence.ref)
        return refs

    for rec in result.recommendations:
        refs = set().union(*(input_refs(f.evidence) for f in rec.reasons))
        assert refs, rec.measure
        # Derivations in Python and thresholds rest on profile facts too.
        assert refs & given_refs or any(
            r.split(".", 1)[1] in ENGINE.catalog.thresholds | ENGINE.catalog.derivations
            for r in refs
        ), (rec.measure, refs)

    for phase in result.phases:
        assert phase.score is None or 0 <= phase.score <= 100


def test_what_if_gain_matches_a_rescored_profile():
    profile = {
        "company": {"name": "X", "channels": ["laden"]},
        "answers": {"google_business_profil": "nein", "eigene_website": "ja"},
    }
    result = ENGINE.audit(profile)
    (gbp,) = [r for r in result.recommendations if r.measure == "google_business_profil_anlegen"]
    improved = ENGINE.audit(
        {**profile, "answers": {**profile["answers"], "google_business_profil": "ja"}}
    )
    phase = {p.phase: p for p in improved.phases}["informationssuche"]
    before = {p.phase: p for p in result.phases}["informationssuche"]
    assert gbp.what_if.phase_score_gain == round(phase.score - before.score, 1)
    assert gbp.what_if.overall_gain == round(improved.overall_score - result.overall_score, 1)
