"""Faulty plugins: every failure names the plugin (and the rule), is never swallowed, and
never leaves a partial report behind."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from kundenkompass.catalog.plugin_data import PluginData
from kundenkompass.engine import Engine
from kundenkompass.errors import AuditError, PluginError, RuleError
from kundenkompass.inference import runner as infer
from kundenkompass.models import ChecklistItem, Derivation, FactDefinition, Measure, Threshold
from kundenkompass.rules.language import parse_rule

from ..conftest import run_cli
from .worlds import make_plugin

DATA = Path(__file__).parent / "data" / "werkstatt"
COMPANY = {"name": "Werkstatt", "channels": ["laden"]}

HOOKS = (
    "register_facts",
    "register_checklist_items",
    "register_measures",
    "register_rules",
    "register_derivations",
    "register_thresholds",
)

#: A valid contribution of the *wrong* kind for each hook.
WRONG_MODEL = {
    "register_facts": ChecklistItem(id="x", phase="kauf", statement={"de": "S"}, reference="R"),
    "register_checklist_items": Measure(
        id="x", phase="kauf", title={"de": "T"}, description={"de": "D"}, reference="R"
    ),
    "register_measures": FactDefinition(key="x", type="bool", question={"de": "F"}),
    "register_rules": {"id": "r", "recommend": "m", "when": {"fact": "x", "equals": True}},
    "register_derivations": Threshold(
        key="x", input="facts.y", operator="lt", value=1, description={"de": "S"}
    ),
    "register_thresholds": parse_rule(
        {"id": "r", "recommend": "m", "when": {"fact": "x", "equals": True}}, "f"
    ),
}


def werkstatt_with(*plugins: object) -> Engine:
    return Engine([PluginData(DATA), *plugins], discover=False)


# ------------------------------------------------------------------------------- hooks


@pytest.mark.parametrize("hook", HOOKS)
def test_a_hook_that_raises_names_plugin_and_hook_and_keeps_the_cause(hook):
    def broken() -> list[Any]:
        raise ZeroDivisionError("division by zero in the plugin")

    with pytest.raises(PluginError) as caught:
        werkstatt_with(make_plugin("kaputt", **{hook: broken}))
    assert caught.value.plugin == "kaputt"
    assert str(caught.value) == (
        f"Plugin 'kaputt': {hook} löste ZeroDivisionError aus: division by zero in the plugin"
    )
    assert isinstance(caught.value.__cause__, ZeroDivisionError)


@pytest.mark.parametrize("hook", HOOKS)
@pytest.mark.parametrize(
    "returned", [{"x": 1}, "register", 42, {1, 2}], ids=["dict", "str", "int", "set"]
)
def test_a_hook_returning_no_list_names_plugin_and_hook(hook, returned):
    with pytest.raises(PluginError, match=f"Plugin 'falsch': {hook} muss eine Liste von"):
        werkstatt_with(make_plugin("falsch", **{hook: lambda: returned}))


@pytest.mark.parametrize("hook", HOOKS)
def test_a_hook_returning_the_wrong_model_names_plugin_hook_and_position(hook):
    wrong = WRONG_MODEL[hook]
    with pytest.raises(PluginError) as caught:
        werkstatt_with(make_plugin("falsch", **{hook: lambda: [wrong]}))
    message = str(caught.value)
    assert message.startswith(
        f"Plugin 'falsch': {hook} lieferte {type(wrong).__name__} an Position 0"
    )


@pytest.mark.parametrize("error", [KeyboardInterrupt, SystemExit])
def test_an_interrupt_in_a_hook_is_not_turned_into_a_plugin_error(error):
    def interrupted() -> list[Any]:
        raise error()

    with pytest.raises(error):
        werkstatt_with(make_plugin("unterbrochen", register_measures=interrupted))


def test_a_library_error_inside_a_hook_still_names_the_plugin(tmp_path):
    (tmp_path / "rules.toml").write_text('[[rule]]\nid = "r"\nwhen = { fact = "x", equals = 1 }\n')
    with pytest.raises(PluginError) as caught:
        werkstatt_with(
            make_plugin("datei", register_rules=lambda: PluginData(tmp_path).register_rules())
        )
    message = str(caught.value)
    assert message.startswith("Plugin 'datei': register_rules: ")
    assert f"{tmp_path / 'rules.toml'}:2:1: Regel 'r': braucht genau eine Aktion" in message
    assert isinstance(caught.value.__cause__, RuleError)


def test_a_broken_data_file_names_the_plugin_file_and_entry(tmp_path):
    (tmp_path / "measures.toml").write_text(
        '[[measure]]\nid = "m"\nphase = "kauf"\ntitle.de = "T"\nreference = "R"\n'
    )
    with pytest.raises(PluginError) as caught:
        werkstatt_with(
            make_plugin("daten", register_measures=lambda: PluginData(tmp_path).register_measures())
        )
    assert "Plugin 'daten'" in str(caught.value)
    assert "measures.toml:1:1: measure[0] 'm': description: fehlt" in str(caught.value)


@pytest.mark.parametrize(
    ("name", "content", "fragments"),
    [
        (
            "rules.toml",
            b'[[rule]]\nid = "r"\nwhen = { fact = "x" \n',
            (":3:20:", "Inline-Tabelle ist nicht geschlossen"),
        ),
        (
            "rules.toml",
            '[[rule]]\nid = "größe"\n'.encode("latin-1"),
            (":2:9:", "kein gültiges UTF-8"),
        ),
        (
            "facts.toml",
            b"[[fact]]\nkey = 1\nkey = 2\n",
            (":3:", "ein Schlüssel ist doppelt gesetzt"),
        ),
        ("measures.toml", b"\x00\x01", ("keine Textdatei",)),
    ],
    ids=["syntax", "latin-1", "duplicate-key", "binary"],
)
def test_a_broken_data_file_names_plugin_file_and_position(tmp_path, name, content, fragments):
    (tmp_path / name).write_bytes(content)
    data = PluginData(tmp_path)
    hooks = {
        "register_rules": lambda: data.register_rules(),
        "register_facts": lambda: data.register_facts(),
        "register_measures": lambda: data.register_measures(),
    }
    with pytest.raises(PluginError) as caught:
        werkstatt_with(make_plugin("daten", **hooks))
    message = str(caught.value)
    assert message.startswith("Plugin 'daten': ")
    assert str(tmp_path / name) in message
    for fragment in fragments:
        fragment = f"{tmp_path / name}{fragment}" if fragment.startswith(":") else fragment
        assert fragment in message, message


# ------------------------------------------------------------------ during the audit


def derivation(compute) -> Derivation:
    return Derivation(
        fact="quote", inputs=("facts.mitarbeitende",), compute=compute, description={"de": "Quote"}
    )


def quote_plugin(compute) -> object:
    quote = FactDefinition(key="quote", type="float", question={"de": "Quote"}, source="derived")
    return make_plugin(
        "rechner",
        register_facts=lambda: [quote],
        register_derivations=lambda: [derivation(compute)],
    )


def test_a_derivation_that_raises_names_plugin_and_derivation():
    def compute(known):
        return 1 / (known["facts.mitarbeitende"] - 4)

    engine = werkstatt_with(quote_plugin(compute))
    with pytest.raises(PluginError) as caught:
        engine.audit({"company": COMPANY, "facts": {"mitarbeitende": 4}})
    assert str(caught.value) == (
        "Plugin 'rechner': Ableitung 'quote' löste ZeroDivisionError aus: division by zero"
    )
    assert isinstance(caught.value.__cause__, ZeroDivisionError)
    assert (
        engine.audit({"company": COMPANY, "facts": {"mitarbeitende": 5}}).facts["mitarbeitende"]
        == 5
    )


@pytest.mark.parametrize(
    "returned",
    ["hoch", True, float("nan"), object(), [1.0]],
    ids=["str", "bool", "nan", "object", "list"],
)
def test_a_derivation_returning_the_wrong_type_names_plugin_and_derivation(returned):
    engine = werkstatt_with(quote_plugin(lambda known: returned))
    with pytest.raises(PluginError) as caught:
        engine.audit({"company": COMPANY})
    assert str(caught.value).startswith("Plugin 'rechner': Ableitung 'quote' lieferte ")
    assert "kein gültiger Wert vom Typ float" in str(caught.value)


def test_a_derivation_returning_a_whole_number_for_a_float_fact_is_fine():
    engine = werkstatt_with(quote_plugin(lambda known: 3))
    quote = engine.audit({"company": COMPANY}).facts["quote"]
    assert quote == 3.0 and isinstance(quote, float)


def chained_plugin() -> object:
    schwach = FactDefinition(
        key="schwach", type="bool", question={"de": "Schwach?"}, source="derived"
    )
    rules = [
        parse_rule(
            {
                "id": "ableiten",
                "derive": {"fact": "schwach", "value": True},
                "when": {"fact": "website", "equals": False},
            },
            "kette/rules.toml",
        ),
        parse_rule(
            {
                "id": "empfehlen",
                "recommend": "website_bauen",
                "when": {"fact": "schwach", "equals": True},
            },
            "kette/rules.toml",
        ),
    ]
    return make_plugin("kette", register_facts=lambda: [schwach], register_rules=lambda: rules)


def test_an_action_that_fails_names_plugin_rule_and_file(monkeypatch):
    engine = werkstatt_with(chained_plugin())

    def failing(*args, **kwargs):
        raise MemoryError("simulated failure inside the action")

    monkeypatch.setattr(infer, "Derived", failing)
    with pytest.raises(AuditError) as caught:
        engine.audit({"company": COMPANY, "facts": {"website": False}})
    message = str(caught.value)
    assert message == (
        "eine Regelaktion ist fehlgeschlagen: Plugin 'kette', Regel 'ableiten' (kette/rules.toml): "
        "MemoryError: simulated failure inside the action"
    )
    assert caught.value.failures == [
        ("ableiten", "MemoryError: simulated failure inside the action")
    ]
    assert engine._runner.live_states == 0
    monkeypatch.undo()
    result = engine.audit({"company": COMPANY, "facts": {"website": False}})
    assert {r.measure for r in result.recommendations} == {"website_bauen"}


def test_a_failure_of_durable_rules_inside_an_action_is_not_swallowed(monkeypatch):
    from kundenkompass.inference.runner import ActionContext

    engine = werkstatt_with(chained_plugin())

    def refuse(self, *args, **kwargs):
        raise RuntimeError("Could not assert fact, error code: 303")

    monkeypatch.setattr(ActionContext, "assert_fact", refuse)
    with pytest.raises(AuditError, match=r"Plugin 'kette', Regel 'ableiten' .*error code: 303"):
        engine.audit({"company": COMPANY, "facts": {"website": False}})
    assert engine._runner.live_states == 0


# --------------------------------------------------- installed plugins, command line


PLUGIN_SOURCE = '''
"""A plugin that fails in the way KAPUTT_ART says."""
import os

from kundenkompass import hookimpl
from kundenkompass.models import Derivation, FactDefinition
from kundenkompass.rules.language import parse_rule

ART = os.environ.get("KAPUTT_ART", "")


@hookimpl
def register_measures():
    if ART == "hook":
        raise RuntimeError("measures are broken")
    return []


@hookimpl
def register_facts():
    return [
        FactDefinition(key="kaputt_quote", type="float", question={"de": "Quote"}, source="derived"),
        FactDefinition(key="kaputt_flag", type="bool", question={"de": "Flag"}, source="derived"),
    ]


@hookimpl
def register_derivations():
    def compute(known):
        if ART == "derivation":
            raise ValueError("cannot compute")
        return None
    return [Derivation(fact="kaputt_quote", inputs=(), compute=compute, description={"de": "Q"})]


@hookimpl
def register_rules():
    if ART == "bad_rule":
        return [parse_rule({"id": "kaputt_regel", "recommend": "x", "when": {"fact": "gibt_es_nicht", "equals": True}}, "kaputt/rules.toml")]
    if ART != "conflict":
        return []
    always = {"company": "channels", "contains": "laden"}
    return [
        parse_rule({"id": "kaputt_ja", "derive": {"fact": "kaputt_flag", "value": True}, "when": always}, "kaputt/rules.toml"),
        parse_rule({"id": "kaputt_nein", "derive": {"fact": "kaputt_flag", "value": False}, "when": always}, "kaputt/rules.toml"),
    ]
'''


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A folder holding an installed plugin distribution (a package and its .dist-info)."""
    site = tmp_path_factory.mktemp("site")
    (site / "kundenkompass_kaputt").mkdir()
    (site / "kundenkompass_kaputt" / "__init__.py").write_text(PLUGIN_SOURCE)
    info = site / "kundenkompass_kaputt-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: kundenkompass-kaputt\nVersion: 1.0\n"
    )
    (info / "entry_points.txt").write_text("[kundenkompass]\nkaputt = kundenkompass_kaputt\n")
    return site


