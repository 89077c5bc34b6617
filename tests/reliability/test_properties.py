"""Properties of audits over generated valid profiles of the installed catalog.

No crash; every score within 0–100; the same input (as a mapping in any key order, or as
TOML text) gives byte-identical JSON, also from a second engine; the JSON validates
against the published schema and reads back into the same result.
"""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kundenkompass.catalog.catalog import Catalog
from kundenkompass.engine import Engine
from kundenkompass.models import FactDefinition, FactType
from kundenkompass.profile.load import Company
from kundenkompass.profile.schemas import profile_schema, result_schema
from kundenkompass.profile.scope import scope_problem
from kundenkompass.results import AuditResult
from kundenkompass.vocabulary import CHANNELS

PROPERTIES = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
WORDS = ("ja", "teilweise", "nein", "entfällt", "entfaellt", "unbekannt")
TEXTS = ("", "Fahrräder & Zubehör", 'Sagt "hallo"', "Zeile eins\nZeile zwei", "🚲", "x" * 200)


@pytest.fixture(scope="module")
def engines() -> tuple[Engine, Engine]:
    """Two engines with the installed plugins, built independently."""
    return Engine(), Engine()


@pytest.fixture(scope="module")
def schemas(engines) -> tuple[Any, Any]:
    catalog = engines[0].catalog
    return (
        jsonschema.Draft202012Validator(result_schema()),
        jsonschema.Draft202012Validator(profile_schema(catalog)),
    )


def sectors_of(catalog: Catalog) -> list[str]:
    found = set()
    for entry in (*catalog.checklist.values(), *catalog.facts.values(), *catalog.measures.values()):
        found.update(getattr(entry, "sectors", ()) or ())
    return sorted(found)


def applies(entry: Any, sector: str | None) -> bool:
    wanted = getattr(entry, "sectors", ()) or ()
    return not wanted or sector in wanted


def fact_values(fact: FactDefinition) -> st.SearchStrategy[Any]:
    low = fact.minimum if fact.minimum is not None else -1e12
    high = fact.maximum if fact.maximum is not None else 1e12
    if fact.type is FactType.BOOL:
        return st.booleans()
    if fact.type is FactType.INT:
        return st.integers(int(low), int(high))
    if fact.type is FactType.FLOAT:
        boundaries = st.sampled_from(sorted({low, high, max(low, min(high, 0.0))}))
        return boundaries | st.floats(low, high, allow_nan=False, allow_infinity=False)
    if fact.type is FactType.ENUM:
        return st.sampled_from(fact.values)
    if fact.type is FactType.ENUM_LIST:
        return st.lists(st.sampled_from(fact.values), unique=True)
    return st.sampled_from(TEXTS)


@st.composite
def profiles(draw: st.DrawFn, catalog: Catalog) -> dict[str, Any]:
    sector = draw(st.sampled_from([None, "fahrradhandel", *sectors_of(catalog)]))
    company: dict[str, Any] = {
        "name": draw(st.sampled_from(("Radhaus", "Müller & Söhne", 'Laden "Eck"'))),
        "channels": draw(st.lists(st.sampled_from(CHANNELS), min_size=1, unique=True)),
    }
    if sector is not None:
        company["sector"] = sector
    if draw(st.booleans()):
        company["location"] = "Köln"
    # Outside the company's scope (sector, channels) only "entfällt" and "unbekannt".
    scope = Company(name="Probe", sector=sector, channels=tuple(company["channels"]))
    answers: dict[str, Any] = {}
    for item in catalog.checklist.values():
        if not applies(item, sector) or draw(st.integers(0, 4)) == 0:
            continue
        in_scope = scope_problem(f"answers.{item.id}", catalog, scope) is None
        word = draw(st.sampled_from(WORDS if in_scope else ("entfällt", "unbekannt")))
        answers[item.id] = (
            {"antwort": word, "notiz": draw(st.sampled_from(TEXTS))}
            if draw(st.integers(0, 5)) == 0
            else word
        )
    facts: dict[str, Any] = {}
    for fact in catalog.input_facts():
        if not applies(fact, sector) or draw(st.integers(0, 3)) == 0:
            continue
        in_scope = scope_problem(f"facts.{fact.key}", catalog, scope) is None
        unknown = not in_scope or draw(st.integers(0, 9)) == 0
        facts[fact.key] = "unbekannt" if unknown else draw(fact_values(fact))
    profile: dict[str, Any] = {"company": company, "answers": answers, "facts": facts}
    thresholds = sorted(catalog.thresholds)
    if thresholds and draw(st.booleans()):
        key = draw(st.sampled_from(thresholds))
        profile["thresholds"] = {key: draw(st.floats(0, 1000, allow_nan=False))}
    return profile


