"""The HTTP service: audits and the plugins' content over HTTP (``audit serve``).

Needs the optional dependencies of the ``server`` extra (FastAPI and uvicorn); only
``audit serve`` and integrators import this module. ``POST /audits`` takes a profile as
JSON (``application/json``) or TOML (``application/toml``) and answers with exactly the
JSON of ``Engine().audit(profile).to_json()``. Request data is only ever parsed: nothing
in a request makes the service read a file.

Every error answer is problem JSON (RFC 9457, ``application/problem+json``) with
``type``, ``title``, ``status`` and ``detail``, plus ``key_path``, ``line`` and ``column``
where the input can be located. A client's mistake is always a 4xx: input is checked
against the limits of :mod:`kundenkompass.files.limits` (nesting, integer digits, text
lengths) and the body size before its content is looked at.

One engine serves all requests, one audit at a time, on the event loop itself. An audit is
pure CPU work under the GIL (durable_rules' C engine does not release it): in a thread
pool it would gain nothing, and every hand-over of the GIL between the audit threads and
the event loop (after each socket call) costs up to Python's switch interval, about a
fifth of the requests per second. Reading and sending bodies stays asynchronous, and an
audit of a typical profile takes milliseconds. For more throughput run several worker
processes (``audit serve --workers N``).

Connections are guarded by :class:`GuardedH11Protocol`: a request must arrive completely
within the request timeout (idle, partial-header and partial-body connections are closed),
and connections beyond the concurrency limit are closed at once, so a few hundred idle
sockets cannot use up the process's file descriptors and starve other clients.
"""

from __future__ import annotations

import asyncio
import logging
import os
from enum import Enum
from http import HTTPStatus
from pathlib import Path
from typing import Annotated, Any

import h11
from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response
from kundenkompass import __version__
from kundenkompass.engine import Engine
from kundenkompass.errors import KundenkompassError, ProfileError
from kundenkompass.files.limits import printable
from kundenkompass.files.reasons import validation_reason
from kundenkompass.profile.load import Profile
from kundenkompass.profile.schemas import profile_schema, result_schema
from kundenkompass.results import AuditResult
from kundenkompass.tools.listing import checklist_entries, fact_entries, measure_entries
from kundenkompass.tools.web import WebSettings, for_bind_address, mount_web
from kundenkompass.tools.web.security import SECRET_VARIABLE, TOKEN_VARIABLE
from kundenkompass.vocabulary import PHASES
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from uvicorn.protocols.http.h11_impl import H11Protocol

#: Largest request body accepted by default (profiles are a few kilobytes).
DEFAULT_MAX_BODY_BYTES = 1024 * 1024
#: Seconds a client has to send a complete request (headers and body) once the connection
#: is open or the previous response was sent; slower or idle connections are closed.
DEFAULT_REQUEST_TIMEOUT = 10.0
#: Seconds an idle keep-alive connection stays open after a response (uvicorn's option).
DEFAULT_KEEP_ALIVE_TIMEOUT = 5
#: Most simultaneous connections per process; further ones are closed at once, and
#: requests beyond it get 503 (uvicorn's ``limit_concurrency``).
DEFAULT_MAX_CONNECTIONS = 100
#: Environment variables read by :func:`app_from_environment` and the connection guard
#: (used by worker processes): the body limit, ruleset files (separated by
#: ``os.pathsep``), "1" to skip broken plugins, and the request timeout.
MAX_BODY_VARIABLE = "KUNDENKOMPASS_MAX_BODY_BYTES"
RULESETS_VARIABLE = "KUNDENKOMPASS_RULESETS"
SKIP_BROKEN_VARIABLE = "KUNDENKOMPASS_SKIP_BROKEN_PLUGINS"
REQUEST_TIMEOUT_VARIABLE = "KUNDENKOMPASS_REQUEST_TIMEOUT"
#: The address ``audit serve`` binds to, for the web app's protection in worker processes.
HOST_VARIABLE = "KUNDENKOMPASS_HOST"
#: The web app's data directory (``audit serve --data-dir``), for worker processes.
DATA_DIR_VARIABLE = "KUNDENKOMPASS_DATA_DIR"
#: How a profile in a request body is named in error messages.
SOURCE = "request"

