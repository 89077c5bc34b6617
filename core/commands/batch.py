"""`audit batch`: audit many profiles in parallel, results as JSON Lines (and CSV)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from kundenkompass.commands.app import (
    RulesetOption,
    SkipBrokenOption,
    app,
    handles_errors,
    make_engine,
)


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
        typer.Option(help="Zusätzlich eine CSV-Übersicht schreiben: eine Zeile je Unternehmen."),
    ] = None,
    jobs: Annotated[
        int | None,
        typer.Option("--jobs", "-j", min=1, help="Arbeitsprozesse (Vorgabe: alle Kerne)."),
    ] = None,
    force: Annotated[bool, typer.Option(help="Vorhandene Ausgabedateien ersetzen.")] = False,
    ruleset: RulesetOption = None,
    skip_broken_plugins: SkipBrokenOption = False,
) -> None:
    """Viele Profile parallel prüfen; fehlerhafte Profile werden gemeldet und übersprungen.

    Jede Zeile der Ausgabe ist {"profile", "status": "ok", "result"} mit dem Ergebnis, wie `audit run` es berechnet, oder {"profile", "status": "error", "error"}. Der Exit-Code ist 0, wenn jedes Profil geprüft wurde, sonst der des schwersten Fehlers (2 fehlerhafte Eingabe, 3 Plugin-Fehler, 4 Audit-Fehler); die Ausgaben werden in jedem Fall geschrieben.
    """
    from functools import partial

    from kundenkompass.errors import OutputError, ProfileError
    from kundenkompass.files.atomic import write_atomically
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
    targets = [output] if summary is None else [output, summary]
    if summary is not None and summary.resolve() == output.resolve():
        raise OutputError(str(summary), "ist dieselbe Datei wie --output")
    for target in targets:  # fail before hours of work, not after
        if target.exists() and not force:
            raise OutputError(str(target), "gibt es schon; --force ersetzt sie")
        if not target.parent.is_dir():
            raise OutputError(str(target), f"den Ordner {str(target.parent)!r} gibt es nicht")

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
    try:

        def advance(record: batching.BatchRecord) -> None:
            nonlocal failed
            failed += not record.ok
            progress.update(
                task, advance=1, failed=f"[red]{failed} fehlgeschlagen[/red]" if failed else ""
            )

        # The display's refresh thread starts once the workers exist (see audit_many).
        records = batching.audit_many(
            paths,
            jobs=jobs,
            # Each worker builds the engine `audit run` would use, with the same options.
            engine_factory=partial(make_engine, ruleset, skip_broken_plugins),
            on_record=advance,
            on_start=progress.start,
        )
    finally:
        progress.stop()

    write_atomically(output, batching.jsonl(records), force=force)
    if summary is not None:
        write_atomically(summary, batching.summary_csv(records), force=force)

    written = " und ".join(str(target) for target in targets)
    console.print(
        visible(
            f"{len(records) - failed} von {len(records)} Profilen geprüft; geschrieben: {written}"
        ),
        markup=False,
    )
    if failed:
        worst = max(r.error.exit_code for r in records if r.error is not None)
        for record in records:
            if record.error is not None:
                console.print(f"audit: Fehler: {visible(record.error.message)}", markup=False)
        raise typer.Exit(worst)
