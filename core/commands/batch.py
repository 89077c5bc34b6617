"""`audit batch`: audit many profiles in parallel, results as JSON Lines (and CSV)."""

from __future__ import annotations

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


@app.command()
@handles_errors
def batch(
    profiles: Annotated[
        list[Path],
        typer.Argument(help="Profile files (TOML); a folder stands for its *.toml files."),
    ],
    output: Annotated[
        Path,
        typer.Option("--output", "-o", help="Results as JSON Lines: one line per profile."),
    ],
    summary: Annotated[
        Path | None,
        typer.Option(help="Also write a CSV summary: one row per company."),
    ] = None,
    jobs: Annotated[
        int | None,
        typer.Option("--jobs", "-j", min=1, help="Worker processes (default: all cores)."),
    ] = None,
    force: Annotated[bool, typer.Option(help="Replace existing output files.")] = False,
    ruleset: RulesetOption = None,
    all_sectors: AllSectorsOption = False,
    skip_broken_plugins: SkipBrokenOption = False,
) -> None:
    """Audit many profiles in parallel; bad profiles are reported and skipped.

    Each line of the output is {"profile", "status": "ok", "result"} with the result as `audit run` computes it, or {"profile", "status": "error", "error"}. The exit code is 0 when every profile was audited, otherwise that of the worst failure (2 bad input, 3 plugin error, 4 audit failure); the outputs are written either way.
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
        raise ProfileError(" ".join(map(str, profiles)), "no profiles found (*.toml)")
    targets = [output] if summary is None else [output, summary]
    if summary is not None and summary.resolve() == output.resolve():
        raise OutputError(str(summary), "is the same file as --output")
    for target in targets:  # fail before hours of work, not after
        if target.exists() and not force:
            raise OutputError(str(target), "already exists; use --force to replace it")
        if not target.parent.is_dir():
            raise OutputError(str(target), f"folder {str(target.parent)!r} does not exist")

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
            progress.update(task, advance=1, failed=f"[red]{failed} failed[/red]" if failed else "")

        # The display's refresh thread starts once the workers exist (see audit_many).
        records = batching.audit_many(
            paths,
            jobs=jobs,
            # Each worker builds the engine `audit run` would use, with the same options.
            engine_factory=partial(make_engine, ruleset, skip_broken_plugins, all_sectors),
            on_record=advance,
            on_start=progress.start,
        )
    finally:
        progress.stop()

    write_atomically(output, batching.jsonl(records), force=force)
    if summary is not None:
        write_atomically(summary, batching.summary_csv(records), force=force)

    written = " and ".join(str(target) for target in targets)
    console.print(
        visible(f"{len(records) - failed} of {len(records)} profiles audited; wrote {written}"),
        markup=False,
    )
    if failed:
        worst = max(r.error.exit_code for r in records if r.error is not None)
        for record in records:
            if record.error is not None:
                console.print(f"audit: error: {visible(record.error.message)}", markup=False)
        raise typer.Exit(worst)
