"""`audit diff`: progress between two audits of the same company."""

from __future__ import annotations

import json

import pytest
from kundenkompass.commands.report import CatalogNames
from kundenkompass.errors import ResultFileError
from kundenkompass.render.compare import AuditDiff, compare, load_result
from kundenkompass.render.diff import render_diff_markdown

from .conftest import ROOT, run_cli, write

BEFORE = ROOT / "examples" / "radhaus.toml"
AFTER = ROOT / "examples" / "radhaus-folgeaudit.toml"


@pytest.fixture(scope="module")
def before(engine):
    return engine.audit(BEFORE)


@pytest.fixture(scope="module")
def after(engine):
    return engine.audit(AFTER)


@pytest.fixture(scope="module")
def diff(engine, before, after) -> AuditDiff:
    return compare(before, after, names=CatalogNames(engine.catalog))


@pytest.fixture(scope="module")
def saved(before, after, tmp_path_factory):
    folder = tmp_path_factory.mktemp("audits")
    (folder / "vorher.json").write_text(before.to_json(), encoding="utf-8")
    (folder / "nachher.json").write_text(after.to_json(), encoding="utf-8")
    return folder / "vorher.json", folder / "nachher.json"


def test_scores_change_per_phase_and_overall(before, after, diff):
    assert diff.overall.before == before.overall_score
    assert diff.overall.after == after.overall_score
    assert diff.overall.change == round(after.overall_score - before.overall_score, 1)
    assert diff.overall.change > 0
    assert [p.phase for p in diff.phases] == [p.phase for p in after.phases]
    for change, old, new in zip(diff.phases, before.phases, after.phases, strict=True):
        assert (change.before, change.after) == (old.score, new.score)
        assert change.change == round(new.score - old.score, 1)
    by_phase = {p.phase: p for p in diff.phases}
    assert by_phase["informationssuche"].change > 0
    assert by_phase["kauf"].change < 0, "the shop is less tidy during the rebuild"


def test_measures_done_new_and_still_open(before, after, diff):
    done = {m.measure for m in diff.done}
    new = {m.measure for m in diff.new}
    still = [m.measure for m in diff.still_open]
    assert "google_business_profil_anlegen" in done
    assert "ladenlayout_strukturieren" in new, "a less tidy shop brings a new measure"
    before_ids = {r.measure for r in before.recommendations}
    after_ids = [r.measure for r in after.recommendations]
    assert done | {m.measure for m in diff.undetermined} == before_ids - set(after_ids)
    assert new == set(after_ids) - before_ids
    assert still == [m for m in after_ids if m in before_ids], "in the later plan's order"
    for change in diff.still_open:
        assert change.number_before is not None and change.number_after is not None
    for change in diff.done:
        assert change.number_before is not None and change.number_after is None


def test_answers_that_changed(diff):
    changed = {a.item: (a.before, a.after) for a in diff.answers_changed}
    assert changed["google_business_profil"] == ("nein", "ja")
    assert changed["feedback_ernst_nehmen"] == (None, "ja")
    assert changed["laden_uebersichtlich"] == ("ja", "teilweise")
    assert "betreuung_nach_kauf" not in changed


def test_a_measure_whose_answer_is_now_unknown_is_not_done(engine, before, tmp_path):
    text = BEFORE.read_text("utf-8").replace('google_business_profil = "nein"\n', "")
    later = engine.audit(write(tmp_path, text))
    result = compare(before, later)
    assert "google_business_profil_anlegen" in {m.measure for m in result.undetermined}
    assert "google_business_profil_anlegen" not in {m.measure for m in result.done}
    assert ("google_business_profil", "nein", None) in {
        (a.item, a.before, a.after) for a in result.answers_changed
    }


def test_an_audit_compared_with_itself_shows_no_change(before):
    result = compare(before, before)
    assert result.overall.change == 0
    assert all(p.change in (0, None) for p in result.phases)
    assert not result.done and not result.new and not result.undetermined
    assert len(result.still_open) == len(before.recommendations)
    assert not result.answers_changed and not result.rules_changed


def test_different_companies_are_refused(before):
    other = before.model_copy(
        update={"company": before.company.model_copy(update={"name": "Bäckerei Korn"})}
    )
    with pytest.raises(ResultFileError, match="desselben Unternehmens") as raised:
        compare(before, other, "vorher.json", "nachher.json")
    assert "'Bäckerei Korn'" in str(raised.value) and "'Radhaus Beispiel'" in str(raised.value)


def test_same_name_at_another_place_is_another_company(before):
    branch = before.model_copy(
        update={"company": before.company.model_copy(update={"location": "Bonn"})}
    )
    with pytest.raises(ResultFileError, match="desselben Unternehmens"):
        compare(before, branch)


def test_name_spelling_in_case_and_spaces_is_the_same_company(before):
    respelled = before.model_copy(
        update={"company": before.company.model_copy(update={"name": " radhaus  BEISPIEL "})}
    )
    assert compare(before, respelled).overall.change == 0


def test_changed_rules_are_pointed_out(before):
    other_rules = before.model_copy(update={"rules_fingerprint": "0000000000000000"})
    result = compare(before, other_rules)
    assert result.rules_changed
    assert json.loads(result.to_json())["rules_changed"] is True
    assert "unterschiedlichen Regelständen" in render_diff_markdown(result)


# ------------------------------------------------------------------- reading result files


