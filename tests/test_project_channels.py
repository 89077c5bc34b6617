"""Projects fit the company's channels: no project of a company without a store speaks of one.

The roadmap of an online shop held „Online und Laden verbinden“ for cooperating with other
retailers, and „Beratung mit Wissen und digitalen Hilfsmitteln“ (a sales team with tablets)
for watching voice search and AI: the projects grouped channel-neutral measures under a
store's title.
"""

from __future__ import annotations

import re

import pytest
from kundenkompass.models import FactType
from kundenkompass.profile.scope import scope_problem

from .test_phase_scope import ONLINE_ONLY, applying_items

STORE_WORDS = re.compile(
    r"\b(Laden|Läden|Ladengeschäft\w*|Geschäft|Geschäfts|Verkaufsfläche|Verkaufsteam|"
    r"Passanten|Schaufenster\w*|Terminal|Kartenterminal|stationär\w*)\b"
)
WITHOUT_STORE = [["onlineshop"], ["marktplatz"], ["onlineshop", "marktplatz"]]


def _value(fact, truthy: bool):
    if fact.type is FactType.BOOL:
        return truthy
    if fact.type in (FactType.INT, FactType.FLOAT):
        low = fact.minimum if fact.minimum is not None else 0
        high = fact.maximum if fact.maximum is not None else 1000
        number = high if truthy and fact.type is FactType.INT else low
        return int(number) if fact.type is FactType.INT else float(number)
    if fact.type is FactType.ENUM:
        return fact.values[0]
    if fact.type is FactType.ENUM_LIST:
        return list(fact.values[:1]) if truthy else []
    return None


def profiles(engine, channels):
    """Profiles with many gaps, so that many measures are recommended."""
    company = {"name": "Versand", "channels": channels}
    loaded = engine.load_profile({"company": company}).company
    items = applying_items(engine, company)
    for answer in ("nein", "teilweise"):
        for truthy in (False, True):
            facts = {
                fact.key: value
                for fact in engine.catalog.input_facts()
                if scope_problem(f"facts.{fact.key}", engine.catalog, loaded) is None
                and (value := _value(fact, truthy)) is not None
            }
            yield {"company": company, "answers": dict.fromkeys(items, answer), "facts": facts}


@pytest.mark.parametrize("channels", WITHOUT_STORE, ids="+".join)
def test_no_project_of_a_company_without_a_store_speaks_of_one(engine, channels):
    recommended = set()
    for profile in profiles(engine, channels):
        result = engine.audit(profile)
        recommended |= {r.measure for r in result.recommendations}
        for project in result.projects:
            for said in (project.title, project.goal, project.needs or ""):
                assert not STORE_WORDS.search(said), (channels, project.project, said)
    if channels == ["onlineshop"]:
        # The measures that were in store projects are among those checked.
        assert {"kooperationen_nutzen", "ki_sprachassistenten_beobachten"} <= recommended


def test_the_online_shop_of_the_review_gets_no_store_project(engine):
    profile = {
        "company": ONLINE_ONLY,
        "answers": {"zielgruppe_beduerfnisse_bekannt": "ja"},
        "facts": {"kooperation_verbund": False, "ki_entwicklungen_beobachtet": False},
    }
    result = engine.audit(profile)
    holding = {m: p.project for p in result.projects for m in p.measures}
    assert holding["kooperationen_nutzen"] == "neues_mit_partnern"
    assert holding["ki_sprachassistenten_beobachten"] == "neues_mit_partnern"
    titles = [p.title for p in result.projects]
    assert "Online und Laden verbinden" not in titles


def test_appointments_and_videos_are_not_store_projects_for_on_site_service(engine):
    # Without a store but serving customers on site: appointments can be booked online.
    profile = {
        "company": ONLINE_ONLY,
        "facts": {
            "vor_ort_service_region": True,
            "beratung_nach_termin": True,
            "online_terminbuchung": False,
            "produkte_individualisierbar": True,
            "video_einblicke_auftrag": False,
        },
    }
    result = engine.audit(profile)
    holding = {m: p for p in result.projects for m in p.measures}
    for measure in ("online_terminbuchung_anbieten", "kunden_per_video_einbinden"):
        assert measure in holding, measure
        assert not STORE_WORDS.search(holding[measure].title + holding[measure].goal), measure
