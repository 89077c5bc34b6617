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
        typer.Argument(help="Profile files (TOML); a folder stands for its *.toml files."),
    ],
    output: Annotated[
        Path,
        typer.Option("--output", "-o", help="Results as JSON Lines: one line per profile."),
    ],
    summary: Annotated[
        Path | None,
        typer.Option(help="Also write a summary table (CSV): one row per company."),
    ] = None,
    summary_format: Annotated[
        SummaryFormat,
        typer.Option(
            help="excel: semicolons, decimal commas and a byte order mark, as a German "
            "Excel opens it; csv: plain CSV with commas."
        ),
    ] = SummaryFormat.excel,
    jobs: Annotated[
        int | None,
        typer.Option("--jobs", "-j", min=1, help="Worker processes (default: all cores)."),
    ] = None,
    force: Annotated[bool, typer.Option(help="Replace existing output files.")] = False,
    resume: Annotated[
        bool,
        typer.Option(
            help="Keep the records of an existing output (e.g. of an interrupted batch) and "
            "audit only the missing profiles."
        ),
    ] = False,
    ruleset: RulesetOption = None,
    all_sectors: AllSectorsOption = False,
    skip_broken_plugins: SkipBrokenOption = False,
) -> None:
    """Audit many profiles in parallel; bad profiles are reported and skipped.

    Each line of the output is {"profile", "status": "ok", "result"} with the result as `audit run` computes it, or {"profile", "status": "error", "error"}, in the order of the profiles. The exit code is 0 when every profile was audited, otherwise that of the worst failure (2 bad input, 3 plugin error, 4 audit failure); the outputs are written either way. Ctrl-C or SIGTERM stops the batch and keeps the finished part (exit 130 or 143); --resume then audits only the rest.
    """
    import signal
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
        raise ProfileError(" ".join(map(str, profiles)), "no profiles found (*.toml)")
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
        progress.update(task, advance=1, failed=f"[red]{failed} failed[/red]" if failed else "")

    def terminated(number: int, frame: object) -> None:
        raise batching.BatchInterrupted(number)

    previous = signal.signal(signal.SIGTERM, terminated)
    try:
        # The display's refresh thread starts once the workers exist (see iter_records).
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
        signal.signal(signal.SIGTERM, previous)

    targets = [output] if summary is None else [output, summary]
    written = " and ".join(str(target) for target in targets)
    done = outcome.total - outcome.failed
    if outcome.interrupted is not None:
        console.print(
            visible(
                f"audit: {outcome.interrupted}: {outcome.written} of {outcome.total} profiles "
                f"finished and written to {written}; continue with --resume"
            ),
            markup=False,
        )
        raise typer.Exit(outcome.interrupted.exit_code)
    resumed = f" ({outcome.resumed} kept from the earlier output)" if outcome.resumed else ""
    console.print(
        visible(f"{done} of {outcome.total} profiles audited{resumed}; wrote {written}"),
        markup=False,
    )
    if outcome.failed:
        for message in outcome.errors:
            console.print(f"audit: error: {visible(message)}", markup=False)
        raise typer.Exit(outcome.worst_exit_code)
