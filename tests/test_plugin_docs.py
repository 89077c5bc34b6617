"""docs/plugins.md: every code block of the plugin author's guide is exercised.

Blocks are recognised by the HTML comment right before them:

* ``<!-- excerpt: PATH -->``: the block appears verbatim in that file of the repository;
* ``<!-- file: NAME -->``: written into a scratch folder, where the commands of
  ``<!-- output -->`` blocks run;
* ``<!-- output -->`` (a shell block): its command runs and prints the ``text`` block after it;
* ``<!-- tree -->``: every file it shows exists;
* ``<!-- broken-plugin: … -->``: the message a fake broken distribution produces;
* unmarked Python blocks run in order, unmarked shell blocks run from the repository root.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass

import pytest
from kundenkompass.files.toml_files import load_toml_file

from .conftest import ROOT, run_cli

DOC = ROOT / "docs" / "plugins.md"
FENCE = re.compile(r"(?:<!-- (?P<marker>[^\n]*?) -->\n)?```(?P<lang>\w*)\n(?P<body>.*?)```", re.S)


@dataclass(frozen=True)
class Block:
    marker: str
    lang: str
    body: str
    index: int


def blocks() -> list[Block]:
    text = DOC.read_text(encoding="utf-8")
    return [
        Block(m.group("marker") or "", m.group("lang"), m.group("body"), i)
        for i, m in enumerate(FENCE.finditer(text))
    ]


BLOCKS = blocks()


def marked(prefix: str) -> list[Block]:
    return [b for b in BLOCKS if b.marker.startswith(prefix)]


def test_every_block_is_exercised():
    known = ("excerpt:", "file:", "output", "tree", "broken-plugin:")
    for block in BLOCKS:
        if block.marker:
            assert block.marker.startswith(known), block.marker
        else:
            following_output = block.index > 0 and BLOCKS[block.index - 1].marker == "output"
            assert block.lang in ("python", "sh") or following_output, block.body[:80]


@pytest.mark.parametrize("block", marked("excerpt:"), ids=lambda b: b.marker[9:])
def test_excerpts_match_their_files(block):
    path = ROOT / block.marker.removeprefix("excerpt:").strip()
    assert block.body in path.read_text(encoding="utf-8"), (
        f"{path} no longer contains:\n{block.body}"
    )


def test_the_tree_shows_the_example_package():
    (tree,) = marked("tree")
    lines = tree.body.splitlines()
    root = ROOT / lines[0].strip()
    names = [re.sub(r"^[│├└─\s]+", "", line).split()[0] for line in lines[1:]]
    assert names
    for name in names:
        assert name.rstrip("/") in {p.name for p in root.rglob("*")}, name


def test_python_blocks_run(monkeypatch):
    monkeypatch.chdir(ROOT)
    namespace: dict = {}
    python = [b for b in BLOCKS if b.lang == "python" and not b.marker]
    assert len(python) >= 2
    for block in python:
        exec(compile(block.body, f"{DOC}:block{block.index}", "exec"), namespace)


def test_shell_blocks_run_from_the_repository_root():
    shell = [
        b
        for b in BLOCKS
        if b.lang == "sh" and not b.marker and not BLOCKS[b.index - 1].marker.startswith("output")
    ]
    commands = [line for b in shell for line in b.body.splitlines() if line.strip()]
    assert any(c.startswith("audit lint") for c in commands)
    for command in commands:
        words = shlex.split(command.split("#")[0])
        if words[:2] == ["pip", "install"]:
            package = ROOT / words[2]
            name = load_toml_file(package / "pyproject.toml")["project"]["name"]
            import importlib.metadata

            assert importlib.metadata.version(name), f"{name} is not installed (see .ci/run)"
            continue
        assert words[0] == "audit", command
        done = run_cli(*words[1:], cwd=ROOT)
        assert done.returncode == 0, (command, done.stderr, done.stdout[-2000:])


def test_the_lint_example_prints_what_the_guide_shows(tmp_path):
    for block in marked("file:"):
        (tmp_path / block.marker.removeprefix("file:").strip()).write_text(block.body)
    (command,) = marked("output")
    expected = BLOCKS[command.index + 1]
    assert expected.lang == "text"
    words = shlex.split(command.body.strip())
    done = run_cli(*words[1:], cwd=tmp_path)
    assert done.stdout == expected.body
    assert done.returncode == 1


def test_the_broken_plugin_message_is_what_the_guide_shows(tmp_path):
    (block,) = marked("broken-plugin:")
    match = re.match(
        r"broken-plugin: (?P<dist>\S+) (?P<version>\S+), module (?P<module>\w+): (?P<code>.*)",
        block.marker,
    )
    assert match, block.marker
    site = tmp_path / "site"
    site.mkdir()
    (site / f"{match['module']}.py").write_text(match["code"] + "\nplugin = None\n")
    info = site / f"{match['dist'].replace('-', '_')}-{match['version']}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {match['dist']}\nVersion: {match['version']}\n"
    )
    entry = match["dist"].removeprefix("kundenkompass-")
    (info / "entry_points.txt").write_text(f"[kundenkompass]\n{entry} = {match['module']}:plugin\n")
    profile = ROOT / "examples" / "kundenkompass-fahrradhandel" / "radwerk.toml"
    done = subprocess.run(
        [sys.executable, "-m", "kundenkompass", "run", str(profile)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(site)},
        timeout=120,
    )
    assert done.returncode == 3
    assert done.stderr == block.body


def test_the_guide_is_linked_from_the_docs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "docs/plugins.md" in readme


def test_the_generated_reference_is_current():
    from kundenkompass.tools.plugin_reference import regenerate

    text = DOC.read_text(encoding="utf-8")
    assert regenerate(text) == text, (
        "docs/plugins.md is out of date: run "
        "python -m kundenkompass.tools.plugin_reference docs/plugins.md"
    )


def test_every_hook_is_documented_and_exercised():
    from kundenkompass.catalog.plugin_manager import hook_names

    text = DOC.read_text(encoding="utf-8")
    tests = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "tests").rglob("*.py"))
    for name in hook_names():
        assert f"### `{name}()" in text, name
        assert name in tests.replace("hook_names()", ""), f"no test implements {name}"


def test_every_table_and_required_key_is_in_the_reference():
    from kundenkompass.tools.plugin_reference import TABLES

    text = DOC.read_text(encoding="utf-8")
    for _, table, model in TABLES:
        assert f"#### `{table}`" in text, table
        for name, field in model.model_fields.items():
            if field.is_required():
                assert f"| `{name}` | yes |" in text, (table, name)
