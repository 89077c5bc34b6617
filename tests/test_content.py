"""The built-in content: complete, cited, reachable, and as the guide counts it."""

from __future__ import annotations

import importlib.util
import json
from collections import Counter
from pathlib import Path

import pytest
from kundenkompass.catalog.plugin_data import PluginData
from kundenkompass.files.toml_files import load_toml_file
from kundenkompass.vocabulary import PHASES

from .conftest import ROOT, run_cli

PLUGINS = ROOT / "plugins"
GUIDE_COUNTS = {
    "bedarfsentstehung": 5,
    "informationssuche": 7,
    "produktwahl": 7,
    "kauf": 9,
    "bindung": 13,
}
PHASE_NAMES = (
    "Bedarfsentstehung",
    "Informationssuche",
    "Anbieter-/Produktwahl",
    "Produktwahl",
    "Kauf",
    "Zufriedenheit",
    "Bindung",
    "Einleitung",
    "Fazit",
    "Best Practice",
    "Interview",
    "Glossar",
    "Übergreifend",
    "Kunden",
    "Zusammenfassung",
)


@pytest.fixture(scope="module")
def built_in(engine):
    owners = engine.catalog.owners
    return {
        "items": [
            i
            for i in engine.catalog.checklist.values()
            if owners[("checklist item", i.id)] in GUIDE_COUNTS
        ],
        "measures": [
            m for m in engine.catalog.measures.values() if owners[("measure", m.id)] in GUIDE_COUNTS
        ],
    }


def test_checklist_counts_per_phase_equal_the_guide(built_in):
    counts = Counter(item.phase for item in built_in["items"])
    assert dict(counts) == GUIDE_COUNTS


def test_each_phase_plugin_owns_its_phase(engine):
    for item in engine.catalog.checklist.values():
        owner = engine.catalog.owners[("checklist item", item.id)]
        if owner in GUIDE_COUNTS:
            assert item.phase == owner


def test_every_item_and_measure_cites_the_guide(built_in):
    for entry in [*built_in["items"], *built_in["measures"]]:
        assert entry.reference.strip(), entry.id
        assert any(name.lower() in entry.reference.lower() for name in PHASE_NAMES), (
            entry.id,
            entry.reference,
        )


def test_every_item_says_what_yes_means(built_in):
    for item in built_in["items"]:
        assert item.help and len(item.help["de"]) > 20, item.id


def test_every_measure_is_complete(built_in):
    assert len(built_in["measures"]) >= 80
    for measure in built_in["measures"]:
        assert len(measure.description["de"]) > 60, measure.id
        assert measure.rationale, measure.id
        assert measure.justification, measure.id


def test_measure_attributes_are_set_explicitly_in_the_data():
    """Every built-in measure states its prioritizing attributes; defaults would hide gaps."""
    for phase in PHASES:
        data = load_toml_file(PLUGINS / phase / "measures.toml")
        for entry in data["measure"]:
            for key in ("impact", "effort", "cost", "time_to_effect", "channels", "justification"):
                assert key in entry, (phase, entry["id"], key)


def test_every_measure_can_be_recommended_by_a_rule(engine):
    recommended = {rule.recommend for rule in engine.catalog.rules.values() if rule.recommend}
    assert set(engine.catalog.measures) <= recommended, set(engine.catalog.measures) - recommended


def test_every_declared_fact_is_used(engine):
    catalog = engine.catalog
    used = {leaf.ref for rule in catalog.rules.values() for leaf in rule.leaves()}
    used |= {ref for derivation in catalog.derivations.values() for ref in derivation.inputs}
    used |= {threshold.input for threshold in catalog.thresholds.values()}
    unused = [f.key for f in catalog.facts.values() if f"facts.{f.key}" not in used]
    assert unused == []


def test_rules_chain_through_derived_facts(engine):
    derived = engine.catalog.rule_derived_facts
    tested = {
        leaf.key
        for rule in engine.catalog.rules.values()
        for leaf in rule.leaves()
        if leaf.subject == "fact"
    }
    assert len(derived & tested) >= 5
    assert engine.catalog.derivations, "at least one derived fact computed in Python"


def test_payment_rules_cite_the_usage_shares_of_figure_2(engine):
    reasons = [
        rule.reason["de"]
        for rule in engine.catalog.rules.values()
        if rule.recommend == "zahlarten_online_erweitern" and rule.reason
    ]
    assert any("94 %" in reason for reason in reasons)
    assert any("83 %" in reason for reason in reasons)


def test_guide_figures_are_cited(engine):
    texts = " ".join((m.rationale or {}).get("de", "") for m in engine.catalog.measures.values())
    for figure in ("68 %", "30 %", "13 %"):
        assert figure in texts, figure


def test_thresholds_not_from_the_guide_are_marked(engine):
    for threshold in engine.catalog.thresholds.values():
        if threshold.our_default:
            assert (
                "Richtwert" in threshold.description["de"] or "eigen" in threshold.description["de"]
            ), threshold.key


def test_plugin_folders_load_on_their_own():
    for phase in PHASES:
        data = PluginData(PLUGINS / phase)
        assert data.register_checklist_items(), phase
        assert data.register_rules(), phase


def test_checklist_command_lists_all_41_items_in_five_phases():
    result = run_cli("checklist", "--format", "json")
    assert result.returncode == 0, result.stderr
    items = json.loads(result.stdout)
    builtin = [i for i in items if i["plugin"] in GUIDE_COUNTS]
    assert len(builtin) == 41
    assert [p for p in PHASES if any(i["phase"] == p for i in builtin)] == list(PHASES)


def test_measures_command_lists_the_catalogue():
    result = run_cli("measures", "--format", "json")
    assert result.returncode == 0, result.stderr
    measures = json.loads(result.stdout)
    assert len(measures) >= 80
    assert {"id", "title", "channels", "impact", "effort", "cost", "reference"} <= set(measures[0])


def test_profile_reference_doc_is_current():
    # From the built-in plugins only: installed sector plugins (such as the example in
    # examples/) do not change the product's reference.
    spec = importlib.util.spec_from_file_location(
        "write_profile_doc", ROOT / "scripts" / "write_profile_doc.py"
    )
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    document = (ROOT / "docs" / "profile.md").read_text(encoding="utf-8")
    assert document == script.profile_reference(), (
        "docs/profile.md is out of date: run `python scripts/write_profile_doc.py`"
    )
    assert "passform_durch_vermessung" not in document  # the example plugin's question


def test_facts_markdown_describes_the_installed_plugins():
    result = run_cli("facts", "--format", "markdown")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("# Profile reference")


def test_examples_audit_cleanly():
    for example in sorted(Path(ROOT / "examples").glob("*.toml")):
        result = run_cli("run", str(example))
        assert result.returncode == 0, (example, result.stderr)
