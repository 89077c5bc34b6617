"""Bad profile files: one clear line naming the file and the position or key path, exit 2.

Most cases run the command in-process against a small test plugin (tests/reliability/data);
the last few run the real ``audit`` program with the installed plugins, to prove that no
traceback reaches the user there either.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from kundenkompass.catalog.plugin_data import PluginData
from kundenkompass.commands import run as run_command
from kundenkompass.engine import Engine
from kundenkompass.errors import ProfileError
from kundenkompass.files.toml_files import MAX_FILE_BYTES, read_toml_text
from kundenkompass.profile.load import load_profile, validate_profile
from typer.testing import CliRunner

from ..conftest import run_cli

DATA = Path(__file__).parent / "data" / "werkstatt"

GOOD = """\
[company]
name = "Werkstatt Beispiel"
sector = "fahrradhandel"
channels = ["laden"]

[answers]
kasse_schnell = "nein"
beratung = { antwort = "ja", notiz = "gut" }

[facts]
website = false
mitarbeitende = 4
bewertung = 4.5
zielgruppe = "gemischt"
zahlarten = ["bar", "karte"]
slogan = "Wir reparieren alles."
antwortzeit = 12.5
"""


@pytest.fixture(scope="module")
def werkstatt() -> Engine:
    return Engine([PluginData(DATA)], discover=False)


@pytest.fixture
def audit(werkstatt, monkeypatch):
    """Run ``audit run`` in-process against the test plugin; return the result."""
    monkeypatch.setattr(run_command, "make_engine", lambda *args, **kwargs: werkstatt)
    runner = CliRunner()

    def invoke(path: Path | str):
        return runner.invoke(run_command.app, ["run", str(path)])

    return invoke


def clean_failure(result, *fragments: str) -> str:
    """Exit code 2, exactly one line on stderr containing every fragment, no traceback."""
    assert result.exit_code == 2, (result.exit_code, result.stderr, result.exception)
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


def write(tmp_path: Path, content: str | bytes, name: str = "profil.toml") -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


def test_the_good_profile_is_accepted(audit, tmp_path):
    result = audit(write(tmp_path, GOOD))
    assert result.exit_code == 0, result.stderr
    assert "Werkstatt Beispiel" in result.stdout


# ------------------------------------------------------------------ files and encodings


def test_empty_file(audit, tmp_path):
    path = write(tmp_path, "")
    clean_failure(audit(path), str(path), "company: die Tabelle [company] fehlt")


def test_directory_instead_of_a_file(audit, tmp_path):
    clean_failure(audit(tmp_path), str(tmp_path), "ist ein Ordner")


def test_missing_file(audit, tmp_path):
    clean_failure(audit(tmp_path / "fehlt.toml"), "fehlt.toml", "Datei nicht gefunden")


def test_unreadable_file(audit, tmp_path, monkeypatch):
    path = write(tmp_path, GOOD)
    path.chmod(0)
    if os.access(path, os.R_OK):  # root reads anything: make reading fail instead

        def denied(self):
            raise PermissionError(13, "Permission denied")

        monkeypatch.setattr(Path, "read_bytes", denied)
    clean_failure(audit(path), str(path), "keine Berechtigung")


@pytest.mark.parametrize(
    "device", ["/dev/zero", "/dev/null", "/dev/urandom"], ids=["zero", "null", "urandom"]
)
def test_devices_are_refused_without_reading_them(audit, device):
    if not Path(device).exists():
        pytest.skip(f"{device} does not exist here")
    clean_failure(audit(device), device, "ist keine gewöhnliche Datei")


def test_a_named_pipe_is_refused_instead_of_waiting_for_a_writer(audit, tmp_path):
    fifo = tmp_path / "profil.toml"
    os.mkfifo(fifo)
    clean_failure(audit(fifo), str(fifo), "ist keine gewöhnliche Datei")


@pytest.mark.parametrize(
    "garbage",
    [bytes(range(256)) * 4, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", b"PK\x03\x04\x14\x00\x00\x00"],
    ids=["all-bytes", "png", "zip"],
)
def test_binary_garbage(audit, tmp_path, garbage):
    path = write(tmp_path, garbage)
    clean_failure(audit(path), str(path), "keine Textdatei")


def test_binary_garbage_without_nul_bytes_names_the_position(audit, tmp_path):
    path = write(tmp_path, b'[company]\nname = "x"\n\xff\xfe\xfd\x80\x81')
    clean_failure(audit(path), f"{path}:3:1:", "kein gültiges UTF-8")


def test_latin1_file_names_line_and_column_of_the_first_bad_byte(audit, tmp_path):
    path = write(tmp_path, GOOD.replace("Werkstatt", "Bäckerei").encode("latin-1"))
    clean_failure(
        audit(path), f"{path}:2:10:", "kein gültiges UTF-8", "die Datei als UTF-8 speichern"
    )


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_file_is_named_as_such(audit, tmp_path, encoding):
    text = GOOD if encoding == "utf-16" else "\ufeff" + GOOD
    path = write(tmp_path, text.encode(encoding))
    clean_failure(audit(path), str(path), "UTF-16", "UTF-8")


def test_utf8_with_byte_order_mark_is_accepted(audit, tmp_path):
    result = audit(write(tmp_path, b"\xef\xbb\xbf" + GOOD.encode("utf-8")))
    assert result.exit_code == 0, result.stderr
    assert "Werkstatt Beispiel" in result.stdout


def test_windows_line_endings_are_accepted(audit, tmp_path):
    result = audit(write(tmp_path, GOOD.replace("\n", "\r\n")))
    assert result.exit_code == 0, result.stderr


# ------------------------------------------------------------------------ TOML syntax


@pytest.mark.parametrize(
    ("text", "position", "fragment"),
    [
        (
            '[company]\nname = "x"\nchannels = ["laden"\n',
            ":3:20:",
            "eine Liste ist nicht geschlossen",
        ),
        ('[company]\nname = \nchannels = ["laden"]\n', ":2:8:", "ungültiger Wert"),
        ('[company]\nname = "x\nchannels = ["laden"]\n', ":2:10:", "unzulässiges Zeichen"),
        ('[company]\nname = "a\\qb"\n', ":2:12:", "ein '\\' in einem Text ist nicht maskiert"),
        ('[company]\nfirma name = "x"\n', ":2:7:", "nach dem Schlüssel fehlt '='"),
        ('[company\nname = "x"\n', ":1:9:", "am Ende der Tabellenzeile fehlt ']'"),
        ('[company]\nname = "a"\nname = "b"\n', ":3:", "ein Schlüssel ist doppelt gesetzt"),
        ('[company]\nname = "a"\n[company]\n', ":3:", "'company' ist doppelt deklariert"),
        ("[facts]\nmitarbeitende = 1979-13-45\n", ":2:", "TOML-Syntaxfehler"),
        ('[company]\n= "x"\n', ":2:1:", "ungültige Anweisung"),
        ('[company]\nname = "x"\nchannels = [\n', ":3:", "TOML-Syntaxfehler"),
        ("[facts]\nmitarbeitende = 0x\n", ":2:", "TOML-Syntaxfehler"),
        ('[company]\nname = """offen\n', ":2:", "TOML-Syntaxfehler"),
    ],
    ids=[
        "unclosed-array",
        "missing-value",
        "unterminated-string",
        "bad-escape",
        "space-in-key",
        "unclosed-table-header",
        "duplicate-key",
        "duplicate-table",
        "bad-date",
        "missing-key",
        "end-of-file",
        "bad-hex",
        "unterminated-multiline",
    ],
)
def test_syntax_errors_name_line_and_column(audit, tmp_path, text, position, fragment):
    path = write(tmp_path, text)
    clean_failure(audit(path), f"{path}{position}", fragment)


