"""`audit checklist`, `audit measures`, `audit facts`: what the plugins declare."""

from __future__ import annotations

import json
import sys
from enum import Enum
from typing import Annotated

import typer
from kundenkompass.commands.app import app, handles_errors, make_engine, stdout_console


class ListFormat(str, Enum):
    text = "text"
    json = "json"


class FactsFormat(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"


@app.command()
@handles_errors
def checklist(
    phase: Annotated[str | None, typer.Option(help="Nur diese Phase.")] = None,
    format: Annotated[
        ListFormat, typer.Option("--format", "-f", help="Ausgabeformat.")
    ] = ListFormat.text,
) -> None:
    """Die Checklistenpunkte aller Phasen (oder einer) auflisten."""
    from kundenkompass.tools.listing import checklist_entries, print_checklist

    engine = make_engine()
    entries = checklist_entries(engine.catalog, phase)
    if format is ListFormat.json:
        print(json.dumps(entries, ensure_ascii=False, indent=2))
    else:
        print_checklist(entries, stdout_console())


@app.command()
@handles_errors
def measures(
    format: Annotated[
        ListFormat, typer.Option("--format", "-f", help="Ausgabeformat.")
    ] = ListFormat.text,
) -> None:
    """Den Maßnahmenkatalog auflisten."""
    from kundenkompass.tools.listing import measure_entries, print_measures

    engine = make_engine()
    entries = measure_entries(engine.catalog)
    if format is ListFormat.json:
        print(json.dumps(entries, ensure_ascii=False, indent=2))
    else:
        print_measures(entries, stdout_console())


@app.command()
@handles_errors
def facts(
    format: Annotated[
        FactsFormat, typer.Option("--format", "-f", help="Ausgabeformat.")
    ] = FactsFormat.text,
) -> None:
    """Auflisten, was ein Profil enthalten darf: Antworten, Fakten und Schwellenwerte, mit ihren Fragen."""
    from kundenkompass.tools.listing import fact_entries, facts_markdown, print_facts

    engine = make_engine()
    if format is FactsFormat.json:
        print(json.dumps(fact_entries(engine.catalog), ensure_ascii=False, indent=2))
    elif format is FactsFormat.markdown:
        sys.stdout.write(facts_markdown(engine.catalog))
    else:
        print_facts(fact_entries(engine.catalog), stdout_console())
