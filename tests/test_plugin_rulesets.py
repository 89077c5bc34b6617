"""Rulesets shipped by plugins, and explicit rulesets that respect their sector."""

from __future__ import annotations

import json
import shutil

import pytest
from kundenkompass import hookimpl
from kundenkompass.engine import Engine
from kundenkompass.errors import PluginError

from .conftest import ROOT, run_cli, write

RULESETS = ROOT / "rulesets"


def company(sector: str) -> dict[str, object]:
    return {"name": "Test", "sector": sector, "channels": ["laden", "onlineshop"]}


def recommendation(result, measure):
    return next((r for r in result.recommendations if r.measure == measure), None)


def answers_of(result) -> dict[str, str | None]:
    return {a.item: a.answer for phase in result.phases for a in phase.checklist}


def test_a_plugin_ships_a_ruleset_scoped_to_its_sector(optiker_installed):
    engine = Engine()
    (optiker,) = [r for r in engine.catalog.rulesets if r.name == "optiker"]
    assert optiker.provider == "optiker"
    assert optiker.selection == "sector" and not optiker.all_sectors

    profile = {"company": company("optiker")}
    result = engine.audit(profile)
    assert answers_of(result)["geraetewechsel_warenkorb"] == "entfaellt"
    assert "optiker" in [r.name for r in result.rulesets]

    moebel = engine.audit({"company": company("moebel")})
    assert answers_of(moebel)["geraetewechsel_warenkorb"] is None
    assert "optiker" not in [r.name for r in moebel.rulesets]
    assert "sehtest_termin_vereinbar" not in answers_of(moebel)


def test_the_shipped_change_is_a_reason_only_in_its_sector(optiker_installed):
    engine = Engine()
    profile = {"company": company("optiker"), "facts": {"online_terminbuchung": False}}
    booking = recommendation(engine.audit(profile), "online_terminbuchung_anbieten")
    assert booking.priority == "mittel"  # "niedrig" from the built-in rule, raised
    assert "optiker_terminbuchung_vorrang" in [f.rule for f in booking.reasons]
    change = next(f for f in booking.reasons if f.rule == "optiker_terminbuchung_vorrang")
    assert change.plugin == "ruleset:optiker"
    assert change.origin == "kundenkompass_optiker/rulesets/optiker.toml"
    other = {**profile, "company": company("moebel")}
    booking = recommendation(engine.audit(other), "online_terminbuchung_anbieten")
    assert booking.priority == "niedrig"
    assert [f.rule for f in booking.reasons] == ["online_terminbuchung_fehlt"]


def test_audit_plugins_names_the_plugin_that_ships_a_ruleset(optiker_installed):
    done = run_cli("plugins", "--format", "json")
    assert done.returncode == 0, done.stderr
    rulesets = {r["name"]: r for r in json.loads(done.stdout)["rulesets"]}
    assert rulesets["optiker"]["plugin"] == "optiker"
    assert rulesets["optiker"]["distribution"] == "kundenkompass-optiker"
    assert rulesets["moebel"]["plugin"] is None
    text = run_cli("plugins")
    assert "mitgeliefert von Plugin optiker, kundenkompass-optiker" in text.stdout


def test_a_shipped_ruleset_passes_lint_and_audit(optiker_installed, tmp_path):
    done = run_cli("lint", str(optiker_installed / "kundenkompass_optiker"))
    assert done.returncode == 0, done.stdout + done.stderr
    done = run_cli("lint")
    assert done.returncode == 0, done.stdout + done.stderr
    profile = write(
        tmp_path,
        '[company]\nname = "Brillenhaus"\nsector = "optiker"\nchannels = ["laden"]\n'
        '[answers]\nsehtest_termin_vereinbar = "nein"\n',
    )
    done = run_cli("run", "--format", "json", str(profile))
    assert done.returncode == 0, done.stderr
    measures = [r["measure"] for r in json.loads(done.stdout)["recommendations"]]
    assert "sehtest_termine_anbieten" in measures


def test_an_explicit_ruleset_of_the_same_sector_replaces_the_shipped_one(
    optiker_installed, tmp_path
):
    mine = tmp_path / "mein_optiker.toml"
    mine.write_text(
        '[ruleset]\nname = "mein_optiker"\nversion = "1"\nsector = "optiker"\ntitle.de = "x"\n',
        encoding="utf-8",
    )
    names = [r.name for r in Engine(rulesets=[mine]).catalog.rulesets]
    assert "mein_optiker" in names and "optiker" not in names