def test_raw_control_character_is_a_syntax_error_with_its_position(audit, tmp_path):
    path = write(tmp_path, '[company]\nname = "a\x07b"\n')
    clean_failure(audit(path), f"{path}:2:10:", "unzulässiges Zeichen")


# -------------------------------------------------------------------- profile content


@pytest.mark.parametrize(
    ("replace", "by", "fragments"),
    [
        (
            'name = "Werkstatt Beispiel"',
            "name = 42",
            ("company.name", "erwartet: ein Text, erhalten: 42"),
        ),
        ('name = "Werkstatt Beispiel"', 'name = "  "', ("company.name", "darf nicht leer sein")),
        (
            'channels = ["laden"]',
            'channels = "laden"',
            ("company.channels", "erwartet: eine Liste"),
        ),
        ('channels = ["laden"]', "channels = []", ("company.channels", "mindestens einen Kanal")),
        (
            'channels = ["laden"]',
            'channels = ["laden", "laden"]',
            ("company.channels[1]", "doppelt"),
        ),
        ("website = false", 'website = "nein"', ("facts.website", "erwartet: true oder false")),
        (
            "website = false",
            "website = 0",
            ("facts.website", "erwartet: true oder false, erhalten: 0"),
        ),
        ("mitarbeitende = 4", 'mitarbeitende = "4"', ("facts.mitarbeitende", "ganze Zahl")),
        ("mitarbeitende = 4", "mitarbeitende = 2.5", ("facts.mitarbeitende", "ganze Zahl")),
        ("mitarbeitende = 4", "mitarbeitende = true", ("facts.mitarbeitende", "erhalten: true")),
        ('zielgruppe = "gemischt"', 'zielgruppe = "Gemischt"', ("facts.zielgruppe", '"jung"')),
        (
            'zahlarten = ["bar", "karte"]',
            'zahlarten = "bar"',
            ("facts.zahlarten", "erwartet: eine Liste"),
        ),
        (
            'zahlarten = ["bar", "karte"]',
            'zahlarten = ["bar", 1]',
            ("facts.zahlarten[1]", "1 ist nicht"),
        ),
        (
            'zahlarten = ["bar", "karte"]',
            'zahlarten = [["bar"]]',
            ("facts.zahlarten[0]", "eine Liste"),
        ),
        (
            'slogan = "Wir reparieren alles."',
            "slogan = 1.5",
            ("facts.slogan", "erwartet: ein Text"),
        ),
        (
            'kasse_schnell = "nein"',
            "kasse_schnell = true",
            ("answers.kasse_schnell", "keine Antwort"),
        ),
        (
            'kasse_schnell = "nein"',
            'kasse_schnell = "vielleicht"',
            ("answers.kasse_schnell", '"ja"'),
        ),
        (
            'kasse_schnell = "nein"',
            "kasse_schnell = {}",
            ("answers.kasse_schnell.antwort", "fehlt"),
        ),
        (
            'kasse_schnell = "nein"',
            "kasse_schnell = []",
            ("answers.kasse_schnell", "keine Antwort"),
        ),
    ],
    ids=lambda value: value if isinstance(value, str) and len(value) < 30 else None,
)
def test_wrong_types_name_the_key_path_and_what_is_expected(
    audit, tmp_path, replace, by, fragments
):
    assert replace in GOOD
    path = write(tmp_path, GOOD.replace(replace, by, 1))
    clean_failure(audit(path), str(path), *fragments)


