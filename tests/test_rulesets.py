"""No-code sector rulesets: the bundled ones change audits; loading, selection, precedence."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from kundenkompass.catalog.rulesets import (
    PRIORITY_STEPS,
    PriorityChange,
    bundled_ruleset_paths,
    load_ruleset,
)
from kundenkompass.engine import Engine
from kundenkompass.errors import RuleError

from .conftest import ROOT, run_cli, write

RULESETS = ROOT / "rulesets"
SHOP = ["laden", "onlineshop"]


def company(sector: str | None, channels=("laden", "onlineshop")) -> dict:
    found = {"name": "Test GmbH", "channels": list(channels)}
    if sector:
        found["sector"] = sector
    return found


def by_measure(result) -> dict:
    return {r.measure: r for r in result.recommendations}


def answers_of(result) -> dict:
    return {a.item: a for phase in result.phases for a in phase.checklist}


# ------------------------------------------------------------------ bundled rulesets


def test_three_rulesets_are_bundled_and_installed_with_the_package():
    names = [path.name for path in bundled_ruleset_paths()]
    assert names == ["fahrradhandel.toml", "foto_elektronik.toml", "moebel.toml"]
    for path in bundled_ruleset_paths():
        ruleset = load_ruleset(path, "sector")
        assert ruleset.sector == path.stem
        assert ruleset.header.title["de"]


def test_every_bundled_ruleset_cites_the_guide():
    for path in bundled_ruleset_paths():
        ruleset = load_ruleset(path)
        for entry in (*ruleset.checklist, *ruleset.measures):
            assert entry.reference.startswith(("Kauf – Best Practice", "Experteninterview")), (
                entry.id
            )
        for measure in ruleset.measures:
            assert measure.rationale and measure.justification, measure.id
            assert len(measure.description["de"]) > 60, measure.id


MOEBEL_FACTS = {
    "produkte_individualisierbar": True,
    "online_konfigurator": False,
    "video_einblicke_auftrag": False,
    "click_and_collect": False,
}


def test_moebel_changes_the_audit_of_a_furniture_maker(engine):
    answers = {"online_offline_verbunden": "nein"}
    moebel = engine.audit({"company": company("moebel"), "answers": answers, "facts": MOEBEL_FACTS})
    other = engine.audit({"company": company("bau"), "answers": answers, "facts": MOEBEL_FACTS})
    assert [r.name for r in moebel.rulesets] == ["moebel"]
    assert other.rulesets == []

    # a built-in checklist item is not applicable for the sector
    assert answers_of(other)["online_offline_verbunden"].answer == "nein"
    marked = answers_of(moebel)["online_offline_verbunden"]
    assert marked.answer == "entfaellt"
    assert "geliefert und aufgebaut" in marked.note
    (kauf,) = [p for p in moebel.phases if p.phase == "kauf"]
    (kauf_other,) = [p for p in other.phases if p.phase == "kauf"]
    assert kauf.not_applicable == kauf_other.not_applicable + 1

    # raised, set and lowered priorities of built-in measures, each explained
    mine, theirs = by_measure(moebel), by_measure(other)
    assert theirs["online_konfigurator_anbieten"].priority == "mittel"
    assert mine["online_konfigurator_anbieten"].priority == "hoch"
    change = mine["online_konfigurator_anbieten"].reasons[-1]
    assert (change.rule, change.plugin, change.priority) == (
        "moebel_konfigurator_vorrang",
        "ruleset:moebel",
        "hoch",
    )
    assert change.origin.endswith("moebel.toml")
    assert change.evidence[0].ref == "company.sector"
    assert theirs["kunden_per_video_einbinden"].priority == "niedrig"
    assert mine["kunden_per_video_einbinden"].priority == "hoch"
    assert theirs["click_and_collect_anbieten"].priority == "hoch"
    assert mine["click_and_collect_anbieten"].priority == "mittel"
    assert mine["click_and_collect_anbieten"].reasons[-1].rule == "moebel_abholung_nachrangig"


def test_moebel_adds_its_own_measure_and_rules_on_built_in_facts(engine):
    facts = {"lieferoptionen": ["standard"], "lieferung_aufbau_im_preis": False}
    result = engine.audit({"company": company("moebel"), "facts": facts})
    measures = by_measure(result)
    # no delivery with assembly: the built-in measure, raised for furniture
    delivery = measures["versand_lieferung_priorisieren"]
    assert {f.rule for f in delivery.reasons[:-1]} == {
        "nur_standardversand",
        "moebel_ohne_lieferung_mit_aufbau",
    }
    assert delivery.reasons[-1].rule == "moebel_lieferung_vorrang"
    assert delivery.priority == "hoch"
    # what holzgespür adds: no surcharge for delivery and assembly
    surcharge = measures["lieferung_aufbau_ohne_aufpreis"]
    assert [f.rule for f in surcharge.reasons] == ["moebel_aufbau_gegen_aufpreis"]
    other = engine.audit({"company": company("bau"), "facts": {"lieferoptionen": ["standard"]}})
    assert by_measure(other)["versand_lieferung_priorisieren"].priority == "mittel"


def test_sector_content_does_not_repeat_built_in_questions_or_measures(engine):
    """Rulesets and the example plugin ask nothing twice and advise nothing twice."""
    catalog = engine.catalog
    sector_owned = {
        key
        for (_, key), owner in catalog.owners.items()
        if owner.startswith("ruleset:") or owner == "fahrradhandel"
    }
    dropped = {
        # questions the built-in content already asks
        "moebel_konfigurierbar": "online_konfigurator",
        "fertigung_sichtbar": "video_einblicke_auftrag",
        "materialauswahl_durch_kunde": "video_einblicke_auftrag",
        "lieferung_aufbau_service": "lieferoptionen",
        "lieferung_und_aufbau": "lieferoptionen",
        "geraete_offen_testbar": "produkte_testbar",
        "beratung_mit_technik_offen": "mitarbeiter_digitale_unterstuetzung",
        "technik_in_beratung_offen": "mitarbeiter_digitale_unterstuetzung",
        "rad_komponenten_waehlbar": "produkte_individualisierbar",
        "empfehlungen_aus_kundendaten": "personalisierte_angebote_genutzt",
        "passgenaue_empfehlungen": "personalisierte_angebote_genutzt",
        "koerperdaten_im_kundenkonto": "kundendaten_erfasst",
        "kundenerkenntnisse_zustaendig": "feedback_verantwortlicher",
        "koerpervermessung": "passform_durch_vermessung",
        "informationen_je_kundengruppe": "beratung_nach_kundengruppe",
        # measures the built-in content already recommends
        "lieferung_und_aufbau_anbieten": "versand_lieferung_priorisieren",
        "kundenerkenntnisse_zustaendigkeit": "feedback_verantwortung_festlegen",
    }
    for old, kept in dropped.items():
        assert old not in sector_owned, old
        assert kept in catalog.facts or kept in catalog.checklist or kept in catalog.measures
    titles = [m.title["de"] for m in catalog.measures.values()]
    assert len(titles) == len(set(titles))


def test_foto_elektronik_changes_the_audit_of_a_photo_retailer(engine):
    facts = {"produkte_testbar": False, "veranstaltungen_pro_jahr": 2}
    foto = engine.audit({"company": company("foto_elektronik"), "facts": facts})
    other = engine.audit({"company": company("moebel"), "facts": {"produkte_testbar": False}})
    assert [r.name for r in foto.rulesets] == ["foto_elektronik"]
    assert by_measure(other)["produkte_testen_lassen"].priority == "niedrig"
    testing = by_measure(foto)["produkte_testen_lassen"]
    assert testing.priority == "mittel"
    assert testing.reasons[-1].rule == "foto_ausprobieren_vorrang"
    # its own measure, through its own threshold (four events a year)
    events = by_measure(foto)["veranstaltungen_anbieten"]
    assert [f.rule for f in events.reasons] == ["foto_veranstaltungen_selten"]
    again = engine.audit(
        {
            "company": company("foto_elektronik"),
            "facts": {"veranstaltungen_pro_jahr": 2},
            "thresholds": {"veranstaltungen_regelmaessig": 2},
        }
    )
    assert "veranstaltungen_anbieten" not in by_measure(again)
    assert "veranstaltungen_anbieten" not in by_measure(other)


def test_fahrradhandel_changes_the_audit_of_a_bicycle_retailer(engine):
    facts = {"kundendaten_erfasst": ["kaufhistorie"], "daten_anwendungsfall": False}
    bike = engine.audit(
        {
            "company": company("fahrradhandel"),
            "answers": {"beratung_nach_kundengruppe": "nein"},
            "facts": facts,
        }
    )
    other = engine.audit({"company": company("foto_elektronik"), "facts": facts})
    assert "fahrradhandel" in [r.name for r in bike.rulesets]
    before = by_measure(other)["kleinen_datenanwendungsfall_starten"].priority
    after = by_measure(bike)["kleinen_datenanwendungsfall_starten"]
    assert PRIORITY_STEPS.index(after.priority) == PRIORITY_STEPS.index(before) + 1
    assert after.reasons[-1].rule == "rad_datenanwendungsfall_vorrang"
    groups = by_measure(bike)["informationen_nach_kundengruppe"]
    assert groups.reasons[0].rule == "rad_beratung_nicht_nach_kundengruppe"
    assert "informationen_nach_kundengruppe" not in by_measure(other)


def test_a_change_that_changes_nothing_adds_no_reason(engine):
    # a standard delivery of ten working days is already "hoch"
    result = engine.audit({"company": company("moebel"), "facts": {"lieferzeit_tage": 10}})
    delivery = by_measure(result)["versand_lieferung_priorisieren"]
    assert delivery.priority == "hoch"
    assert [f.rule for f in delivery.reasons] == ["lieferung_langsam"]


def test_the_command_line_shows_the_ruleset_in_the_audit(tmp_path):
    profile = write(
        tmp_path,
        '[company]\nname = "Tischlerei Holz"\nsector = "moebel"\nchannels = ["laden"]\n'
        "[facts]\nlieferung_aufbau_im_preis = false\n",
    )
    done = run_cli("run", str(profile))
    assert done.returncode == 0, done.stderr
    assert "Lieferung und Aufbau ohne Aufpreis anbieten" in done.stdout
    as_json = run_cli("run", "--format", "json", str(profile))
    assert '"name": "moebel"' in as_json.stdout


# ------------------------------------------------------------- explicit rulesets


def test_an_explicit_ruleset_keeps_to_its_sector_unless_asked(tmp_path):
    engine = Engine(rulesets=[RULESETS / "moebel.toml"])
    (moebel,) = [r for r in engine.catalog.rulesets if r.name == "moebel"]
    assert moebel.selection == "explicit" and not moebel.all_sectors
    assert engine.catalog.measures["lieferung_aufbau_ohne_aufpreis"].sectors == ("moebel",)
    # tests/test_plugin_rulesets.py covers rulesets_all_sectors / --all-sectors


def test_an_explicit_ruleset_replaces_the_bundled_one_of_its_sector(tmp_path):
    copy = tmp_path / "mein_moebel.toml"
    text = (RULESETS / "moebel.toml").read_text(encoding="utf-8")
    copy.write_text(text.replace('name = "moebel"', 'name = "mein_moebel"'), encoding="utf-8")
    engine = Engine(rulesets=[copy])
    names = [r.name for r in engine.catalog.rulesets]
    assert "mein_moebel" in names and "moebel" not in names


def test_a_folder_of_rulesets_loads_every_file(tmp_path):
    folder = tmp_path / "regelwerke"
    folder.mkdir()
    shutil.copy(RULESETS / "moebel.toml", folder / "a.toml")
    engine = Engine(rulesets=[folder], sector_rulesets=False)
    assert [r.name for r in engine.catalog.rulesets] == ["moebel"]


def test_an_explicit_change_wins_over_the_bundled_one(tmp_path):
    mine = tmp_path / "abholung.toml"
    mine.write_text(
        '[ruleset]\nname = "abholung"\nversion = "1"\nsector = "eigener"\ntitle.de = "Abholung"\n'
        '[[measure_priority]]\nid = "abholung_vorrang"\nmeasure = "click_and_collect_anbieten"\n'
        'priority = "hoch"\nreason.de = "Bei uns holen Kunden ab."\n',
        encoding="utf-8",
    )
    engine = Engine(rulesets=[mine], rulesets_all_sectors=True)
    result = engine.audit({"company": company("moebel"), "facts": MOEBEL_FACTS})
    assert by_measure(result)["click_and_collect_anbieten"].priority == "hoch"


def test_two_explicit_rulesets_may_not_change_the_same_measure(tmp_path):
    paths = []
    for name in ("erstes", "zweites"):
        path = tmp_path / f"{name}.toml"
        path.write_text(
            f'[ruleset]\nname = "{name}"\nversion = "1"\nsector = "{name}"\ntitle.de = "x"\n'
            f'[[measure_priority]]\nid = "{name}_prio"\nmeasure = "click_and_collect_anbieten"\n'
            'change = "raise"\nreason.de = "x"\n',
            encoding="utf-8",
        )
        paths.append(path)
    with pytest.raises(RuleError) as caught:
        Engine(rulesets=paths, rulesets_all_sectors=True)
    assert "zweites.toml" in str(caught.value)
    assert "ändern beide die Priorität der Maßnahme 'click_and_collect_anbieten'" in str(
        caught.value
    )


def test_priority_changes_step_and_set():
    raise_ = PriorityChange(id="a", measure="m", change="raise", reason={"de": "x"})
    lower = PriorityChange(id="b", measure="m", change="lower", reason={"de": "x"})
    fixed = PriorityChange(id="c", measure="m", priority="niedrig", reason={"de": "x"})
    assert [raise_.apply(p) for p in ("niedrig", "mittel", "hoch")] == ["mittel", "hoch", "hoch"]
    assert [lower.apply(p) for p in ("niedrig", "mittel", "hoch")] == [
        "niedrig",
        "niedrig",
        "mittel",
    ]
    assert fixed.apply("hoch") == "niedrig"


# ------------------------------------------------------------------ bad rulesets


HEADER = '[ruleset]\nname = "test"\nversion = "1"\nsector = "test"\ntitle.de = "Test"\n'


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[ruleset\nname = "x"\n', "bad.toml:1:"),
        ("[[item]]\nid = 'x'\n", "bad.toml: die Tabelle [ruleset] fehlt"),
        (
            '[ruleset]\nname = "x"\nversion = "1"\ntitle.de = "T"\n',
            "bad.toml:1:1: ruleset.sector: fehlt",
        ),
        (
            '[ruleset]\nname = "Falsch"\nversion = "1"\nsector = "x"\ntitle.de = "T"\n',
            "bad.toml:2:1: ruleset.name: 'Falsch' ist keine gültige ID",
        ),
        (
            HEADER + "[[regel]]\nid = 'x'\n",
            "bad.toml:6:1: unbekannte Schlüssel auf oberster Ebene: ['regel']",
        ),
        (
            HEADER + '[[measure]]\nid = "m"\nphase = "kauf"\ntitle.de = "T"\ndescription.de = "D"\n'
            'reference = "R"\nimpact = "riesig"\n',
            "bad.toml:12:1: measure[0] 'm': impact:",
        ),
        (
            HEADER + '[[rule]]\nid = "r"\nrecommend = "m"\nwhen = { fact = "x", groesser = 1 }\n',
            "bad.toml:7:1: Regel 'r': when: unbekannte Schlüssel ['groesser']",
        ),
        (
            HEADER + '[[item]]\nid = "i"\nphase = "kauf"\nstatement.de = "S"\nreference = "R"\n'
            '[[item]]\nid = "i"\nphase = "kauf"\nstatement.de = "S"\nreference = "R"\n',
            "Checklistenpunkt-ID 'i' ist doppelt definiert (item[0] und item[1])",
        ),
        (
            HEADER + '[[item]]\nid = "i"\nphase = "kauf"\nsectors = ["x"]\nstatement.de = "S"\n'
            'reference = "R"\n',
            "item[0] 'i': sectors: die Einträge eines Regelwerks gelten für seine Branche ('test')",
        ),
        (
            HEADER + '[[measure_priority]]\nid = "p"\nmeasure = "m"\nchange = "raise"\n'
            'priority = "hoch"\nreason.de = "x"\n',
            'entweder change = "raise" | "lower" oder priority',
        ),
    ],
)
def test_bad_rulesets_are_refused_naming_file_and_key_path(tmp_path, text, expected):
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RuleError) as caught:
        load_ruleset(path)
    assert expected in str(caught.value).replace(str(tmp_path) + "/", "")


@pytest.mark.parametrize(
    ("tables", "expected"),
    [
        (
            '[[measure_priority]]\nid = "p"\nmeasure = "gibt_es_nicht"\nchange = "raise"\n'
            'reason.de = "x"\n',
            "Regel 'p': ändert die Priorität der unbekannten Maßnahme 'gibt_es_nicht'",
        ),
        (
            '[[not_applicable]]\nitem = "google_busines_profil"\nreason.de = "x"\n',
            "not_applicable[0]: unbekannter Checklistenpunkt 'google_busines_profil'; meinten Sie "
            "'google_business_profil'?",
        ),
        (
            '[[rule]]\nid = "r"\nrecommend = "gibt_es_nicht"\n'
            'when = { answer = "google_business_profil", equals = "nein" }\n',
            "Regel 'r': empfiehlt die unbekannte Maßnahme 'gibt_es_nicht'",
        ),
    ],
)
def test_unknown_references_stop_the_engine_naming_the_ruleset(tmp_path, tables, expected):
    path = tmp_path / "bad.toml"
    path.write_text(HEADER + tables, encoding="utf-8")
    with pytest.raises(RuleError) as caught:
        Engine(rulesets=[path])
    assert str(path) in str(caught.value)
    assert expected in str(caught.value)


def test_the_command_line_names_the_bad_ruleset_and_exits_3(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(HEADER + '[[not_applicable]]\nitem = "gibt_es_nicht"\nreason.de = "x"\n')
    profile = write(tmp_path, '[company]\nname = "A"\nchannels = ["laden"]\n')
    done = run_cli("run", "--ruleset", str(bad), str(profile))
    assert done.returncode == 3
    assert done.stderr.startswith(
        f"audit: Fehler: {bad}: not_applicable[0]: unbekannter Checklistenpunkt"
    )
    assert "Traceback" not in done.stderr
    missing = run_cli("run", "--ruleset", str(tmp_path / "fehlt.toml"), str(profile))
    assert missing.returncode == 3
    assert "fehlt.toml: Datei nicht gefunden" in missing.stderr


def test_rulesets_are_listed_by_audit_plugins():
    done = run_cli("plugins", "--ruleset", str(RULESETS / "moebel.toml"), "--format", "json")
    assert done.returncode == 0, done.stderr
    import json

    rulesets = {r["name"]: r for r in json.loads(done.stdout)["rulesets"]}
    assert set(rulesets) == {"moebel", "foto_elektronik", "fahrradhandel"}
    assert rulesets["moebel"]["selection"] == "explicit"
    assert rulesets["foto_elektronik"]["selection"] == "sector"
    moebel = rulesets["moebel"]
    assert (moebel["checklist_items"], moebel["measures"], moebel["not_applicable"]) == (0, 1, 1)
    assert moebel["priority_changes"] == 4
    assert moebel["rules"] == len(load_ruleset(RULESETS / "moebel.toml").rules)
    assert moebel["version"] == "1.0.0"
    text = run_cli("plugins")
    assert "Regelwerke" in text.stdout
    assert "rulesets/moebel.toml (für Unternehmen dieser Branche)" in text.stdout


def test_rulesets_are_deterministic(engine):
    profile = {"company": company("moebel"), "facts": MOEBEL_FACTS}
    fresh = Engine()
    assert fresh.audit(profile).to_json() == engine.audit(profile).to_json()


def test_the_bundled_folder_is_packaged():
    from kundenkompass.files.toml_files import load_toml_file

    setuptools = load_toml_file(ROOT / "pyproject.toml")["tool"]["setuptools"]
    assert setuptools["package-dir"]["kundenkompass.bundled_rulesets"] == "rulesets"
    assert "kundenkompass.bundled_rulesets" in setuptools["packages"]
    assert setuptools["package-data"]["kundenkompass.bundled_rulesets"] == ["*.toml"]
    assert Path(RULESETS / "__init__.py").exists()
