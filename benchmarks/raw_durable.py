"""Raw durable_rules on the engine's compiled rules and facts: the throughput baseline.

Reads the rulesets exactly as the engine registered them and, per profile, the facts the
engine asserts into each ruleset (written by `run.py`). Each audit is the plain loop:
assert the facts in a new state, collect the names of the rules that fire (a rule that
derives a fact asserts it, as the engine does), delete the state. Prints audits per second
as JSON. Imports nothing of Kundenkompass, so durable_rules runs exactly as shipped.

With ``--direct`` the same loop runs on the engine's ``DirectHost`` (its plain action loop
over durable_rules' C engine instead of the stock per-action dispatch), to show what the
engine's inference costs against durable_rules driven the same way. Both loops create and
delete a state per audit, as the stock usage does; the engine instead empties its states
after an audit and keeps them for the next one (creating a state costs more than matching).
"""

from __future__ import annotations

import json
import sys
import time

from durable import engine


class Host(engine.Host):
    def _run(self) -> None:  # no background dispatch threads, as in the engine
        return None


def main(path: str, rounds: int, direct: bool = False) -> None:
    with open(path, encoding="utf-8") as stream:
        data = json.load(stream)
    fired: list[str] = []
    derived_seen: set[str] = set()

    def action_for(name: str, derive: list | None):
        if derive is None:

            def collect(closure):
                fired.append(name)

            return collect
        prop, value = derive

        def collect_and_derive(closure):
            fired.append(name)
            if prop not in derived_seen:  # durable_rules refuses the same fact twice
                derived_seen.add(prop)
                closure.assert_fact({"t": data["fact_type"], prop: value})

        return collect_and_derive

    rulesets = data["rulesets"]
    starts = {}
    for ruleset_name, rules in rulesets.items():
        for rule_name, rule in rules.items():
            if rule_name in data["derive"]:
                rule["run"] = action_for(rule_name, data["derive"][rule_name])
            else:
                rule["run"] = lambda closure: None
        if "__start__" in rules:  # the engine opens each state with a start fact
            (pattern,) = rules["__start__"]["all"]
            starts[ruleset_name] = next(iter(pattern.values()))["t"]
    if direct:
        from kundenkompass.inference.runner import DirectHost

        host: engine.Host = DirectHost()
    else:
        host = Host()
    host.set_rulesets(rulesets)

    audits = data["audits"]
    sid = 0
    count = 0
    begin = time.perf_counter()
    for _ in range(rounds):
        for batches in audits:
            sid += 1
            state = str(sid)
            fired.clear()
            derived_seen.clear()
            touched = []
            try:
                for ruleset_name, facts in batches:
                    touched.append(ruleset_name)
                    if ruleset_name in starts:
                        host.assert_fact(ruleset_name, {"t": starts[ruleset_name], "sid": state})
                    host.assert_facts(ruleset_name, [{**fact, "sid": state} for fact in facts])
            finally:
                for ruleset_name in touched:
                    host.delete_state(ruleset_name, state)
            count += 1
    seconds = time.perf_counter() - begin
    print(json.dumps({"audits": count, "seconds": seconds, "per_second": count / seconds}))


if __name__ == "__main__":
    arguments = [argument for argument in sys.argv[1:] if argument != "--direct"]
    main(arguments[0], int(arguments[1]) if len(arguments) > 1 else 1, "--direct" in sys.argv)
