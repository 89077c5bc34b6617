"""The plugin system: discovery, registration, and plugins that misbehave."""

from __future__ import annotations

import types

import pytest
from kundenkompass import hookimpl
from kundenkompass.catalog import hookspecs
from kundenkompass.catalog.plugin_data import PluginData
from kundenkompass.catalog.plugin_manager import discover_entry_points
from kundenkompass.engine import Engine
from kundenkompass.errors import PluginError, RuleError
from kundenkompass.models import ChecklistItem, Measure
from kundenkompass.rules.language import parse_rule

from .conftest import SAMPLE_PLUGIN

PHASE_PLUGINS = ["bedarfsentstehung", "bindung", "informationssuche", "kauf", "produktwahl"]


def plugin(name: str, **hooks) -> types.SimpleNamespace:
    """A plugin object with the given hook functions."""
    namespace = types.SimpleNamespace(KUNDENKOMPASS_PLUGIN_NAME=name)
    for hook_name, function in hooks.items():
        setattr(namespace, hook_name, hookimpl(function))
    return namespace


def item(item_id: str) -> ChecklistItem:
    return ChecklistItem(
        id=item_id, phase="kauf", statement={"de": "Aussage"}, reference="Kauf – Checkliste"
    )


def test_built_in_phase_plugins_come_through_the_entry_point_group():
    names = [entry_point.name for entry_point in discover_entry_points()]
    for name in PHASE_PLUGINS:
        assert name in names


def test_discovered_engine_lists_the_five_phase_plugins(engine):
    loaded = [info.name for info in engine.catalog.plugins]
    assert set(PHASE_PLUGINS) <= set(loaded)
    assert all(
        info.distribution == "kundenkompass"
        for info in engine.catalog.plugins
        if info.name in PHASE_PLUGINS
    )


def test_every_hookspec_is_documented():
    for name in dir(hookspecs):
        if name.startswith("register_"):
            assert getattr(hookspecs, name).__doc__, name


def test_a_registered_plugin_object_contributes():
    extra = plugin("extra", register_checklist_items=lambda: [item("extra_item")])
    engine = Engine([PluginData(SAMPLE_PLUGIN), extra], discover=False)
    assert "extra_item" in engine.catalog.checklist
    assert engine.catalog.owners[("checklist item", "extra_item")] == "extra"


def test_a_hook_that_raises_names_the_plugin():
    def broken():
        raise RuntimeError("boom")

    with pytest.raises(PluginError) as caught:
        Engine([plugin("kaputt", register_measures=broken)], discover=False)
    assert "kaputt" in str(caught.value)
    assert "register_measures löste RuntimeError aus: boom" in str(caught.value)


def test_a_hook_returning_the_wrong_type_names_the_plugin():
    with pytest.raises(PluginError) as caught:
        Engine([plugin("falsch", register_checklist_items=lambda: [{"id": "x"}])], discover=False)
    assert "falsch" in str(caught.value)
    assert "erwartet: ChecklistItem" in str(caught.value)


def test_a_duplicate_id_names_both_plugins():
    first = plugin("erstes", register_checklist_items=lambda: [item("doppelt")])
    second = plugin("zweites", register_checklist_items=lambda: [item("doppelt")])
    with pytest.raises(PluginError) as caught:
        Engine([first, second], discover=False)
    message = str(caught.value)
    assert "'doppelt'" in message and "erstes" in message and "zweites" in message


def test_a_rule_naming_an_unknown_fact_is_rejected_with_rule_and_file():
    bad = parse_rule(
        {
            "id": "kaputte_regel",
            "recommend": "gbp_anlegen",
            "when": {"fact": "homepag", "equals": False},
        },
        "sektor/rules.toml",
    )
    with pytest.raises(RuleError) as caught:
        Engine(
            [PluginData(SAMPLE_PLUGIN), plugin("sektor", register_rules=lambda: [bad])],
            discover=False,
        )
    message = str(caught.value)
    assert "sektor/rules.toml" in message
    assert "kaputte_regel" in message
    assert "unbekannt: Fakt 'homepag'; meinten Sie 'homepage'?" in message


@pytest.mark.parametrize(
    ("when", "message"),
    [
        ({"fact": "homepage", "equals": 1}, "erwartet: true oder false"),
        ({"fact": "homepage", "lt": True}, "der Operator 'lt' passt nicht"),
        ({"answer": "gbp", "equals": "vielleicht"}, "passt nicht"),
        ({"fact": "kanaele", "contains": "tiktok"}, "passt nicht"),
        (
            {"fact": "praesenz_schwach", "is_unknown": True},
            "kann keinen Fakt prüfen, den Regeln ableiten",
        ),
        ({"company": "umsatz", "gt": 3}, "unbekannt: Unternehmensfeld"),
    ],
)
def test_rules_with_wrong_values_or_operators_are_rejected(when, message):
    bad = parse_rule({"id": "r", "recommend": "gbp_anlegen", "when": when}, "x/rules.toml")
    with pytest.raises(RuleError) as caught:
        Engine(
            [PluginData(SAMPLE_PLUGIN), plugin("x", register_rules=lambda: [bad])], discover=False
        )
    assert message in str(caught.value)


def test_a_rule_recommending_an_unknown_measure_is_rejected():
    bad = parse_rule(
        {"id": "r", "recommend": "gbp_anlegn", "when": {"answer": "gbp", "equals": "nein"}}, "f"
    )
    with pytest.raises(
        RuleError, match="unbekannte Maßnahme 'gbp_anlegn'; meinten Sie 'gbp_anlegen'"
    ):
        Engine(
            [PluginData(SAMPLE_PLUGIN), plugin("x", register_rules=lambda: [bad])], discover=False
        )


def test_a_plugin_for_another_hookspec_version_is_refused():
    old = plugin("alt", register_measures=lambda: [])
    old.KUNDENKOMPASS_HOOKSPEC_VERSION = 99
    with pytest.raises(PluginError, match="Hook-Spezifikation Version 99"):
        Engine([old], discover=False)


def test_measure_with_unknown_prerequisite_is_rejected():
    measure = Measure(
        id="m",
        phase="kauf",
        title={"de": "T"},
        description={"de": "D"},
        reference="R",
        prerequisites=("gibt_es_nicht",),
    )
    with pytest.raises(PluginError, match="unbekannte Voraussetzung 'gibt_es_nicht'"):
        Engine([plugin("p", register_measures=lambda: [measure])], discover=False)
