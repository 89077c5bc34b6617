"""The example third-party plugin examples/kundenkompass-fahrradhandel, as installed by CI."""

from __future__ import annotations

import importlib.metadata
import json

import pytest
from kundenkompass.catalog.plugin_manager import discover_entry_points
from kundenkompass.files.toml_files import load_toml_file

from .conftest import ROOT, run_cli

PACKAGE = ROOT / "examples" / "kundenkompass-fahrradhandel"
DATA = PACKAGE / "kundenkompass_fahrradhandel"
PROFILE = PACKAGE / "radwerk.toml"


def _ids(table: str, filename: str) -> list[str]:
    return [entry.get("id") or entry["key"] for entry in load_toml_file(DATA / filename)[table]]


ITEMS = _ids("item", "checklist.toml")
MEASURES = _ids("measure", "measures.toml")
FACTS = _ids("fact", "facts.toml")


@pytest.fixture(scope="module")
def result(engine):
    return engine.audit(PROFILE)


def test_the_package_is_installed_and_found_through_its_entry_point():
    found = {ep.name: ep for ep in discover_entry_points()}
    assert "fahrradhandel" in found, (
        "install the example plugin: pip install ./examples/kundenkompass-fahrradhandel "
        "(.ci/run does)"
    )
    entry_point = found["fahrradhandel"]
    assert entry_point.value == "kundenkompass_fahrradhandel:plugin"
    assert entry_point.dist is not None
    assert entry_point.dist.metadata["Name"] == "kundenkompass-fahrradhandel"
    assert importlib.metadata.version("kundenkompass-fahrradhandel") == "0.1.0"


def test_the_engine_registers_it_like_any_installed_plugin(engine):
    (info,) = [info for info in engine.catalog.plugins if info.name == "fahrradhandel"]
    assert info.distribution == "kundenkompass-fahrradhandel"
    assert info.installed
    owners = engine.catalog.owners
    assert all(owners[("checklist item", item)] == "fahrradhandel" for item in ITEMS)
    assert all(owners[("measure", measure)] == "fahrradhandel" for measure in MEASURES)


def test_all_its_content_is_scoped_to_bicycle_retail(engine):
    catalog = engine.catalog
    for item in ITEMS:
        assert catalog.checklist[item].sectors == ("fahrradhandel",), item
    for measure in MEASURES:
        assert catalog.measures[measure].sectors == ("fahrradhandel",), measure
    for fact in FACTS:
        assert catalog.facts[fact].sectors == ("fahrradhandel",), fact


def test_its_content_comes_from_the_rose_bikes_interview(engine):
    for measure in MEASURES:
        entry = engine.catalog.measures[measure]
        assert "ROSE Bikes" in entry.reference, measure
        assert entry.rationale and entry.justification, measure
    texts = " ".join(engine.catalog.measures[m].rationale["de"] for m in MEASURES)
    for topic in ("Konfigurator", "vermisst", "Körperdaten", "25 %"):
        assert topic in texts, topic


def test_an_audit_of_a_bicycle_retailer_shows_its_items(result):
    assert result.company.sector == "fahrradhandel"
    answered = {a.item: a.answer for phase in result.phases for a in phase.checklist}
    for item in ITEMS:
        assert item in answered, item
    assert answered["passform_durch_vermessung"] == "ja"
    assert "fahrradhandel" in [plugin.name for plugin in result.plugins]


def test_an_audit_of_a_bicycle_retailer_recommends_its_measures(result):
    by_measure = {r.measure: r for r in result.recommendations}
    for measure in (
        "konfigurator_in_der_beratung",
        "koerperdaten_kanaluebergreifend_nutzen",
        "vermessung_bekannt_machen",
    ):
        assert measure in by_measure, measure
        assert all(f.plugin == "fahrradhandel" for f in by_measure[measure].reasons)
    # chaining: the derived fact explains the recommendation
    derived = {fact.key: fact for fact in result.derived_facts}
    assert derived["passformdaten_ungenutzt"].value is True
    rules = {f.rule for f in by_measure["koerperdaten_kanaluebergreifend_nutzen"].reasons}
    assert "rad_passformdaten_ungenutzt" in rules
    # the threshold from the guide's 25 %
    (firing,) = by_measure["vermessung_bekannt_machen"].reasons
    assert any(e.ref == "facts.vermessung_breit_genutzt" for e in firing.evidence)
    # a rule on a built-in measure, conditioned on the sector
    responsible = {f.rule for f in by_measure["feedback_verantwortung_festlegen"].reasons}
    assert "rad_kundenerkenntnisse_folgenlos" in responsible
    # what the built-in rules recommend already, the plugin does not recommend again
    konfigurator = by_measure["online_konfigurator_anbieten"]
    assert all(f.plugin != "fahrradhandel" for f in konfigurator.reasons)


def test_other_sectors_see_none_of_it(engine):
    profile = load_toml_file(PROFILE)
    for sector in ("moebel", None):
        company = {**profile["company"]}
        if sector is None:
            del company["sector"]
        else:
            company["sector"] = sector
        answers = {k: v for k, v in profile["answers"].items() if k not in ITEMS}
        answers.pop("beratung_nach_kundengruppe")
        facts = {k: v for k, v in profile["facts"].items() if k not in FACTS}
        facts.pop("kundengruppen_rad")
        result = engine.audit({"company": company, "answers": answers, "facts": facts})
        shown = {a.item for phase in result.phases for a in phase.checklist}
        assert not shown & set(ITEMS)
        assert not {r.measure for r in result.recommendations} & set(MEASURES)
        asked = {q.ref.split(".", 1)[1] for q in result.open_questions}
        assert not asked & {*ITEMS, *FACTS}
        assert "feedback_verantwortung_festlegen" in {r.measure for r in result.recommendations}
        plugins = {f.plugin for r in result.recommendations for f in r.reasons}
        assert "fahrradhandel" not in plugins


def test_the_command_line_audit_shows_its_content():
    done = run_cli("run", str(PROFILE))
    assert done.returncode == 0, done.stderr
    assert "Räder im Geschäft am digitalen Konfigurator zusammenstellen" in done.stdout
    assert "Regel rad_passformdaten_ungenutzt" in done.stdout

    listed = run_cli("plugins", "--format", "json")
    assert listed.returncode == 0, listed.stderr
    plugins = {p["name"]: p for p in json.loads(listed.stdout)["plugins"]}
    bike = plugins["fahrradhandel"]
    assert bike["distribution"] == "kundenkompass-fahrradhandel"
    assert bike["version"] == "0.1.0"
    assert bike["sectors"] == ["fahrradhandel"]
    assert (bike["checklist_items"], bike["measures"]) == (len(ITEMS), len(MEASURES))
    assert bike["facts"] == len(FACTS) + 1  # and one threshold
    assert bike["rules"] == len(load_toml_file(DATA / "rules.toml")["rule"])


def test_the_plugin_passes_lint():
    done = run_cli("lint", str(DATA))
    assert done.returncode == 0, done.stdout
    assert "Keine Probleme in 1 Plugin oder Regelwerk" in done.stdout
