"""`audit init`: a guided questionnaire that writes the profile, or a commented template."""

from __future__ import annotations

import contextlib
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from kundenkompass.commands.app import (
    app,
    handles_errors,
    make_engine,
    notice,
    stdout_console,
)
from kundenkompass.errors import OutputError, ProfileError
from kundenkompass.render.terminal import visible

#: Exit code of an interrupted questionnaire (as for Ctrl-C elsewhere).
EXIT_INTERRUPTED = 130
#: Exit code when the user declines to have an existing file rewritten.
EXIT_DECLINED = 1


@app.command()
@handles_errors
def init(
    profile: Annotated[
        Path,
        typer.Argument(
            help="Das Profil, das geschrieben oder ergänzt wird (TOML). Mit --template schreibt "
            "'-' auf die Standardausgabe."
        ),
    ],
    template: Annotated[
        bool,
        typer.Option(
            "--template",
            help="Statt zu fragen ein leeres, vollständig kommentiertes Profil schreiben.",
        ),
    ] = False,
    review: Annotated[
        bool,
        typer.Option(
            "--review", help="Alle Antworten noch einmal durchgehen, nicht nur die offenen."
        ),
    ] = False,
    phase: Annotated[str | None, typer.Option(help="Nur diese Phase abfragen.")] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Mit --template: eine vorhandene Datei ersetzen.")
    ] = False,
) -> None:
    """Den Fragebogen im Terminal beantworten und das Profil schreiben.

    Bei einem vorhandenen Profil werden nur die offenen Fragen gestellt; gegebene Antworten werden nur nach Rückfrage ersetzt. Die Antworten werden nach jeder Phase gespeichert und auch, wenn der Fragebogen mit Strg-C unterbrochen wird.
    """
    if template:
        if review or phase:
            raise ProfileError("--template", "lässt sich nicht mit --review oder --phase verbinden")
        _write_template(profile, force)
        return
    if force:
        raise ProfileError(
            "--force",
            "gilt nur mit --template; ein vorhandenes Profil wird ergänzt, nicht ersetzt",
        )
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise OutputError(
            str(profile),
            "der Fragebogen braucht ein interaktives Terminal; für eine Datei zum Ausfüllen "
            f"von Hand eine Vorlage schreiben mit: audit init --template {profile}",
        )
    _ask(profile, review, phase)


def _write_template(path: Path, force: bool) -> None:
    from kundenkompass.files.atomic import write_atomically
    from kundenkompass.texts import text
    from kundenkompass.tools.questionnaire.questions import build_sections
    from kundenkompass.tools.questionnaire.template import template_text

    engine = make_engine()
    sections = build_sections(engine.catalog, engine.language)
    content = template_text(sections, engine.catalog, engine.language)
    if str(path) == "-":
        sys.stdout.write(content)
        return
    write_atomically(path, content, force=force)
    count = sum(len(section.questions) for section in sections)
    # On stderr like every "… geschrieben: DATEI" line: stdout stays for the content.
    notice(text("init.template_written", path=path, count=count))


def _ask(path: Path, review: bool, phase: str | None) -> None:
    from kundenkompass.render.text import render
    from kundenkompass.texts import text
    from kundenkompass.tools.questionnaire.prompts import TerminalPrompter
    from kundenkompass.tools.questionnaire.session import InitSession

    console = stdout_console()
    engine = make_engine()
    prompter = TerminalPrompter(console, engine.language)
    session = InitSession(
        path, engine.catalog, prompter, review=review, phase=phase, language=engine.language
    )
    console.print(text("init.intro"), markup=False)
    with _signals_interrupt():
        outcome = session.run()
    if outcome.backup:
        console.print(visible(text("init.backup_kept", backup=outcome.backup)), markup=False)
    if outcome.declined:
        raise typer.Exit(EXIT_DECLINED)
    if outcome.interrupted:
        with contextlib.suppress(OSError):  # the terminal may be gone (SIGHUP)
            console.print()
            key = "init.interrupted_saved" if path.exists() else "init.interrupted_nothing"
            console.print(visible(text(key, path=path)), markup=False)
        raise typer.Exit(EXIT_INTERRUPTED)
    if not path.exists():
        return
    console.print()
    finished = "init.finished" if outcome.saved else "init.finished_unchanged"
    console.print(
        visible(text(finished, path=path, answered=outcome.answered, open=outcome.open)),
        markup=False,
    )
    try:
        wanted = prompter.confirm(text("init.audit_now"), default=True)
    except (KeyboardInterrupt, EOFError):
        raise typer.Exit(EXIT_INTERRUPTED) from None
    if wanted:
        console.print()
        render(engine.audit(engine.load_profile(path)), console, engine.language)
    else:
        console.print(visible(text("init.audit_later", path=path)), markup=False)


@contextlib.contextmanager
def _signals_interrupt() -> Iterator[None]:
    """Treat a closed terminal (SIGHUP) or SIGTERM like Ctrl-C, so answers are saved."""

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = {}
    for name in ("SIGHUP", "SIGTERM"):
        number = getattr(signal, name, None)
        if number is not None:
            previous[number] = signal.signal(number, interrupt)
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
