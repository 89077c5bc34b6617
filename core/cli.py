"""The ``audit`` command line: assembles the commands and runs them.

Each command module registers its commands on the shared :data:`app` when imported; the app,
the options the commands share and the error handling live in
:mod:`kundenkompass.commands.app`. :func:`command` builds the click command from them and
makes it speak German (:mod:`kundenkompass.commands.german`).
"""

from __future__ import annotations

import click
import typer
from kundenkompass.commands import (  # noqa: F401 - importing a command module registers it
    batch,
    collect,
    explain,
    init,
    listing,
    plugins,
    report,
    run,
    schema,
    serve,
)
from kundenkompass.commands.app import app
from kundenkompass.commands.german import localize

__all__ = ["app", "command", "main"]

PROG_NAME = "audit"


def command() -> click.Command:
    """The ``audit`` command with its subcommands, in German."""
    built = typer.main.get_command(app)
    localize(built)
    return built


def main() -> None:
    # The program name is fixed, so that `python -m kundenkompass` calls itself audit too,
    # and shell completion uses the _AUDIT_COMPLETE variable either way.
    command().main(prog_name=PROG_NAME)


if __name__ == "__main__":  # pragma: no cover
    main()
