"""The Informationssuche plugin end to end, through the Python API and the command line."""

from __future__ import annotations

import json

from .conftest import run_cli, write

STORE = {"name": "Radhaus Beispiel", "sector": "fahrradhandel", "channels": ["laden"]}


def recommended(result):
    return {r.measure: r for r in result.recommendations}


def test_no_google_profile_recommends_creating_one_with_its_reason(engine):
    result = engine.audit({"company": STORE, "answers": {"google_business_profil": "nein"}})
    measure = recommended(result)["google_business_profil_anlegen"]
    assert measure.reasons[0].reason.startswith("Wer bei Google nach Ihrem Unternehmen sucht")
    # The rule also tests the store: Google's business profiles are for businesses that
    # customers visit or that serve an area in person.
    assert [e.ref for e in measure.reasons[0].evidence] == [
        "answers.google_business_profil",
        "company.channels",
    ]
    assert measure.quick_win


def test_google_profile_present_is_not_recommended(engine):
    result = engine.audit({"company": STORE, "answers": {"google_business_profil": "ja"}})
    assert "google_business_profil_anlegen" not in recommended(result)


def test_unanswered_google_profile_is_an_open_question(engine):
    result = engine.audit({"company": STORE, "answers": {}})
    assert "google_business_profil_anlegen" not in recommended(result)
    questions = {q.ref: q for q in result.open_questions}
    assert (
        "google_business_profil_anlegen"
        in questions["answers.google_business_profil"].could_recommend
    )


def test_weak_online_presence_chains_through_a_derived_fact(engine):
    result = engine.audit(
        {
            "company": STORE,
            "answers": {
                "google_business_profil": "nein",
                "social_media_praesenz": "nein",
                "eigene_website": "nein",
            },
        }
    )
    derived = {fact.key: fact for fact in result.derived_facts}
    assert derived["online_praesenz_schwach"].value is True
    measure = recommended(result)["google_business_profil_anlegen"]
    (reason,) = [r for r in measure.reasons if r.rule == "info_online_praesenz_unsichtbar"]
    (evidence,) = reason.evidence
    assert evidence.ref == "facts.online_praesenz_schwach"
    assert evidence.derived_by == ["info_online_praesenz_schwach"]


def test_training_share_is_derived_in_python_and_compared_with_a_threshold(engine):
    facts = {"mitarbeiter_anzahl": 4, "mitarbeiter_geschult_anzahl": 1}
    result = engine.audit({"company": STORE, "facts": facts})
    assert result.facts["anteil_mitarbeiter_geschult"] == 25.0
    assert "technikschulung_alle_mitarbeiter" in recommended(result)
    trained = engine.audit({"company": STORE, "facts": {**facts, "mitarbeiter_geschult_anzahl": 4}})
    assert "technikschulung_alle_mitarbeiter" not in recommended(trained)


def test_two_audits_in_one_process_are_independent(engine):
    weak = {
        "company": STORE,
        "answers": {
            "google_business_profil": "nein",
            "social_media_praesenz": "nein",
            "eigene_website": "nein",
        },
    }
    strong = {
        "company": STORE,
        "answers": {
            "google_business_profil": "ja",
            "social_media_praesenz": "ja",
            "eigene_website": "ja",
        },
    }
    first = engine.audit(weak)
    second = engine.audit(strong)
    assert "google_business_profil_anlegen" not in recommended(second)
    assert "online_praesenz_schwach" not in {f.key for f in second.derived_facts}
    assert engine.audit(weak).to_json() == first.to_json()


def test_cli_shows_the_measure_its_reason_and_open_questions(tmp_path):
    path = write(
        tmp_path,
        '[company]\nname = "Radhaus Beispiel"\nchannels = ["laden"]\n'
        '[answers]\ngoogle_business_profil = "nein"\n',
    )
    result = run_cli("run", str(path))
    assert result.returncode == 0, result.stderr
    assert "Google-Unternehmensprofil anlegen" in result.stdout
    assert "Wer bei Google nach Ihrem Unternehmen sucht" in result.stdout
    assert "Offene Fragen" in result.stdout


def test_cli_yes_and_unknown(tmp_path):
    yes = write(
        tmp_path,
        '[company]\nname = "A"\nchannels = ["laden"]\n[answers]\ngoogle_business_profil = "ja"\n',
        "ja.toml",
    )
    unknown = write(tmp_path, '[company]\nname = "B"\nchannels = ["laden"]\n', "offen.toml")
    assert "Google-Unternehmensprofil anlegen" not in run_cli("run", str(yes)).stdout
    output = run_cli("run", str(unknown)).stdout
    open_part = output.split("Offene Fragen", 1)[1]
    assert "Google-Unternehmensprofil anlegen" in open_part
    assert "Google-Unternehmensprofil anlegen" not in output.split("Offene Fragen", 1)[0]


def test_cli_explain_shows_the_chain(tmp_path):
    path = write(
        tmp_path,
        '[company]\nname = "C"\nchannels = ["laden"]\n[answers]\n'
        'google_business_profil = "nein"\nsocial_media_praesenz = "nein"\neigene_website = "nein"\n',
    )
    result = run_cli("explain", "google_business_profil_anlegen", str(path), "--format", "json")
    assert result.returncode == 0, result.stderr
    explanation = json.loads(result.stdout)
    assert explanation["recommended"] is True
    assert explanation["rules"][0]["outcome"] == "fired"
    assert explanation["derived_facts"][0]["key"] == "online_praesenz_schwach"
    refs = {e["ref"] for step in explanation["derived_facts"][0]["steps"] for e in step["evidence"]}
    assert {"answers.eigene_website", "answers.google_business_profil"} <= refs


def test_cli_explain_unknown_measure_suggests(tmp_path):
    path = write(tmp_path, '[company]\nname = "C"\nchannels = ["laden"]\n')
    result = run_cli("explain", "google_business_profil_anlgen", str(path))
    assert result.returncode == 2
    assert "meinten Sie 'google_business_profil_anlegen'" in result.stderr
