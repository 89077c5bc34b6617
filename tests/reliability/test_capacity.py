"""Rule sets at durable_rules' capacity audit correctly, or are refused up front.

durable_rules 2.0.28 loops forever (ignoring Ctrl-C) when an alpha node gets 512 children,
fails with error 108 when more than 255 rules end at one node, with error 303 when a fact
passes more than 63 nodes at once, and with error 304 when a rule joins more than 16 facts
(see "durable_rules' capacity" in docs/architecture.md). The compiler splits and partitions
the first three away; the last is refused by loading and lint alike.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pytest
from kundenkompass.engine import Engine
from kundenkompass.errors import RuleError
from kundenkompass.inference import compile as compile_module

from ..conftest import ROOT, run_cli
from .capacity import COMPANY, numeric_tests, same_condition
from .worlds import world_plugin


def run_capacity(scenario: str, size: int) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "tests.reliability.capacity", scenario, str(size)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=180,
    )
    assert done.returncode == 0, f"exit {done.returncode}: {done.stderr[-2000:]}"
    return json.loads(done.stdout)  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("scenario", "size", "several_rulesets"),
    [
        ("long_in_list", 250, False),
        ("long_in_list", 1000, True),
        ("same_condition", 260, True),
        ("numeric_tests", 160, True),
        ("derived_chain", 300, True),
    ],
)
def test_rules_beyond_durable_rules_limits_agree_with_the_oracle(
    scenario: str, size: int, several_rulesets: bool
) -> None:
    found = run_capacity(scenario, size)
    assert found["differences"] == []
    assert found["recommendations"] > 0
    assert found["live_states"] == 0
    assert (found["rulesets"] > 1) is several_rulesets


def test_a_durable_rules_build_error_names_the_rule_and_plugin() -> None:
    # Without the partitioning, 300 rules on one condition exceed durable_rules' error 108.
    with (
        patch.object(compile_module, "MAX_RULES_PER_PATTERN", 10**6),
        pytest.raises(RuleError) as raised,
    ):
        Engine([world_plugin(same_condition(300))], discover=False)
    assert raised.value.rule == "gleich_0"
    assert "Plugin 'welt'" in str(raised.value)
    assert "108" in str(raised.value)


def test_a_durable_rules_matching_error_names_the_rule_and_plugin() -> None:
    # Without the partitioning, one large value passes 100 comparisons: error 303.
    with patch.object(compile_module, "MAX_PASSED_NODES", 10**6):
        engine = Engine([world_plugin(numeric_tests(100))], discover=False)
    with pytest.raises(RuleError) as raised:
        engine.audit({"company": COMPANY, "facts": {"filialen": 10**6}})
    assert raised.value.rule == "mehr_als_0"
    assert "Plugin 'welt'" in str(raised.value)
    assert "303" in str(raised.value)
    assert engine._runner.live_states == 0


# ------------------------------------------------------------------ real ruleset files

RULESET_HEAD = """\
[ruleset]
name = "kapazitaet"
version = "1.0.0"
sector = "kapazitaetstest"
title.de = "Kapazität"
description.de = "Regeln an den Grenzen von durable_rules."
reference = "Test"
"""

PROFILE = """\
[company]
name = "Kapazität GmbH"
channels = ["laden"]

[facts]
kundenwuensche_erhebungen_pro_jahr = 200
"""


def _rule(rule_id: str, when: str) -> str:
    return (
        f'[[rule]]\nid = "{rule_id}"\nrecommend = "feedback_verantwortung_festlegen"\n'
        f'reason.de = "Grund {rule_id}."\nwhen = {when}\n'
    )


def test_a_ruleset_at_durable_rules_limits_audits_from_the_command_line(tmp_path: Path) -> None:
    fact = "kundenwuensche_erhebungen_pro_jahr"
    values = ", ".join(str(i) for i in range(300))
    rules = [_rule("lange_liste", f'{{ fact = "{fact}", in = [{values}] }}')]
    rules += [_rule(f"mehr_als_{i}", f'{{ fact = "{fact}", gt = {i} }}') for i in range(160)]
    rules += [_rule(f"gleich_{i}", f'{{ fact = "{fact}", gte = 1 }}') for i in range(260)]
    ruleset = tmp_path / "gross.toml"
    ruleset.write_text(RULESET_HEAD + "\n".join(rules), encoding="utf-8")
    profile = tmp_path / "profil.toml"
    profile.write_text(PROFILE, encoding="utf-8")
    output = tmp_path / "ergebnis.json"

    done = run_cli(
        "run",
        "--ruleset",
        str(ruleset),
        "--all-sectors",  # the ruleset serves another sector than the profile's
        str(profile),
        "--format",
        "json",
        "-o",
        str(output),
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(output.read_text(encoding="utf-8"))
    (recommendation,) = [
        r for r in result["recommendations"] if r["measure"] == "feedback_verantwortung_festlegen"
    ]
    # 1 list + the 160 comparisons below 200 + the 260 rules on one condition.
    assert len(recommendation["reasons"]) == 421
    linted = run_cli("lint", str(ruleset))
    assert linted.returncode == 0, linted.stdout + linted.stderr


def test_a_rule_joining_too_many_inputs_is_refused_by_load_and_lint(tmp_path: Path) -> None:
    items = sorted(Engine().catalog.checklist)[:17]
    when = "{ all = [" + ", ".join(f'{{ answer = "{i}", equals = "nein" }}' for i in items) + "] }"
    ruleset = tmp_path / "breit.toml"
    ruleset.write_text(RULESET_HEAD + _rule("zu_breit", when), encoding="utf-8")
    profile = tmp_path / "profil.toml"
    profile.write_text(PROFILE, encoding="utf-8")

    done = run_cli("run", "--ruleset", str(ruleset), "--all-sectors", str(profile))
    assert done.returncode == 3, done.stderr
    (line,) = done.stderr.strip().splitlines()
    assert "zu_breit" in line and "17 Eingaben" in line and "höchstens 16" in line

    linted = run_cli("lint", str(ruleset))
    assert linted.returncode == 1
    assert "zu_breit" in linted.stdout and "[capacity]" in linted.stdout