@pytest.mark.parametrize(
    ("replace", "by", "fragments"),
    [
        (
            "mitarbeitende = 4",
            "mitarbeitende = 501",
            ("facts.mitarbeitende", "erwartet: 0 bis 500 Personen"),
        ),
        (
            "mitarbeitende = 4",
            "mitarbeitende = -1",
            ("facts.mitarbeitende", "außerhalb des Bereichs"),
        ),
        (
            "mitarbeitende = 4",
            "mitarbeitende = 9223372036854775807",
            ("facts.mitarbeitende", "außerhalb des Bereichs"),
        ),
        ("bewertung = 4.5", "bewertung = 5.01", ("facts.bewertung", "erwartet: 1 bis 5")),
        ("bewertung = 4.5", "bewertung = nan", ("facts.bewertung", "endliche")),
        ("bewertung = 4.5", "bewertung = -inf", ("facts.bewertung", "endliche")),
        (
            "antwortzeit = 12.5",
            "antwortzeit = 1e300",
            ("facts.antwortzeit", "außerhalb des Bereichs"),
        ),
        (
            "[facts]",
            "[thresholds]\nantwort_schnell = inf\n[facts]",
            ("thresholds.antwort_schnell", "erwartet: eine Zahl"),
        ),
        (
            "[facts]",
            '[thresholds]\nantwort_schnell = "24"\n[facts]',
            ("thresholds.antwort_schnell", "eine Zahl"),
        ),
    ],
)
def test_out_of_range_numbers(audit, tmp_path, replace, by, fragments):
    assert replace in GOOD
    path = write(tmp_path, GOOD.replace(replace, by, 1))
    clean_failure(audit(path), str(path), *fragments)


