"""`audit run` and `audit explain`: audits of one profile."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..cli import app, handles_errors, make_engine, stdout_console


@app.command()
@handles_errors
def run(
    profile: Annotated[Path, typer.Argument(help="The company profile (TOML).")],
) -> None:
    """Audit a company profile and print the result in German."""
    from ..render_text import render

    engine = make_engine()
    result = engine.audit(engine.load_profile(profile))
    render(result, stdout_console(), engine.language)
