"""The floor plus the libraries `audit run` talks to its user with, and nothing of Kundenkompass.

Does what ``floor.py`` does (durable_rules, pluggy, pydantic, the same rulesets compiled),
then what `audit run` asks of its other libraries for one report: a typer command line built
into its click command, the user's cache folder from platformdirs, a German date and number
from Babel, and a rich table printed to the (redirected) standard output. `run.py` times it
in a fresh interpreter next to `audit run` and the floor: the gap between the two floors is
what those libraries cost before any of Kundenkompass's own work.
"""

from __future__ import annotations

import datetime
import sys

import babel.dates
import babel.numbers
import platformdirs
import typer
from floor import main as floor
from rich.console import Console
from rich.table import Table


def main(path: str) -> None:
    floor(path)
    app = typer.Typer()

    @app.command()
    def run(profile: str) -> None:  # the shape of `audit run PROFIL`
        return None

    @app.command()
    def schema() -> None:  # a second command, so that typer builds a group as `audit` has
        return None

    typer.main.get_command(app)
    platformdirs.user_cache_path("kundenkompass")
    day = babel.dates.format_date(datetime.date(2026, 12, 4), format="long", locale="de")
    score = babel.numbers.format_decimal(52.5, locale="de")
    table = Table(title=day)
    table.add_column("Phase")
    table.add_column("Punkte", justify="right")
    table.add_row("Kauf", score)
    Console(highlight=False, emoji=False, soft_wrap=True, width=120).print(table)


if __name__ == "__main__":
    main(sys.argv[1])
