"""CI runs exactly the README's test command."""

from __future__ import annotations

import re

from .conftest import ROOT


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = re.findall(r"```sh\n(.*?)\n```", readme, flags=re.DOTALL)
    (test_command,) = [c for c in commands if "pytest" in c]
    assert test_command in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
