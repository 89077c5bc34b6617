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
)


class ExplainFormat(str, Enum):
    text = "text"
    json = "json"


@app.command()
@handles_errors
def explain(
    measure: Annotated[
        str, typer.Argument(help="The measure id, e.g. google_business_profil_anlegen.")
    ],
    profile: Annotated[Path, typer.Argument(help="The company profile (TOML).")],
    format: Annotated[
        ExplainFormat, typer.Option("--format", help="Output format.")
    ] = ExplainFormat.text,
    ruleset: RulesetOption = None,
    all_sectors: AllSectorsOption = False,
    skip_broken_plugins: SkipBrokenOption = False,
) -> None:
    """Explain why a measure is recommended for a profile, or which condition failed."""
    from kundenkompass.render.text import render_explanation

    engine = make_engine(ruleset, skip_broken_plugins, all_sectors)
    explanation = engine.explain(measure, engine.load_profile(profile))
    if format is ExplainFormat.json:
        print(explanation.model_dump_json(indent=2))
    else:
        render_explanation(explanation, stdout_console(), engine.language)
