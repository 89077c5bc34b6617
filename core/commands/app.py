"""What the commands of ``audit`` share: the app they register on, the shared options, the
engine they use and the error handling.

Commands live in :mod:`kundenkompass.commands`, one module per topic; each registers its
commands on :data:`app`. :mod:`kundenkompass.cli` imports them all and runs the app.

Errors become one line on stderr and an exit code: 2 for bad input (profile, usage),
3 for a plugin or rule error, 4 for an audit that failed while inferring. Never a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from kundenkompass.errors import KundenkompassError
from kundenkompass.render.terminal import make_console, visible
from rich.console import Console

F = TypeVar("F", bound=Callable[..., Any])

app = typer.Typer(
    name="audit",
    help="Kundenkompass: audits how customer-centric a retailer is along the customer journey.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def stdout_console() -> Console:
    terminal = sys.stdout.isatty()
    # Redirected output is not wrapped, and tables get room instead of 80 columns.
    return make_console(soft_wrap=not terminal, width=None if terminal else 120)


def _fail(message: str, code: int) -> None:
    # File names, keys and values in messages are data: one line, no control sequences.
    make_console(stderr=True, soft_wrap=True).print(
        f"audit: error: {visible(message)}", markup=False
    )
    raise typer.Exit(code)


def handles_errors(function: F) -> F:
    """Turn library errors into a one-line message and the matching exit code."""

    @wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except KundenkompassError as error:
            _debug_traceback(error)
            _fail(str(error), error.exit_code)
        except KeyboardInterrupt:
            _fail("interrupted", 130)
        except BrokenPipeError:
            # The reader went away (e.g. `audit … | head`): stop quietly, as Unix tools do.
            import os

            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise typer.Exit(141) from None
        except (typer.Exit, typer.Abort):
            raise
        except Exception as error:  # an internal error still gets one line, not a traceback
            _debug_traceback(error)
            _fail(f"internal error: {type(error).__name__}: {error}", 70)

    return wrapper  # type: ignore[return-value]


#: Set (to anything but 0) to see the traceback behind an error, e.g. of a failing plugin.
DEBUG_VARIABLE = "KUNDENKOMPASS_DEBUG"


def _debug_traceback(error: BaseException) -> None:
    """With KUNDENKOMPASS_DEBUG set, print the whole traceback (with its causes, such as
    the exception a plugin raised) to stderr before the one-line message."""
    import os
    import traceback

    if os.environ.get(DEBUG_VARIABLE, "0") in ("", "0"):
        return
    sys.stderr.write("".join(traceback.format_exception(error)))
    sys.stderr.flush()


#: Options shared by the commands that audit: explicit rulesets and broken plugins.
RulesetOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--ruleset",
        help="A ruleset file (or a folder of them) for the audits of companies of its "
        "sector (with --all-sectors: of every company); replaces the bundled or "
        "plugin-shipped ruleset of the same sector. Repeatable.",
    ),
]
AllSectorsOption = Annotated[
    bool,
    typer.Option(
        "--all-sectors",
        help="Apply the --ruleset rulesets to every audit, whatever the company's sector.",
    ),
]
SkipBrokenOption = Annotated[
    bool,
    typer.Option(
        "--skip-broken-plugins",
        help="Leave out installed plugins that cannot be imported, were built for another "
        "hook specification version or contribute invalid content (each is reported on "
        "stderr) instead of stopping.",
    ),
]


def make_engine(
    rulesets: Sequence[Path] | None = (),
    skip_broken: bool | None = None,
    all_sectors: bool = False,
) -> Any:
    """The engine the commands use: every installed plugin, the bundled rulesets and
    ``rulesets``. ``skip_broken`` is None for commands without ``--skip-broken-plugins``."""
    from kundenkompass.engine import Engine
    from kundenkompass.errors import PluginError

    try:
        engine = Engine(
            rulesets=rulesets or (),
            rulesets_all_sectors=all_sectors,
            skip_broken_plugins=bool(skip_broken),
        )
    except PluginError as error:
        if skip_broken is not False:
            raise
        raise PluginError(
            error.plugin,
            f"{error.message} (--skip-broken-plugins leaves it out)",
            origin=error.origin,
            location=error.location,
        ) from error
    for skipped in engine.skipped_plugins:
        make_console(stderr=True, soft_wrap=True).print(
            visible(f"audit: warning: plugin {skipped.name!r} left out: {skipped.reason}"),
            markup=False,
        )
    return engine
