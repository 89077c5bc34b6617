"""One entry point for every report format of an audit result."""

from __future__ import annotations

import io
from typing import Literal

from kundenkompass.render.terminal import make_console
from kundenkompass.render.view import Audience
from kundenkompass.results import AuditResult
from rich.console import Console

Format = Literal["text", "markdown", "html", "json", "pdf"]
FORMATS: tuple[Format, ...] = ("text", "markdown", "html", "json", "pdf")
#: The formats :func:`render_report` returns as text (a PDF is :func:`render_pdf`).
TEXT_FORMATS: tuple[Format, ...] = ("text", "markdown", "html", "json")

#: Width of text reports written to a file (a terminal uses its own width).
TEXT_WIDTH = 100


def plain_console() -> Console:
    """A console that collects plain text (no colours or control codes) for a file."""
    return make_console(
        file=io.StringIO(),
        width=TEXT_WIDTH,
        color_system=None,
        force_terminal=False,
        soft_wrap=True,
    )


def captured(console: Console) -> str:
    """The text a :func:`plain_console` has collected."""
    file = console.file
    if not isinstance(file, io.StringIO):
        raise TypeError("the console does not collect its output; use plain_console()")
    return file.getvalue()


def default_audience(format: Format) -> Audience:
    """The advisor's worksheet on the terminal, the owner's report in documents."""
    return "advisor" if format == "text" else "owner"


def render_report(
    result: AuditResult, format: Format, language: str = "de", audience: Audience | None = None
) -> str:
    """The report of ``result`` in a text format (JSON always carries everything).

    ``audience`` defaults to :func:`default_audience`; a PDF is :func:`render_pdf`.
    """
    chosen = audience or default_audience(format)
    if format == "json":
        return result.to_json()
    if format == "html":
        from kundenkompass.render.html import render_html

        return render_html(result, language, chosen)
    if format == "markdown":
        from kundenkompass.render.markdown import render_markdown

        return render_markdown(result, language, chosen)
    if format == "text":
        from kundenkompass.render.text import render

        console = plain_console()
        render(result, console, language, chosen)
        return captured(console)
    if format == "pdf":
        raise ValueError("a PDF is bytes: use render_pdf")
    raise ValueError(f"unknown report format {format!r}; expected one of {', '.join(FORMATS)}")


def render_pdf(result: AuditResult, language: str = "de", audience: Audience = "owner") -> bytes:
    """The HTML report printed to PDF by headless Chromium (optional extra ``pdf``)."""
    from kundenkompass.render.html import render_html
    from kundenkompass.render.pdf import html_to_pdf

    return html_to_pdf(render_html(result, language, audience))
