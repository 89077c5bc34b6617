"""Reasons say no more than the answer they rest on.

A rule that fires on "nein" and on "teilweise" alike gives both companies the same reason.
Unless a fact in its condition states the gap outright, that reason must fit "teilweise"
too: it speaks in degrees ("nicht immer", "oft", "zum Teil") or as the owner's own
assessment ("nach eigener Einschätzung"), never as if nothing were done at all.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import tomllib

from .conftest import ROOT

DEGREE = re.compile(
    r"nicht (immer|durchgehend|durchweg|alle[mnrs]?|jede[mnrs]?|regelmäßig|oder nur|"
    r"auf Anhieb|auf einen Blick|überall)"
    r"|\b(oft|selten|kaum|zum Teil|zögernd|eher|meist|dünn|zu wenigen?)\b"
    r"|nach (Ihrer )?(eigenen? |eigener )?Einschätzung",
    re.IGNORECASE,
)


def _leaves(condition: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for key in ("all", "any"):
        if key in condition:
            for part in condition[key]:
                yield from _leaves(part)
            return
    if "not" in condition:
        yield from _leaves(condition["not"])
        return
    yield condition


def _shared_by_nein_and_teilweise() -> list[dict[str, Any]]:
    found = []
    for path in sorted((ROOT / "plugins").glob("*/rules.toml")):
        for rule in tomllib.loads(path.read_text(encoding="utf-8")).get("rule", []):
            leaves = list(_leaves(rule.get("when", {})))
            shared = any(
                "answer" in leaf and {"nein", "teilweise"} <= set(leaf.get("in", []))
                for leaf in leaves
            )
            if shared and "reason" in rule and not any("fact" in leaf for leaf in leaves):
                found.append(rule)
    return found


RULES = _shared_by_nein_and_teilweise()


def test_there_are_rules_to_check():
    assert len(RULES) > 20


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule["id"])
def test_a_reason_for_nein_and_teilweise_speaks_in_degrees(rule):
    reason = rule["reason"]["de"]
    assert DEGREE.search(reason), f"{rule['id']}: klingt nach „nein“, gilt auch für „teilweise“"


def test_the_check_tells_degrees_from_absolutes():
    assert DEGREE.search("Auf Kritik reagieren Sie nicht immer kurzfristig.")
    assert DEGREE.search("Das ist nach eigener Einschätzung nicht gut.")
    assert not DEGREE.search("Auf Kritik reagieren Sie nicht kurzfristig.")
