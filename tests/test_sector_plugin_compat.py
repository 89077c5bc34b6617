"""Installed plugins that are broken: a clear message by default, left out on request."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from kundenkompass import hookimpl
from kundenkompass.catalog.plugin_manager import check_hookspec_version
from kundenkompass.engine import Engine
from kundenkompass.errors import PluginError

from .conftest import ROOT

PROFILE = ROOT / "examples" / "kundenkompass-fahrradhandel" / "radwerk.toml"

GOOD = """
from kundenkompass import hookimpl
from kundenkompass.models import ChecklistItem

KUNDENKOMPASS_HOOKSPEC_VERSION = 1


class _Plugin:
    @hookimpl
    def register_checklist_items(self):
        return [
            ChecklistItem(
                id="{item}",
                phase="kauf",
                statement={{"de": "Wir bieten Werkstatttermine online an."}},
                reference="Kauf – Serviceorientierung",
            )
        ]


plugin = _Plugin()
"""


def install(root: Path, name: str, module: str, source: str, version: str = "0.1.0") -> None:
    """A fake installed distribution: a module and a .dist-info with the entry point."""
    (root / f"{module}.py").write_text(textwrap.dedent(source), encoding="utf-8")
    info = root / f"{name.replace('-', '_')}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n", encoding="utf-8"
    )
    entry = name.removeprefix("kundenkompass-")
    (info / "entry_points.txt").write_text(
        f"[kundenkompass]\n{entry} = {module}:plugin\n", encoding="utf-8"
    )


@pytest.fixture()
def site(tmp_path, monkeypatch) -> Path:
    """A folder on sys.path for fake distributions; their modules are forgotten after."""
    root = tmp_path / "site"
    root.mkdir()
    monkeypatch.syspath_prepend(str(root))
    before = set(sys.modules)
    yield root
    for name in set(sys.modules) - before:
        if (getattr(sys.modules[name], "__file__", "") or "").startswith(str(root)):
            del sys.modules[name]


def cli(site: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(site)}
    return subprocess.run(
        [sys.executable, "-m", "kundenkompass", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=ROOT,
    )


def test_an_installed_plugin_is_found_without_configuration(site):
    install(site, "kundenkompass-werkstatt", "werkstatt_ok", GOOD.format(item="werkstatt_termin"))
    engine = Engine()
    (info,) = [info for info in engine.catalog.plugins if info.name == "werkstatt"]
    assert (info.distribution, info.version) == ("kundenkompass-werkstatt", "0.1.0")
    assert engine.catalog.owners[("checklist item", "werkstatt_termin")] == "werkstatt"


def test_a_plugin_that_fails_to_import_stops_the_run_naming_it(site):
    install(site, "kundenkompass-kaputt", "kaputt_import", "import kaputt_helfer\nplugin = 1\n")
    with pytest.raises(PluginError) as caught:
        Engine()
    message = str(caught.value)
    assert message.startswith("Plugin 'kaputt': lässt sich nicht importieren")
    assert "kaputt_import:plugin aus kundenkompass-kaputt 0.1.0" in message
    assert "No module named 'kaputt_helfer'" in message


def test_a_plugin_for_another_hookspec_version_is_refused(site):
    source = GOOD.format(item="werkstatt_neu").replace(
        "KUNDENKOMPASS_HOOKSPEC_VERSION = 1", "KUNDENKOMPASS_HOOKSPEC_VERSION = 2"
    )
    install(site, "kundenkompass-zukunft", "zukunft_plugin", source)
    with pytest.raises(PluginError) as caught:
        Engine()
    message = str(caught.value)
    assert "Plugin 'zukunft'" in message
    assert "Hook-Spezifikation Version 2" in message
    assert "bietet Version 1" in message
    assert "kundenkompass-zukunft 0.1.0" in message


def test_a_malformed_hookspec_version_is_refused():
    class Odd:
        KUNDENKOMPASS_HOOKSPEC_VERSION = "1.0"

    with pytest.raises(PluginError, match="erwartet: eine ganze Zahl"):
        check_hookspec_version("odd", Odd())


def test_a_plugin_implementing_an_unknown_hook_is_refused(site):
    source = GOOD.format(item="werkstatt_x") + textwrap.dedent(
        """
        @hookimpl
        def register_sector_profiles():
            return []

        _Plugin.register_sector_profiles = staticmethod(register_sector_profiles)
        """
    )
    install(site, "kundenkompass-neuer", "neuer_plugin", source)
    with pytest.raises(PluginError) as caught:
        Engine()
    assert "register_sector_profiles" in str(caught.value)
    assert "nicht kennt" in str(caught.value)


def test_skip_broken_plugins_leaves_them_out_and_keeps_the_rest(site):
    install(site, "kundenkompass-kaputt", "kaputt_import2", "import kaputt_helfer\nplugin = 1\n")
    source = GOOD.format(item="werkstatt_v2").replace(
        "KUNDENKOMPASS_HOOKSPEC_VERSION = 1", "KUNDENKOMPASS_HOOKSPEC_VERSION = 2"
    )
    install(site, "kundenkompass-zukunft", "zukunft_plugin2", source)
    install(site, "kundenkompass-werkstatt", "werkstatt_ok2", GOOD.format(item="werkstatt_gut"))
    engine = Engine(skip_broken_plugins=True)
    skipped = {s.name: s.reason for s in engine.skipped_plugins}
    assert set(skipped) == {"kaputt", "zukunft"}
    assert "lässt sich nicht importieren" in skipped["kaputt"]
    assert "Hook-Spezifikation Version 2" in skipped["zukunft"]
    loaded = {info.name for info in engine.catalog.plugins}
    assert {"werkstatt", "fahrradhandel", "kauf"} <= loaded
    result = engine.audit(PROFILE)
    assert "werkstatt_gut" in {a.item for phase in result.phases for a in phase.checklist}


def test_skip_broken_plugins_also_leaves_out_invalid_content(site):
    duplicate = GOOD.format(item="google_business_profil")  # a built-in item's id
    install(site, "kundenkompass-doppelt", "doppelt_plugin", duplicate)
    with pytest.raises(
        PluginError,
        match=r"Plugin 'doppelt' \(Einstiegspunkt doppelt_plugin:plugin, kundenkompass-doppelt "
        r"0\.1\.0\): .* liefert schon das Plugin 'informationssuche'",
    ):
        Engine()
    engine = Engine(skip_broken_plugins=True)
    assert [s.name for s in engine.skipped_plugins] == ["doppelt"]
    assert "doppelt" not in {info.name for info in engine.catalog.plugins}
    assert engine.catalog.owners[("checklist item", "google_business_profil")] == (
        "informationssuche"
    )


def test_plugins_registered_in_code_are_never_skipped():
    class Broken:
        KUNDENKOMPASS_PLUGIN_NAME = "im_code"

        @hookimpl
        def register_measures(self):
            raise RuntimeError("kaputt")

    with pytest.raises(PluginError, match="im_code"):
        Engine([Broken()], skip_broken_plugins=True)


def test_the_command_line_stops_by_default_and_skips_on_request(site):
    install(site, "kundenkompass-kaputt", "kaputt_cli", "import kaputt_helfer\nplugin = 1\n")
    stopped = cli(site, "run", str(PROFILE))
    assert stopped.returncode == 3
    assert "Traceback" not in stopped.stderr
    assert stopped.stderr.startswith("audit: Fehler: Plugin 'kaputt': lässt sich nicht importieren")
    assert "(--skip-broken-plugins lässt es aus)" in stopped.stderr

    skipping = cli(site, "run", "--skip-broken-plugins", str(PROFILE))
    assert skipping.returncode == 0, skipping.stderr
    assert (
        "audit: Warnung: Plugin 'kaputt' ausgelassen: lässt sich nicht importieren"
        in skipping.stderr
    )
    assert "Radwerk Beispiel" in skipping.stdout

    listed = cli(site, "plugins")
    assert listed.returncode == 0, listed.stderr
    assert "Ausgelassen, weil defekt" in listed.stdout
    assert "kaputt: lässt sich nicht importieren" in listed.stdout


def test_a_distribution_without_a_version_still_loads(site):
    install(site, "kundenkompass-ohne", "ohne_version", GOOD.format(item="werkstatt_ohne"))
    metadata = next(site.glob("*.dist-info")) / "METADATA"
    metadata.write_text("Metadata-Version: 2.1\nName: kundenkompass-ohne\n", encoding="utf-8")
    engine = Engine()
    (info,) = [info for info in engine.catalog.plugins if info.name == "ohne"]
    assert info.version == "?"


RAISING = """
from kundenkompass import hookimpl


