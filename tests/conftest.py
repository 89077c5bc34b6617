from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from kundenkompass.catalog.plugin_data import PluginData
from kundenkompass.engine import Engine

# The start-up cache goes to a folder of this test run, never into the user's cache; the
# command-line subprocesses inherit it.
os.environ.setdefault("KUNDENKOMPASS_CACHE_DIR", tempfile.mkdtemp(prefix="kundenkompass-cache-"))

TESTS = Path(__file__).parent
ROOT = TESTS.parent
SAMPLE_PLUGIN = TESTS / "data" / "sample_plugin"


@pytest.fixture(scope="session")
def engine() -> Engine:
    """The engine with the installed plugins (built-in phase plugins included)."""
    return Engine()


@pytest.fixture(scope="session")
def sample_engine() -> Engine:
    """An engine with only the small sample plugin of tests/data."""
    return Engine([PluginData(SAMPLE_PLUGIN)], discover=False)


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real ``audit`` command in a subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "kundenkompass", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )


def write(tmp_path: Path, text: str, name: str = "profile.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


OPTIKER_PLUGIN = TESTS / "plugins" / "kundenkompass-optiker"


def fake_distribution(site: Path, name: str, version: str, entry_points: dict[str, str]) -> Path:
    """A ``.dist-info`` in ``site`` that makes ``name`` look installed with these
    ``kundenkompass`` entry points; returns the folder."""
    info = site / f"{name.replace('-', '_')}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n", encoding="utf-8"
    )
    lines = "".join(f"{key} = {value}\n" for key, value in entry_points.items())
    (info / "entry_points.txt").write_text(f"[kundenkompass]\n{lines}", encoding="utf-8")
    return info


@pytest.fixture
def cache_folder(tmp_path, monkeypatch) -> Path:
    """An empty start-up cache folder of its own, with the cache turned on."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("KUNDENKOMPASS_CACHE_DIR", str(folder))
    monkeypatch.delenv("KUNDENKOMPASS_NO_CACHE", raising=False)
    return folder


@pytest.fixture
def optiker_installed(tmp_path, monkeypatch) -> Path:
    """The test plugin kundenkompass-optiker, installed for this test (in-process and for
    the ``audit`` subprocesses of :func:`run_cli`, through PYTHONPATH)."""
    import os

    site = tmp_path / "site"
    fake_distribution(
        site, "kundenkompass-optiker", "0.1.0", {"optiker": "kundenkompass_optiker:plugin"}
    )
    for folder in (OPTIKER_PLUGIN, site):
        monkeypatch.syspath_prepend(str(folder))
    paths = [str(OPTIKER_PLUGIN), str(site), os.environ.get("PYTHONPATH", "")]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(p for p in paths if p))
    return OPTIKER_PLUGIN
