"""Every message a user can see is German: library errors, lint, batch, the service.

Identifiers in messages (keys, ids, error codes, problem ``type``) stay as they are; the
words around them are German. Each family of messages has a test here; the CLI sweep at
the end feeds broken inputs to the commands and looks for English words in what they say.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from kundenkompass.catalog.plugin_data import PluginData
from kundenkompass.engine import Engine
from kundenkompass.errors import (
    OutputError,
    PluginError,
    ProfileError,
    ResultFileError,
    RuleError,
    TomlFileError,
)
from kundenkompass.files.atomic import write_atomically
from kundenkompass.files.reasons import os_reason, toml_reason, validation_reason
from kundenkompass.files.toml_files import parse_toml_text, read_toml_text
from kundenkompass.render.compare import load_result

from .conftest import ROOT, run_cli, write

RADHAUS = ROOT / "examples" / "radhaus.toml"

#: Words that give away an English message (checked case-sensitively where it matters).
ENGLISH = re.compile(
    r"\b(expected|unknown|missing|cannot|must|should|already|exists|not found|did you mean|"
    r"Input should|Field required|invalid|error|got|allowed|is not|does not|file)\b"
)


def assert_german(message: str) -> None:
    # Paths, keys and ids may be English-looking; drop quoted names and paths first.
    words = re.sub(r"'[^']*'|\"[^\"]*\"|\S*/\S*|\[[a-z_\-]+\]", "", message)
    found = ENGLISH.search(words)
    assert found is None, f"English {found.group()!r} in: {message}"


# ------------------------------------------------------------------ TOML syntax errors

#: (text, line, column, German fragment): the same on Python 3.10 (tomli) and 3.11+.
SYNTAX_ERRORS = [
    ('[[rule]]\nid = "r"\nwhen = { fact = "x" \n', 3, 20, "Inline-Tabelle ist nicht geschlossen"),
    ("a = \n", 1, 4, "ungültiger Wert"),
    ("a = 1\na = 2\n", 2, 6, "Schlüssel ist doppelt gesetzt"),
    ('x = "abc', 1, 9, "Text ist nicht abgeschlossen"),
    ("a = [1,", 1, 8, "ungültiger Wert"),
    ("a b = 1", 1, 3, "nach dem Schlüssel fehlt '='"),
    ("a = {b=1, b=2}", 1, 14, "Schlüssel 'b' doppelt in einer Inline-Tabelle"),
    ("[x]\n[x]\n", 2, 3, "'x' ist doppelt deklariert"),
    ("a = 1979-05-32", 1, 9, "nach einer Angabe muss die Zeile enden"),
    ("a = [1,\n\n  ", 1, 8, "ungültiger Wert"),
    ("[a\n", 1, 3, "am Ende der Tabellenzeile fehlt ']'"),
]


@pytest.mark.parametrize(("text", "line", "column", "fragment"), SYNTAX_ERRORS)
def test_a_toml_syntax_error_is_german_at_the_same_position_on_every_python(
    text, line, column, fragment
):
    with pytest.raises(TomlFileError) as caught:
        parse_toml_text(text)
    assert (caught.value.line, caught.value.column) == (line, column)
    assert caught.value.message.startswith("TOML-Syntaxfehler: ")
    assert fragment in caught.value.message
    assert_german(caught.value.message)


def test_an_unknown_tomllib_wording_is_kept_rather_than_lost():
    assert toml_reason("Something new") == "Something new"


def test_a_profile_with_a_syntax_error_names_file_line_and_column(tmp_path):
    path = write(tmp_path, '[company]\nname = "X\nchannels = ["laden"]\n')
    done = run_cli("run", str(path))
    assert done.returncode == 2
    assert done.stderr.startswith(f"audit: Fehler: {path}:2:10: TOML-Syntaxfehler: ")
    assert_german(done.stderr)


# ----------------------------------------------------------------------- files


def test_reading_and_writing_files_speaks_german(tmp_path):
    with pytest.raises(TomlFileError, match="Datei nicht gefunden"):
        read_toml_text(tmp_path / "fehlt.toml")
    with pytest.raises(TomlFileError, match="ist ein Ordner; erwartet: eine TOML-Datei"):
        read_toml_text(tmp_path)
    target = tmp_path / "bericht.txt"
    write_atomically(target, "eins")
    with pytest.raises(OutputError) as caught:
        write_atomically(target, "zwei")
    assert str(caught.value) == f"{target}: existiert bereits; --force ersetzt die Datei"
    with pytest.raises(OutputError, match=r"der Ordner '.*' existiert nicht"):
        write_atomically(tmp_path / "nirgends" / "x.txt", "x")


def test_operating_system_reasons_are_german():
    import errno

    assert os_reason(OSError(errno.ENOSPC, "No space left on device")) == (
        "kein Speicherplatz mehr auf dem Gerät"
    )
    assert os_reason(OSError(errno.EACCES, "Permission denied")) == "keine Berechtigung"


def test_a_saved_result_that_is_not_one_is_refused_in_german(tmp_path):
    missing = tmp_path / "fehlt.json"
    with pytest.raises(ResultFileError, match="Datei nicht gefunden"):
        load_result(missing)
    broken = tmp_path / "kaputt.json"
    broken.write_text('{"a": }', encoding="utf-8")
    with pytest.raises(ResultFileError) as caught:
        load_result(broken)
    assert "ungültiges JSON: ein Wert fehlt" in str(caught.value)


def test_a_result_of_the_wrong_type_names_the_key_path_in_german(tmp_path, engine):
    result = json.loads(engine.audit(RADHAUS).to_json())
    result["phases"][1]["score"] = "viel"
    path = tmp_path / "ergebnis.json"
    path.write_text(json.dumps(result), encoding="utf-8")
    with pytest.raises(ResultFileError) as caught:
        load_result(path)
    assert "phases[1].score" in str(caught.value)
    assert "erwartet: eine Zahl" in str(caught.value)
    assert "Input should" not in str(caught.value)


# --------------------------------------------------------------------- profiles


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        (
            '[company]\nname = "X"\nchannels = ["laden"]\nbranche = "x"\n',
            ("company.branche: unbekannter Schlüssel", "erlaubt:"),
        ),
        (
            '[company]\nname = "X"\nchannels = ["laden"]\n[facts]\nmitarbeiter_anzahl = "viele"\n',
            ('facts.mitarbeiter_anzahl: erwartet: eine ganze Zahl, erhalten: "viele"',),
        ),
        (
            '[company]\nname = "X"\nchannels = ["laden"]\n[answers]\n'
            'google_busines_profil = "ja"\n',
            ('unbekannter Checklistenpunkt; meinten Sie "google_business_profil"?',),
        ),
        ('[company]\nchannels = ["laden"]\n', ("company.name: fehlt; erwartet:",)),
        (
            '[company]\nname = "X"\nchannels = ["laden"]\n[answers]\n'
            'google_business_profil = "vielleicht"\n',
            ('"vielleicht" ist keine Antwort; erwartet: eines von',),
        ),
    ],
    ids=["unknown-key", "wrong-type", "did-you-mean", "missing", "not-an-answer"],
)
def test_profile_errors_are_german_with_the_key_path(engine, text, fragments):
    with pytest.raises(ProfileError) as caught:
        engine.load_profile(text, source="profil.toml")
    message = str(caught.value)
    for fragment in fragments:
        assert fragment in message, message
    assert_german(message)


# ------------------------------------------------------- plugin data and pydantic


def test_a_data_file_entry_that_does_not_match_its_schema_is_german(tmp_path):
    (tmp_path / "measures.toml").write_text(
        '[[measure]]\nid = "m"\nphase = "kauf"\ntitle.de = "M"\nreference = "Kauf"\n'
        'effort = "riesig"\n',
        encoding="utf-8",
    )
    with pytest.raises(PluginError) as caught:
        Engine([PluginData(tmp_path)], discover=False)
    message = str(caught.value)
    assert message.startswith("Plugin ")
    assert "measure[0] 'm'" in message
    assert "Field required" not in message and "Input should" not in message
    assert re.search(r"(description: fehlt|effort: erwartet: eines von)", message), message


@pytest.mark.parametrize(
    ("error", "german"),
    [
        ({"type": "missing", "loc": ("a",), "msg": "Field required"}, "fehlt"),
        ({"type": "int_parsing", "msg": "Input should be a valid integer"}, "erwartet: eine"),
        (
            {"type": "literal_error", "ctx": {"expected": "'a' or 'b'"}, "msg": "…"},
            "erwartet: eines von 'a', 'b'",
        ),
        (
            {"type": "string_too_long", "ctx": {"max_length": 3}, "msg": "…"},
            "zu lang; erlaubt sind höchstens 3 Zeichen",
        ),
        ({"type": "extra_forbidden", "msg": "Extra inputs are not permitted"}, "unbekannter"),
        (
            {"type": "value_error", "ctx": {"error": ValueError("eigener Text")}, "msg": "…"},
            "eigener Text",
        ),
    ],
)
def test_pydantic_errors_get_german_texts(error, german):
    assert german in validation_reason(error)


def test_a_rule_with_an_unknown_measure_is_refused_in_german(tmp_path):
    (tmp_path / "rules.toml").write_text(
        '[[rule]]\nid = "r"\nrecommend = "gibts_nicht"\n'
        'when = { answer = "x", equals = "nein" }\nreason.de = "R"\n',
        encoding="utf-8",
    )
    with pytest.raises((PluginError, RuleError)) as caught:
        Engine([PluginData(tmp_path)], discover=False)
    message = str(caught.value)
    assert "Regel 'r'" in message
    assert "empfiehlt die unbekannte Maßnahme 'gibts_nicht'" in message


# ------------------------------------------------------------------------- lint


def test_lint_reports_a_broken_plugin_in_german(tmp_path):
    folder = tmp_path / "kaputt"
    folder.mkdir()
    (folder / "rules.toml").write_text(
        '[[rule]]\nid = "r"\nrecommend = "fehlende_massnahme"\n'
        'when = { answer = "google_business_profil", equals = "nein" }\nreason.de = "R"\n'
        '[[rule]]\nid = "s"\nrecommend = "google_unternehmensprofil"\n'
        'when = { answer = "google_business_profil", equals = "vielleicht" }\n'
        'reason.de = "R"\n',
        encoding="utf-8",
    )
    (folder / "facts.toml").write_text('[[fact]]\nkey = "x"\ntype = "int"\n', encoding="utf-8")
    done = run_cli("lint", str(folder))
    assert done.returncode != 0
    output = done.stdout + done.stderr
    assert "Regel 'r': empfiehlt die unbekannte Maßnahme 'fehlende_massnahme'" in output
    assert "der Wert 'vielleicht' passt nicht; erwartet: eines von" in output
    assert "Probleme in" in output
    for line in output.splitlines():
        assert_german(re.sub(r"\[[a-z\-]+\]$", "", line))


# ------------------------------------------------------------------------ batch


def test_batch_records_a_bad_profile_in_german(tmp_path):
    bad = write(tmp_path, '[company]\nname = "X"\nchannels = ["kiosk"]\n', "kaputt.toml")
    output = tmp_path / "ergebnisse.jsonl"
    done = run_cli("batch", str(RADHAUS), str(bad), "-o", str(output))
    assert done.returncode != 0
    records = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    (failed,) = [record for record in records if record["status"] == "error"]
    assert failed["error"]["kind"] == "ProfileError"  # a machine field: English identifier
    assert "erwartet" in failed["error"]["message"] or "nicht" in failed["error"]["message"]
    assert_german(failed["error"]["message"])
    assert_german(done.stderr)
    again = run_cli("batch", str(RADHAUS), "-o", str(output))
    assert again.returncode == 2
    assert "existiert bereits; --force ersetzt die Datei" in again.stderr


# ---------------------------------------------------------------------- service


@pytest.fixture(scope="module")
def service():
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient
    from kundenkompass.tools.server import create_app

    with TestClient(create_app(Engine())) as client:
        yield client


@pytest.mark.parametrize(
    ("body", "content_type", "status", "title", "fragment"),
    [
        (b'[company]\nname = "X\n', "application/toml", 422, "Ungültige Eingabe", "TOML-Syntax"),
        (b'{"company": {"name": "X"}}', "application/json", 422, "Ungültige Eingabe", "fehlt"),
        (b'{"company": ', "application/json", 422, "Ungültige Eingabe", "ungültiges JSON"),
        (b"x", "text/plain", 415, "Nicht unterstütztes Format", "nicht unterstützter"),
    ],
    ids=["toml", "missing-key", "json-syntax", "content-type"],
)
def test_service_problems_are_german_with_english_machine_fields(
    service, body, content_type, status, title, fragment
):
    answer = service.post("/audits", content=body, headers={"content-type": content_type})
    problem = answer.json()
    assert answer.status_code == status
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert problem["type"] == "about:blank"
    assert problem["title"] == title
    assert fragment in problem["detail"], problem
    assert_german(problem["detail"])


def test_service_query_and_route_errors_are_german(service):
    wrong = service.get("/checklist", params={"phase": "kasse"}).json()
    assert wrong["title"] == "Ungültige Eingabe"
    assert wrong["detail"].startswith("query.phase: erwartet: eines von")
    missing = service.get("/gibts-nicht").json()
    assert (missing["title"], missing["detail"]) == (
        "Nicht gefunden",
        "diese Adresse gibt es nicht",
    )


# ---------------------------------------------------------- command-line sweep


def _profile(tmp_path: Path, text: str, name: str = "p.toml") -> str:
    return str(write(tmp_path, text, name))


@pytest.mark.parametrize(
    "case",
    [
        "missing-file",
        "bad-toml",
        "unknown-key",
        "wrong-type",
        "existing-output",
        "bad-ruleset",
        "bad-result",
    ],
)
def test_every_command_error_is_one_german_line(tmp_path, case):
    good = str(RADHAUS)
    arguments = {
        "missing-file": ["run", str(tmp_path / "fehlt.toml")],
        "bad-toml": ["run", _profile(tmp_path, "[company\n")],
        "unknown-key": ["run", _profile(tmp_path, '[company]\nname = "X"\nkanal = 1\n')],
        "wrong-type": [
            "run",
            _profile(
                tmp_path,
                '[company]\nname = "X"\nchannels = ["laden"]\n[facts]\nmitarbeiter_anzahl = true\n',
            ),
        ],
        "existing-output": ["run", good, "-o", _profile(tmp_path, "", "bericht.txt")],
        "bad-ruleset": ["run", good, "-r", _profile(tmp_path, "[ruleset]\nname = 1\n", "r.toml")],
        "bad-result": [
            "diff",
            _profile(tmp_path, "{}", "a.json"),
            _profile(tmp_path, "[]", "b.json"),
        ],
    }[case]
    done = run_cli(*arguments)
    assert done.returncode in (2, 3), done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("audit: Fehler: "), done.stderr
    assert_german(lines[0].removeprefix("audit: Fehler: "))


def test_the_unknown_sector_warning_suggests_only_close_matches(tmp_path):
    text = RADHAUS.read_text(encoding="utf-8")
    far = run_cli("run", _profile(tmp_path, text.replace('"fahrradhandel"', '"buchhandel"')))
    assert "Branche 'buchhandel' ist unbekannt;" in far.stderr
    assert "meinten Sie" not in far.stderr
    near = run_cli("run", _profile(tmp_path, text.replace('"fahrradhandel"', '"fahradhandel"')))
    assert "(meinten Sie 'fahrradhandel'?)" in near.stderr


def test_debug_option_shows_the_traceback_before_the_line(tmp_path):
    plain = run_cli("run", str(tmp_path / "fehlt.toml"))
    assert "Traceback" not in plain.stderr
    debug = run_cli("--debug", "run", str(tmp_path / "fehlt.toml"))
    assert debug.returncode == 2
    assert debug.stderr.startswith("Traceback (most recent call last):")
    assert debug.stderr.rstrip().endswith("fehlt.toml: Datei nicht gefunden")


def test_every_argument_shows_its_help_and_a_readable_placeholder():
    import click
    from kundenkompass.cli import command

    built = command()
    assert isinstance(built, click.Group)
    for name, sub in built.commands.items():
        for parameter in sub.params:
            if isinstance(parameter, click.Argument):
                assert getattr(parameter, "help", None), f"audit {name}: {parameter.name}"
                # typer shows the type's name (TEXT) when the placeholder is the bare name
                assert parameter.metavar != (parameter.name or "").upper(), name
    shown = run_cli("collect", "-h")
    assert "WEBADRESSE" in shown.stdout and "TEXT" not in shown.stdout
    assert "Startseite der Website" in shown.stdout