PROBLEM_TYPE = "application/problem+json"
JSON_TYPES = frozenset({"application/json"})
TOML_TYPES = frozenset({"application/toml", "application/x-toml", "text/toml"})

Phase = Enum("Phase", {phase: phase for phase in PHASES}, type=str)  # type: ignore[misc]

_TITLES = {
    400: "Ungültige Anfrage",
    404: "Nicht gefunden",
    405: "Methode nicht erlaubt",
    413: "Anfrage zu groß",
    415: "Nicht unterstütztes Format",
    422: "Ungültige Eingabe",
    500: "Interner Fehler",
    503: "Dienst nicht verfügbar",
}
#: German details for the errors the web framework raises with its English status phrase.
_FRAMEWORK_DETAILS = {
    404: "diese Adresse gibt es nicht",
    405: "diese Methode ist für diese Adresse nicht erlaubt",
}

logger = logging.getLogger("kundenkompass.server")
#: How worker processes find the connection guard (uvicorn imports it by name).
PROTOCOL_NAME = "kundenkompass.tools.server:GuardedH11Protocol"


class Problem(BaseModel):
    """An error answer (RFC 9457 problem details). ``detail`` is the message the command
    line prints for the same input (with ``request`` in place of the file name)."""

    type: str = Field(default="about:blank", description="Always about:blank.")
    title: str = Field(description="The status in German words, e.g. Ungültige Eingabe.")
    status: int = Field(description="The HTTP status code.")
    detail: str = Field(description="What is wrong, in one line.")
    key_path: str | None = Field(default=None, description="Where in the profile, e.g. facts.x.")
    line: int | None = Field(default=None, description="Line of a syntax error in the body.")
    column: int | None = Field(default=None, description="Column of a syntax error.")


class Health(BaseModel):
    status: str
    version: str
    plugins: list[str]
    rules: int
    rules_fingerprint: str


class _BodyTooLarge(Exception):
    pass


class _UnsupportedType(Exception):
    pass


def problem_response(
    status: int,
    detail: str,
    *,
    key_path: str | None = None,
    line: int | None = None,
    column: int | None = None,
) -> JSONResponse:
    """A problem JSON answer; the detail is made printable (it may echo request data)."""
    problem = Problem(
        title=_TITLES.get(status, "Fehler"),
        status=status,
        detail=printable(detail),
        key_path=printable(key_path) if key_path else None,
        line=line,
        column=column,
    )
    return JSONResponse(
        problem.model_dump(exclude_none=True), status_code=status, media_type=PROBLEM_TYPE
    )


def _problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    descriptions = {
        413: "The body is larger than the limit.",
        415: "The body is neither JSON nor TOML.",
        422: "The input is invalid; `detail` says where.",
        500: "A plugin or rule failed for this profile.",
        503: "More connections or requests than the service accepts at once.",
    }
    reference = {"schema": {"$ref": "#/components/schemas/Problem"}}
    return {
        status: {"description": descriptions[status], "content": {PROBLEM_TYPE: reference}}
        for status in statuses
    }


