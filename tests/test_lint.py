"""`audit lint`: each problem class is caught and names its file, line and id."""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import pytest
from kundenkompass.tools.lint import lint

from .conftest import ROOT, run_cli

HEADER = '[ruleset]\nname = "pruefling"\nversion = "0.1"\nsector = "pruefling"\ntitle.de = "P"\n'

FACTS = """
[[fact]]
key = "zahl"
type = "int"
phase = "kauf"
minimum = 0
maximum = 10
question.de = "Zahl?"

[[fact]]
key = "schalter"
type = "bool"
phase = "kauf"
question.de = "Schalter?"

[[fact]]
key = "art"
type = "enum"
phase = "kauf"
values = ["a", "b", "c"]
question.de = "Art?"

[[fact]]
key = "abgeleitet"
type = "bool"
phase = "kauf"
source = "derived"
question.de = "Abgeleitet?"

[[measure]]
id = "massnahme"
phase = "kauf"
title.de = "Maßnahme"
description.de = "Eine Maßnahme."
reference = "Kauf"
"""


def rule(rule_id: str, when: str, action: str = 'recommend = "massnahme"') -> str:
    return f'\n[[rule]]\nid = "{rule_id}"\n{action}\nwhen = {when}\n'


def check(tmp_path: Path, body: str, name: str = "pruefling.toml"):
    path = tmp_path / name
    path.write_text(HEADER + FACTS + body, encoding="utf-8")
    return lint([path]).problems


def only(problems, code: str):
    found = [p for p in problems if p.code == code]
    assert found, [str(p) for p in problems]
    return found


def line_of(path: Path, text: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, start=1) if text in line)


# ------------------------------------------------------------------ each class


def test_a_file_that_cannot_be_read_is_an_invalid_file(tmp_path):
    path = tmp_path / "kaputt.toml"
    path.write_text(HEADER + '[[rule]\nid = "x"\n', encoding="utf-8")
    (problem,) = lint([path]).problems
    assert problem.code == "invalid-file"
    assert problem.file.endswith("kaputt.toml")
    assert problem.line == 6
    assert "TOML-Syntaxfehler" in problem.message


def test_a_plugin_folder_with_an_invalid_entry_is_an_invalid_file(tmp_path):
    folder = tmp_path / "mein_plugin"
    folder.mkdir()
    (folder / "measures.toml").write_text(
        '[[measure]]\nid = "m"\nphase = "kauf"\ntitle.de = "T"\ndescription.de = "D"\n'
        'reference = "R"\nimpact = "riesig"\n',
        encoding="utf-8",
    )
    problems = lint([folder]).problems
    (problem,) = [p for p in problems if p.code == "invalid-file"]
    assert problem.file.endswith("measures.toml")
    assert "measure[0] 'm': impact" in problem.message


def test_duplicate_ids_name_both_files(tmp_path):
    body = (
        '\n[[item]]\nid = "google_business_profil"\nphase = "kauf"\nstatement.de = "S"\n'
        'reference = "R"\n' + rule("r1", '{ fact = "zahl", equals = 1 }')
    )
    problems = check(tmp_path, body)
    (duplicate,) = only(problems, "duplicate-id")
    assert (duplicate.kind, duplicate.id) == ("checklist item", "google_business_profil")
    assert "auch von 'informationssuche'" in duplicate.message
    assert "informationssuche/checklist.toml" in duplicate.message
    assert duplicate.line == line_of(tmp_path / "pruefling.toml", 'id = "google_business_profil"')


def test_duplicate_ids_within_a_plugin_folder(tmp_path):
    folder = tmp_path / "doppelt"
    folder.mkdir()
    entry = '[[item]]\nid = "gleich"\nphase = "kauf"\nstatement.de = "S"\nreference = "R"\n'
    (folder / "checklist.toml").write_text(entry + entry, encoding="utf-8")
    (duplicate,) = only(lint([folder]).problems, "duplicate-id")
    assert duplicate.id == "gleich"
    assert "zweimal in derselben Datei" in duplicate.message
    assert duplicate.file.endswith("checklist.toml")


