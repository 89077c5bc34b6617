"""Hypothesis strategies: valid profiles for the loaded catalog."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st
from kundenkompass.catalog.catalog import Catalog
from kundenkompass.models import FactDefinition, FactType
from kundenkompass.profile.load import ANSWER_SPELLINGS, Company
from kundenkompass.profile.scope import scope_problem
from kundenkompass.vocabulary import CHANNELS

ANSWER_WORDS = ("ja", "teilweise", "nein", "entfällt")


def fact_values(fact: FactDefinition) -> st.SearchStrategy[Any]:
    low = fact.minimum if fact.minimum is not None else 0
    high = fact.maximum if fact.maximum is not None else 1000
    if fact.type is FactType.BOOL:
        return st.booleans()
    if fact.type is FactType.INT:
        return st.integers(int(low), int(high))
    if fact.type is FactType.FLOAT:
        return st.floats(low, high, allow_nan=False, allow_infinity=False).map(
            lambda v: round(v, 2)
        )
    if fact.type is FactType.ENUM:
        return st.sampled_from(fact.values)
    if fact.type is FactType.ENUM_LIST:
        return st.lists(st.sampled_from(fact.values), unique=True).map(
            lambda chosen: [v for v in fact.values if v in chosen]
        )
    return st.text(alphabet="abcdefgh äöü", max_size=20)


@st.composite
def profiles(draw: st.DrawFn, catalog: Catalog) -> dict[str, Any]:
    channels = draw(st.lists(st.sampled_from(CHANNELS), min_size=1, unique=True))
    # A profile may only answer what is in its company's scope (sector, channels); outside
    # it only "entfällt" and "unbekannt".
    sector = draw(st.sampled_from((None, *catalog.sectors)))
    scope = Company(name="Generierte GmbH", sector=sector, channels=tuple(channels))

    def in_scope(ref: str) -> bool:
        return scope_problem(ref, catalog, scope) is None

    answers = {}
    for item_id in catalog.checklist:
        word = draw(st.sampled_from((*ANSWER_WORDS, None)))
        claims_nothing = word is not None and ANSWER_SPELLINGS[word] in (None, "entfaellt")
        if word is not None and (claims_nothing or in_scope(f"answers.{item_id}")):
            answers[item_id] = word
    facts = {}
    for fact in catalog.input_facts():
        if draw(st.booleans()) and in_scope(f"facts.{fact.key}"):
            facts[fact.key] = draw(fact_values(fact))
    company = {"name": "Generierte GmbH", "channels": [c for c in CHANNELS if c in channels]}
    if sector is not None:
        company["sector"] = sector
    return {"company": company, "answers": answers, "facts": facts}
