"""Output files: written atomically, never replacing an existing file without --force, and
never left half-written by an interrupted or killed run."""

from __future__ import annotations

import ast
import os
import select
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from kundenkompass.errors import OutputError
from kundenkompass.files import atomic as files
from kundenkompass.files.atomic import write_atomically

from ..conftest import ROOT, run_cli

PROFILE = '[company]\nname = "Atomar GmbH"\nchannels = ["laden"]\n'


def listing(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


def test_writes_a_new_file(tmp_path):
    target = tmp_path / "bericht.json"
    assert write_atomically(target, "{}\n") == target
    assert target.read_text() == "{}\n"
    assert listing(tmp_path) == ["bericht.json"]


def test_refuses_to_replace_an_existing_file_without_force(tmp_path):
    target = tmp_path / "bericht.json"
    target.write_text("alt")
    with pytest.raises(OutputError, match="existiert bereits; --force ersetzt die Datei"):
        write_atomically(target, "neu")
    assert target.read_text() == "alt"
    assert listing(tmp_path) == ["bericht.json"]


def test_replaces_an_existing_file_with_force(tmp_path):
    target = tmp_path / "bericht.json"
    target.write_text("alt")
    write_atomically(target, "neu", force=True)
    assert target.read_text() == "neu"
    assert listing(tmp_path) == ["bericht.json"]


@pytest.mark.parametrize(
    ("name", "message"),
    [(".", "ist ein Ordner"), ("fehlt/bericht.json", "existiert nicht")],
)
def test_refuses_a_directory_or_a_missing_folder(tmp_path, name, message):
    with pytest.raises(OutputError, match=message):
        write_atomically(tmp_path / name, "x", force=True)
    assert listing(tmp_path) == []


@pytest.mark.parametrize("interruption", [KeyboardInterrupt, OSError, MemoryError])
@pytest.mark.parametrize("step", ["write", "fsync", "replace"])
def test_an_interrupted_write_leaves_nothing_behind(tmp_path, monkeypatch, interruption, step):
    target = tmp_path / "bericht.html"

    def interrupt(*args, **kwargs):
        raise (
            interruption(28, "No space left on device")
            if interruption is OSError
            else interruption()
        )

    if step == "write":
        real_fdopen = os.fdopen

        class Failing:
            def __init__(self, stream):
                self.stream = stream

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                return self.stream.__exit__(*exc)

            def write(self, data):
                self.stream.write(data[: len(data) // 2])  # half of it reaches the disk
                interrupt()

            def __getattr__(self, name):
                return getattr(self.stream, name)

        monkeypatch.setattr(files.os, "fdopen", lambda *a, **k: Failing(real_fdopen(*a, **k)))
    else:
        # Without --force the file takes its name by a hard link (never replacing one).
        monkeypatch.setattr(files.os, "link" if step == "replace" else step, interrupt)
    expected = OutputError if interruption is OSError else interruption
    with pytest.raises(expected):
        write_atomically(target, "<html>" + "x" * 100_000 + "</html>")
    assert listing(tmp_path) == []


@pytest.mark.parametrize("step", ["write", "replace"])
def test_an_interrupted_forced_write_keeps_the_old_file_intact(tmp_path, monkeypatch, step):
    target = tmp_path / "bericht.md"
    target.write_text("# alt\n")

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(files.os, "fsync" if step == "write" else "replace", interrupt)
    with pytest.raises(KeyboardInterrupt):
        write_atomically(target, "# neu\n" * 10_000, force=True)
    assert target.read_text() == "# alt\n"
    assert listing(tmp_path) == ["bericht.md"]


KILLED_WRITER = """
import os, sys, time
from kundenkompass.files import atomic as files

real_fsync = os.fsync

def slow_fsync(fd):
    real_fsync(fd)
    print("written", flush=True)
    time.sleep(60)  # killed here: the data is on disk, the rename has not happened

files.os.fsync = slow_fsync
files.write_atomically(sys.argv[1], "neu " * 250_000, force=True)
"""


@pytest.mark.parametrize("existing", [False, True], ids=["new", "replacing"])
def test_a_killed_run_leaves_no_half_written_target(tmp_path, existing):
    target = tmp_path / "bericht.json"
    if existing:
        target.write_text("alt")
    writer = subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITER, str(target)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert writer.stdout is not None
        ready, _, _ = select.select([writer.stdout], [], [], 60)
        assert ready, "the writer never reached the rename"
        assert writer.stdout.readline().strip() == "written"
        writer.send_signal(signal.SIGKILL)
    finally:
        writer.wait(timeout=30)
    if existing:
        assert target.read_text() == "alt"
    else:
        assert not target.exists()
    # What a kill leaves is a hidden temporary file, never the target itself.
    leftovers = [name for name in listing(tmp_path) if name != "bericht.json"]
    assert all(name.startswith(".bericht.json.") and name.endswith(".tmp") for name in leftovers)


def test_audit_run_output_refuses_to_replace_a_report_without_force(tmp_path):
    profile = tmp_path / "profil.toml"
    profile.write_text(PROFILE)
    report = tmp_path / "bericht.json"
    report.write_text("alt")
    done = run_cli("run", str(profile), "--output", str(report))
    assert done.returncode == 2, done.stderr
    assert (
        done.stderr.strip()
        == f"audit: Fehler: {report}: existiert bereits; --force ersetzt die Datei"
    )
    assert report.read_text() == "alt"
    forced = run_cli("run", str(profile), "--output", str(report), "--force")
    assert forced.returncode == 0, forced.stderr
    assert '"Atomar GmbH"' in report.read_text()
    assert listing(tmp_path) == ["bericht.json", "profil.toml"]


def test_audit_run_with_a_bad_profile_writes_no_report(tmp_path):
    profile = tmp_path / "profil.toml"
    profile.write_text(PROFILE.replace('["laden"]', '["kiosk"]'))
    done = run_cli("run", str(profile), "--output", str(tmp_path / "bericht.html"))
    assert done.returncode == 2
    assert listing(tmp_path) == ["profil.toml"]


def _writes_files(tree: ast.AST) -> list[str]:
    """Calls in a module that write files other than through write_atomically."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        function = node.func
        name = function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", "")
        if name in {
            "write_text",
            "write_bytes",
            "mkstemp",
            "NamedTemporaryFile",
            "replace",
            "rename",
        }:
            if name in {"replace", "rename"} and not (
                isinstance(function, ast.Attribute)
                and getattr(function.value, "id", "") in {"os", "shutil"}
            ):
                continue
            found.append(f"{name} (line {node.lineno})")
        if name == "open":
            modes = [arg.value for arg in node.args[1:2] if isinstance(arg, ast.Constant)]
            modes += [
                kw.value.value
                for kw in node.keywords
                if kw.arg == "mode" and isinstance(kw.value, ast.Constant)
            ]
            if any(isinstance(mode, str) and set(mode) & set("wax+") for mode in modes):
                found.append(f"open for writing (line {node.lineno})")
    return found


def test_every_file_the_engine_writes_goes_through_write_atomically():
    package = ROOT / "core"
    offenders = {}
    for module in sorted(package.rglob("*.py")):
        # The files step is where writing happens: atomic output files, the start-up cache's
        # entries, and outputs renamed together (a batch's JSON Lines and summary).
        if module in {
            package / "files" / name for name in ("atomic.py", "cache.py", "together.py")
        }:
            continue
        found = _writes_files(ast.parse(module.read_text(encoding="utf-8")))
        if found:
            offenders[str(module.relative_to(ROOT))] = found
    assert offenders == {}, "write output files with kundenkompass.files.atomic.write_atomically"


def test_the_check_above_finds_direct_writes():
    tree = ast.parse(
        "from pathlib import Path\nPath('x').write_text('y')\nopen('z', 'w')\nos.replace(a, b)\n"
    )
    assert len(_writes_files(tree)) == 3


def test_a_file_created_while_writing_is_not_replaced(tmp_path, monkeypatch):
    target = tmp_path / "bericht.json"
    real_fsync = os.fsync

    def someone_else_writes(fd):
        real_fsync(fd)
        target.write_text("fremd\n")

    monkeypatch.setattr(files.os, "fsync", someone_else_writes)
    with pytest.raises(OutputError, match="existiert bereits"):
        write_atomically(target, "{}\n")
    assert target.read_text() == "fremd\n"
    assert listing(tmp_path) == ["bericht.json"]


def test_output_files_follow_the_umask(tmp_path):
    previous = os.umask(0o022)
    try:
        written = write_atomically(tmp_path / "bericht.md", "# Bericht\n")
    finally:
        os.umask(previous)
    assert written.stat().st_mode & 0o777 == 0o644
