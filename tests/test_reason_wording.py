"""Reasons say no more than the answer they rest on.

A rule that fires on "nein" and on "teilweise" alike gives both companies the same reason.
Unless a fact in its condition states the gap outright, that reason must fit "teilweise"
too: it speaks in degrees ("nicht immer", "oft", "zum Teil") or as the owner's own
assessment ("nach eigener Einschätzung"), never as if nothing were done at all.
"""

from __future__ import annotations

import re

import pytest
from kundenkompass.files.toml_files import tomllib
from kundenkompass.rules.language import Rule, iter_leaves, parse_rules

from .conftest import ROOT

DEGREE = re.compile(
    r"nicht (immer|durchgehend|durchweg|alle[mnrs]?|jede[mnrs]?|regelmäßig|oder nur|"
    r"auf Anhieb|auf einen Blick|überall)"
    r"|\b(oft|selten|kaum|zum Teil|zögernd|eher|meist|dünn|zu wenigen?)\b"
    r"|nach (Ihrer )?(eigenen? |eigener )?Einschätzung",
    re.IGNORECASE,
)


def _shared_by_nein_and_teilweise() -> list[Rule]:
    found = []
    for path in sorted((ROOT / "plugins").glob("*/rules.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        for rule in parse_rules(data, str(path)):
            leaves = list(iter_leaves(rule.when))
            shared = any(
                leaf.subject == "answer"
                and isinstance(leaf.value, tuple)
                and {"nein", "teilweise"} <= set(leaf.value)
                for leaf in leaves
            )
            if shared and rule.reason and not any(leaf.subject == "fact" for leaf in leaves):
                found.append(rule)
    return found


RULES = _shared_by_nein_and_teilweise()


def test_there_are_rules_to_check():
    assert len(RULES) > 20


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.id)
def test_a_reason_for_nein_and_teilweise_speaks_in_degrees(rule):
    assert rule.reason is not None
    reason = rule.reason["de"]
    assert DEGREE.search(reason), f"{rule.id}: klingt nach „nein“, gilt auch für „teilweise“"


def test_the_check_tells_degrees_from_absolutes():
    assert DEGREE.search("Auf Kritik reagieren Sie nicht immer kurzfristig.")
    assert DEGREE.search("Das ist nach eigener Einschätzung nicht gut.")
    assert not DEGREE.search("Auf Kritik reagieren Sie nicht kurzfristig.")