def create_app(
    engine: Engine | None = None,
    *,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    web: WebSettings | None = None,
) -> FastAPI:
    """The FastAPI application; builds an engine with all installed plugins if none given.

    The web app for advisors is served at ``/`` beside the JSON API, protected as ``web``
    says (default: no sign-in, a random signing key; see :func:`for_bind_address`).
    """
    engine = engine or Engine()
    app = FastAPI(
        title="Kundenkompass",
        version=__version__,
        summary="Audits how customer-centric a retailer is along the customer journey.",
        description=(
            "Send a company profile (JSON or TOML, see `GET /schemas/profile`) to "
            "`POST /audits` and get the audit result: per phase the checklist score and "
            "maturity, the prioritized measures with their reasons, and the open questions. "
            "Report texts are German. Errors are problem JSON (RFC 9457)."
        ),
    )
    app.state.engine = engine

    @app.exception_handler(ProfileError)
    async def _bad_profile(request: Request, error: ProfileError) -> JSONResponse:
        return problem_response(
            422, str(error), key_path=error.key_path, line=error.line, column=error.column
        )

    @app.exception_handler(KundenkompassError)
    async def _failed(request: Request, error: KundenkompassError) -> JSONResponse:
        # A plugin or rule that fails for this profile: the server's fault, not the client's.
        return problem_response(500, str(error))

    @app.exception_handler(_BodyTooLarge)
    async def _too_large(request: Request, error: _BodyTooLarge) -> JSONResponse:
        return problem_response(413, f"die Anfrage ist zu groß; höchstens {max_body_bytes} Bytes")

    @app.exception_handler(_UnsupportedType)
    async def _unsupported(request: Request, error: _UnsupportedType) -> JSONResponse:
        return problem_response(
            415,
            f"nicht unterstützter Content-Type {str(error) or '(keiner)'}; bitte "
            "application/json oder application/toml senden",
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
        first = error.errors()[0] if error.errors() else {}
        where = ".".join(str(part) for part in first.get("loc", ()))
        reason = validation_reason(first) if first else "ungültig"
        return problem_response(422, f"{where}: {reason}", key_path=where)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        detail = str(error.detail)
        if detail in {status.phrase for status in HTTPStatus if status.value == error.status_code}:
            detail = _FRAMEWORK_DETAILS.get(
                error.status_code, _TITLES.get(error.status_code, detail)
            )
        response = problem_response(error.status_code, detail)
        response.headers.update(error.headers or {})
        return response

    @app.post(
        "/audits",
        response_model=AuditResult,
        responses=_problems(413, 415, 422, 500),
        summary="Audit a company profile",
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/Profile"}},
                    # The same tables, written as TOML text.
                    "application/toml": {
                        "schema": {"$ref": "#/components/schemas/Profile"},
                        "example": '[company]\nname = "Radhaus"\nchannels = ["laden"]\n',
                    },
                },
            }
        },
    )
    async def audit(request: Request) -> Response:
        """Audit the profile in the body and return the result.

        The body is JSON (`Content-Type: application/json`, an object with the profile's
        tables) or TOML (`application/toml`; `text/toml` and `application/x-toml` are
        accepted too), UTF-8. Any other or a missing content type is refused with 415.
        The answer is byte for byte the JSON of `audit run`'s engine for that profile.
        """
        body = await _read_body(request, max_body_bytes)
        kind = _body_kind(request.headers.get("content-type"))
        return Response(_audit(engine, body, kind), media_type="application/json")

    @app.get(
        "/checklist",
        summary="The checklist items of all phases (or one)",
        responses=_problems(422),
    )
    def checklist(
        phase: Annotated[Phase | None, Query(description="Only this phase.")] = None,
    ) -> list[dict[str, Any]]:
        return checklist_entries(engine.catalog, phase.value if phase else None)

    @app.get("/measures", summary="The catalogue of measures")
    def measures() -> list[dict[str, Any]]:
        return measure_entries(engine.catalog)

    @app.get("/facts", summary="Everything a profile may contain, with the questions")
    def facts() -> list[dict[str, Any]]:
        return fact_entries(engine.catalog)

    @app.get("/schemas/profile", summary="JSON Schema of a profile for the loaded plugins")
    def profile_schema_document() -> dict[str, Any]:
        return profile_schema(engine.catalog)

    @app.get("/schemas/result", summary="JSON Schema of an audit result")
    def result_schema_document() -> dict[str, Any]:
        return result_schema()

    @app.get("/health", response_model=Health, summary="Liveness and what is loaded")
    def health() -> Health:
        return Health(
            status="ok",
            version=__version__,
            plugins=[info.name for info in engine.catalog.plugins],
            rules=len(engine.catalog.rules),
            rules_fingerprint=engine.compiled.fingerprint,
        )

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title,
                version=app.version,
                summary=app.summary,
                description=app.description,
                routes=app.routes,
            )
            # The profile's schema depends on the plugins: add it with its parts as components.
            profile = profile_schema(engine.catalog, ref_template="#/components/schemas/{model}")
            components = document.setdefault("components", {}).setdefault("schemas", {})
            components.update(profile.pop("$defs", {}))
            components["Profile"] = profile
            components["Problem"] = Problem.model_json_schema()
            # Validation errors are problem JSON too, not FastAPI's default shape.
            components.pop("HTTPValidationError", None)
            components.pop("ValidationError", None)
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    mount_web(app, engine, web or WebSettings(max_body_bytes=max_body_bytes))
    return app