def test_duplicates_between_two_linted_rulesets(tmp_path):
    first = tmp_path / "eins.toml"
    second = tmp_path / "zwei.toml"
    first.write_text(HEADER + FACTS + rule("r", '{ fact = "zahl", equals = 1 }'))
    second.write_text(
        HEADER.replace("pruefling", "zweiter")
        + '\n[[measure]]\nid = "massnahme"\nphase = "kauf"\ntitle.de = "T"\n'
        'description.de = "D"\nreference = "R"\n'
    )
    problems = lint([first, second]).problems
    (duplicate,) = only(problems, "duplicate-id")
    assert duplicate.file.endswith("zwei.toml")
    assert "auch von 'ruleset:pruefling'" in duplicate.message


@pytest.mark.parametrize(
    ("body", "kind", "identifier", "message"),
    [
        (rule("r", '{ fact = "zahll", equals = 1 }'), "rule", "r", "unbekannt: Fakt 'zahll'; meinten Sie 'zahl'?"),
        (rule("r", '{ answer = "gibt_es_nicht", equals = "ja" }'), "rule", "r", "unbekannt: Checklistenpunkt 'gibt_es_nicht'"),
        (rule("r", '{ answer = "google_business_profil", equals = "vielleicht" }'), "rule", "r", "der Wert 'vielleicht' passt nicht"),
        (rule("r", '{ fact = "art", equals = "d" }'), "rule", "r", "der Wert 'd' passt nicht"),
        (rule("r", '{ fact = "zahl", equals = 1 }', 'recommend = "massnahmen"'), "rule", "r", "empfiehlt die unbekannte Maßnahme 'massnahmen'; meinten Sie 'massnahme'?"),
        (rule("r", '{ fact = "zahl", equals = 1 }', 'derive = { fact = "gibt_es_nicht", value = true }'), "rule", "r", "leitet den unbekannten Fakt"),
        ('\n[[measure_priority]]\nid = "p"\nmeasure = "gibt_es_nicht"\nchange = "raise"\nreason.de = "x"\n', "measure priority", "p", "ändert die Priorität der unbekannten Maßnahme"),
        ('\n[[not_applicable]]\nitem = "gibt_es_nicht"\nreason.de = "x"\n', "not applicable", "gibt_es_nicht", "unbekannter Checklistenpunkt"),
        (
            '\n[[measure]]\nid = "zweite"\nphase = "kauf"\ntitle.de = "T"\ndescription.de = "D"\n'
            'reference = "R"\nprerequisites = ["gibt_es_nicht"]\naddresses = ["auch_nicht"]\n'
            + rule("r2", '{ fact = "zahl", equals = 2 }', 'recommend = "zweite"'),
            "measure", "zweite", "unbekannte Voraussetzung 'gibt_es_nicht'",
        ),
    ],
)  # fmt: skip
def test_unknown_references(tmp_path, body, kind, identifier, message):
    problems = check(tmp_path, rule("basis", '{ fact = "zahl", equals = 3 }') + body)
    found = only(problems, "unknown-reference")
    assert any((p.kind, p.id) == (kind, identifier) and message in p.message for p in found), [
        str(p) for p in found
    ]
    assert all(p.file.endswith("pruefling.toml") and p.line for p in found)


def test_operators_and_values_that_do_not_fit_the_type(tmp_path):
    body = rule("r", '{ fact = "schalter", contains = "x" }') + rule(
        "s", '{ fact = "zahl", equals = "drei" }'
    )
    found = only(check(tmp_path, body), "invalid-condition")
    assert {p.id for p in found} == {"r", "s"}
    assert any(
        "der Operator 'contains' passt nicht zu einem Wert vom Typ bool" in p.message for p in found
    )


