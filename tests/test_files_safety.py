"""Output files stay safe: modes kept, special files never replaced, no temporary left over;
inconsistent fact bounds and unreadable inputs are refused with one line."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from kundenkompass.errors import OutputError
from kundenkompass.files.atomic import TEMPORARY_SUFFIX, remove_leftovers, write_atomically

from .conftest import ROOT, run_cli

PROFILE = ROOT / "examples" / "radhaus.toml"


def _temporaries(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if p.name.endswith(TEMPORARY_SUFFIX)]


def _one_line(done: subprocess.CompletedProcess[str], code: int = 2) -> str:
    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


def test_force_keeps_the_mode_of_the_replaced_file(tmp_path: Path) -> None:
    target = tmp_path / "bericht.txt"
    target.write_text("alt", encoding="utf-8")
    target.chmod(0o600)
    write_atomically(target, "neu", force=True)
    assert target.read_text(encoding="utf-8") == "neu"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert _temporaries(tmp_path) == []


def test_force_refuses_a_fifo_without_hanging(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    done = run_cli("run", str(PROFILE), "-o", str(fifo), "--format", "json", "--force")
    line = _one_line(done)
    assert "FIFO" in line and str(fifo) in line
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert _temporaries(tmp_path) == []


def test_force_refuses_a_device_node(tmp_path: Path) -> None:
    device = tmp_path / "null"
    try:
        os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("creating a device node needs root")
    with pytest.raises(OutputError, match="Gerätedatei"):
        write_atomically(device, "x", force=True)
    assert stat.S_ISCHR(os.lstat(device).st_mode)


def test_force_refuses_a_symbolic_link(tmp_path: Path) -> None:
    real = tmp_path / "echt.txt"
    real.write_text("bleibt", encoding="utf-8")
    link = tmp_path / "verweis.txt"
    link.symlink_to(real)
    with pytest.raises(OutputError, match="symbolischer Link"):
        write_atomically(link, "x", force=True)
    assert link.is_symlink() and real.read_text(encoding="utf-8") == "bleibt"


def test_batch_refuses_a_special_output_before_auditing(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    done = run_cli("batch", str(PROFILE), "-o", str(fifo), "--force")
    line = _one_line(done)
    assert (str(fifo) in line and "gewöhnliche Datei" in line) or "FIFO" in line
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_leftovers_of_killed_writes_are_removed_by_the_next_write(tmp_path: Path) -> None:
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    dead_pid = int(dead.stdout)
    leftover = tmp_path / f".out.json.{dead_pid}.0123456789ab{TEMPORARY_SUFFIX}"
    leftover.write_text("halb", encoding="utf-8")
    alive = tmp_path / f".out.json.{os.getppid()}.0123456789ab{TEMPORARY_SUFFIX}"
    alive.write_text("läuft", encoding="utf-8")
    other = tmp_path / f".anders.json.{dead_pid}.0123456789ab{TEMPORARY_SUFFIX}"
    other.write_text("anderes Ziel", encoding="utf-8")

    write_atomically(tmp_path / "out.json", "{}")
    assert not leftover.exists()
    assert alive.exists() and other.exists()
    assert remove_leftovers(tmp_path, "anders.json") == [other]


_SLOW_WRITER = textwrap.dedent(
    """
    import os, signal, sys, time
    from kundenkompass.files import atomic
    # A test run started with nohup passes SIGHUP on as ignored, one started in the
    # background of a script SIGINT; the write under test runs in a terminal session,
    # where SIGHUP ends it and SIGINT interrupts it.
    signal.signal(signal.SIGHUP, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    def slow_fsync(fd):
        print("writing", flush=True)
        time.sleep(60)
    atomic.os.fsync = slow_fsync
    atomic.write_atomically(sys.argv[1], "inhalt")
    """
)


def _start_slow_write(target: Path) -> subprocess.Popen[str]:
    writer = subprocess.Popen(
        [sys.executable, "-c", _SLOW_WRITER, str(target)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert writer.stdout is not None
    assert writer.stdout.readline().strip() == "writing"
    return writer


@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_a_terminated_write_removes_its_temporary_file(tmp_path: Path, number: int) -> None:
    writer = _start_slow_write(tmp_path / "out.json")
    assert len(_temporaries(tmp_path)) == 1
    writer.send_signal(number)
    writer.wait(timeout=30)
    assert writer.returncode != 0
    assert _temporaries(tmp_path) == []
    assert not (tmp_path / "out.json").exists()


def test_a_killed_write_is_cleaned_up_by_the_next_run(tmp_path: Path) -> None:
    writer = _start_slow_write(tmp_path / "out.json")
    writer.kill()
    writer.wait(timeout=30)
    assert len(_temporaries(tmp_path)) == 1
    time.sleep(0.1)
    write_atomically(tmp_path / "out.json", "{}")
    assert _temporaries(tmp_path) == []


# ------------------------------------------------------------------ inputs

RULESET = """\
[ruleset]
name = "grenzen"
version = "1.0.0"
sector = "grenzentest"
title.de = "Grenzen"
description.de = "Ein Fakt mit widersprüchlichen Grenzen."
reference = "Test"

[[fact]]
key = "lagerflaeche_qm"
type = "int"
question.de = "Wie groß ist Ihre Lagerfläche?"
{bounds}
"""


@pytest.mark.parametrize(
    ("bounds", "expected"),
    [
        ("minimum = 100\nmaximum = 10", "minimum (100) ist größer als maximum (10)"),
        ("minimum = nan", "minimum muss eine endliche Zahl sein"),
        ("maximum = inf", "maximum muss eine endliche Zahl sein"),
    ],
)
def test_inconsistent_fact_bounds_are_refused_at_load_and_by_lint(
    tmp_path: Path, bounds: str, expected: str
) -> None:
    ruleset = tmp_path / "grenzen.toml"
    ruleset.write_text(RULESET.format(bounds=bounds), encoding="utf-8")
    done = run_cli("run", "--ruleset", str(ruleset), str(PROFILE))
    assert done.returncode in (2, 3), done.stderr
    line = _one_line(done, done.returncode)
    assert expected in line and "grenzen.toml" in line
    linted = run_cli("lint", str(ruleset))
    assert linted.returncode == 1
    assert expected in linted.stdout


def test_an_unreadable_profile_gets_one_line(tmp_path: Path) -> None:
    from kundenkompass.cli import app
    from typer.testing import CliRunner

    profile = tmp_path / "profil.toml"
    profile.write_text(PROFILE.read_text(encoding="utf-8"), encoding="utf-8")

    original = Path.read_bytes

    def refuse(self: Path) -> bytes:
        if self == profile:
            raise PermissionError(13, "Permission denied", str(self))
        return original(self)

    try:
        Path.read_bytes = refuse  # type: ignore[method-assign]
        outcome = CliRunner().invoke(app, ["run", str(profile)])
    finally:
        Path.read_bytes = original  # type: ignore[method-assign]
    assert outcome.exit_code == 2
    lines = outcome.output.strip().splitlines()
    assert len(lines) == 1 and str(profile) in lines[0], outcome.output
    assert "Usage" not in outcome.output
