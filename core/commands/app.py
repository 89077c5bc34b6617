"""What the commands of ``audit`` share: the app they register on, the shared options, the
engine they use and the error handling.

Commands live in :mod:`kundenkompass.commands`, one module per topic; each registers its
commands on :data:`app`. :mod:`kundenkompass.cli` imports them all and runs the app.

Errors become one line on stderr and an exit code: 2 for bad input (profile, usage),
3 for a plugin or rule error, 4 for an audit that failed while inferring. Never a traceback.
"""

# Annotations here are evaluated when defined (no `from __future__ import annotations`):
# typer reads them on every start, and as strings each would be compiled.

import sys
from collections.abc import Callable, Sequence
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from kundenkompass.errors import KundenkompassError
from kundenkompass.render.terminal import visible
from rich.console import Console

F = TypeVar("F", bound=Callable[..., Any])

app = typer.Typer(
    name="audit",
    help="Kundenkompass: prüft, wie kundenzentriert ein Händler entlang der Customer Journey "
    "arbeitet, und leitet daraus einen priorisierten Maßnahmenplan ab.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    # click suggests close command names itself, in German.
    suggest_commands=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _show_version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"audit (Kundenkompass) {version('kundenkompass')}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            "-V",
            callback=_show_version,
            is_eager=True,
            help="Die Version zeigen und beenden.",
        ),
    ] = False,
    debug: Annotated[
        bool,
        typer.Option(
            "--debug",
            help="Bei einem Fehler die vollständige Ablaufverfolgung (Traceback) zeigen, z. B. "
            "die Ausnahme eines fehlerhaften Plugins; wie KUNDENKOMPASS_DEBUG=1.",
        ),
    ] = False,
) -> None:
    """Options of ``audit`` itself (its help text is the app's)."""
    if debug:
        import os

        # The variable reaches the worker processes of `audit batch` as well.
        os.environ[DEBUG_VARIABLE] = "1"


class _Console(Console):
    """A console that lets a closed pipe surface as :class:`BrokenPipeError`.

    rich handles it itself by exiting with status 1; :func:`handles_errors` ends quietly.
    """

    def on_broken_pipe(self) -> None:
        raise BrokenPipeError


def stderr_console() -> Console:
    return _Console(stderr=True, highlight=False, emoji=False, soft_wrap=True)


def notice(message: str) -> None:
    """One line for the user on stderr (never mixed into the output on stdout); names and
    values in it are data, so control characters are shown, not obeyed."""
    stderr_console().print(visible(message), markup=False)


def warn(message: str) -> None:
    notice(f"audit: Warnung: {message}")


def stdout_console() -> Console:
    terminal = sys.stdout.isatty()
    # Redirected output is not wrapped, and tables get room instead of 80 columns.
    return _Console(
        highlight=False, emoji=False, soft_wrap=not terminal, width=None if terminal else 120
    )


def _fail(message: str, code: int) -> None:
    # File names, keys and values in messages are data: one line, no control sequences.
    notice(f"audit: Fehler: {visible(message)}")
    raise typer.Exit(code)


#: What to run when durable_rules' C extension cannot be loaded (see setup.py).
DURABLE_RULES_FIX = (
    'CC="gcc -DPyEval_CallObject=PyObject_CallObject" {python} -m pip install '
    "--force-reinstall --no-deps --no-cache-dir durable_rules==2.0.28"
)


def _engine_unavailable(error: ImportError) -> str | None:
    """The message for a durable_rules that does not load, else None."""
    names = {error.name or "", *str(error).replace("/", " ").split()}
    if not any(name.startswith(("durable", "durable_rules_engine")) for name in names):
        return None
    fix = DURABLE_RULES_FIX.format(python=sys.executable)
    return f"die Regel-Engine durable_rules lässt sich nicht laden ({error}); Abhilfe: {fix}"


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
            _fail("abgebrochen", 130)
        except BrokenPipeError:
            # The reader went away (`audit … | head`): it has all it wanted, so stop quietly
            # and successfully, as ripgrep does, which also passes under `set -o pipefail`.
            # Later writes (the interpreter flushes stdout at exit) go to /dev/null.
            import os

            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise typer.Exit(0) from None
        except (typer.Exit, typer.Abort):
            raise
        except ImportError as error:
            message = _engine_unavailable(error)
            if message is None:
                _fail(f"interner Fehler: {type(error).__name__}: {error}", 70)
            _fail(str(message), 3)
        except Exception as error:  # an internal error still gets one line, not a traceback
            _debug_traceback(error)
            _fail(f"interner Fehler: {type(error).__name__}: {error}", 70)

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
        "-r",
        help="Ein Regelwerk: eine Datei, ein Ordner mit Regelwerken oder der Name eines "
        "mitgelieferten Regelwerks (wie `audit plugins` ihn zeigt, z. B. moebel). Es gilt für "
        "Unternehmen seiner Branche (mit --all-sectors für jedes Audit) und ersetzt das "
        "mitgelieferte oder von einem Plugin mitgebrachte Regelwerk derselben Branche. "
        "Mehrfach angebbar.",
        show_default=False,
    ),
]
AllSectorsOption = Annotated[
    bool,
    typer.Option(
        "--all-sectors",
        help="Die mit --ruleset angegebenen Regelwerke auf jedes Audit anwenden, gleich "
        "welcher Branche das Unternehmen angehört.",
    ),
]
SkipBrokenOption = Annotated[
    bool,
    typer.Option(
        "--skip-broken-plugins",
        help="Installierte Plugins, die sich nicht laden lassen, für eine andere Version der "
        "Hook-Spezifikation gebaut sind oder ungültige Inhalte beitragen, auslassen (jedes "
        "wird auf stderr genannt) statt abzubrechen.",
    ),
]


