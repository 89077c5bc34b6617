"""`audit run`: the audit of one profile, on the terminal or as a report file."""

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
    stdout_console,
    warn_unknown_sector,
)
from kundenkompass.commands.report import (
    FORCE_HELP,
    OUTPUT_HELP,
    ReportFormat,
    choose_format,
    write_output,
)


@app.command()
@handles_errors
def run(
    profile: Annotated[Path, typer.Argument(help="Das Unternehmensprofil (TOML).")],
    format: Annotated[
        ReportFormat | None,
        typer.Option(
            "--format",
            "-f",
            help="text (Vorgabe), markdown, html (eine eigenständige Datei) oder json. "
            "Ohne Angabe entscheidet die Endung von --output (.txt, .md, .html, .json).",
        ),
    ] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help=OUTPUT_HELP)] = None,
    force: Annotated[bool, typer.Option("--force", help=FORCE_HELP)] = False,
    ruleset: RulesetOption = None,
    skip_broken_plugins: SkipBrokenOption = False,
) -> None:
    """Ein Unternehmensprofil prüfen und das Ergebnis zeigen (oder als Bericht schreiben)."""
    from kundenkompass.render.report import render_report

    chosen = choose_format(format, output, ReportFormat)
    engine = make_engine(ruleset, skip_broken_plugins)
    loaded = engine.load_profile(profile)
    warn_unknown_sector(engine, loaded)
    result = engine.audit(loaded)
    if chosen is ReportFormat.text and output is None:
        from kundenkompass.render.text import render

        render(result, stdout_console(), engine.language)
        return
    write_output(render_report(result, chosen.value, engine.language), output, force=force)
