"""The ``audit`` command line: a thin layer over the engine.

Errors become one line on stderr and an exit code: 2 for bad input (profile, usage),
3 for a plugin or rule error, 4 for an audit that failed while inferring. Never a traceback.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from enum import Enum
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from .errors import KundenkompassError

F = TypeVar("F", bound=Callable[..., Any])

app = typer.Typer(
    name="audit",
    help="Kundenkompass: audits how customer-centric a retailer is along the customer journey.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


class ListFormat(str, Enum):
    text = "text"
    json = "json"


class FactsFormat(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"


def _stdout() -> Console:
    return Console(highlight=False, soft_wrap=not sys.stdout.isatty())


def _fail(message: str, code: int) -> None:
    Console(stderr=True, highlight=False, soft_wrap=True).print(
        f"audit: error: {message}", markup=False
    )
    raise typer.Exit(code)


def handles_errors(function: F) -> F:
    """Turn library errors into a one-line message and the matching exit code."""

    @wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except KundenkompassError as error:
            _fail(str(error), error.exit_code)
        except KeyboardInterrupt:
            _fail("interrupted", 130)
        except (typer.Exit, typer.Abort):
            raise
        except Exception as error:  # an internal error still gets one line, not a traceback
            _fail(f"internal error: {type(error).__name__}: {error}", 70)

    return wrapper  # type: ignore[return-value]


def _engine() -> Any:
    from .engine import Engine

    return Engine()


@app.command()
@handles_errors
def run(
    profile: Annotated[Path, typer.Argument(help="The company profile (TOML).")],
) -> None:
    """Audit a company profile and print the result in German."""
    from .render_text import render

    engine = _engine()
    result = engine.audit(engine.load_profile(profile))
    render(result, _stdout(), engine.language)


@app.command()
@handles_errors
def checklist(
    phase: Annotated[str | None, typer.Option(help="Only this phase.")] = None,
    format: Annotated[
        ListFormat, typer.Option("--format", help="Output format.")
    ] = ListFormat.text,
) -> None:
    """List the checklist items of all phases (or one)."""
    from .listing import checklist_entries, print_checklist

    engine = _engine()
    entries = checklist_entries(engine.catalog, phase)
    if format is ListFormat.json:
        print(json.dumps(entries, ensure_ascii=False, indent=2))
    else:
        print_checklist(entries, _stdout())


@app.command()
@handles_errors
def measures(
    format: Annotated[
        ListFormat, typer.Option("--format", help="Output format.")
    ] = ListFormat.text,
) -> None:
    """List the catalogue of measures."""
    from .listing import measure_entries, print_measures

    engine = _engine()
    entries = measure_entries(engine.catalog)
    if format is ListFormat.json:
        print(json.dumps(entries, ensure_ascii=False, indent=2))
    else:
        print_measures(entries, _stdout())


@app.command()
@handles_errors
def facts(
    format: Annotated[
        FactsFormat, typer.Option("--format", help="Output format.")
    ] = FactsFormat.text,
) -> None:
    """List what a profile may contain: answers, facts and thresholds, with their questions."""
    from .listing import fact_entries, facts_markdown, print_facts

    engine = _engine()
    if format is FactsFormat.json:
        print(json.dumps(fact_entries(engine.catalog), ensure_ascii=False, indent=2))
    elif format is FactsFormat.markdown:
        sys.stdout.write(facts_markdown(engine.catalog))
    else:
        print_facts(fact_entries(engine.catalog), _stdout())


def main() -> None:
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
