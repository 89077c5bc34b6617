"""`audit diff`, and what `audit run` and `audit diff` share: formats and output files."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal, TypeVar, cast

import typer

if TYPE_CHECKING:
    from kundenkompass.results import AuditResult

from kundenkompass.commands.app import app, handles_errors, stdout_console

OUTPUT_HELP = "Write to this file instead of stdout (atomically: never half-written)."
FORCE_HELP = "Replace the --output file if it exists."


class ReportFormat(str, Enum):
    text = "text"
    markdown = "markdown"
    html = "html"
    json = "json"
    pdf = "pdf"


class Audience(str, Enum):
    owner = "owner"
    advisor = "advisor"


FORMAT_HELP = (
    "text (the default), markdown, html (one self-contained file), pdf (needs the extra "
    "'pdf' and Chromium) or json. Without it, the extension of --output decides (.md, "
    ".html, .pdf, .json, .txt)."
)
AudienceOption = Annotated[
    Audience | None,
    typer.Option(
        "--audience",
        help="owner: the shop owner's report (the default for markdown, html and pdf); "
        "advisor: the worksheet with every rule and answer (the default for text). "
        "JSON always carries everything.",
    ),
]


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
    """The --format given, else the one the output file's extension names, else text."""
    if chosen is not None:
        return chosen
    if output is not None:
        name = _EXTENSIONS.get(output.suffix.lower())
        if name in formats.__members__:
            return formats(name)
    return formats("text")


def write_output(content: str | bytes, output: Path | None, *, force: bool) -> None:
    if output is None:
        if isinstance(content, bytes):
            if sys.stdout.isatty():
                from kundenkompass.errors import OutputError

                raise OutputError("stdout", "a PDF is binary: write it with --output FILE.pdf")
            sys.stdout.buffer.write(content)
            sys.stdout.buffer.flush()
            return
        sys.stdout.write(content)
        sys.stdout.flush()
        return
    from kundenkompass.files.atomic import write_atomically

    write_atomically(output, content, force=force)


def write_report(
    result: AuditResult,
    chosen: ReportFormat,
    audience: Audience | None,
    output: Path | None,
    *,
    force: bool,
    language: str,
) -> None:
    """Render ``result`` as asked and write it to ``output`` or stdout."""
    from kundenkompass.render.report import (
        Format,
        default_audience,
        render_pdf,
        render_report,
    )

    reader: Literal["owner", "advisor"] = (
        ("advisor" if audience is Audience.advisor else "owner")
        if audience
        else default_audience(chosen.value)
    )
    if chosen is ReportFormat.text and output is None:
        from kundenkompass.render.text import render

        render(result, stdout_console(), language, reader)
        return
    content: str | bytes
    if chosen is ReportFormat.pdf:
        content = render_pdf(result, language, reader)
    else:
        content = render_report(result, cast(Format, chosen.value), language, reader)
    write_output(content, output, force=force)


@app.command()
@handles_errors
def report(
    result: Annotated[
        Path, typer.Argument(help="A saved audit (JSON of `audit run --format json`).")
    ],
    format: Annotated[ReportFormat | None, typer.Option("--format", "-f", help=FORMAT_HELP)] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help=OUTPUT_HELP)] = None,
    force: Annotated[bool, typer.Option("--force", help=FORCE_HELP)] = False,
    audience: AudienceOption = None,
) -> None:
    """Show a saved audit as a report, without auditing again.

    One JSON result gives the owner's report and the advisor's worksheet alike.
    """
    from kundenkompass.render.compare import load_result

    chosen = choose_format(format, output, ReportFormat)
    write_report(load_result(result), chosen, audience, output, force=force, language="de")


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
