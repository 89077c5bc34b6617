"""`audit explain MEASURE_ID profile.toml`: the chain behind one measure."""

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
    stdout_console,
    warn_unknown_sector,
)


class ExplainFormat(str, Enum):
    text = "text"
    json = "json"


@app.command()
@handles_errors
def explain(
    measure: Annotated[
        str, typer.Argument(help="Die Kennung der Maßnahme, z. B. google_business_profil_anlegen.")
    ],
    profile: Annotated[Path, typer.Argument(help="Das Unternehmensprofil (TOML).")],
    format: Annotated[
        ExplainFormat, typer.Option("--format", "-f", help="Ausgabeformat.")
    ] = ExplainFormat.text,
    ruleset: RulesetOption = None,
    all_sectors: AllSectorsOption = False,
    skip_broken_plugins: SkipBrokenOption = False,
) -> None:
    """Erklären, warum eine Maßnahme für ein Profil empfohlen wird oder welche Bedingung fehlt."""
    from kundenkompass.render.text import render_explanation

    engine = make_engine(ruleset, skip_broken_plugins, all_sectors)
    loaded = engine.load_profile(profile)
    warn_unknown_sector(engine, loaded)
    explanation = engine.explain(measure, loaded)
    if format is ExplainFormat.json:
        print(explanation.model_dump_json(indent=2))
    else:
        render_explanation(explanation, stdout_console(), engine.language)
