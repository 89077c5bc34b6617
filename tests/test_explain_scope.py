"""`audit explain` applies the sector and channel scope of `audit run`; small text fixes."""

from __future__ import annotations

from kundenkompass.engine import Engine

from .conftest import run_cli, write

BIKE_ITEM = "passform_durch_vermessung"
BIKE_MEASURE = "koerpervermessung_anbieten"


def test_a_measure_of_another_sector_is_not_applicable_and_asks_nothing(engine: Engine):
    furniture = {"company": {"name": "Tischlerei", "sector": "moebel", "channels": ["laden"]}}
    explanation = engine.explain(BIKE_MEASURE, furniture)
    assert explanation.applicable is False
    assert explanation.recommended is False
    assert explanation.sectors == ["fahrradhandel"]
    assert explanation.open_inputs == []


def test_a_measure_of_the_own_sector_asks_its_questions(engine: Engine):
    bikes = {"company": {"name": "Rad", "sector": "fahrradhandel", "channels": ["laden"]}}
    explanation = engine.explain(BIKE_MEASURE, bikes)
    assert explanation.applicable is True
    assert f"answers.{BIKE_ITEM}" in explanation.open_inputs
    answered = {**bikes, "answers": {BIKE_ITEM: "nein"}}
    assert engine.explain(BIKE_MEASURE, answered).recommended is True


def test_open_inputs_leave_out_other_sectors_questions_and_the_sector(engine: Engine):
    furniture = {"company": {"name": "Tischlerei", "sector": "moebel", "channels": ["laden"]}}
    audit = engine.audit(furniture)
    for measure in engine.catalog.measures:
        explanation = engine.explain(measure, furniture)
        for ref in explanation.open_inputs:
            assert ref != "company.sector"
            key = ref.split(".", 1)[1]
            entry = engine.catalog.checklist.get(key) or engine.catalog.facts.get(key)
            assert entry is None or not entry.sectors or "moebel" in entry.sectors, ref
        recommended = {r.measure for r in audit.recommendations}
        assert explanation.recommended == (measure in recommended), measure


def test_the_command_line_says_why_a_measure_of_another_sector_does_not_apply(tmp_path):
    profile = write(tmp_path, '[company]\nname = "T"\nsector = "moebel"\nchannels = ["laden"]\n')
    done = run_cli("explain", BIKE_MEASURE, str(profile))
    assert done.returncode == 0, done.stderr
    assert "gilt nur für Unternehmen dieser Branche: fahrradhandel" in done.stdout


def test_an_unknown_measure_is_named_without_a_placeholder(tmp_path):
    profile = write(tmp_path, '[company]\nname = "C"\nchannels = ["laden"]\n')
    done = run_cli("explain", "google_business_profil_anlgen", str(profile))
    assert done.returncode == 2
    assert "MEASURE_ID" not in done.stderr
    assert "google_business_profil_anlgen: unbekannte Maßnahme" in done.stderr


def test_derived_facts_show_ja_and_nein(tmp_path):
    profile = write(
        tmp_path,
        '[company]\nname = "C"\nchannels = ["laden"]\n[answers]\neigene_website = "nein"\n'
        'google_business_profil = "nein"\nsocial_media_praesenz = "nein"\n',
    )
    done = run_cli("explain", "google_business_profil_anlegen", str(profile))
    assert done.returncode == 0, done.stderr
    assert "= True" not in done.stdout and "= False" not in done.stdout
    assert "= ja" in done.stdout


def test_a_change_without_evidence_has_no_empty_because(tmp_path):
    ruleset = tmp_path / "eigen.toml"
    ruleset.write_text(
        '[ruleset]\nname = "eigen"\nversion = "1"\nsector = "eigen"\ntitle.de = "E"\n'
        '[[measure_priority]]\nid = "eigen_vorrang"\nmeasure = "google_business_profil_anlegen"\n'
        'priority = "niedrig"\nreason.de = "Bei uns zweitrangig."\n',
        encoding="utf-8",
    )
    profile = write(
        tmp_path,
        '[company]\nname = "C"\nchannels = ["laden"]\n[answers]\ngoogle_business_profil = "nein"\n',
    )
    done = run_cli("run", "--ruleset", str(ruleset), "--all-sectors", str(profile))
    assert done.returncode == 0, done.stderr
    assert "Bei uns zweitrangig. (Regel eigen_vorrang)" in done.stdout
    assert "(weil ;" not in done.stdout


def test_evidence_is_shown_once_per_input(engine: Engine, tmp_path):
    profile = write(
        tmp_path,
        '[company]\nname = "C"\nchannels = ["laden"]\n[answers]\neigene_website = "nein"\n'
        'google_business_profil = "nein"\n[facts]\nsocial_media_kanaele = []\n',
    )
    done = run_cli("run", str(profile))
    for line in done.stdout.splitlines():
        if "(weil " in line:
            because = line.split("(weil ", 1)[1].rsplit("; Regel", 1)[0]
            parts = because.split("; ")
            assert len(parts) == len(set(parts)), line


def test_no_what_if_gain_for_unanswered_items(engine: Engine):
    result = engine.audit({"company": {"name": "C", "channels": ["laden"]}})
    for recommendation in result.recommendations:
        assert recommendation.what_if.items == [], recommendation.measure
        assert recommendation.what_if.phase_score_gain == 0
