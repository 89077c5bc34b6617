"""The command line speaks German and has the habits of good CLIs: -h, --version, completion,
readable metavars, ruleset names, warnings on typos, checked output files, quiet pipes."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT, run_cli, write

RADHAUS = ROOT / "examples" / "radhaus.toml"


def _cli_env(**extra: str) -> dict[str, str]:
    return {**os.environ, **extra}


# ------------------------------------------------------------------------ German texts


def _marked_texts(package_dir: Path) -> set[str]:
    """Every msgid a package marks with ``_()`` or ``ngettext()``."""
    found: set[str] = set()
    for module in package_dir.glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                continue
            count = {"_": 1, "ngettext": 2}.get(node.func.id, 0)
            for argument in node.args[:count]:
                if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                    found.add(argument.value)
    return found


def test_every_text_click_and_typer_mark_has_a_german_translation():
    import click
    import typer
    from kundenkompass.commands.german import MESSAGES, TYPER_CONSTANTS

    marked = _marked_texts(Path(click.__file__).parent) | _marked_texts(Path(typer.__file__).parent)
    assert marked, "click no longer marks its texts for gettext"
    assert sorted(marked - MESSAGES.keys()) == []
    assert set(TYPER_CONSTANTS.values()) <= MESSAGES.keys()


def test_help_is_german_with_readable_metavars():
    done = run_cli("run", "-h")
    assert done.returncode == 0, done.stderr
    help_text = done.stdout
    for german in ("Aufruf: audit run [OPTIONEN] PROFIL", "Argumente", "Optionen", "DATEI"):
        assert german in help_text
    assert "Diese Hilfe zeigen und beenden." in help_text
    for english in ("Usage", "Show this message", "<path>", "<bool>", "list[Path]", "[OPTIONS]"):
        assert english not in help_text


def test_top_level_help_lists_commands_in_german():
    done = run_cli("--help")
    assert done.returncode == 0
    assert "Aufruf: audit [OPTIONEN] BEFEHL [ARGUMENTE]..." in done.stdout
    assert "Befehle" in done.stdout
    assert "Ein Unternehmensprofil prüfen" in done.stdout


@pytest.mark.parametrize(
    ("arguments", "german"),
    [
        (["run", "--formt", "json", str(RADHAUS)], "Unbekannte Option '--formt'"),
        (["rn"], "Unbekannter Befehl 'rn'"),
        (["run"], "Argument fehlt 'PROFIL'"),
        (["run", str(RADHAUS), "--format", "docx"], "Ungültiger Wert für"),
    ],
)
def test_usage_errors_are_german(arguments, german):
    done = run_cli(*arguments)
    assert done.returncode == 2
    assert german in done.stderr
    assert "Fehler" in done.stderr and "Error" not in done.stderr
    assert "Traceback" not in done.stderr


def test_a_mistyped_command_gets_one_suggestion_in_german():
    done = run_cli("rn")
    assert "Meinten Sie 'run'?" in done.stderr
    assert "Did you mean" not in done.stderr


def test_h_is_help_in_every_command():
    for command in ("run", "batch", "diff", "lint", "plugins", "explain", "init", "serve"):
        done = run_cli(command, "-h")
        assert done.returncode == 0, (command, done.stderr)
        assert done.stdout.lstrip().startswith(f"Aufruf: audit {command}"), command


def test_version():
    from importlib.metadata import version

    for flag in ("--version", "-V"):
        done = run_cli(flag)
        assert done.returncode == 0
        assert done.stdout.strip() == f"audit (Kundenkompass) {version('kundenkompass')}"


def test_python_m_calls_itself_audit():
    done = run_cli("-h")
    assert "python -m" not in done.stdout and "__main__" not in done.stdout
    assert "Aufruf: audit " in done.stdout


def test_shell_completion_completes_commands_and_options():
    def complete(words: str) -> list[str]:
        done = subprocess.run(
            [sys.executable, "-m", "kundenkompass"],
            env=_cli_env(
                _AUDIT_COMPLETE="complete_bash",
                COMP_WORDS=words,
                COMP_CWORD=str(len(words.split()) - 1),
            ),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.split()

    assert complete("audit ru") == ["run"]
    assert set(complete("audit run --fo")) == {"--format", "--force"}
    script = run_cli("--show-completion", "bash")
    assert "_AUDIT_COMPLETE" in script.stdout


def test_short_flags_mean_the_same_everywhere():
    from kundenkompass.cli import command

    meanings: dict[str, set[str]] = {}
    group = command()
    for sub in group.commands.values():  # type: ignore[attr-defined]
        for parameter in sub.params:
            for flag in getattr(parameter, "opts", []):
                if flag.startswith("-") and not flag.startswith("--"):
                    longs = [o for o in parameter.opts if o.startswith("--")]
                    meanings.setdefault(flag, set()).update(longs)
    assert {flag: longs for flag, longs in meanings.items() if len(longs) > 1} == {}
    assert meanings["-f"] == {"--format"} and meanings["-o"] == {"--output"}


# ----------------------------------------------------------------------- names and typos


def test_ruleset_by_bundled_name(tmp_path):
    by_name = run_cli("run", str(RADHAUS), "--ruleset", "moebel", "-f", "json")
    by_path = run_cli(
        "run", str(RADHAUS), "--ruleset", str(ROOT / "rulesets" / "moebel.toml"), "-f", "json"
    )
    assert by_name.returncode == 0, by_name.stderr
    assert by_name.stdout == by_path.stdout


def test_unknown_ruleset_name_suggests_the_close_one():
    done = run_cli("run", str(RADHAUS), "-r", "moebl")
    assert done.returncode == 2
    line = done.stderr.strip()
    assert line.startswith("audit: Fehler: --ruleset: 'moebl' ist weder eine Datei")
    assert "meinten Sie 'moebel'?" in line and "fahrradhandel" in line
    assert len(line.splitlines()) == 1


def test_unknown_sector_gets_a_warning_with_did_you_mean(tmp_path):
    text = RADHAUS.read_text(encoding="utf-8").replace('"fahrradhandel"', '"fahrad"')
    done = run_cli("run", str(write(tmp_path, text)))
    assert done.returncode == 0, done.stderr
    assert done.stderr.startswith("audit: Warnung: Branche 'fahrad' ist unbekannt")
    assert "meinten Sie 'fahrradhandel'?" in done.stderr
    assert "Bekannte Branchen: " in done.stderr and "moebel" in done.stderr


def test_a_known_sector_gets_no_warning():
    done = run_cli("run", str(RADHAUS))
    assert done.returncode == 0 and "Warnung" not in done.stderr


def test_channels_are_read_as_forgivingly_as_answers(engine, tmp_path):
    text = RADHAUS.read_text(encoding="utf-8").replace('["laden"]', '[" Laden "]')
    assert engine.load_profile(write(tmp_path, text)).company.channels == ("laden",)


# ------------------------------------------------------------------------ output files


def test_written_report_is_announced_on_stderr(tmp_path):
    target = tmp_path / "bericht.html"
    done = run_cli("run", str(RADHAUS), "-o", str(target))
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    assert done.stderr == f"Bericht geschrieben: {target}\n"
    assert target.read_text(encoding="utf-8").lstrip().lower().startswith("<!doctype html")


@pytest.mark.parametrize(
    ("arguments", "name"),
    [
        (["-f", "text"], "bericht.pdf"),
        (["-f", "json"], "bericht.md"),
        (["-f", "markdown"], "bericht.html"),
        (["-f", "html"], "bericht.json"),
        (["--format", "text"], "bericht.HTML"),
    ],
)
def test_output_extension_must_fit_the_format(tmp_path, arguments, name):
    target = tmp_path / name
    done = run_cli("run", str(RADHAUS), *arguments, "-o", str(target))
    assert done.returncode == 2
    assert "passt nicht zum Format" in done.stderr
    assert not target.exists()


def test_pdf_extension_is_the_pdf_format_or_refused(tmp_path):
    from kundenkompass.commands.report import ReportFormat
    from kundenkompass.render.pdf import chromium_path

    target = tmp_path / "bericht.pdf"
    done = run_cli("run", str(RADHAUS), "-o", str(target))
    if "pdf" in ReportFormat.__members__ and chromium_path() is None and done.returncode:
        # No browser to print with (CI installs chromium): one clear message, no file.
        assert not os.environ.get("CI"), done.stderr
        assert done.returncode == 3
        assert "Chromium konnte das PDF nicht drucken" in done.stderr
        assert "apt install chromium" in done.stderr
        assert "Traceback" not in done.stderr
        assert not target.exists()
    elif "pdf" in ReportFormat.__members__:
        assert done.returncode == 0, done.stderr
        assert target.read_bytes().startswith(b"%PDF")
    else:
        assert done.returncode == 2
        assert "als .pdf kann dieser Befehl nicht schreiben" in done.stderr
        assert not target.exists()


def test_unknown_extension_follows_the_format(tmp_path):
    target, plain = tmp_path / "bericht.log", tmp_path / "bericht.txt"
    for path in (target, plain):
        done = run_cli("run", str(RADHAUS), "-o", str(path))
        assert done.returncode == 0, done.stderr
    assert target.read_text(encoding="utf-8") == plain.read_text(encoding="utf-8")


# -------------------------------------------------------------------------------- pipes


@pytest.mark.parametrize(
    "arguments",
    [
        ["run", str(RADHAUS)],
        ["run", str(RADHAUS), "-f", "json"],
        ["run", str(RADHAUS), "-f", "markdown"],
        ["run", str(RADHAUS), "-f", "html"],
        ["facts", "-f", "json"],
        ["measures"],
    ],
)
def test_closed_stdout_ends_quietly_and_passes_pipefail(arguments):
    shown = " ".join(f"'{a}'" for a in arguments)
    script = f"set -o pipefail; '{sys.executable}' -m kundenkompass {shown} | head -n 2"
    done = subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, timeout=120, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert len(done.stdout.splitlines()) == 2


# ----------------------------------------------------------------- durable_rules' extension


def test_an_engine_extension_that_does_not_load_is_one_german_line_and_exit_3(tmp_path):
    # What Python 3.13 reports for a durable_rules built without the fix.
    (tmp_path / "durable_rules_engine.py").write_text(
        "raise ImportError('/venv/lib/python3.13/site-packages/durable_rules_engine"
        ".cpython-313-x86_64-linux-gnu.so: undefined symbol: PyEval_CallObject')\n",
        encoding="utf-8",
    )
    for arguments in (["run", str(RADHAUS)], ["plugins"], ["checklist"]):
        done = subprocess.run(
            [sys.executable, "-m", "kundenkompass", *arguments],
            env=_cli_env(PYTHONPATH=str(tmp_path)),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 3, (arguments, done.stderr)
        (line,) = done.stderr.splitlines()
        assert line.startswith("audit: Fehler: die Regel-Engine durable_rules lässt sich nicht")
        assert "undefined symbol: PyEval_CallObject" in line
        assert 'CC="gcc -DPyEval_CallObject=PyObject_CallObject"' in line
        assert "--force-reinstall" in line and "interner Fehler" not in line