def test_load_result_reads_what_run_writes(saved, before):
    assert load_result(saved[0]) == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{", ":1:2: ungültiges JSON"),
        ("[]", "ist kein Audit-Ergebnis"),
        ('{"company": {}, "phases": []}', "hat keine schema_version"),
        (
            '{"schema_version": "2.0", "company": {}, "phases": []}',
            "schema_version: schema_version '2.0' ist neuer als diese Version",
        ),
        (
            '{"schema_version": "1.x", "company": {}, "phases": []}',
            "schema_version: schema_version '1.x' ist keine Version der Form MAJOR.MINOR",
        ),
        (
            '{"schema_version": "0.9", "company": {}, "phases": []}',
            "schema_version: schema_version '0.9' wird nicht mehr gelesen",
        ),
    ],
)
def test_unreadable_results_get_one_clear_message(tmp_path, content, message):
    path = write(tmp_path, content, "kaputt.json")
    with pytest.raises(ResultFileError) as raised:
        load_result(path)
    assert str(raised.value).startswith(str(path))
    assert message in str(raised.value)


def test_an_invalid_field_is_named_by_its_key_path(saved, tmp_path):
    data = json.loads(saved[0].read_text("utf-8"))
    data["phases"][1]["score"] = "viel"
    path = write(tmp_path, json.dumps(data), "falsch.json")
    with pytest.raises(ResultFileError, match=r"falsch\.json: phases\[1\]\.score: "):
        load_result(path)


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(ResultFileError, match=r"fehlt\.json: Datei nicht gefunden"):
        load_result(tmp_path / "fehlt.json")


# ------------------------------------------------------------------------ command line


def test_diff_text_shows_the_changes(saved):
    result = run_cli("diff", str(saved[0]), str(saved[1]))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Fortschritt zwischen zwei Audits: Radhaus Beispiel" in out
    assert "Gesamtindex: " in out and " → " in out
    assert "Erledigt (nicht mehr empfohlen):" in out
    assert "✓ Google-Unternehmensprofil anlegen" in out
    assert "Neu empfohlen: " in out and "Weiterhin offen: " in out
    assert "Geänderte Antworten" in out
    assert "nein → ja" in out


def test_diff_markdown(saved, diff):
    result = run_cli("diff", str(saved[0]), str(saved[1]), "--format", "markdown")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("# Fortschritt zwischen zwei Audits: Radhaus Beispiel\n")
    assert "| Phase | Vorher | Nachher | Veränderung | Reifegrad |" in out
    assert f"### Erledigt (nicht mehr empfohlen): {len(diff.done)}" in out
    assert "- Google-Unternehmensprofil anlegen (Informationssuche, vorher Nr. " in out


def test_diff_json_is_deterministic_and_complete(saved, diff, tmp_path):
    target = tmp_path / "fortschritt.json"
    first = run_cli("diff", str(saved[0]), str(saved[1]), "-f", "json")
    second = run_cli("diff", str(saved[0]), str(saved[1]), "-o", str(target))
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    assert first.stdout == target.read_text("utf-8") == diff.to_json()
    data = json.loads(first.stdout)
    assert data["schema_version"] == "1.0"
    assert set(data) >= {"overall", "phases", "done", "new", "still_open", "answers_changed"}


def test_diff_refuses_different_companies_on_the_command_line(saved, tmp_path):
    data = json.loads(saved[1].read_text("utf-8"))
    data["company"]["name"] = "Bäckerei Korn"
    other = write(tmp_path, json.dumps(data), "baeckerei.json")
    result = run_cli("diff", str(saved[0]), str(other))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert "'Bäckerei Korn'" in lines[0] and "desselben Unternehmens" in lines[0]


def test_diff_of_a_profile_instead_of_a_result_is_explained():
    result = run_cli("diff", str(BEFORE), str(AFTER))
    assert result.returncode == 2
    assert "ungültiges JSON" in result.stderr and str(BEFORE) in result.stderr


def test_diff_output_is_not_replaced_without_force(saved, tmp_path):
    target = tmp_path / "fortschritt.md"
    target.write_text("alt", encoding="utf-8")
    result = run_cli("diff", str(saved[0]), str(saved[1]), "-o", str(target))
    assert result.returncode == 2 and "existiert bereits" in result.stderr
    assert target.read_text("utf-8") == "alt"
    result = run_cli("diff", str(saved[0]), str(saved[1]), "-o", str(target), "--force")
    assert result.returncode == 0, result.stderr
    assert target.read_text("utf-8").startswith("# Fortschritt")


def test_facts_answered_later_are_changes(engine, tmp_path):
    text = BEFORE.read_text("utf-8")
    without = text.replace("mitarbeiter_geschult_anzahl = 1\n", "").replace(
        "google_bewertung = 4.6\n", ""
    )
    earlier = engine.audit(write(tmp_path, without, "vorher.toml"))
    later = engine.audit(write(tmp_path, text.replace("newsletter = false", "newsletter = true")))
    result = compare(earlier, later, names=CatalogNames(engine.catalog))
    stated = {(f.ref, f.before_shown, f.after_shown) for f in result.facts_changed if not f.derived}
    labels = {f.ref: f.label for f in result.facts_changed}
    assert labels["facts.newsletter"].startswith("Versenden Sie")
    assert ("facts.mitarbeiter_geschult_anzahl", "unbekannt", "1 Personen") in stated
    assert ("facts.google_bewertung", "unbekannt", "4,6 Sterne") in stated
    assert ("facts.newsletter", "nein", "ja") in stated
    # The share of trained staff is derived from the answered count.
    assert ("facts.anteil_mitarbeiter_geschult", True) in {
        (f.ref, f.derived) for f in result.facts_changed
    }
    # Without the plugins, the results' own labels and values still tell the change.
    alone = compare(earlier, later)
    assert {f.ref for f in alone.facts_changed} == {f.ref for f in result.facts_changed}
    rendered = render_diff_markdown(result)
    assert "## Geänderte Angaben" in rendered
    assert "Keine Angaben haben sich geändert" not in rendered
    assert not compare(later, later).facts_changed
