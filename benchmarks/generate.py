"""Generated inputs for the benchmarks: profiles for any catalog, and synthetic rule sets.

Everything is seeded, so two runs measure the same work.
"""

from __future__ import annotations

import json
import random
import types
from pathlib import Path
from typing import Any

from kundenkompass import hookimpl
from kundenkompass.catalog.catalog import Catalog
from kundenkompass.models import ChecklistItem, FactDefinition, FactType, Measure
from kundenkompass.profile.load import Company
from kundenkompass.profile.scope import scope_problem
from kundenkompass.rules.language import parse_rules
from kundenkompass.vocabulary import CHANNELS

ANSWER_WORDS = ["ja", "teilweise", "nein", "entfällt", None]
PHASES = ["bedarfsentstehung", "informationssuche", "produktwahl", "kauf", "bindung"]


def profile(catalog: Catalog, seed: int, unknown: float = 0.2) -> dict[str, Any]:
    """A random valid profile; about ``unknown`` of all inputs are left out."""
    rng = random.Random(seed)
    channels = [c for c in CHANNELS if rng.random() < 0.5] or [rng.choice(CHANNELS)]
    # Questions of sector rulesets and plugins may only be answered for their sectors.
    sectors = sorted({s for entry in _scoped(catalog) for s in entry.sectors})
    sector = rng.choice([None, *sectors])
    company: dict[str, Any] = {"name": f"Firma {seed}", "sector": sector, "channels": channels}
    if sector is None:
        del company["sector"]
    # Outside the company's scope (sector, channels) only "entfällt" may be answered.
    scoped_company = Company(**company)

    def in_scope(ref: str) -> bool:
        return scope_problem(ref, catalog, scoped_company) is None

    answers = {}
    for item_id in catalog.checklist:
        word = rng.choice(ANSWER_WORDS)
        if not in_scope(f"answers.{item_id}") and word != "entfällt":
            continue
        if word is not None and rng.random() >= unknown / 2:
            answers[item_id] = word
    facts: dict[str, Any] = {}
    for fact in catalog.input_facts():
        if not in_scope(f"facts.{fact.key}"):
            continue
        if rng.random() < unknown:
            continue
        low = fact.minimum if fact.minimum is not None else 0
        high = fact.maximum if fact.maximum is not None else low + 100
        if fact.type is FactType.BOOL:
            facts[fact.key] = rng.random() < 0.5
        elif fact.type is FactType.INT:
            facts[fact.key] = rng.randint(int(low), int(high))
        elif fact.type is FactType.FLOAT:
            facts[fact.key] = round(rng.uniform(low, high), 1)
        elif fact.type is FactType.ENUM:
            facts[fact.key] = rng.choice(fact.values)
        elif fact.type is FactType.ENUM_LIST:
            facts[fact.key] = [v for v in fact.values if rng.random() < 0.4]
        else:
            facts[fact.key] = f"Text {seed}"
    return {"company": company, "answers": answers, "facts": facts}


def _scoped(catalog: Catalog) -> list[Any]:
    return [*catalog.checklist.values(), *catalog.facts.values()]


def profiles(catalog: Catalog, count: int, first_seed: int = 0) -> list[dict[str, Any]]:
    return [profile(catalog, seed) for seed in range(first_seed, first_seed + count)]


def toml(data: dict[str, Any]) -> str:
    """TOML text of a generated profile (tables of scalars and lists of strings)."""
    lines: list[str] = []
    for table, content in data.items():
        lines.append(f"[{table}]")
        for key, value in content.items():
            lines.append(f"{key} = {json.dumps(value, ensure_ascii=False)}")
        lines.append("")
    return "\n".join(lines)


