"""The README's examples stay true: its profile validates and its rule is the plugin's rule."""

from __future__ import annotations

import re

from kundenkompass.files.toml_files import parse_toml_text
from kundenkompass.rules.language import parse_rules

from .conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
TOML_BLOCKS = re.findall(r"```toml\n(.*?)```", README, flags=re.DOTALL)


def test_readme_profile_is_valid(engine):
    (profile,) = [block for block in TOML_BLOCKS if "[company]" in block]
    validated = engine.load_profile(profile)
    assert validated.company.name == "Radhaus Beispiel"
    assert validated.answers["social_media_reaktion"].note


def test_readme_rule_is_a_rule_of_the_informationssuche_plugin(engine):
    (block,) = [block for block in TOML_BLOCKS if "[[rule]]" in block]
    (rule,) = parse_rules(parse_toml_text(block), "README.md")
    installed = engine.catalog.rules[rule.id]
    assert installed.when == rule.when
    assert installed.recommend == rule.recommend


def test_readme_quickstart_commands_name_existing_files():
    assert "examples/radhaus.toml" in README
    assert (ROOT / "examples" / "radhaus.toml").exists()


def test_readme_example_plan_is_what_the_quickstart_prints():
    """The quickstart installs Kundenkompass alone, so the plan is audited without the
    example sector plugin that the test setup installs."""
    import subprocess
    import sys

    without_example_plugin = (
        "import kundenkompass.catalog.plugin_manager as manager\n"
        "found = manager.discover_entry_points\n"
        "manager.discover_entry_points = "
        "lambda: [e for e in found() if e.name != 'fahrradhandel']\n"
        "from kundenkompass.cli import main\n"
        "main()\n"
    )
    (excerpt,) = re.findall(r"```text\n(.*?)\n…\n```", README, flags=re.DOTALL)
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            without_example_plugin,
            "run",
            str(ROOT / "examples" / "radhaus.toml"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(excerpt + "\n"), (
        "README's example plan is out of date: paste the start of `audit run examples/radhaus.toml`"
    )