@pytest.mark.parametrize(
    ("when", "message"),
    [
        ('{ all = [ { fact = "zahl", lt = 3 }, { fact = "zahl", gt = 5 } ] }', "facts.zahl lt 3 und facts.zahl gt 5 widersprechen sich"),
        ('{ all = [ { fact = "zahl", gt = 2 }, { fact = "zahl", lt = 3 } ] }', "widersprechen sich"),
        ('{ fact = "zahl", gt = 10 }', "facts.zahl gt 10 kann nie gelten: der Fakt reicht von 0 bis 10"),
        ('{ fact = "zahl", in = [11, 12] }', "kann nie gelten: der Fakt reicht von 0 bis 10"),
        ('{ all = [ { fact = "schalter", equals = true }, { not = { fact = "schalter", not_equals = false } } ] }', "widersprechen sich"),
        ('{ all = [ { fact = "art", in = ["a", "b"] }, { fact = "art", equals = "c" } ] }', "widersprechen sich"),
        ('{ all = [ { fact = "schalter", is_unknown = true }, { fact = "schalter", equals = true } ] }', "ein unbekannter Wert hat keinen Wert"),
        ('{ all = [ { company = "channels", contains = "laden" }, { company = "channels", not_contains = "laden" } ] }', "widersprechen sich"),
        ('{ fact = "abgeleitet", equals = true }', "facts.abgeleitet wird nie gesetzt: keine Regel und keine Ableitung leitet ihn ab"),
        ('{ any = [ { fact = "zahl", lt = 0 }, { fact = "zahl", gt = 10 } ] }', "keine ihrer Alternativen kann wahr sein"),
    ],
)  # fmt: skip
def test_rules_that_can_never_fire(tmp_path, when, message):
    problems = check(tmp_path, rule("nie", when))
    (never,) = only(problems, "never-fires")
    assert (never.kind, never.id) == ("rule", "nie")
    assert message in never.message
    assert never.line == line_of(tmp_path / "pruefling.toml", 'id = "nie"')
    (unreachable,) = only(problems, "unreachable-measure")
    assert "nur Regeln, die nie feuern können, empfehlen sie: nie" in unreachable.message


def test_a_derived_value_that_no_rule_derives(tmp_path):
    body = (
        rule(
            "ableiten",
            '{ fact = "zahl", gt = 5 }',
            'derive = { fact = "abgeleitet", value = true }',
        )
        + rule("nie", '{ fact = "abgeleitet", equals = false }')
        + rule("gut", '{ fact = "abgeleitet", equals = true }')
    )
    (never,) = only(check(tmp_path, body), "never-fires")
    assert never.id == "nie"
    assert "Regeln leiten nur true ab" in never.message


def test_a_fact_derived_only_by_rules_that_never_fire_is_never_set(tmp_path):
    body = rule(
        "ableiten", '{ fact = "zahl", gt = 50 }', 'derive = { fact = "abgeleitet", value = true }'
    ) + rule("folge", '{ fact = "abgeleitet", equals = true }')
    found = only(check(tmp_path, body), "never-fires")
    assert {p.id for p in found} == {"ableiten", "folge"}


def test_sector_and_channel_scopes_that_exclude_each_other(tmp_path):
    folder = tmp_path / "rad_plugin"
    folder.mkdir()
    (folder / "checklist.toml").write_text(
        '[[item]]\nid = "rad_frage"\nphase = "kauf"\nsectors = ["fahrradhandel"]\n'
        'statement.de = "S"\nreference = "R"\n',
        encoding="utf-8",
    )
    (folder / "measures.toml").write_text(
        '[[measure]]\nid = "nur_laden"\nphase = "kauf"\ntitle.de = "T"\ndescription.de = "D"\n'
        'reference = "R"\nchannels = ["laden"]\n',
        encoding="utf-8",
    )
    (folder / "rules.toml").write_text(
        '[[rule]]\nid = "falsche_branche"\nrecommend = "nur_laden"\nwhen.all = [\n'
        '  { company = "sector", equals = "moebel" },\n'
        '  { answer = "rad_frage", equals = "nein" },\n]\n'
        '[[rule]]\nid = "ohne_laden"\nrecommend = "nur_laden"\nwhen.all = [\n'
        '  { company = "channels", not_contains = "laden" },\n'
        '  { answer = "rad_frage", equals = "nein" },\n]\n'
        '[[rule]]\nid = "zwei_branchen"\nrecommend = "nur_laden"\nwhen.all = [\n'
        '  { answer = "rad_frage", equals = "nein" },\n'
        '  { fact = "lieferung_aufbau_im_preis", equals = false },\n]\n',
        encoding="utf-8",
    )
    found = {p.id: p for p in only(lint([folder]).problems, "never-fires")}
    assert set(found) == {"falsche_branche", "ohne_laden", "zwei_branchen"}
    assert (
        'company.sector equals "moebel" schließt answers.rad_frage'
        in found["falsche_branche"].message
    )
    assert "nur für Unternehmen mit den Kanälen laden" in found["ohne_laden"].message
    assert "was kein Unternehmen zugleich hat" in found["zwei_branchen"].message
    assert found["ohne_laden"].file.endswith("rules.toml")


