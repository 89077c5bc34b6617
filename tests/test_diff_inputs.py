"""`audit diff` does not trust its input: hostile saved results end in one clean line.

Each case ends with exit 0 (shown literally) or 2 (refused, naming file and reason), never
an internal error (70) or a hang; special files are refused before they are read.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from kundenkompass.engine import Engine

from .conftest import ROOT, run_cli


@pytest.fixture(scope="module")
def saved_result() -> dict[str, Any]:
    engine = Engine()
    result = engine.audit(engine.load_profile(ROOT / "examples" / "radhaus.toml"))
    return json.loads(result.to_json())  # type: ignore[no-any-return]


def _diff(before: Path | str, after: Path | str) -> subprocess.CompletedProcess[str]:
    started = time.monotonic()
    done = run_cli("diff", str(before), str(after))
    assert time.monotonic() - started < 60
    assert done.returncode in (0, 2), done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    return done


def _refused(done: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert done.returncode == 2, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def _write(tmp_path: Path, name: str, data: Any) -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def test_deeply_nested_json_is_refused(tmp_path: Path, saved_result: dict[str, Any]) -> None:
    good = _write(tmp_path, "vorher.json", saved_result)
    deep = _write(tmp_path, "tief.json", "[" * 100_000 + "]" * 100_000)
    _refused(_diff(good, deep), "tief.json", "zu tief verschachtelt")
    nested = dict(saved_result, facts={"x": json.loads("[" * 40 + "]" * 40)})
    _refused(_diff(good, _write(tmp_path, "tief2.json", nested)), "zu tief verschachtelt")


@pytest.mark.parametrize(
    ("change", "fragments"),
    [
        (lambda d: d["phases"][0].update(maturity="legendaer"), ("phases[0].maturity",)),
        (lambda d: d["phases"][0].update(score=-5), ("phases[0].score",)),
        (lambda d: d.update(overall_score=101), ("overall_score",)),
        (lambda d: d["recommendations"][0].update(impact="riesig"), ("impact",)),
        (lambda d: d.update(schema_version="1.x"), ("schema_version", "MAJOR.MINOR")),
        (lambda d: d.update(schema_version="3.0"), ("schema_version", "neuer")),
        (lambda d: d.update(extra="x"), ("extra",)),
    ],
)
def test_results_outside_the_schema_are_refused(
    tmp_path: Path, saved_result: dict[str, Any], change: Any, fragments: tuple[str, ...]
) -> None:
    good = _write(tmp_path, "vorher.json", saved_result)
    data = json.loads(json.dumps(saved_result))
    change(data)
    _refused(_diff(good, _write(tmp_path, "nachher.json", data)), "nachher.json", *fragments)


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e400", "1" * 5000, "-0.5"])
def test_non_finite_huge_or_negative_scores_are_refused(
    tmp_path: Path, saved_result: dict[str, Any], number: str
) -> None:
    good = _write(tmp_path, "vorher.json", saved_result)
    text = json.dumps(dict(saved_result, overall_score=12.5)).replace(
        '"overall_score": 12.5', f'"overall_score": {number}'
    )
    assert number in text
    _refused(_diff(good, _write(tmp_path, "zahl.json", text)), "zahl.json")


def test_markup_in_a_saved_result_is_shown_literally(
    tmp_path: Path, saved_result: dict[str, Any]
) -> None:
    data = json.loads(json.dumps(saved_result))
    data["phases"][0]["title"] = "[/x][link=https://example.invalid]Phase[/link]\x1b[5m"
    good = _write(tmp_path, "vorher.json", data)
    done = _diff(good, _write(tmp_path, "nachher.json", data))
    assert done.returncode == 0, done.stderr
    assert "[/x][link=https://example.invalid]Phase[/link]\\x1b[5m" in done.stdout
    assert "\x1b" not in done.stdout


def test_special_files_are_refused_without_reading(
    tmp_path: Path, saved_result: dict[str, Any]
) -> None:
    good = _write(tmp_path, "vorher.json", saved_result)
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    _refused(_diff(good, fifo), "pipe.json", "keine gewöhnliche Datei")
    _refused(_diff("/dev/zero", good), "/dev/zero", "keine gewöhnliche Datei")
    _refused(_diff(good, tmp_path), "ist ein Ordner")


def test_a_huge_file_is_refused_by_its_size(tmp_path: Path, saved_result: dict[str, Any]) -> None:
    good = _write(tmp_path, "vorher.json", saved_result)
    huge = tmp_path / "riesig.json"
    with huge.open("wb") as stream:  # sparse: 156 MB that take no room on disk
        stream.truncate(156_000_000)
    _refused(_diff(good, huge), "riesig.json", "zu groß")
