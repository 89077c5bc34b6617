"""`audit diff`, and what `audit run` and `audit diff` share: formats and output files."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from kundenkompass.commands.app import app, handles_errors, stdout_console, wrote
from kundenkompass.errors import OutputError

OUTPUT_HELP = (
    "In diese Datei schreiben statt auf die Standardausgabe (atomar: nie halb geschrieben)."
)
FORCE_HELP = "Eine vorhandene --output-Datei ersetzen."


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
    ".pdf": "pdf",
}

F = TypeVar("F", ReportFormat, DiffFormat)


def choose_format(chosen: F | None, output: Path | None, formats: type[F]) -> F:
    """The --format given, else the one the output file's extension names, else text.

    A file extension that names another format than the one chosen is refused (a report
    written as text into ``bericht.pdf`` cannot be opened); ``.txt`` takes any of them.
    """
    named = _EXTENSIONS.get(output.suffix.lower()) if output is not None else None
    if chosen is not None:
        # A .txt file takes any textual format; other extensions name exactly one.
        if output is not None and named not in (None, "text", chosen.value):
            wanted = ", ".join(ext for ext, name in _EXTENSIONS.items() if name == chosen.value)
            raise OutputError(
                str(output),
                f"die Endung {output.suffix} passt nicht zum Format {chosen.value}"
                + (f"; erwartet: {wanted}" if wanted else ""),
            )
        return chosen
    if output is not None and named is not None:
        if named not in formats.__members__:
            possible = ", ".join(
                ext for ext, name in _EXTENSIONS.items() if name in formats.__members__
            )
            raise OutputError(
                str(output),
                f"als {output.suffix} kann dieser Befehl nicht schreiben; möglich: {possible}",
            )
        return formats(named)
    return formats("text")


def write_output(content: str, output: Path | None, *, force: bool) -> None:
    if output is None:
        sys.stdout.write(content)
        sys.stdout.flush()
        return
    from kundenkompass.files.atomic import write_atomically

    write_atomically(output, content, force=force)
    wrote(output)


@app.command()
@handles_errors
def diff(
    before: Annotated[
        Path, typer.Argument(help="Das frühere Audit (JSON von `audit run --format json`).")
    ],
    after: Annotated[Path, typer.Argument(help="Das spätere Audit desselben Unternehmens (JSON).")],
    format: Annotated[
        DiffFormat | None,
        typer.Option(
            "--format",
            "-f",
            help="text (Vorgabe), markdown oder json. Ohne Angabe entscheidet die Endung "
            "von --output.",
        ),
    ] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help=OUTPUT_HELP)] = None,
    force: Annotated[bool, typer.Option("--force", help=FORCE_HELP)] = False,
) -> None:
    """Den Fortschritt zwischen zwei Audits desselben Unternehmens zeigen.

    Punkteänderungen je Phase und insgesamt, erledigte, neue und noch offene Maßnahmen und
    die geänderten Antworten.
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
