"""Listings of what the loaded plugins declare: checklist, measures, facts."""

from __future__ import annotations

from typing import Any

from kundenkompass.catalog.catalog import Catalog
from kundenkompass.errors import ProfileError
from kundenkompass.models import text_in
from kundenkompass.profile.scope import is_company_condition
from kundenkompass.render.terminal import escape, visible
from kundenkompass.rules.language import AllOf, Condition, Leaf, Not
from kundenkompass.texts import text
from kundenkompass.vocabulary import PHASES
from rich.console import Console
from rich.table import Table


def checklist_entries(catalog: Catalog, phase: str | None = None) -> list[dict[str, Any]]:
    if phase is not None and phase not in PHASES:
        raise ProfileError(
            "--phase", f"unbekannte Phase {phase!r}; erwartet: eine von {', '.join(PHASES)}"
        )
    return [
        {
            "id": item.id,
            "phase": item.phase,
            "statement": text_in(item.statement),
            "help": text_in(item.help) if item.help else None,
            "reference": item.reference,
            "weight": item.weight,
            "channels": list(item.channels),
            "plugin": catalog.owners[("checklist item", item.id)],
        }
        for item in catalog.checklist.values()
        if phase is None or item.phase == phase
    ]


def print_checklist(entries: list[dict[str, Any]], console: Console) -> None:
    current = None
    for entry in entries:
        if entry["phase"] != current:
            current = entry["phase"]
            console.print(f"\n[bold]{text('phase.' + current)}[/bold]")
        console.print(visible(f"  {entry['id']}: {entry['statement']}"), markup=False)


def measure_entries(catalog: Catalog) -> list[dict[str, Any]]:
    return [
        {
            "id": m.id,
            "phase": m.phase,
            "title": text_in(m.title),
            "description": text_in(m.description),
            "rationale": text_in(m.rationale) if m.rationale else None,
            "reference": m.reference,
            "channels": list(m.channels),
            "impact": m.impact,
            "effort": m.effort,
            "cost": m.cost,
            "time_to_effect": m.time_to_effect,
            "prerequisites": list(m.prerequisites),
            "addresses": list(m.addresses),
            "justification": text_in(m.justification) if m.justification else None,
            "plugin": catalog.owners[("measure", m.id)],
        }
        for m in catalog.measures.values()
    ]


def print_measures(entries: list[dict[str, Any]], console: Console) -> None:
    table = Table(show_lines=False)
    for column in ("id", "Phase", "Maßnahme", "Kanäle", "Aufwand", "Kosten"):
        table.add_column(column)
    for entry in entries:
        table.add_row(
            escape(entry["id"]),
            text("phase." + entry["phase"]),
            escape(entry["title"]),
            escape(", ".join(entry["channels"]) or "alle"),
            text("effort." + entry["effort"]),
            text("cost." + entry["cost"]),
        )
    console.print(table)


def fact_entries(catalog: Catalog) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    for item in catalog.checklist.values():
        entries.append(
            {
                "path": f"answers.{item.id}",
                "type": "answer",
                "phase": item.phase,
                "question": text_in(item.statement),
                "help": text_in(item.help) if item.help else None,
                "values": ["ja", "teilweise", "nein", "entfällt", "unbekannt"],
                "channels": list(item.channels),
                "sectors": list(item.sectors),
            }
        )
    for fact in catalog.input_facts():
        entries.append(
            {
                "path": f"facts.{fact.key}",
                "type": fact.type.value,
                "phase": fact.phase,
                "question": text_in(fact.question),
                "help": text_in(fact.help) if fact.help else None,
                "values": list(fact.values),
                "unit": fact.unit,
                "minimum": fact.minimum,
                "maximum": fact.maximum,
                "channels": list(fact.channels),
                "sectors": list(fact.sectors),
            }
        )
    for threshold in catalog.thresholds.values():
        entries.append(
            {
                "path": f"thresholds.{threshold.key}",
                "type": "float",
                "phase": threshold.phase,
                "question": text_in(threshold.description),
                "default": threshold.value,
                "our_default": threshold.our_default,
                "input": threshold.input,
            }
        )
    return entries


def print_facts(entries: list[dict[str, Any]], console: Console) -> None:
    for entry in entries:
        values = f" ({', '.join(entry['values'])})" if entry.get("values") else ""
        console.print(visible(f"{entry['path']} [{entry['type']}]{values}"), markup=False)
        console.print(visible(f"    {entry['question']}"), markup=False)


