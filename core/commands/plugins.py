"""`audit plugins` and `audit lint`: what is loaded, and what is wrong with it."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer
from kundenkompass.commands.app import (
    AllSectorsOption,
    RulesetOption,
    app,
    handles_errors,
    resolve_rulesets,
    stdout_console,
)
from kundenkompass.render.terminal import escape, visible
from kundenkompass.texts import text
from kundenkompass.tools.inventory import Inventory, LoadedSource
from kundenkompass.tools.lint_sources import shown_path
from rich.console import Console
from rich.table import Table


class Format(str, Enum):
    text = "text"
    json = "json"


@app.command()
@handles_errors
def plugins(
    ruleset: RulesetOption = None,
    all_sectors: AllSectorsOption = False,
    format: Annotated[Format, typer.Option("--format", "-f", help="Ausgabeformat.")] = Format.text,
) -> None:
    """Die geladenen Plugins und Regelwerke auflisten: Version, Herkunft und Beiträge.

    Defekte Plugins bleiben außen vor und werden mit dem Grund genannt.
    """
    from kundenkompass.engine import Engine
    from kundenkompass.tools.inventory import inventory

    engine = Engine(
        rulesets=resolve_rulesets(ruleset),
        rulesets_all_sectors=all_sectors,
        skip_broken_plugins=True,
    )
    found = inventory(engine.catalog, engine.skipped_plugins)
    if format is Format.json:
        print(found.model_dump_json(indent=2))
    else:
        print_inventory(found, stdout_console())


def print_inventory(found: Inventory, console: Console) -> None:
    t = text
    groups = (
        (t("plugins.plugins"), found.plugins, False),
        (t("plugins.rulesets"), found.rulesets, True),
    )
    for title, entries, rulesets in groups:
        if not entries:
            console.print(f"{title}: {t('plugins.none')}")
            console.print()
            continue
        table = Table(title=title, title_justify="left")
        columns = ["name", "version", "sector", "facts", "checklist", "measures", "rules"]
        if rulesets:
            columns += ["changes", "not_applicable", "provider"]
        for column in columns:
            numeric = column not in ("name", "version", "sector", "provider")
            table.add_column(
                t(f"plugins.{column}"), justify="right" if numeric else "left", no_wrap=not numeric
            )
        for entry in entries:
            table.add_row(*(escape(cell) for cell in _row(entry, rulesets)))
        console.print(table)
        console.print(f"{t('plugins.source')}:")
        for entry in entries:
            console.print(visible(f"  {entry.name}: {_source(entry)}"), markup=False)
        console.print()
    if found.skipped:
        console.print(t("plugins.skipped"), style="bold")
        for broken in found.skipped:
            console.print(visible(f"  {broken.name}: {broken.reason}"), markup=False)
        console.print()
    console.print(t("plugins.hookspec", version=found.hookspec_version))


def _row(entry: LoadedSource, ruleset: bool) -> list[str]:
    row = [
        entry.name,
        entry.version,
        ", ".join(entry.sectors) or text("plugins.all_sectors"),
        str(entry.facts),
        str(entry.checklist_items),
        str(entry.measures),
        str(entry.rules),
    ]
    if ruleset:
        row += [str(entry.priority_changes), str(entry.not_applicable)]
        row.append(
            entry.plugin or ("–" if entry.selection == "explicit" else text("plugins.bundled"))
        )
    return row


def _source(entry: LoadedSource) -> str:
    if entry.kind == "ruleset":
        key = "selected_by_sector" if entry.selection == "sector" else "explicit"
        if entry.all_sectors:
            key = "explicit_all_sectors"
        notes = [text("plugins." + key)]
        if entry.plugin:
            shipper = entry.plugin + (f", {entry.distribution}" if entry.distribution else "")
            notes.append(text("plugins.shipped_by", plugin=shipper))
        return f"{shown_path(entry.source)} ({'; '.join(notes)})"
    if entry.distribution:
        return f"{entry.distribution} {entry.version}, {entry.source}"
    return entry.source


@app.command("lint")
@handles_errors
def lint_command(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Regelwerk-Dateien, Ordner mit Regelwerken, Plugin-Ordner oder deren "
            "Datendateien. Ohne Pfade: alle installierten Plugins und mitgelieferten Regelwerke.",
            show_default=False,
        ),
    ] = None,
    format: Annotated[Format, typer.Option("--format", "-f", help="Ausgabeformat.")] = Format.text,
) -> None:
    """Plugins und Regelwerke prüfen; Exit-Code 1 bei Problemen.

    Gesucht werden doppelte Kennungen, unbekannte Verweise, Regeln, die nie greifen, Maßnahmen ohne Regel und Zyklen beim Verketten.
    """
    from kundenkompass.tools.lint import lint

    report = lint(paths or ())
    if format is Format.json:
        print(report.model_dump_json(indent=2))
    else:
        console = stdout_console()
        for problem in report.problems:
            console.print(visible(problem), markup=False, highlight=False)
        checked = len(report.checked)
        if report.problems:
            files = len({p.file for p in report.problems})
            console.print(
                f"{_count(len(report.problems), 'Problem', 'Probleme')} in "
                f"{_count(files, 'Datei', 'Dateien')}; geprüft: "
                f"{_count(checked, 'Plugin oder Regelwerk', 'Plugins und Regelwerke')}",
                markup=False,
            )
        else:
            console.print(
                f"Keine Probleme in "
                f"{_count(checked, 'Plugin oder Regelwerk', 'Plugins und Regelwerken')}.",
                markup=False,
            )
    if report.problems:
        raise typer.Exit(1)


def _count(number: int, singular: str, plural: str) -> str:
    return f"{number} {singular if number == 1 else plural}"
