"""One entry point for every report format of an audit result."""

from __future__ import annotations

import io
from typing import Literal

from kundenkompass.render.terminal import make_console
from kundenkompass.results import AuditResult
from rich.console import Console

Format = Literal["text", "markdown", "html", "json"]
FORMATS: tuple[Format, ...] = ("text", "markdown", "html", "json")

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


def render_report(result: AuditResult, format: Format, language: str = "de") -> str:
    """The report of ``result`` in ``format`` as text."""
    if format == "json":
        return result.to_json()
    if format == "html":
        from kundenkompass.render.html import render_html

        return render_html(result, language)
    if format == "markdown":
        from kundenkompass.render.markdown import render_markdown

        return render_markdown(result, language)
    if format == "text":
        from kundenkompass.render.text import render

        console = plain_console()
        render(result, console, language)
        return captured(console)
    raise ValueError(f"unknown report format {format!r}; expected one of {', '.join(FORMATS)}")
