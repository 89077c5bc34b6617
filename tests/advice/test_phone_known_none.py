"""No reason speaks of the company's phone when it answers customers on none.

A small shop may have given up its landline and answer on WhatsApp and by e-mail only
(``erreichbarkeit_kanaele`` without "telefon"). Advice to set up reliable reachability fits
then, and its reason says the phone is missing; no other reason may name the company's phone
number or tell customers to call it ("am Telefon", "anrufen", "Ihre Telefonnummer").
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from kundenkompass.files.toml_files import tomllib

HERE = Path(__file__).parent
PROFILES = sorted((HERE / "profiles").glob("*.toml"))

PHONE = re.compile(r"telefon|anruf|anrufen", re.IGNORECASE)
#: Rules whose reason is the missing phone itself.
ABOUT_THE_MISSING_PHONE = {"bindung_kein_telefon", "bindung_kein_telefon_schnell_schriftlich"}

#: Answers asked of companies with a store only.
STORE_ONLY = {"feedback_service_verkaufsflaeche"}

#: Variations that bring in the rules whose reasons are most likely to speak of a phone:
#: appointments booked by hand, no Google profile, a contact that is hard to find, no
#: feedback asked for at all.
VARIANTS: dict[str, dict[str, dict[str, Any]]] = {
    "as_is": {},
    "appointments": {"facts": {"beratung_nach_termin": True, "online_terminbuchung": False}},
    "no_google_profile": {"answers": {"google_business_profil": "nein"}},
    "contact_hard_to_find": {
        "answers": {"kontakt_wenige_klicks": "nein", "kontaktinfos_auffindbar": "nein"}
    },
    "no_feedback": {
        "facts": {
            "feedback_kanaele": [],
            "kundenstimmen_pruefintervall_tage": 60,
            "negative_bewerter_kontaktiert": False,
        },
        "answers": {
            "gezieltes_feedback": "nein",
            "zufriedenheitsbefragung": "nein",
            "kundenwuensche_aktiv_erfragen": "nein",
            "feedback_service_verkaufsflaeche": "nein",
            "kundenstimmen_pruefen_reagieren": "nein",
        },
    },
}


def _without_phone(path: Path, variant: dict[str, dict[str, Any]]) -> dict[str, Any]:
    profile = tomllib.loads(path.read_text(encoding="utf-8"))
    answers = profile.setdefault("answers", {})
    facts = profile.setdefault("facts", {})
    channels = [c for c in facts.get("erreichbarkeit_kanaele", []) if c != "telefon"]
    facts["erreichbarkeit_kanaele"] = channels or ["email"]
    if "google_profil_angaben" in facts:
        facts["google_profil_angaben"] = [
            v for v in facts["google_profil_angaben"] if v != "telefonnummer"
        ]
    if "unternehmensinfos_online" in facts:
        facts["unternehmensinfos_online"] = [
            v for v in facts["unternehmensinfos_online"] if v != "telefon"
        ]
    store = "laden" in profile["company"]["channels"]
    answers.update(
        (key, value)
        for key, value in variant.get("answers", {}).items()
        if store or key not in STORE_ONLY
    )
    facts.update(variant.get("facts", {}))
    return profile


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_no_reason_presumes_a_phone(engine, variant):
    wrong = []
    for path in PROFILES:
        result = engine.audit(_without_phone(path, VARIANTS[variant]))
        for recommendation in result.recommendations:
            for firing in recommendation.reasons:
                if firing.rule in ABOUT_THE_MISSING_PHONE or not firing.reason:
                    continue
                if PHONE.search(firing.reason):
                    wrong.append(f"{path.stem}: {firing.rule}: {firing.reason}")
    assert wrong == []


def _reachability_rules(profile: dict[str, Any], engine: Any) -> set[str]:
    result = engine.audit(profile)
    return {
        firing.rule
        for recommendation in result.recommendations
        if recommendation.measure == "erreichbarkeit_sicherstellen"
        for firing in recommendation.reasons
    }


def test_the_missing_phone_is_advised(engine):
    profile = _without_phone(HERE / "profiles" / "zoofachhandel_whatsapp_lieferung.toml", {})
    # WhatsApp answered within hours: the phone is advised as an addition.
    assert _reachability_rules(profile, engine) == {"bindung_kein_telefon_schnell_schriftlich"}
    # Slow answers, or no messenger or chat: the missing phone is the first thing to fix.
    slow = {**profile, "facts": {**profile["facts"], "antwortzeit_anfragen_stunden": 48}}
    assert "bindung_kein_telefon" in _reachability_rules(slow, engine)
    mail_only = {**profile, "facts": {**profile["facts"], "erreichbarkeit_kanaele": ["email"]}}
    assert "bindung_kein_telefon" in _reachability_rules(mail_only, engine)