def resolve_rulesets(given: Sequence[Path] | None) -> list[Path]:
    """Paths as given; a bare name that is no file stands for the bundled ruleset of that
    name (or file name), as ``audit plugins`` lists it."""
    from kundenkompass.catalog.rulesets import bundled_ruleset_paths, load_ruleset
    from kundenkompass.errors import InputFileError

    resolved: list[Path] = []
    bundled: dict[str, Path] | None = None
    for path in given or ():
        text = str(path)
        if path.exists() or "/" in text or path.suffix:
            resolved.append(path)
            continue
        if bundled is None:
            bundled = {}
            for candidate in bundled_ruleset_paths():
                bundled.setdefault(candidate.stem, candidate)
                bundled.setdefault(load_ruleset(candidate).name, candidate)
        if text in bundled:
            resolved.append(bundled[text])
            continue
        names = sorted({bundled_path.stem for bundled_path in bundled.values()})
        raise InputFileError(
            "--ruleset",
            f"{text!r} ist weder eine Datei noch ein mitgeliefertes Regelwerk"
            + did_you_mean(text, names)
            + "; mitgeliefert: "
            + ", ".join(names),
        )
    return resolved


def did_you_mean(word: str, choices: Sequence[str]) -> str:
    """`` (meinten Sie 'x'?)`` for a choice that ``word`` is probably a typo of, or nothing.

    Only close matches count: at most one edit (two from six letters, three from twelve) away
    from the choice or from its beginning, so that "fahrad" suggests "fahrradhandel" while
    "buchhandel" suggests nothing (sharing "handel" is no typo).
    """
    allowed = 1 if len(word) < 6 else 2 if len(word) < 12 else 3
    best: tuple[int, str] | None = None
    for choice in choices:
        starts = {choice[:length] for length in range(len(word) - 1, len(word) + 2) if length > 3}
        distance = min(_edits(word, candidate) for candidate in {choice, *starts})
        if distance <= allowed and (best is None or distance < best[0]):
            best = (distance, choice)
    return f" (meinten Sie {best[1]!r}?)" if best else ""


def _edits(first: str, second: str) -> int:
    """Insertions, deletions, substitutions and swaps of neighbours from one to the other."""
    previous2: list[int] = []
    previous = list(range(len(second) + 1))
    for i, left in enumerate(first, start=1):
        current = [i] + [0] * len(second)
        for j, right in enumerate(second, start=1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (left != right))
            if i > 1 and j > 1 and left == second[j - 2] and first[i - 2] == right:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]


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
            rulesets=resolve_rulesets(rulesets),
            rulesets_all_sectors=all_sectors,
            skip_broken_plugins=bool(skip_broken),
        )
    except PluginError as error:
        if skip_broken is not False:
            raise
        raise PluginError(
            error.plugin,
            f"{error.message} (--skip-broken-plugins lässt es aus)",
            origin=error.origin,
            location=error.location,
        ) from error
    for skipped in engine.skipped_plugins:
        warn(visible(f"Plugin {skipped.name!r} ausgelassen: {skipped.reason}"))
    return engine


def warn_unknown_sector(engine: Any, profile: Any) -> None:
    """Warn when the profile's sector has no content: probably a typo, and then no sector
    ruleset or sector content applies."""
    sector = profile.company.sector
    known = list(engine.catalog.sectors)
    if sector is None or not known or sector in known:
        return
    listed = ", ".join(known)
    warn(
        f"Branche {sector!r} ist unbekannt{did_you_mean(sector, known)}; für sie gelten weder "
        f"ein Branchen-Regelwerk noch Branchen-Inhalte. Bekannte Branchen: {listed}"
    )


def wrote(path: Path, what: str = "Bericht") -> None:
    """Tell on stderr that a file was written."""
    notice(f"{what} geschrieben: {path}")
