"""The ``audit`` command line: assembles the commands and runs them.

Each command module registers its commands on the shared :data:`app` when imported; the app,
the options the commands share and the error handling live in
:mod:`kundenkompass.commands.app`.
"""

from __future__ import annotations

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

__all__ = ["app", "main"]


def main() -> None:
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
