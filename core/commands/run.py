"""`audit run`: the audit of one profile, on the terminal or as a report file."""

# Annotations here are evaluated when defined (no `from __future__ import annotations`):
# typer reads them on every start, and as strings each would be compiled.

from datetime import datetime
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
    warn_unknown_sector,
)
from kundenkompass.commands.report import (
    FORCE_HELP,
    FORMAT_HELP,
    OUTPUT_HELP,
    AudienceOption,
    ReportFormat,
    choose_format,
    write_report,
)
from kundenkompass.files.cache import collector_paused


@app.command()
@handles_errors
def run(
    profile: Annotated[Path, typer.Argument(help="Das Unternehmensprofil (TOML).")],
    format: Annotated[ReportFormat | None, typer.Option("--format", "-f", help=FORMAT_HELP)] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help=OUTPUT_HELP)] = None,
    force: Annotated[bool, typer.Option("--force", help=FORCE_HELP)] = False,
    ruleset: RulesetOption = None,
    all_sectors: AllSectorsOption = False,
    skip_broken_plugins: SkipBrokenOption = False,
    audience: AudienceOption = None,
    audit_date: Annotated[
        datetime | None,
        typer.Option(
            "--audit-date",
            formats=["%Y-%m-%d"],
            help="Datum des Audits (JJJJ-MM-TT); ersetzt [audit] date im Profil.",
        ),
    ] = None,
    advisor: Annotated[
        str | None,
        typer.Option("--advisor", help="Wer das Audit gemacht hat; ersetzt [audit] advisor."),
    ] = None,
    organisation: Annotated[
        str | None,
        typer.Option(
            "--organisation",
            help="Die Organisation der Beraterin oder des Beraters; ersetzt [audit] organisation.",
        ),
    ] = None,
) -> None:
    """Ein Unternehmensprofil prüfen und das Ergebnis zeigen (oder als Bericht schreiben)."""
    from kundenkompass.results import AuditInfo

    chosen = choose_format(format, output, ReportFormat)
    engine = make_engine(ruleset, skip_broken_plugins, all_sectors)
    given = AuditInfo(
        date=audit_date.date() if audit_date else None, advisor=advisor, organisation=organisation
    )
    loaded = engine.load_profile(profile)
    warn_unknown_sector(engine, loaded)
    # One audit and its report: bounded work whose objects mostly live until the report is
    # written, so the collector would walk them without finding garbage.
    with collector_paused():
        result = engine.audit(loaded, audit=given)
        write_report(result, chosen, audience, output, force=force, language=engine.language)
