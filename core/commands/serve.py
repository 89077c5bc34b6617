"""`audit serve`: the HTTP service (needs the ``server`` extra: FastAPI and uvicorn)."""

from __future__ import annotations

import os
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer
from kundenkompass.commands.app import (
    AllSectorsOption,
    RulesetOption,
    SkipBrokenOption,
    app,
    handles_errors,
    make_engine,
)

INSTALL_HINT = "pip install 'kundenkompass[server]'"


class LogLevel(str, Enum):
    critical = "critical"
    error = "error"
    warning = "warning"
    info = "info"
    debug = "debug"


@app.command()
@handles_errors
def serve(
    host: Annotated[str, typer.Option(help="Adresse, auf der der Dienst lauscht.")] = "127.0.0.1",
    port: Annotated[
        int, typer.Option(min=0, max=65535, help="Port, auf dem der Dienst lauscht.")
    ] = 8000,
    max_body_size: Annotated[int, typer.Option(min=1, help="Größte Anfrage in Bytes.")] = 1024
    * 1024,
    workers: Annotated[
        int, typer.Option(min=1, help="Arbeitsprozesse, jeder mit eigener Engine.")
    ] = 1,
    request_timeout: Annotated[
        float,
        typer.Option(
            min=0.1,
            help="Sekunden, die ein Client für eine vollständige Anfrage hat; untätige und "
            "langsame Verbindungen werden danach geschlossen.",
        ),
    ] = 10.0,
    keep_alive_timeout: Annotated[
        int,
        typer.Option(
            min=1, help="Sekunden, die eine untätige Verbindung nach einer Antwort offen bleibt."
        ),
    ] = 5,
    max_connections: Annotated[
        int,
        typer.Option(
            min=1,
            help="Höchstzahl gleichzeitiger Verbindungen je Arbeitsprozess; weitere werden "
            "sofort geschlossen, weitere Anfragen erhalten 503.",
        ),
    ] = 100,
    log_level: Annotated[
        LogLevel, typer.Option(help="Wie ausführlich der Dienst protokolliert.")
    ] = LogLevel.info,
    token: Annotated[
        str | None,
        typer.Option(
            envvar="KUNDENKOMPASS_TOKEN",
            show_envvar=True,
            help="Zugangstoken (mindestens 16 Zeichen): Pflicht auf jeder Adresse außer "
            "127.0.0.1/localhost. Browser melden sich unter /anmelden an, Programme senden "
            "'Authorization: Bearer <Token>'.",
        ),
    ] = None,
    data_dir: Annotated[
        Path | None,
        typer.Option(
            file_okay=False,
            help="Audits in diesem Ordner speichern (eine Profildatei je Audit) und auf der "
            "Startseite zum Fortsetzen anbieten. Ohne diese Angabe speichert der Dienst nichts.",
        ),
    ] = None,
    ruleset: RulesetOption = None,
    all_sectors: AllSectorsOption = False,
    skip_broken_plugins: SkipBrokenOption = False,
) -> None:
    """Audits als HTTP-Dienst anbieten: die Web-Oberfläche für Beratende unter / und die
    JSON-Schnittstelle (POST /audits, GET /checklist, /measures, /facts, /health).

    Die OpenAPI-Dokumentation steht unter /docs und /openapi.json. Ohne --token startet
    der Dienst nur auf 127.0.0.1 oder localhost; ohne --data-dir speichert er nichts.
    """
    from kundenkompass.errors import KundenkompassError

    try:
        import uvicorn
        from kundenkompass.tools import server
    except ImportError as error:
        problem = KundenkompassError(
            f"der HTTP-Dienst braucht die optionalen Abhängigkeiten ({error.name} fehlt); "
            f"installieren mit: {INSTALL_HINT}"
        )
        problem.exit_code = 2
        raise problem from None

    from kundenkompass.tools.web import for_bind_address
    from kundenkompass.tools.web.security import SECRET_VARIABLE, TOKEN_VARIABLE
    from kundenkompass.tools.web.state import random_secret

    # Refused here (one German line, exit 2): exposed without a token, a missing data folder.
    web = for_bind_address(
        host,
        token=token or None,
        secret=os.environ.get(SECRET_VARIABLE) or None,
        max_body_bytes=max_body_size,
        data_dir=data_dir,
    )
    # Build the engine first: a broken plugin stops here with its message, not in a worker.
    engine = make_engine(ruleset, skip_broken_plugins, all_sectors)
    os.environ[server.REQUEST_TIMEOUT_VARIABLE] = str(request_timeout)
    if workers == 1:
        application = server.create_app(engine, max_body_bytes=max_body_size, web=web)
        uvicorn.run(
            application,
            host=host,
            port=port,
            log_level=log_level.value,
            http=server.GuardedH11Protocol,
            timeout_keep_alive=keep_alive_timeout,
            limit_concurrency=max_connections,
        )
        return
    del engine
    # Worker processes build their engines from the environment (uvicorn imports the app).
    os.environ[server.MAX_BODY_VARIABLE] = str(max_body_size)
    # As given: workers share this folder, and results never show the server's full paths.
    os.environ[server.RULESETS_VARIABLE] = os.pathsep.join(str(path) for path in ruleset or ())
    os.environ[server.SKIP_BROKEN_VARIABLE] = "1" if skip_broken_plugins else ""
    # Workers check each other's forms: they share the host, the token and one signing key.
    os.environ[server.HOST_VARIABLE] = host
    os.environ[server.DATA_DIR_VARIABLE] = str(data_dir) if data_dir else ""
    if token:
        os.environ[TOKEN_VARIABLE] = token
    os.environ[SECRET_VARIABLE] = os.environ.get(SECRET_VARIABLE) or random_secret()
    uvicorn.run(
        "kundenkompass.tools.server:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level.value,
        http=server.PROTOCOL_NAME,
        timeout_keep_alive=keep_alive_timeout,
        limit_concurrency=max_connections,
    )
