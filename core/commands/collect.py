"""`audit collect`: check a retailer's website from outside and pre-fill a profile."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from kundenkompass.commands.app import (
    RulesetOption,
    SkipBrokenOption,
    app,
    handles_errors,
    make_engine,
)
from kundenkompass.errors import MissingDependencyError


@app.command()
@handles_errors
def collect(
    url: Annotated[
        str,
        typer.Argument(
            metavar="WEBADRESSE", help="Startseite der Website (http:// oder https://)."
        ),
    ],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Das Profil (TOML) in diese Datei schreiben.")
    ],
    profile: Annotated[
        Path | None,
        typer.Option(
            "--profile",
            "-p",
            help="Profil der Beratung: seine Angaben gelten; Widersprüche zur Website werden genannt.",
        ),
    ] = None,
    max_pages: Annotated[
        int, typer.Option("--max-pages", min=1, max=50, help="Höchstens so viele Seiten abrufen.")
    ] = 12,
    force: Annotated[
        bool, typer.Option("--force", help="Eine vorhandene --output-Datei ersetzen.")
    ] = False,
    ruleset: RulesetOption = None,
    skip_broken_plugins: SkipBrokenOption = False,
) -> None:
    """Eine Website von außen prüfen und ein vorausgefülltes Profil schreiben."""
    from kundenkompass.files.atomic import write_atomically
    from kundenkompass.files.toml_files import read_toml_text
    from kundenkompass.render.terminal import visible

    try:
        from kundenkompass.tools.collect import collect_profile
    except ImportError as error:
        raise MissingDependencyError(
            error.name or "collect",
            "audit collect braucht das Extra „collect“: pip install 'kundenkompass[collect]' "
            f"({error.name} fehlt)",
        ) from None

    engine = make_engine(ruleset, skip_broken_plugins)
    base_text = None
    if profile is not None:
        # Validated first: a bad advisor profile must not cost a crawl.
        engine.load_profile(profile)
        base_text = read_toml_text(profile)
    collected = collect_profile(
        url,
        engine.catalog,
        base_text=base_text,
        base_source=str(profile or output),
        max_pages=max_pages,
    )
    write_atomically(output, collected.text, force=force)
    err = sys.stderr
    err.write(
        visible(f"Profil geschrieben: {output} ({len(collected.findings)} Angaben von der Website)")
        + "\n"
    )
    for item in collected.contradictions:
        # Website text is data: never control sequences on the terminal.
        err.write(
            visible(
                f"Widerspruch: {item.key}: Profil sagt {item.profile_value!r}, "
                f"die Website zeigt {item.website_value!r} ({item.url})"
            )
            + "\n"
        )
    if "channels" not in collected.text.split("[website]")[0]:
        err.write("Hinweis: Kanäle nicht erkennbar – bitte unter [company] channels eintragen.\n")
