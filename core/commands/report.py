"""`audit diff`, and what `audit run` and `audit diff` share: formats and output files."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from kundenkompass.commands.app import app, handles_errors, stdout_console

OUTPUT_HELP = "Write to this file instead of stdout (atomically: never half-written)."
FORCE_HELP = "Replace the --output file if it exists."


class ReportFormat(str, Enum):
    text = "text"
    markdown = "markdown"
    html = "html"
    json = "json"


class DiffFormat(str, Enum):
    text = "text"
    markdown = "markdown"
    json = "json"


_EXTENSIONS = {
    ".txt": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
    ".json": "json",
}

F = TypeVar("F", ReportFormat, DiffFormat)


def choose_format(chosen: F | None, output: Path | None, formats: type[F]) -> F:
    """The --format given, else the one the output file's extension names, else text."""
    if chosen is not None:
        return chosen
    if output is not None:
        name = _EXTENSIONS.get(output.suffix.lower())
        if name in formats.__members__:
            return formats(name)
    return formats("text")


def write_output(content: str, output: Path | None, *, force: bool) -> None:
    if output is None:
        sys.stdout.write(content)
        sys.stdout.flush()
        return
    from kundenkompass.files.atomic import write_atomically

    write_atomically(output, content, force=force)


@app.command()
@handles_errors
def diff(
    before: Annotated[
        Path, typer.Argument(help="The earlier audit (JSON of `audit run --format json`).")
    ],
    after: Annotated[Path, typer.Argument(help="The later audit of the same company (JSON).")],
    format: Annotated[
        DiffFormat | None,
        typer.Option(
            "--format",
            "-f",
            help="text (the default), markdown or json. Without it, the extension of "
            "--output decides.",
        ),
    ] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help=OUTPUT_HELP)] = None,
    force: Annotated[bool, typer.Option("--force", help=FORCE_HELP)] = False,
) -> None:
    """Show the progress between two audits of the same company.

    Score changes per phase and overall, measures done, new and still open, and the
    answers that changed.
    """
    from kundenkompass.render.compare import diff_files
    from kundenkompass.render.diff import render_diff_markdown, render_diff_text
    from kundenkompass.render.report import captured, plain_console

    chosen = choose_format(format, output, DiffFormat)
    result = diff_files(before, after)
    names = {"before_name": str(before), "after_name": str(after)}
    if chosen is DiffFormat.json:
        content = result.to_json()
    elif chosen is DiffFormat.markdown:
        content = render_diff_markdown(result, **names)
    elif output is None:
        render_diff_text(result, stdout_console(), **names)
        return
    else:
        console = plain_console()
        render_diff_text(result, console, **names)
        content = captured(console)
    write_output(content, output, force=force)
