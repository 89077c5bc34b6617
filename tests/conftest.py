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