def test_measures_no_rule_recommends(tmp_path):
    (unreachable,) = only(check(tmp_path, ""), "unreachable-measure")
    assert (unreachable.kind, unreachable.id) == ("measure", "massnahme")
    assert unreachable.message == "keine Regel empfiehlt diese Maßnahme"
    assert unreachable.line == line_of(tmp_path / "pruefling.toml", 'id = "massnahme"')


def test_chaining_cycles(tmp_path):
    body = (
        '\n[[fact]]\nkey = "zweites"\ntype = "bool"\nsource = "derived"\nquestion.de = "Z"\n'
        + rule("a", '{ fact = "zweites", equals = true }', 'derive = { fact = "abgeleitet", value = true }')
        + rule("b", '{ fact = "abgeleitet", equals = true }', 'derive = { fact = "zweites", value = true }')
        + rule("c", '{ fact = "abgeleitet", equals = true }')
    )  # fmt: skip
    (cycle,) = only(check(tmp_path, body), "cycle")
    assert cycle.kind == "rule"
    assert "abgeleitet (Regel 'a') → zweites (Regel 'b') → abgeleitet" in cycle.message


def test_prerequisite_cycles(tmp_path):
    body = (
        '\n[[measure]]\nid = "zweite"\nphase = "kauf"\ntitle.de = "T"\ndescription.de = "D"\n'
        'reference = "R"\nprerequisites = ["massnahme"]\n'
        + rule("r1", '{ fact = "zahl", equals = 1 }')
        + rule("r2", '{ fact = "zahl", equals = 2 }', 'recommend = "zweite"')
    ).replace('reference = "Kauf"\n', 'reference = "Kauf"\nprerequisites = ["zweite"]\n')
    problems = lint([_write(tmp_path, HEADER + FACTS.replace(
        'reference = "Kauf"\n', 'reference = "Kauf"\nprerequisites = ["zweite"]\n'
    ) + body)]).problems  # fmt: skip
    (cycle,) = only(problems, "cycle")
    assert cycle.kind == "measure"
    assert "massnahme → zweite → massnahme" in cycle.message


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "pruefling.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_broken_installed_plugins(tmp_path, monkeypatch):
    site = tmp_path / "site"
    site.mkdir()
    (site / "lint_kaputt.py").write_text("import gibt_es_nicht_modul\n", encoding="utf-8")
    info = site / "kundenkompass_lintkaputt-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: kundenkompass-lintkaputt\nVersion: 0.1\n"
    )
    (info / "entry_points.txt").write_text("[kundenkompass]\nlintkaputt = lint_kaputt:plugin\n")
    monkeypatch.syspath_prepend(str(site))
    problems = lint().problems
    sys.modules.pop("lint_kaputt", None)
    (broken,) = only(problems, "broken-plugin")
    assert broken.source == "lintkaputt"
    assert "lässt sich nicht importieren" in broken.message


# --------------------------------------------------------------- whole runs


def test_the_installed_plugins_and_bundled_rulesets_are_clean():
    report = lint()
    assert report.problems == [], [str(p) for p in report.problems]
    names = {source.name for source in report.checked}
    assert {"kauf", "fahrradhandel", "ruleset:moebel", "ruleset:foto_elektronik"} <= names


