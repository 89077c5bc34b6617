"""The examples of docs/embedding.md run, in order, as one program."""

from __future__ import annotations

import contextlib
import io
import re

import pytest

from .conftest import ROOT

DOC = ROOT / "docs" / "embedding.md"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


def python_blocks() -> list[str]:
    return BLOCK.findall(DOC.read_text(encoding="utf-8"))


def test_the_page_has_examples():
    assert len(python_blocks()) >= 8


# Newer Starlette versions announce a change of the test client's HTTP library.
@pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")
def test_the_examples_run(monkeypatch):
    pytest.importorskip("fastapi")
    pytest.importorskip("httpx")
    monkeypatch.chdir(ROOT)  # the examples use paths relative to the project's root
    namespace: dict[str, object] = {"__name__": "embedding_examples"}
    output = io.StringIO()
    for number, block in enumerate(python_blocks(), start=1):
        code = compile(block, f"{DOC.name} example {number}", "exec")
        with contextlib.redirect_stdout(output):
            exec(code, namespace)
    printed = output.getvalue()
    assert "meinten Sie" in printed  # the error example printed the CLI's message
    assert "422" in printed
    assert "does/not/exist.toml ProfileError" in printed