def app_from_environment() -> FastAPI:
    """Application factory for ``uvicorn --factory`` and worker processes."""
    limit = os.environ.get(MAX_BODY_VARIABLE)
    rulesets = [path for path in os.environ.get(RULESETS_VARIABLE, "").split(os.pathsep) if path]
    engine = Engine(
        rulesets=rulesets, skip_broken_plugins=os.environ.get(SKIP_BROKEN_VARIABLE) == "1"
    )
    max_body_bytes = int(limit) if limit else DEFAULT_MAX_BODY_BYTES
    web = for_bind_address(
        os.environ.get(HOST_VARIABLE, "127.0.0.1"),
        token=os.environ.get(TOKEN_VARIABLE) or None,
        secret=os.environ.get(SECRET_VARIABLE) or None,
        max_body_bytes=max_body_bytes,
        data_dir=Path(data_dir) if (data_dir := os.environ.get(DATA_DIR_VARIABLE)) else None,
    )
    return create_app(engine, max_body_bytes=max_body_bytes, web=web)


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _BodyTooLarge()
    size = 0
    chunks: list[bytes] = []
    async for chunk in request.stream():  # chunked bodies carry no length: count
        size += len(chunk)
        if size > limit:
            raise _BodyTooLarge()
        chunks.append(chunk)
    return b"".join(chunks)


def _body_kind(content_type: str | None) -> str:
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media in JSON_TYPES or (media.startswith("application/") and media.endswith("+json")):
        return "json"
    if media in TOML_TYPES:
        return "toml"
    raise _UnsupportedType(printable(media[:100]))


def _audit(engine: Engine, body: bytes, kind: str) -> bytes:
    return engine.audit(_profile(engine, body, kind)).to_json_bytes()


def _profile(engine: Engine, body: bytes, kind: str) -> Profile:
    if kind == "toml":
        return engine.load_profile(body, source=SOURCE)
    return engine.load_profile_json(body, source=SOURCE)


# ------------------------------------------------------------------ connections


class GuardedH11Protocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol with a deadline for each request and a connection cap.

    uvicorn closes idle keep-alive connections after a response, but not a connection that
    never sends a request, nor one that sends headers or a body slowly. Here a request must
    arrive completely within the request timeout of the connection opening or the last
    response; otherwise the connection is closed. Connections beyond the concurrency limit
    are closed at once instead of holding a file descriptor until they speak.
    """

    request_timeout = DEFAULT_REQUEST_TIMEOUT

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        configured = os.environ.get(REQUEST_TIMEOUT_VARIABLE)
        self.request_timeout = float(configured) if configured else type(self).request_timeout
        self._deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if self.limit_concurrency is not None and len(self.connections) > self.limit_concurrency:
            logger.warning("too many connections; closing a new one")
            transport.close()
            return
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state is not h11.SEND_BODY and self.conn.their_state is not h11.IDLE:
            self._disarm()  # the request is complete (or the connection is ending)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(self.request_timeout, self._timed_out)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _timed_out(self) -> None:
        self._deadline = None
        if self.conn.their_state in (h11.IDLE, h11.SEND_BODY) and not self.transport.is_closing():
            self.transport.close()
