"""`audit batch`: audit many profiles in parallel, results as JSON Lines (and CSV)."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer
from kundenkompass.commands.app import (
    AllSectorsOption,
    RulesetOption,
    SkipBrokenOption,
    app,
    handles_errors,
    make_engine,
)


class SummaryFormat(str, Enum):
    excel = "excel"
    csv = "csv"


@app.command()
@handles_errors
def batch(
    profiles: Annotated[
        list[Path],
        typer.Argument(help="Profildateien (TOML); ein Ordner steht für seine *.toml-Dateien."),
    ],
    output: Annotated[
        Path,
        typer.Option("--output", "-o", help="Die Ergebnisse als JSON Lines: eine Zeile je Profil."),
    ],
    summary: Annotated[
        Path | None,
        typer.Option(help="Zusätzlich eine Übersicht (CSV) schreiben: eine Zeile je Unternehmen."),
    ] = None,
    summary_format: Annotated[
        SummaryFormat,
        typer.Option(
            help="excel: Semikolons, Dezimalkommas und eine Byte-Order-Mark, wie ein deutsches "
            "Excel es öffnet; csv: einfaches CSV mit Kommas."
        ),
    ] = SummaryFormat.excel,
    jobs: Annotated[
        int | None,
        typer.Option("--jobs", "-j", min=1, help="Arbeitsprozesse (Vorgabe: alle Kerne)."),
    ] = None,
    force: Annotated[bool, typer.Option(help="Vorhandene Ausgabedateien ersetzen.")] = False,
    resume: Annotated[
        bool,
        typer.Option(
            help="Die Einträge einer vorhandenen Ausgabe (etwa eines unterbrochenen Laufs) "
            "behalten und nur die fehlenden Profile prüfen."
        ),
    ] = False,
    ruleset: RulesetOption = None,
    all_sectors: AllSectorsOption = False,
    skip_broken_plugins: SkipBrokenOption = False,
) -> None:
    """Viele Profile parallel prüfen; fehlerhafte Profile werden gemeldet und übersprungen.

    Jede Zeile der Ausgabe ist {"profile", "status": "ok", "result"} mit dem Ergebnis, wie `audit run` es berechnet, oder {"profile", "status": "error", "error"}, in der Reihenfolge der Profile. Der Exit-Code ist 0, wenn jedes Profil geprüft wurde, sonst der des schwersten Fehlers (2 fehlerhafte Eingabe, 3 Plugin-Fehler, 4 Audit-Fehler); die Ausgaben werden in jedem Fall geschrieben. Strg-C oder SIGTERM beendet den Lauf und behält den fertigen Teil (Exit-Code 130 oder 143); --resume prüft dann nur den Rest.
    """
    from functools import partial

    from kundenkompass.errors import ProfileError
    from kundenkompass.render.terminal import make_console, visible
    from kundenkompass.tools import batch as batching
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    paths = batching.expand_profiles(profiles)
    if not paths:
        raise ProfileError(" ".join(map(str, profiles)), "keine Profile gefunden (*.toml)")
    # Fail before hours of work, not after.
    batching.check_outputs(output, summary, force=force, resume=resume, profiles=paths)

    console = make_console(stderr=True, soft_wrap=True)
    failed = 0
    progress = Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[failed]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    )
    task = progress.add_task("Audits", total=len(paths), failed="")

    def advance(record: batching.BatchRecord) -> None:
        nonlocal failed
        failed += not record.ok
        progress.update(
            task, advance=1, failed=f"[red]{failed} fehlgeschlagen[/red]" if failed else ""
        )

    try:
        # The display's refresh thread starts once the workers exist (see iter_records).
        # SIGINT and SIGTERM stop the batch between two records (see write_batch).
        outcome = batching.write_batch(
            paths,
            output,
            summary,
            force=force,
            resume=resume,
            summary_format=summary_format.value,
            jobs=jobs,
            # Each worker builds the engine `audit run` would use, with the same options.
            engine_factory=partial(make_engine, ruleset, skip_broken_plugins, all_sectors),
            on_record=advance,
            on_start=progress.start,
        )
    finally:
        progress.stop()

    targets = [output] if summary is None else [output, summary]
    written = " und ".join(str(target) for target in targets)
    done = outcome.total - outcome.failed
    if outcome.interrupted is not None:
        console.print(
            visible(
                f"audit: {outcome.interrupted}: {outcome.written} von {outcome.total} Profilen "
                f"fertig und geschrieben in {written}; weiter mit --resume"
            ),
            markup=False,
        )
        raise typer.Exit(outcome.interrupted.exit_code)
    resumed = f" ({outcome.resumed} aus der früheren Ausgabe behalten)" if outcome.resumed else ""
    console.print(
        visible(f"{done} von {outcome.total} Profilen geprüft{resumed}; geschrieben: {written}"),
        markup=False,
    )
    if outcome.failed:
        for message in outcome.errors:
            console.print(f"audit: Fehler: {visible(message)}", markup=False)
        raise typer.Exit(outcome.worst_exit_code)