@pytest.mark.parametrize(
    ("art", "code", "fragments"),
    [
        (
            "hook",
            3,
            ("Plugin 'kaputt'", "register_measures löste RuntimeError aus: measures are broken"),
        ),
        ("derivation", 3, ("Plugin 'kaputt'", "Ableitung 'kaputt_quote' löste ValueError aus")),
        ("conflict", 4, ("Plugin 'kaputt'", "kaputt/rules.toml", "'kaputt_ja'", "'kaputt_nein'")),
        ("bad_rule", 3, ("kaputt/rules.toml: Regel 'kaputt_regel'", "unbekannte Maßnahme 'x'")),
    ],
)
def test_the_command_line_names_the_plugin_and_writes_no_report(
    installed, tmp_path, monkeypatch, art, code, fragments
):
    profile = tmp_path / "profil.toml"
    profile.write_text('[company]\nname = "Kaputt"\nchannels = ["laden"]\n')
    report = tmp_path / "bericht.json"
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join([str(installed), os.environ.get("PYTHONPATH", "")])
    )
    monkeypatch.setenv("KAPUTT_ART", art)
    done = run_cli("run", str(profile), "--output", str(report))
    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    (line,) = done.stderr.strip().splitlines()
    for fragment in fragments:
        assert fragment in line, line
    assert sorted(path.name for path in tmp_path.iterdir()) == ["profil.toml"]


def test_the_installed_test_plugin_works_when_nothing_fails(installed, tmp_path, monkeypatch):
    profile = tmp_path / "profil.toml"
    profile.write_text('[company]\nname = "Heil"\nchannels = ["laden"]\n')
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join([str(installed), os.environ.get("PYTHONPATH", "")])
    )
    monkeypatch.setenv("KAPUTT_ART", "")
    done = run_cli("run", str(profile), "--output", str(tmp_path / "bericht.json"))
    assert done.returncode == 0, done.stderr
    assert '"kaputt"' in (tmp_path / "bericht.json").read_text()
