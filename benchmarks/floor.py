"""The floor of `audit run`'s start: the mandated stack and nothing else.

Imports durable_rules, pluggy and pydantic, defines one pydantic model and compiles the same
rulesets the engine registers (read from the JSON file given as the only argument), on a
durable_rules host without background threads. `run.py` times this script in a fresh
interpreter, next to `audit run`.
"""

from __future__ import annotations

import json
import sys

import pluggy  # noqa: F401 - part of the stack being measured
from durable import engine
from pydantic import BaseModel


class Fact(BaseModel):
    key: str
    value: bool | int | float | str


class Host(engine.Host):
    def _run(self) -> None:  # no background dispatch threads, as in the engine
        return None


def _noop(closure: object) -> None:
    return None


def main(path: str) -> None:
    with open(path, encoding="utf-8") as stream:
        rulesets = json.load(stream)["rulesets"]
    for rules in rulesets.values():
        for rule in rules.values():
            rule["run"] = _noop
    Host().set_rulesets(rulesets)
    Fact(key="k", value=True)


if __name__ == "__main__":
    main(sys.argv[1])