class _Shipping:
    KUNDENKOMPASS_PLUGIN_NAME = "versender"

    def __init__(self, result: object) -> None:
        self.result = result

    @hookimpl
    def register_rulesets(self):  # type: ignore[no-untyped-def]
        if isinstance(self.result, Exception):
            raise self.result
        return self.result


@pytest.mark.parametrize(
    ("result", "expected"),
    [
        (RuntimeError("kaputt"), "register_rulesets löste RuntimeError aus: kaputt"),
        ("regelwerk.toml", "muss eine Liste von Regelwerk-Dateipfaden liefern, erhalten: str"),
        ([42], "lieferte int an Position 0"),
        (["fehlt.toml"], "liefert ein ungültiges Regelwerk: fehlt.toml"),
    ],
)
def test_a_failing_rulesets_hook_names_the_plugin(result, expected):
    with pytest.raises(PluginError) as caught:
        Engine([_Shipping(result)], sector_rulesets=False)
    assert caught.value.plugin == "versender"
    assert expected in str(caught.value)


# -------------------------------------------------------- explicit rulesets and sectors


def test_an_explicit_ruleset_respects_its_sector():
    engine = Engine(rulesets=[RULESETS / "moebel.toml"])
    furniture = {"company": company("moebel"), "facts": {"lieferung_aufbau_im_preis": False}}
    assert recommendation(engine.audit(furniture), "lieferung_aufbau_ohne_aufpreis")
    optician = engine.audit({"company": company("optiker")})
    assert "moebel" not in [r.name for r in optician.rulesets]
    assert answers_of(optician)["online_offline_verbunden"] is None  # not "entfällt"
    assert engine.catalog.measures["lieferung_aufbau_ohne_aufpreis"].sectors == ("moebel",)


def test_all_sectors_applies_an_explicit_ruleset_to_every_audit(tmp_path):
    engine = Engine(rulesets=[RULESETS / "moebel.toml"], rulesets_all_sectors=True)
    result = engine.audit(
        {"company": company("fahrradhandel"), "facts": {"lieferung_aufbau_im_preis": False}}
    )
    assert {r.name for r in result.rulesets} == {"moebel", "fahrradhandel"}
    assert recommendation(result, "lieferung_aufbau_ohne_aufpreis")
    assert engine.catalog.measures["lieferung_aufbau_ohne_aufpreis"].sectors == ()


def test_the_command_line_says_how_to_apply_a_ruleset_to_every_sector(tmp_path):
    copy = tmp_path / "moebel.toml"
    shutil.copy(RULESETS / "moebel.toml", copy)
    profile = write(
        tmp_path,
        '[company]\nname = "Radhaus"\nsector = "fahrradhandel"\nchannels = ["laden", "onlineshop"]\n'
        '[answers]\nonline_offline_verbunden = "nein"\n',
    )
    scoped = run_cli("run", "--format", "json", "--ruleset", str(copy), str(profile))
    assert scoped.returncode == 0, scoped.stderr
    assert "moebel" not in [r["name"] for r in json.loads(scoped.stdout)["rulesets"]]
    every = run_cli(
        "run", "--format", "json", "--ruleset", str(copy), "--all-sectors", str(profile)
    )
    assert every.returncode == 0, every.stderr
    assert "moebel" in [r["name"] for r in json.loads(every.stdout)["rulesets"]]
    assert "--all-sectors" in run_cli("run", "--help").stdout


def test_the_test_kit_audits_a_plugin_folder_with_its_shipped_ruleset():
    from kundenkompass.testing import PluginTester, make_profile

    from .conftest import OPTIKER_PLUGIN

    tester = PluginTester(OPTIKER_PLUGIN / "kundenkompass_optiker")
    tester.assert_lint_clean()
    optician = make_profile("optiker", answers={"sehtest_termin_vereinbar": "nein"})
    assert tester.recommended(optician)[0] == "sehtest_termine_anbieten"
    # The mark concerns the online shop: a store-only optician is not asked the item at all.
    assert "geraetewechsel_warenkorb" not in tester.checklist(optician)
    with_shop = make_profile("optiker", channels=("laden", "onlineshop"))
    assert tester.checklist(with_shop)["geraetewechsel_warenkorb"] == "entfaellt"
    assert "fahrradhandel" not in {info.name for info in tester.engine.catalog.plugins}
