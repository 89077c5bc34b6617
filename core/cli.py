"""The ``audit`` command line: assembles the commands and runs them.

Each command module registers its commands on the shared :data:`app` when imported; the app,
the options the commands share and the error handling live in
:mod:`kundenkompass.commands.app`. :func:`command` builds the click command from them and
makes it speak German (:mod:`kundenkompass.commands.german`).

A run imports only the module of the command it runs (``audit run`` needs neither the
server nor the plugin inventory); help, shell completion and an unknown command import
them all. ``kundenkompass.cli.app`` is the app with every command.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import click

__all__ = ["app", "command", "main"]  # noqa: F822 - app comes from __getattr__

PROG_NAME = "audit"

#: The module (in :mod:`kundenkompass.commands`) that registers each command; the order is
#: the order of the commands in ``audit --help``.
COMMAND_MODULES: dict[str, str] = {
    "batch": "batch",
    "collect": "collect",
    "explain": "explain",
    "init": "init",
    "checklist": "listing",
    "measures": "listing",
    "facts": "listing",
    "plugins": "plugins",
    "lint": "plugins",
    "report": "report",
    "diff": "report",
    "run": "run",
    "schema": "schema",
    "serve": "serve",
}


def command(args: Sequence[str] | None = None) -> click.Command:
    """The ``audit`` command with its subcommands, in German: with ``args``, only the one
    those arguments run (when they name one), else all."""
    import typer
    from kundenkompass.commands.app import app
    from kundenkompass.commands.german import localize

    for module in _modules_for(args):
        importlib.import_module(f"kundenkompass.commands.{module}")
    built = typer.main.get_command(app)
    localize(built)
    return built


def _modules_for(args: Sequence[str] | None) -> list[str]:
    """The command modules that running ``args`` needs."""
    everything = list(dict.fromkeys(COMMAND_MODULES.values()))
    if args is None or f"_{PROG_NAME.upper()}_COMPLETE" in os.environ:
        return everything
    first = next((arg for arg in args if not arg.startswith("-")), None)
    # Options of `audit` itself come before the command; only --version and --help take no
    # command, and both end the program before any command would run.
    if first is None or first not in COMMAND_MODULES or args[0].startswith("-"):
        return everything
    return [COMMAND_MODULES[first]]


def main(args: Sequence[str] | None = None) -> None:
    import gc
    import sys

    arguments = sys.argv[1:] if args is None else list(args)
    # Importing the command line and what its command needs makes several hundred thousand
    # objects that live until the program ends, and next to no garbage: the cyclic collector
    # stays off meanwhile, and then leaves those objects out of its later rounds (freeze).
    gc.disable()
    try:
        built = command(arguments)
    finally:
        gc.freeze()
        gc.enable()
    # The program name is fixed, so that `python -m kundenkompass` calls itself audit too,
    # and shell completion uses the _AUDIT_COMPLETE variable either way.
    built.main(args=args, prog_name=PROG_NAME)


def __getattr__(name: str) -> Any:
    # `kundenkompass.cli.app`: the app with every command registered (for typer's test
    # runner and for tools that inspect the command line).
    if name == "app":
        for module in dict.fromkeys(COMMAND_MODULES.values()):
            importlib.import_module(f"kundenkompass.commands.{module}")
        from kundenkompass.commands.app import app

        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


if __name__ == "__main__":  # pragma: no cover
    main()