def test_an_installed_plugin_folder_is_linted_with_its_python_derivations():
    report = lint([ROOT / "plugins" / "informationssuche"])
    assert report.problems == [], [str(p) for p in report.problems]
    assert [s.name for s in report.checked] == ["informationssuche"]


def test_the_command_line_exits_1_and_prints_one_line_per_problem(tmp_path):
    path = _write(tmp_path, HEADER + FACTS + rule("nie", '{ fact = "zahl", gt = 10 }'))
    done = run_cli("lint", str(path), cwd=tmp_path)
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    measure_line = line_of(path, 'id = "massnahme"')
    assert lines[0] == (
        f"pruefling.toml:{measure_line}:1: Maßnahme 'massnahme': nur Regeln, "
        "die nie feuern können, empfehlen sie: nie [unreachable-measure]"
    )
    assert lines[1].startswith("pruefling.toml:")
    assert "Regel 'nie': facts.zahl gt 10 kann nie gelten" in lines[1]
    assert lines[-1] == "2 Probleme in 1 Datei; geprüft: 1 Plugin oder Regelwerk"

    as_json = run_cli("lint", "--format", "json", str(path), cwd=tmp_path)
    assert as_json.returncode == 1
    report = json.loads(as_json.stdout)
    assert [p["code"] for p in report["problems"]] == ["unreachable-measure", "never-fires"]
    assert report["problems"][1]["id"] == "nie"


def test_the_command_line_exits_0_without_problems_and_2_for_a_missing_path(tmp_path):
    done = run_cli("lint")
    assert done.returncode == 0, done.stdout
    assert done.stdout.startswith("Keine Probleme in ")
    missing = run_cli("lint", str(tmp_path / "fehlt.toml"))
    assert missing.returncode == 2
    assert "fehlt.toml: Datei oder Ordner nicht gefunden" in missing.stderr


def test_lint_reports_are_deterministic(tmp_path):
    path = _write(
        tmp_path,
        HEADER
        + FACTS
        + textwrap.dedent(
            """
            [[rule]]
            id = "a"
            recommend = "gibt_es_nicht"
            when = { fact = "zahl", gt = 100 }
            """
        ),
    )
    assert lint([path]).model_dump_json() == lint([path]).model_dump_json()


def test_a_source_checkout_of_an_installed_plugin_replaces_the_installed_copy(
    tmp_path, monkeypatch
):
    content = {
        "checklist.toml": '[[item]]\nid = "kopie_frage"\nphase = "kauf"\nstatement.de = "S"\n'
        'reference = "R"\n',
        "measures.toml": '[[measure]]\nid = "kopie_massnahme"\nphase = "kauf"\ntitle.de = "T"\n'
        'description.de = "D"\nreference = "R"\n',
        "rules.toml": '[[rule]]\nid = "kopie_regel"\nrecommend = "kopie_massnahme"\n'
        'when = { answer = "kopie_frage", equals = "nein" }\n',
    }
    site = tmp_path / "site"
    installed = site / "mein_plugin"
    checkout = tmp_path / "quelle" / "mein_plugin"
    for folder in (installed, checkout):
        folder.mkdir(parents=True)
        for name, text in content.items():
            (folder / name).write_text(text, encoding="utf-8")
    (installed / "__init__.py").write_text(
        "from kundenkompass.catalog.plugin_data import PluginData\n"
        "plugin = PluginData.for_package(__name__)\n",
        encoding="utf-8",
    )
    info = site / "kundenkompass_meinplugin-0.2.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: kundenkompass-meinplugin\nVersion: 0.2\n"
    )
    (info / "entry_points.txt").write_text("[kundenkompass]\nmeinplugin = mein_plugin:plugin\n")
    monkeypatch.syspath_prepend(str(site))
    report = lint([checkout])
    sys.modules.pop("mein_plugin", None)
    assert report.problems == [], [str(p) for p in report.problems]
    assert [(s.name, s.version) for s in report.checked] == [("meinplugin", "local")]


# ------------------------------------------------------- sectors, channels, advice


