"""Bad input through the real command line: one clear line, exit code 2, no traceback."""

from __future__ import annotations

import pytest

from .conftest import ROOT, run_cli, write

GOOD = """\
[company]
name = "Radhaus Beispiel"
sector = "fahrradhandel"
channels = ["laden"]

[answers]
google_business_profil = "nein"

[facts]
newsletter = false
"""


def assert_clean_failure(result, *fragments: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def test_run_prints_the_audit_in_german(tmp_path):
    result = run_cli("run", str(write(tmp_path, GOOD)))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Radhaus Beispiel" in out
    assert "Informationssuche" in out
    assert "Google-Unternehmensprofil" in out
    assert "Offene Fragen" in out


def test_syntax_error_names_file_line_and_column(tmp_path):
    path = write(tmp_path, '[company]\nname = "X"\nchannels = ["laden"\n')
    result = run_cli("run", str(path))
    assert_clean_failure(result, f"{path}:3:", "TOML-Syntaxfehler")


def test_unknown_key_names_its_path_and_suggests(tmp_path):
    path = write(tmp_path, GOOD.replace("google_business_profil", "google_busines_profil"))
    result = run_cli("run", str(path))
    assert_clean_failure(
        result, str(path), "answers.google_busines_profil", 'meinten Sie "google_business_profil"'
    )


def test_unknown_table_is_named(tmp_path):
    path = write(tmp_path, GOOD + "\n[antworten]\nx = 1\n")
    assert_clean_failure(
        run_cli("run", str(path)), "antworten: unbekannter Schlüssel", "erlaubt: company"
    )


@pytest.mark.parametrize(
    ("replace", "by", "fragments"),
    [
        (
            "newsletter = false",
            'newsletter = "nein"',
            ("facts.newsletter", "erwartet: true oder false"),
        ),
        ('= "nein"', '= "vielleicht"', ("answers.google_business_profil", '"ja", "teilweise"')),
        ('["laden"]', '["laden", "kiosk"]', ("company.channels[1]", '"laden", "onlineshop"')),
        ('name = "Radhaus Beispiel"\n', "", ("company.name", "fehlt")),
    ],
)
def test_wrong_type_or_value_names_the_path_and_what_is_allowed(tmp_path, replace, by, fragments):
    path = write(tmp_path, GOOD.replace(replace, by))
    assert_clean_failure(run_cli("run", str(path)), *fragments)


def test_missing_file_is_one_line(tmp_path):
    assert_clean_failure(
        run_cli("run", str(tmp_path / "fehlt.toml")), "fehlt.toml", "Datei nicht gefunden"
    )


def test_directory_instead_of_file(tmp_path):
    assert_clean_failure(run_cli("run", str(tmp_path)), "ist ein Ordner")


def test_unreadable_file_is_one_line(tmp_path, monkeypatch, engine):
    from pathlib import Path

    from kundenkompass.errors import ProfileError

    path = write(tmp_path, GOOD)

    def deny(self):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "read_bytes", deny)
    with pytest.raises(ProfileError, match="keine Berechtigung"):
        engine.load_profile(path)


def test_answer_with_note_and_ascii_spelling(tmp_path, engine):
    profile = engine.load_profile(
        GOOD.replace(
            'google_business_profil = "nein"',
            'google_business_profil = { antwort = "entfaellt", notiz = "kein Laden" }',
        )
    )
    assert profile.answers["google_business_profil"].value == "entfaellt"
    assert profile.answers["google_business_profil"].note == "kein Laden"


def test_python_module_entry_point_matches_console_script():
    result = run_cli("--help")
    assert result.returncode == 0
    assert "run" in result.stdout
    assert (ROOT / "pyproject.toml").exists()