def facts_markdown(catalog: Catalog) -> str:
    """The reference of everything a profile may contain, as Markdown (docs/profile.md)."""
    lines = [
        "# Profile reference",
        "",
        "<!-- Generated by `audit facts --format markdown`; do not edit by hand. -->",
        "",
        "A profile is a TOML file with the tables `[company]`, `[answers]`, `[facts]` and,",
        "optionally, `[thresholds]`. Everything left out is unknown, never false.",
        "",
        "## [company]",
        "",
        "| key | type | meaning |",
        "| --- | --- | --- |",
        "| `name` | text | Name of the company (required) |",
        "| `sector` | text | Sector, e.g. `fahrradhandel`; selects a sector ruleset |",
        "| `sector_title` | text | The sector's name in reports, e.g. `Ersatzteile für "
        "Haushaltsgeräte` (optional; default: the title of the sector's ruleset, else `sector` "
        "where it is written as a name, e.g. `Tee & Kaffee`, or a one-word id as a noun, "
        "`juwelier` as `Juwelier`; an id such as `tee_kaffee` or `sanitaetshaus` is shown to "
        "the advisor only) |",
        "| `channels` | list | Any of `laden`, `onlineshop`, `marktplatz` (required) |",
        "| `location` | text | Place (optional) |",
        "",
        "## Which questions a company answers",
        "",
        "A question belongs to a company's *scope* when the `[company]` table alone says",
        "it applies: its sectors (if any) include `sector`, its channels (if any) include",
        "one of `channels`, and its precondition, if that tests `[company]` fields only,",
        "is not false. A profile that gives a question outside its scope any answer but",
        "`entfällt` or `unbekannt`, or any fact value but `unbekannt`, is refused with the",
        "key path and what the question requires. The profile's JSON Schema",
        "(`audit schema profile`) says the same with one `if`/`then` per sector, per set",
        "of channels and per such precondition.",
        "",
        "A precondition that tests other answers or facts (e.g. *asked only with a",
        "website*) is not scope: answers may disagree with each other, so a value given",
        "for a question it rules out is accepted, left out of the audit (an answer counts",
        "as `entfällt`) and listed in the result's `ignored_inputs`.",
        "",
        "The tables below name each question's scope and precondition.",
        "",
    ]
    entries = fact_entries(catalog)
    for phase in PHASES:
        lines += [f"## {text('phase.' + phase)}", ""]
        for kind, heading in (
            ("answers.", "Checklist (`[answers]`)"),
            ("facts.", "Facts (`[facts]`)"),
            ("thresholds.", "Thresholds (`[thresholds]`)"),
        ):
            rows = [e for e in entries if e["phase"] == phase and e["path"].startswith(kind)]
            if not rows:
                continue
            lines += [
                f"### {heading}",
                "",
                "| key | type | question | values |",
                "| --- | --- | --- | --- |",
            ]
            for e in rows:
                values = ", ".join(f"`{v}`" for v in e.get("values") or [])
                if kind == "thresholds.":
                    values = f"default {e['default']:g}" + (
                        " (our default)" if e["our_default"] else ""
                    )
                elif e.get("unit"):
                    values = (values + " " if values else "") + f"unit: {e['unit']}"
                question = e["question"].replace("|", "\\|")
                question += _scope_note(e, catalog)
                key = e["path"].split(".", 1)[1]
                lines.append(f"| `{key}` | {e['type']} | {question} | {values} |")
            lines.append("")
    other = [e for e in entries if e["phase"] is None]
    if other:
        lines += ["## Other", "", "| key | type | question |", "| --- | --- | --- |"]
        lines += [f"| `{e['path']}` | {e['type']} | {e['question']} |" for e in other]
        lines.append("")
    return "\n".join(lines)


def _scope_note(entry: dict[str, Any], catalog: Catalog) -> str:
    """`` (sector x only; channel y only; only if …)`` for a question's row."""
    notes = []
    if entry.get("sectors"):
        notes.append("sector " + ", ".join(f"`{x}`" for x in entry["sectors"]) + " only")
    if entry.get("channels"):
        notes.append("channel " + " or ".join(f"`{x}`" for x in entry["channels"]) + " only")
    condition = catalog.preconditions.get(entry["path"])
    if condition is not None:
        kind = "only if" if is_company_condition(condition) else "asked if"
        notes.append(f"{kind} `{_compact(condition)}`")
    return f" ({'; '.join(notes)})" if notes else ""


def _compact(condition: Condition) -> str:
    """A precondition by key paths, e.g. ``answers.eigene_website in [ja, teilweise]``."""
    if isinstance(condition, Leaf):
        return condition.describe().replace("|", "\\|")
    if isinstance(condition, Not):
        return f"not ({_compact(condition.condition)})"
    joiner = " and " if isinstance(condition, AllOf) else " or "
    parts = [_compact(child) for child in condition.conditions]
    return parts[0] if len(parts) == 1 else "(" + joiner.join(parts) + ")"