class _Plugin:
    @hookimpl
    def register_measures(self):
        return helper()


def helper():
    raise RuntimeError("Messfehler im Plugin")


plugin = _Plugin()
"""


def test_kundenkompass_debug_shows_the_traceback_of_a_failing_plugin(site, monkeypatch):
    install(site, "kundenkompass-wackel", "wackel_plugin", RAISING)
    quiet = cli(site, "run", str(PROFILE))
    assert quiet.returncode == 3
    assert "Traceback" not in quiet.stderr
    assert "Plugin 'wackel' (Einstiegspunkt wackel_plugin:plugin, kundenkompass-wackel 0.1.0)" in (
        quiet.stderr
    )
    monkeypatch.setenv("KUNDENKOMPASS_DEBUG", "1")
    loud = cli(site, "run", str(PROFILE))
    assert loud.returncode == 3
    assert "Traceback (most recent call last)" in loud.stderr
    assert re.search(r'wackel_plugin.py", line \d+, in helper', loud.stderr)
    assert loud.stderr.rstrip().splitlines()[-1] == quiet.stderr.rstrip()


def test_a_misspelt_hook_gets_a_suggestion(site):
    install(
        site,
        "kundenkompass-tippfehler",
        "tippfehler_plugin",
        GOOD.replace("def register_checklist_items", "def register_checklist_item"),
    )
    with pytest.raises(PluginError) as caught:
        Engine()
    assert "meinten Sie 'register_checklist_items' statt 'register_checklist_item'?" in str(
        caught.value
    )


def test_lint_names_where_a_broken_plugin_fails(site):
    install(site, "kundenkompass-kaputt", "kaputt_plugin", "import gibt_es_nicht\nplugin = None\n")
    done = cli(site, "lint")
    assert done.returncode == 1
    (line,) = [line for line in done.stdout.splitlines() if "[broken-plugin]" in line]
    assert (
        line.startswith(str(site / "kaputt_plugin.py") + ":1:1: ")
        or "kaputt_plugin.py:1:1: " in line
    )
    assert "kaputt_plugin:plugin aus kundenkompass-kaputt 0.1.0" in line
