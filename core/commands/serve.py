"""`audit serve`: the HTTP service (needs the ``server`` extra: FastAPI and uvicorn)."""

from __future__ import annotations

import os
from enum import Enum
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
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on.")] = 8000,
    max_body_size: Annotated[int, typer.Option(min=1, help="Largest request body in bytes.")] = 1024
    * 1024,
    workers: Annotated[
        int, typer.Option(min=1, help="Worker processes, each with its own engine.")
    ] = 1,
    request_timeout: Annotated[
        float,
        typer.Option(
            min=0.1,
            help="Seconds a client has to send a complete request; idle and slow "
            "connections are closed after it.",
        ),
    ] = 10.0,
    keep_alive_timeout: Annotated[
        int,
        typer.Option(min=1, help="Seconds an idle connection stays open after a response."),
    ] = 5,
    max_connections: Annotated[
        int,
        typer.Option(
            min=1,
            help="Most simultaneous connections per worker; further ones are closed at once "
            "and further requests get 503.",
        ),
    ] = 100,
    log_level: Annotated[LogLevel, typer.Option(help="How much the server logs.")] = LogLevel.info,
    ruleset: RulesetOption = None,
    all_sectors: AllSectorsOption = False,
    skip_broken_plugins: SkipBrokenOption = False,
) -> None:
    """Serve audits over HTTP: POST /audits, GET /checklist, /measures, /facts, /health.

    The OpenAPI documentation is at /docs and /openapi.json.
    """
    from kundenkompass.errors import KundenkompassError

    try:
        import uvicorn
        from kundenkompass.tools import server
    except ImportError as error:
        problem = KundenkompassError(
            f"the HTTP service needs the optional dependencies ({error.name} is missing); "
            f"install them with: {INSTALL_HINT}"
        )
        problem.exit_code = 2
        raise problem from None

    # Build the engine first: a broken plugin stops here with its message, not in a worker.
    engine = make_engine(ruleset, skip_broken_plugins, all_sectors)
    os.environ[server.REQUEST_TIMEOUT_VARIABLE] = str(request_timeout)
    if workers == 1:
        application = server.create_app(engine, max_body_bytes=max_body_size)
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
