"""`audit diff`, and what `audit run` and `audit diff` share: formats and output files."""

# Annotations here are evaluated when defined (no `from __future__ import annotations`):
# typer reads them on every start, and as strings each would be compiled.

import sys
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal, TypeVar, cast

import typer
from kundenkompass.catalog.labels import CatalogNames
from kundenkompass.errors import KundenkompassError

if TYPE_CHECKING:
    from kundenkompass.results import AuditResult

from kundenkompass.commands.app import app, handles_errors, make_engine, stdout_console, wrote
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
    pdf = "pdf"


class Audience(str, Enum):
    owner = "owner"
    advisor = "advisor"


FORMAT_HELP = (
    "text (Vorgabe), markdown, html (eine eigenständige Datei), pdf (braucht das Extra "
    "'pdf' und Chromium) oder json. Ohne Angabe entscheidet die Endung von --output (.txt, "
    ".md, .html, .pdf, .json)."
)
AudienceOption = Annotated[
    Audience | None,
    typer.Option(
        "--audience",
        help="owner: der Bericht für die Inhaberin oder den Inhaber (Vorgabe für markdown, "
        "html und pdf); advisor: das Arbeitsblatt mit jeder Regel und Antwort (Vorgabe für "
        "text). JSON enthält immer alles.",
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


def write_output(content: str | bytes, output: Path | None, *, force: bool) -> None:
    if output is None:
        if isinstance(content, bytes):
            if sys.stdout.isatty():
                from kundenkompass.errors import OutputError

                raise OutputError(
                    "stdout", "ein PDF ist binär: bitte mit --output DATEI.pdf schreiben"
                )
            sys.stdout.buffer.write(content)
            sys.stdout.buffer.flush()
            return
        sys.stdout.write(content)
        sys.stdout.flush()
        return
    from kundenkompass.files.atomic import write_atomically

    write_atomically(output, content, force=force)
    wrote(output)


def write_report(
    result: "AuditResult",
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
        Path, typer.Argument(help="Ein gespeichertes Audit (JSON von `audit run --format json`).")
    ],
    format: Annotated[ReportFormat | None, typer.Option("--format", "-f", help=FORMAT_HELP)] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help=OUTPUT_HELP)] = None,
    force: Annotated[bool, typer.Option("--force", help=FORCE_HELP)] = False,
    audience: AudienceOption = None,
) -> None:
    """Ein gespeichertes Audit als Bericht zeigen, ohne erneut zu prüfen.

    Ein JSON-Ergebnis ergibt den Bericht für die Inhaber wie das Arbeitsblatt für die Beratung.
    """
    from kundenkompass.render.compare import load_result

    chosen = choose_format(format, output, ReportFormat)
    write_report(load_result(result), chosen, audience, output, force=force, language="de")


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
    try:  # the installed plugins name the facts that changed; the diff works without them
        fact_names: CatalogNames | None = CatalogNames(make_engine(None, True).catalog)
    except KundenkompassError:
        fact_names = None
    result = diff_files(before, after, fact_names)
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