@pytest.mark.parametrize(
    ("extra", "fragments"),
    [
        (
            "\n[antworten]\nx = 1\n",
            ("antworten: unbekannter Schlüssel", "erlaubt: company, answers, facts"),
        ),
        ("\n[company.adresse]\nort = 1\n", ("company.adresse: unbekannter Schlüssel",)),
        (
            "\n[thresholds]\nantwort_schnel = 3\n",
            ("thresholds.antwort_schnel", 'meinten Sie "antwort_schnell"'),
        ),
    ],
)
def test_unknown_tables_and_keys(audit, tmp_path, extra, fragments):
    path = write(tmp_path, GOOD + extra)
    clean_failure(audit(path), str(path), *fragments)


@pytest.mark.parametrize(
    ("replace", "by", "fragments"),
    [
        (
            'kasse_schnell = "nein"',
            'kasse_schnel = "nein"',
            ("answers.kasse_schnel", 'meinten Sie "kasse_schnell"'),
        ),
        (
            'kasse_schnell = "nein"',
            'gibt_es_nicht = "nein"',
            ("answers.gibt_es_nicht", "unbekannter Checklistenpunkt"),
        ),
        ("website = false", "webseite = false", ("facts.webseite", 'meinten Sie "website"')),
        (
            "website = false",
            "antwort_schnell = true",
            ("facts.antwort_schnell", "von der Engine abgeleitet"),
        ),
        (
            'beratung = { antwort = "ja", notiz = "gut" }',
            'beratung = { antwort = "ja", note = "x" }',
            ("answers.beratung.note", "unbekannter Schlüssel"),
        ),
        (
            'zahlarten = ["bar", "karte"]',
            'zahlarten = ["bar", "krate"]',
            ("facts.zahlarten[1]", 'meinten Sie "karte"'),
        ),
    ],
)
def test_unknown_checklist_ids_and_facts(audit, tmp_path, replace, by, fragments):
    path = write(tmp_path, GOOD.replace(replace, by, 1))
    clean_failure(audit(path), str(path), *fragments)


@pytest.mark.parametrize(
    ("replace", "by", "key_path", "code"),
    [
        ('name = "Werkstatt Beispiel"', 'name = "Werk\\u0007statt"', "company.name", "U+0007"),
        ('sector = "fahrradhandel"', 'sector = "rad\\u001b[2Jhandel"', "company.sector", "U+001B"),
        ('notiz = "gut"', 'notiz = "a\\u0000b"', "answers.beratung.notiz", "U+0000"),
        ('slogan = "Wir reparieren alles."', 'slogan = "\\u009b31m"', "facts.slogan", "U+009B"),
    ],
)
def test_strings_with_control_characters_are_refused(audit, tmp_path, replace, by, key_path, code):
    path = write(tmp_path, GOOD.replace(replace, by, 1))
    clean_failure(audit(path), str(path), key_path, f"Steuerzeichen {code}")