def test_a_rule_testing_an_unknown_sector_is_flagged(tmp_path):
    problems = check(
        tmp_path,
        rule("tippfehler", '{ company = "sector", equals = "fahradhandel" }')
        + rule("basis", '{ fact = "zahl", equals = 3 }'),
    )
    (found,) = only(problems, "unknown-sector")
    assert (found.kind, found.id) == ("rule", "tippfehler")
    assert "Branche 'fahradhandel'" in found.message
    assert "meinten Sie 'fahrradhandel'?" in found.message
    assert found.line and found.column


def test_an_entry_naming_a_misspelt_sector_is_flagged(tmp_path):
    folder = tmp_path / "kundenkompass_optik"
    folder.mkdir()
    item = '[[item]]\nid = "{id}"\nphase = "kauf"\nsectors = ["{sector}"]\nstatement.de = "S"\nreference = "R"\n'
    (folder / "checklist.toml").write_text(
        item.format(id="eins", sector="fahrradhandel")
        + item.format(id="zwei", sector="fahrradhandel")
        + item.format(id="drei", sector="fahrradhandl"),
        encoding="utf-8",
    )
    problems = lint([folder]).problems
    (found,) = only(problems, "unknown-sector")
    assert (found.kind, found.id, found.line) == ("checklist item", "drei", 14)
    assert "meinten Sie 'fahrradhandel'?" in found.message


def test_unknown_channel_values_are_flagged_in_rules_and_items(tmp_path):
    problems = check(tmp_path, rule("kanal", '{ company = "channels", contains = "online" }'))
    found = only(problems, "unknown-reference")
    assert any(
        "der Wert 'online' passt nicht" in p.message and "'onlineshop'" in p.message for p in found
    )
    bad_item = (
        '\n[[item]]\nid = "kanalpunkt"\nphase = "kauf"\nchannels = ["ladn"]\n'
        'statement.de = "S"\nreference = "R"\n'
    )
    path = tmp_path / "items.toml"
    path.write_text(HEADER + bad_item, encoding="utf-8")
    (problem,) = only(lint([path]).problems, "invalid-file")
    assert problem.line == line_of(path, "channels") and problem.column == 1
    assert "channels" in problem.message


def test_an_unused_threshold_is_flagged(tmp_path):
    threshold = (
        '\n[[threshold]]\nkey = "zahl_hoch"\ninput = "facts.zahl"\noperator = "gte"\nvalue = 5\n'
        'our_default = true\ndescription.de = "Hoch"\n'
    )
    problems = check(tmp_path, threshold + rule("basis", '{ fact = "zahl", equals = 3 }'))
    (found,) = only(problems, "unused-threshold")
    assert (found.kind, found.id) == ("threshold", "zahl_hoch")


def test_a_rule_repeating_built_in_advice_is_flagged(tmp_path):
    # info_gbp_teilweise: a built-in rule without `unless`, so whenever a copy fires it does.
    gbp_missing = (
        '{ answer = "google_business_profil", equals = "teilweise" }, '
        '{ company = "channels", contains = "laden" }'
    )
    repeated = rule(
        "gbp_auch",
        "{ all = [" + gbp_missing + "] }",
        'recommend = "google_business_profil_vervollstaendigen"',
    )
    problems = check(tmp_path, repeated + rule("basis", '{ fact = "zahl", equals = 3 }'))
    (found,) = only(problems, "repeats-advice")
    assert found.id == "gbp_auch"
    assert "info_gbp_teilweise" in found.message and "[[measure_priority]]" in found.message
    # a stricter condition repeats it too; a different one does not
    stricter = rule(
        "gbp_streng",
        "{ all = [" + gbp_missing + ', { fact = "zahl", gt = 1 }] }',
        'recommend = "google_business_profil_vervollstaendigen"',
    )
    assert only(
        check(tmp_path, stricter + rule("basis", '{ fact = "zahl", equals = 3 }')), "repeats-advice"
    )
    other = rule(
        "gbp_anders",
        '{ fact = "zahl", gt = 1 }',
        'recommend = "google_business_profil_vervollstaendigen"',
    )
    assert not [
        p
        for p in check(tmp_path, other + rule("basis", '{ fact = "zahl", equals = 3 }'))
        if p.code == "repeats-advice"
    ]
