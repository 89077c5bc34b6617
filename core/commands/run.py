"""`audit run`: the audit of one profile, on the terminal or as a report file."""

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
    stdout_console,
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
    profile: Annotated[Path, typer.Argument(help="The company profile (TOML).")],
    format: Annotated[
        ReportFormat | None,
        typer.Option(
            "--format",
            "-f",
            help="text (the default), markdown, html (one self-contained file) or json. "
            "Without it, the extension of --output decides (.md, .html, .json, .txt).",
        ),
    ] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help=OUTPUT_HELP)] = None,
    force: Annotated[bool, typer.Option("--force", help=FORCE_HELP)] = False,
    ruleset: RulesetOption = None,
    all_sectors: AllSectorsOption = False,
    skip_broken_plugins: SkipBrokenOption = False,
) -> None:
    """Audit a company profile and show the result in German."""
    from kundenkompass.render.report import render_report

    chosen = choose_format(format, output, ReportFormat)
    engine = make_engine(ruleset, skip_broken_plugins, all_sectors)
    result = engine.audit(engine.load_profile(profile))
    if chosen is ReportFormat.text and output is None:
        from kundenkompass.render.text import render

        render(result, stdout_console(), engine.language)
        return
    write_output(render_report(result, chosen.value, engine.language), output, force=force)