def write_profiles(folder: Path, catalog: Catalog, count: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for seed in range(count):
        path = folder / f"profil_{seed:05d}.toml"
        path.write_text(toml(profile(catalog, seed)), encoding="utf-8")
        paths.append(path)
    return paths


# ------------------------------------------------------------------ rule sets

FACTS_PER_PLUGIN = 12
MEASURES_PER_PLUGIN = 20
ITEMS_PER_PLUGIN = 6


def rule_plugins(rule_count: int, plugin_count: int = 10, seed: int = 1) -> list[object]:
    """``plugin_count`` plugin objects with ``rule_count`` rules between them.

    Each plugin declares its own facts (int, float, enum, bool, list), checklist items and
    measures; its rules test one to three of them (some with ``any``/``not``), and every
    tenth rule derives a fact that rules of the next plugin test (chains across plugins).
    """
    rng = random.Random(seed)
    plugins = []
    per_plugin = [rule_count // plugin_count] * plugin_count
    for index in range(rule_count % plugin_count):
        per_plugin[index] += 1
    for number in range(plugin_count):
        plugins.append(_rule_plugin(number, plugin_count, per_plugin[number], rng))
    return plugins


def _rule_plugin(number: int, total: int, rules: int, rng: random.Random) -> object:
    name = f"bench{number:02d}"
    phase = PHASES[number % len(PHASES)]
    facts = [
        FactDefinition(
            key=f"{name}_f{index}",
            type=kind,
            question={"de": f"Frage {index}"},
            values=("a", "b", "c", "d") if kind in (FactType.ENUM, FactType.ENUM_LIST) else (),
            minimum=0 if kind in (FactType.INT, FactType.FLOAT) else None,
            maximum=1000 if kind in (FactType.INT, FactType.FLOAT) else None,
            phase=phase,
        )
        for index, kind in enumerate(
            [FactType.INT, FactType.FLOAT, FactType.ENUM, FactType.BOOL, FactType.ENUM_LIST]
            * (FACTS_PER_PLUGIN // 5 + 1)
        )
        if index < FACTS_PER_PLUGIN
    ]
    derived = FactDefinition(
        key=f"{name}_derived", type=FactType.BOOL, question={"de": "Abgeleitet"}, source="derived"
    )
    items = [
        ChecklistItem(
            id=f"{name}_item{index}", phase=phase, statement={"de": "Aussage"}, reference="Bench"
        )
        for index in range(ITEMS_PER_PLUGIN)
    ]
    measures = [
        Measure(
            id=f"{name}_m{index}",
            phase=phase,
            title={"de": f"Maßnahme {index}"},
            description={"de": "Beschreibung"},
            reference="Bench",
            addresses=(items[index % ITEMS_PER_PLUGIN].id,),
        )
        for index in range(MEASURES_PER_PLUGIN)
    ]
    previous = f"bench{(number - 1) % total:02d}_derived"
    raw_rules = []
    for index in range(rules):
        rule: dict[str, Any] = {"id": f"{name}_r{index}"}
        if index % 10 == 9:
            rule["derive"] = {"fact": derived.key, "value": True}
        else:
            rule["recommend"] = measures[index % MEASURES_PER_PLUGIN].id
            rule["priority"] = rng.choice(["hoch", "mittel", "niedrig"])
            rule["reason"] = {"de": f"Grund {index}"}
        leaves = [_leaf(rng, facts, items) for _ in range(rng.randint(1, 3))]
        if index % 10 == 3 and total > 1:
            leaves.append({"fact": previous, "equals": True})
        if len(leaves) == 1:
            rule["when"] = leaves[0]
        elif rng.random() < 0.25:
            rule["when"] = {"any": leaves}
        else:
            rule["when"] = {"all": leaves}
        raw_rules.append(rule)
    parsed = parse_rules({"rule": raw_rules}, f"{name}/rules.toml")

    plugin = types.SimpleNamespace(KUNDENKOMPASS_PLUGIN_NAME=name)
    plugin.register_facts = hookimpl(lambda: [*facts, derived])
    plugin.register_checklist_items = hookimpl(lambda: items)
    plugin.register_measures = hookimpl(lambda: measures)
    plugin.register_rules = hookimpl(lambda: parsed)
    return plugin


def _leaf(rng: random.Random, facts: list[FactDefinition], items: list) -> dict[str, Any]:
    if rng.random() < 0.25:
        item = rng.choice(items)
        return {"answer": item.id, "in": rng.sample(["nein", "teilweise", "ja"], 2)}
    fact = rng.choice(facts)
    key = fact.key
    if fact.type is FactType.INT:
        operator = rng.choice(["lt", "lte", "gt", "gte", "equals", "not_equals"])
        return {"fact": key, operator: rng.randrange(0, 1000, 10)}
    if fact.type is FactType.FLOAT:
        return {"fact": key, rng.choice(["lt", "gte"]): float(rng.randrange(0, 1000, 25))}
    if fact.type is FactType.ENUM:
        operator = rng.choice(["equals", "not_equals", "in", "not_in"])
        if operator in ("in", "not_in"):
            return {"fact": key, operator: rng.sample(list(fact.values), 2)}
        return {"fact": key, operator: rng.choice(fact.values)}
    if fact.type is FactType.BOOL:
        return {"fact": key, "equals": rng.random() < 0.5}
    operator = rng.choice(["contains", "not_contains"])
    return {"fact": key, operator: rng.choice(fact.values)}