def reordered(profile: dict[str, Any]) -> dict[str, Any]:
    """The same profile with every table's keys (and list members) in reverse order."""
    flipped = {}
    for table in reversed(list(profile)):
        value = profile[table]
        if isinstance(value, dict):
            value = {
                key: list(reversed(item)) if isinstance(item, list) and table == "facts" else item
                for key, item in reversed(list(value.items()))
            }
        flipped[table] = value
    flipped["company"] = {
        **flipped["company"],
        "channels": list(reversed(profile["company"]["channels"])),
    }
    return flipped


def toml_text(profile: dict[str, Any]) -> str:
    """The profile as TOML (JSON's scalars and arrays are valid TOML when not ASCII-escaped)."""
    lines = []
    for table, values in profile.items():
        lines.append(f"[{table}]")
        for key, value in values.items():
            if isinstance(value, dict):
                inner = ", ".join(
                    f"{k} = {json.dumps(v, ensure_ascii=False)}" for k, v in value.items()
                )
                lines.append(f"{key} = {{ {inner} }}")
            else:
                lines.append(f"{key} = {json.dumps(value, ensure_ascii=False)}")
    return "\n".join(lines) + "\n"


def scores_of(result: AuditResult) -> list[float]:
    found = [result.overall_score] + [phase.score for phase in result.phases]
    return [score for score in found if score is not None]


@pytest.fixture(scope="module")
def catalog(engines) -> Catalog:
    return engines[0].catalog


@PROPERTIES
@given(data=st.data())
def test_generated_profiles_audit_within_bounds_deterministically_and_by_the_schema(
    engines, schemas, data
):
    engine, second = engines
    result_validator, profile_validator = schemas
    profile = data.draw(profiles(engine.catalog), label="profile")

    # The profile is valid by the published profile schema too: loader and schema agree.
    assert list(profile_validator.iter_errors(profile)) == []

    result = engine.audit(profile)
    text = result.to_json()
    for score in scores_of(result):
        assert 0 <= score <= 100
    for phase in result.phases:
        assert phase.answered + phase.unanswered == phase.items
        assert (
            phase.fulfilled + phase.partly + phase.not_fulfilled + phase.not_applicable
            == phase.answered
        )
    for recommendation in result.recommendations:
        assert recommendation.reasons, recommendation.measure
        assert 0 <= recommendation.what_if.phase_score_gain <= 100
        assert 0 <= recommendation.what_if.overall_gain <= 100

    assert engine.audit(profile).to_json() == text
    assert engine.audit(reordered(profile)).to_json() == text
    assert engine.audit(engine.load_profile(toml_text(profile))).to_json() == text
    assert second.audit(profile).to_json() == text

    document = json.loads(text)
    errors = sorted(error.message for error in result_validator.iter_errors(document))
    assert errors == []
    assert AuditResult.model_validate_json(text).to_json() == text
    assert engine._runner.live_states == 0


def test_the_result_schema_rejects_a_broken_result(engines, schemas):
    result_validator, _ = schemas
    document = json.loads(
        engines[0].audit({"company": {"name": "X", "channels": ["laden"]}}).to_json()
    )
    document["overall_score"] = "hoch"
    del document["phases"]
    assert len(list(result_validator.iter_errors(document))) == 2
