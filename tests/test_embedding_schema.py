"""`audit schema profile|result` and the profile input forms the engine accepts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from kundenkompass.errors import ProfileError
from kundenkompass.files.toml_files import parse_toml_text
from kundenkompass.profile.schemas import profile_model, profile_schema

from .conftest import ROOT, run_cli

RADHAUS = ROOT / "examples" / "radhaus.toml"


def test_result_schema_describes_the_result_json(engine):
    done = run_cli("schema", "result")
    assert done.returncode == 0, done.stderr
    schema = json.loads(done.stdout)
    assert schema["$schema"].endswith("2020-12/schema")
    result = json.loads(engine.audit(RADHAUS).to_json())
    assert set(result) == set(schema["properties"])
    assert set(schema["required"]) <= set(result)


def test_profile_schema_lists_every_question_of_the_plugins(engine):
    done = run_cli("schema", "profile")
    assert done.returncode == 0, done.stderr
    schema = json.loads(done.stdout)
    definitions = schema["$defs"]
    assert set(definitions["Answers"]["properties"]) == set(engine.catalog.checklist)
    inputs = {fact.key for fact in engine.catalog.input_facts()}
    assert set(definitions["Facts"]["properties"]) == inputs
    assert definitions["Answers"]["additionalProperties"] is False
    assert schema["required"] == ["company"]
    assert "null" not in done.stdout  # optional keys are left out, never null


def test_unknown_schema_kind_is_a_usage_error():
    done = run_cli("schema", "everything")
    assert done.returncode == 2


def test_the_example_profile_fits_the_generated_model(engine):
    model = profile_model(engine.catalog)
    data = parse_toml_text(RADHAUS.read_text(encoding="utf-8"))
    typed = model.model_validate(data)
    # A profile given as that pydantic model audits like the file itself.
    assert engine.audit(typed).to_json() == engine.audit(RADHAUS).to_json()


@pytest.mark.parametrize(
    "form",
    [
        lambda: RADHAUS,
        lambda: RADHAUS.read_text(encoding="utf-8"),
        lambda: RADHAUS.read_bytes(),
        lambda: parse_toml_text(RADHAUS.read_text(encoding="utf-8")),
    ],
    ids=["path", "toml-text", "toml-bytes", "mapping"],
)
def test_every_profile_form_gives_the_same_result(engine, form):
    assert engine.audit(form()).to_json() == engine.audit(Path(RADHAUS)).to_json()


def test_a_file_is_read_only_when_asked_for(engine, tmp_path):
    # A str is TOML text: a file name in it is never opened, whatever file it names.
    secret = tmp_path / "geheim.toml"
    secret.write_text('[company]\nname = "Geheim"\nchannels = ["laden"]\n', encoding="utf-8")
    for text in (str(secret), str(tmp_path / "missing.toml"), "/etc/passwd"):
        with pytest.raises(ProfileError, match="ein str wird als TOML-Text gelesen") as caught:
            engine.audit(text)
        assert "Geheim" not in str(caught.value) and "not found" not in str(caught.value)
    assert engine.load_profile_file(str(secret)).company.name == "Geheim"
    assert engine.load_profile(secret).company.name == "Geheim"


@pytest.mark.parametrize("value", [None, 1, 2.5, True, ["company"], object()])
def test_anything_else_is_not_a_profile(engine, value):
    with pytest.raises(ProfileError, match="erwartet"):
        engine.load_profile(value, source="formular")


def test_text_profiles_are_named_by_their_source_in_errors(engine):
    with pytest.raises(ProfileError) as caught:
        engine.load_profile(b'[company]\nname = "X"\nchannels = [\n', source="formular")
    assert str(caught.value).startswith("formular:")
    with pytest.raises(ProfileError, match=r"^formular: ist kein UTF-8-Text"):
        engine.load_profile(b"[company]\n\xff\n", source="formular")
    with pytest.raises(ProfileError, match=r"^<profile>: company.channels: fehlt"):
        engine.load_profile({"company": {"name": "X"}})


def test_the_profile_schema_allows_sector_questions_only_for_their_sector(engine):
    import jsonschema

    schema = profile_schema(engine.catalog)
    sector_only = [item for item in engine.catalog.checklist.values() if item.sectors]
    assert sector_only, "no sector-scoped question installed"
    item = sector_only[0]
    sector = item.sectors[0]
    answered = {"answers": {item.id: "ja"}}
    right = {"company": {"name": "X", "sector": sector, "channels": ["laden"]}, **answered}
    wrong = {"company": {"name": "X", "sector": "anders", "channels": ["laden"]}, **answered}
    none = {"company": {"name": "X", "channels": ["laden"]}, **answered}
    jsonschema.validate(right, schema)
    for profile in (wrong, none):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(profile, schema)
        with pytest.raises(ProfileError, match="gilt nur für Unternehmen der Branche"):
            engine.audit(profile)
    engine.audit(right)
