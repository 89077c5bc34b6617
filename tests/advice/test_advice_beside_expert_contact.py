"""A "nein" on comprehensive advice yields advice also where an expert answers after the sale.

The measure for that answer (an expert contact for questions after the purchase) stands back
when the company has one; the gap is then in the advice itself: in a store the sales staff's
expertise, online the people customers can ask before they buy.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import tomllib

HERE = Path(__file__).parent


def _profile(name: str, answers: dict[str, str], facts: dict[str, object]) -> dict:
    with (HERE / "profiles" / f"{name}.toml").open("rb") as handle:
        profile = tomllib.load(handle)
    profile["answers"].update(answers)
    profile["facts"].update(facts)
    return profile


def _measures_citing(result, ref: str) -> set[str]:
    return {
        recommendation.measure
        for recommendation in result.recommendations
        for firing in recommendation.reasons
        if any(evidence.ref == ref for evidence in firing.evidence)
    }


@pytest.mark.parametrize("answer", ["nein", "teilweise"])
def test_a_store_gets_staff_training(engine, answer):
    profile = _profile(
        "moebelhaus_ausstellung",
        {"umfassende_beratung": answer},
        {"expertenkontakt_nach_kauf": True},
    )
    cited = _measures_citing(engine.audit(profile), "answers.umfassende_beratung")
    assert cited == {"mitarbeiter_produktwissen_staerken"}


def test_an_online_shop_gets_named_contacts(engine):
    profile = _profile(
        "outdoor_online_marktplatz",
        {"umfassende_beratung": "nein"},
        {"expertenkontakt_nach_kauf": True},
    )
    cited = _measures_citing(engine.audit(profile), "answers.umfassende_beratung")
    assert cited == {"ansprechpartner_bereitstellen"}


def test_named_contacts_already_online_are_not_recommended_again(engine):
    profile = _profile(
        "outdoor_online_marktplatz",
        {"umfassende_beratung": "nein"},
        {
            "expertenkontakt_nach_kauf": True,
            "unternehmensinfos_online": ["adresse", "telefon", "email", "ansprechpartner"],
        },
    )
    cited = _measures_citing(engine.audit(profile), "answers.umfassende_beratung")
    assert "ansprechpartner_bereitstellen" not in cited