def test_newlines_and_tabs_in_a_note_are_fine(audit, tmp_path):
    result = audit(write(tmp_path, GOOD.replace('notiz = "gut"', 'notiz = """gut,\n\tsehr gut"""')))
    assert result.exit_code == 0, result.stderr


@pytest.mark.parametrize(
    "by",
    [
        'kasse_schnell = "\\u001b[31mja"',
        '"kasse\\u001b[2J" = "ja"',
        'kasse_schnell = "ja\\u202e"',
    ],
    ids=["escape-in-value", "escape-in-key", "bidi-override"],
)
def test_echoed_values_and_keys_never_carry_control_characters(audit, tmp_path, by):
    path = write(tmp_path, GOOD.replace('kasse_schnell = "nein"', by, 1))
    line = clean_failure(audit(path), str(path))
    assert "\x1b" not in line and "\u202e" not in line
    assert any(shown in line for shown in ("\\u001b", "\\u202e", "U+001B", "U+202E"))


def test_overlong_text_is_refused_with_its_length(audit, tmp_path):
    path = write(tmp_path, GOOD.replace("Wir reparieren alles.", "x" * 5000))
    clean_failure(
        audit(path), "facts.slogan", "der Text ist zu lang (5000 Zeichen; höchstens 2000)"
    )


# ------------------------------------------------------------------- size and nesting


def test_a_100_mb_file_is_refused_by_its_size_without_being_read(audit, tmp_path, monkeypatch):
    path = tmp_path / "riesig.toml"
    with path.open("wb") as stream:  # sparse: takes no disk space
        stream.truncate(100 * 1024 * 1024)

    def never(self):
        raise AssertionError("the file must not be read")

    monkeypatch.setattr(Path, "read_bytes", never)
    monkeypatch.setattr(Path, "open", never)
    clean_failure(audit(path), str(path), "die Datei ist zu groß (104.857.600 Bytes)", "1.000.000")


def test_a_file_just_over_the_limit_is_refused_and_one_at_the_limit_is_read(tmp_path):
    over = write(tmp_path, b"#" * (MAX_FILE_BYTES + 1), "over.toml")
    with pytest.raises(Exception, match="die Datei ist zu groß"):
        read_toml_text(over)
    at_limit = write(tmp_path, b"#" * MAX_FILE_BYTES, "limit.toml")
    assert len(read_toml_text(at_limit)) == MAX_FILE_BYTES


@pytest.mark.parametrize(
    "value",
    ["[" * 30 + "]" * 30, "{ a = " * 30 + "1" + " }" * 30],
    ids=["arrays", "inline-tables"],
)
def test_nesting_beyond_the_profile_depth_names_the_key_path(audit, tmp_path, value):
    path = write(tmp_path, GOOD + f"\n[thresholds]\nantwort_schnell = {value}\n")
    clean_failure(audit(path), str(path), "zu tief verschachtelt (mehr als 4 Ebenen)")


@pytest.mark.parametrize(
    "value",
    ["[" * 200_000 + "]" * 200_000, "{a=" * 100_000 + "1" + "}" * 100_000],
    ids=["arrays", "inline-tables"],
)
def test_nesting_deeper_than_the_parser_recurses_is_one_clear_message(audit, tmp_path, value):
    path = write(tmp_path, f"[facts]\nslogan = {value}\n")
    assert path.stat().st_size < MAX_FILE_BYTES
    clean_failure(audit(path), str(path), "zu tief verschachtelt")


@pytest.mark.parametrize(
    ("text", "position"),
    [
        (
            '[company]\nname = "x"\nchannels = ["laden"]\n[facts]\nx' + ".y" * 100_000 + " = 1\n",
            ":5:",
        ),
        ('[company]\nname = "x"\n[facts' + ".y" * 100_000 + "]\n", ":3:"),
        ("[facts]\nx = { " + "a." * 50_000 + "b = 1 }\n", ":2:"),
    ],
    ids=["dotted-key", "table-header", "inline-table"],
)
def test_keys_of_very_many_parts_are_refused_before_parsing(audit, tmp_path, text, position):
    # tomllib needs time quadratic in the parts of a key: minutes for these 200 KB files.
    path = write(tmp_path, text)
    clean_failure(
        audit(path),
        f"{path}{position}",
        "ein Schlüssel mit Punkten hat mehr als 8 Teile (zu tief verschachtelt)",
    )


