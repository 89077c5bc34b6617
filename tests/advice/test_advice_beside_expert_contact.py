"""A "nein" on comprehensive advice yields advice also where an expert answers after the sale.

The measure for that answer (an expert contact for questions after the purchase) stands back
when the company has one; the gap is then in the advice itself: in a store the sales staff's
expertise, online the people customers can ask before they buy.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from kundenkompass.files.toml_files import tomllib

HERE = Path(__file__).parent


def _measures_citing_the_answer(engine, name: str, answer: str, **facts: object) -> set[str]:
    """The measures whose reasons cite the answer on comprehensive advice, for the contract
    profile ``name`` with that answer, an expert reachable after the sale and ``facts``."""
    with (HERE / "profiles" / f"{name}.toml").open("rb") as handle:
        profile = tomllib.load(handle)
    profile["answers"]["umfassende_beratung"] = answer
    profile["facts"].update({"expertenkontakt_nach_kauf": True, **facts})
    return {
        recommendation.measure
        for recommendation in engine.audit(profile).recommendations
        for firing in recommendation.reasons
        if any(evidence.ref == "answers.umfassende_beratung" for evidence in firing.evidence)
    }


@pytest.mark.parametrize("answer", ["nein", "teilweise"])
def test_a_store_gets_staff_training(engine, answer):
    cited = _measures_citing_the_answer(engine, "moebelhaus_ausstellung", answer)
    assert cited == {"mitarbeiter_produktwissen_staerken"}


def test_an_online_shop_gets_named_contacts(engine):
    cited = _measures_citing_the_answer(engine, "outdoor_online_marktplatz", "nein")
    assert cited == {"ansprechpartner_bereitstellen"}


def test_named_contacts_already_online_are_not_recommended_again(engine):
    named = ["adresse", "telefon", "email", "ansprechpartner"]
    cited = _measures_citing_the_answer(
        engine, "outdoor_online_marktplatz", "nein", unternehmensinfos_online=named
    )
    assert "ansprechpartner_bereitstellen" not in cited
