"""Channel-scoped questions are handled like sector-scoped ones: in validation and in the
profile's JSON Schema, which agree on every channel mix."""

from __future__ import annotations

import itertools

import pytest
from kundenkompass.errors import ProfileError
from kundenkompass.models import FactType
from kundenkompass.profile.schemas import profile_schema
from kundenkompass.profile.scope import check_profile, scope_for
from kundenkompass.vocabulary import CHANNELS

jsonschema = pytest.importorskip("jsonschema")

MIXES = [
    list(combination)
    for size in range(1, len(CHANNELS) + 1)
    for combination in itertools.combinations(CHANNELS, size)
]


def store_only(**tables):
    return {"company": {"name": "Laden", "channels": ["laden"]}, **tables}


def test_an_answer_for_a_channel_the_company_lacks_is_refused_with_the_key_path(engine):
    with pytest.raises(ProfileError) as caught:
        engine.audit(store_only(answers={"onlineshop_responsiv": "ja"}))
    assert str(caught.value) == (
        "<profile>: answers.onlineshop_responsiv: gilt nur für Unternehmen mit dem "
        "Verkaufskanal „Onlineshop“; das Profil nennt unter [company] channels: „Ladengeschäft“"
    )
    assert caught.value.exit_code == 2


def test_a_fact_for_a_channel_the_company_lacks_is_refused(engine):
    with pytest.raises(ProfileError, match=r"facts\.lieferzeit_tage: gilt nur für .*Onlineshop"):
        engine.audit(store_only(facts={"lieferzeit_tage": 2}))


def test_entfaellt_and_unbekannt_claim_nothing_and_are_accepted(engine):
    result = engine.audit(
        store_only(
            answers={
                "onlineshop_responsiv": "entfällt",
                "checkout_wenige_klicks": {"antwort": "unbekannt", "notiz": "kein Shop"},
            },
            facts={"lieferzeit_tage": "unbekannt"},
        )
    )
    assert result.ignored_inputs == []


def test_a_precondition_on_the_channels_alone_is_scope(engine):
    # Click & Collect is asked only with a store and an online shop.
    online_only = {"name": "Versand", "channels": ["onlineshop"]}
    with pytest.raises(ProfileError) as caught:
        engine.audit({"company": online_only, "facts": {"click_and_collect": True}})
    assert "facts.click_and_collect: gilt nur, wenn „Verkaufskanäle“ enthält Ladengeschäft" in (
        str(caught.value)
    )


def test_a_precondition_on_other_answers_ignores_the_value_and_says_so(engine):
    # Asked only with a website or an online shop: another answer rules it out.
    result = engine.audit(
        store_only(answers={"eigene_website": "nein"}, facts={"website_mobil_optimiert": False})
    )
    assert [entry.ref for entry in result.ignored_inputs] == ["facts.website_mobil_optimiert"]


def _sample(fact):
    if fact.type is FactType.BOOL:
        return True
    if fact.type in (FactType.INT, FactType.FLOAT):
        low = fact.minimum if fact.minimum is not None else 0
        return int(low) if fact.type is FactType.INT else float(low)
    if fact.type is FactType.ENUM:
        return fact.values[0]
    if fact.type is FactType.ENUM_LIST:
        return [fact.values[0]]
    return "Text"


def test_the_schema_and_the_engine_agree_on_every_scoped_question_and_channel_mix(engine):
    catalog = engine.catalog
    validator = jsonschema.Draft202012Validator(profile_schema(catalog))
    cases = [
        ("answers", item.id, value)
        for item in catalog.checklist.values()
        if item.channels or f"answers.{item.id}" in catalog.preconditions
        for value in ("ja", "entfällt", "unbekannt")
    ]
    cases += [
        ("facts", fact.key, value)
        for fact in catalog.input_facts()
        if fact.channels or f"facts.{fact.key}" in catalog.preconditions
        for value in (_sample(fact), "unbekannt")
    ]
    assert len(cases) > 50
    refused = disagreements = 0
    for mix, (table, key, value) in itertools.product(MIXES, cases):
        data = {"company": {"name": "X", "channels": mix}, table: {key: value}}
        try:
            profile = engine.load_profile(data)
            check_profile(profile, catalog, scope_for(profile, catalog))
            accepted = True
        except ProfileError:
            accepted = False
        refused += not accepted
        if validator.is_valid(data) != accepted:
            disagreements += 1
            print(mix, table, key, value, "engine accepts" if accepted else "engine refuses")
    assert refused > 0
    assert disagreements == 0