def test_dotted_keys_and_dots_in_strings_within_the_limit_are_fine(audit, tmp_path):
    text = GOOD.replace(
        'beratung = { antwort = "ja", notiz = "gut" }',
        'beratung.antwort = "ja"\nberatung.notiz = "' + "z. B. " * 300 + '"',
    )
    result = audit(write(tmp_path, text + "# a.b.c.d.e.f.g.h.i.j.k.l.m.n\n"))
    assert result.exit_code == 0, result.stderr


def test_many_keys_within_the_size_limit_stop_at_the_first_unknown_one(audit, tmp_path):
    body = "".join(f"fakt_{index} = {index}\n" for index in range(20_000))
    path = write(tmp_path, GOOD + body)
    assert path.stat().st_size < MAX_FILE_BYTES
    clean_failure(audit(path), str(path), "facts.fakt_0: unbekannter Fakt")


# ------------------------------------------------------------- mappings from code/JSON


@pytest.mark.parametrize(
    ("profile", "key_path"),
    [
        ({"company": {"name": "x", "channels": ["laden"], 3: "x"}}, "company.3"),
        ({"company": {"name": "x", "channels": ["laden"]}, "facts": {None: 1}}, "facts.None"),
        ({"company": {"name": "x", "channels": ("laden",)}}, "company.channels"),
        ({"company": "x"}, "company"),
        (
            {"company": {"name": "x", "channels": ["laden"]}, "facts": {"website": None}},
            "facts.website",
        ),
    ],
)
def test_mappings_from_code_get_the_same_clear_errors(werkstatt, profile, key_path):
    with pytest.raises(ProfileError) as caught:
        validate_profile(profile, werkstatt.catalog, "anfrage.json")
    assert str(caught.value).startswith(f"anfrage.json: {key_path}: ")


def test_not_a_mapping_at_all(werkstatt):
    with pytest.raises(ProfileError, match=r"anfrage\.json: erwartet: eine Tabelle"):
        validate_profile(["company"], werkstatt.catalog, "anfrage.json")  # type: ignore[arg-type]


def test_loading_never_changes_the_file(werkstatt, tmp_path):
    path = write(tmp_path, GOOD)
    before = path.read_bytes(), stat.S_IMODE(path.stat().st_mode)
    load_profile(path, werkstatt.catalog)
    assert (path.read_bytes(), stat.S_IMODE(path.stat().st_mode)) == before


# ------------------------------------------------------- the real program, end to end


@pytest.mark.parametrize(
    ("content", "fragments"),
    [
        (b'[company]\nname = "x"\nchannels = ["laden"\n', (":3:20:", "TOML-Syntaxfehler")),
        (
            b"[company]\nname = " + b"[" * 100_000 + b"]" * 100_000 + b"\n",
            ("zu tief verschachtelt",),
        ),
    ],
    ids=["syntax", "deep-nesting"],
)
def test_the_real_program_prints_one_line_and_exits_2(tmp_path, content, fragments):
    path = write(tmp_path, content)
    done = run_cli("run", str(path))
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"audit: Fehler: {path}"), done.stderr
    for fragment in fragments:
        assert fragment in lines[0]


def test_the_real_program_refuses_a_100_mb_file(tmp_path):
    path = tmp_path / "riesig.toml"
    with path.open("wb") as stream:
        stream.truncate(100 * 1024 * 1024)
    done = run_cli("run", str(path))
    assert done.returncode == 2
    assert done.stderr.strip() == (
        f"audit: Fehler: {path}: die Datei ist zu groß (104.857.600 Bytes); erlaubt sind "
        "höchstens 1.000.000 Bytes"
    )
