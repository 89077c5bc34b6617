"""The HTTP service: audits and the plugins' content over HTTP (``audit serve``).

Needs the optional dependencies of the ``server`` extra (FastAPI and uvicorn); only
``audit serve`` and integrators import this module. ``POST /audits`` takes a profile as
JSON or TOML and answers with exactly the JSON of ``Engine().audit(profile).to_json()``.

One engine serves all requests. Audits run in the thread pool so the event loop stays
responsive; the engine serializes them internally (durable_rules holds the GIL anyway), so
for more throughput run several worker processes (``audit serve --workers N``).
"""

from __future__ import annotations

import json
import os
from typing import Any

from fastapi import FastAPI, Query, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response
from kundenkompass import __version__
from kundenkompass.engine import Engine
from kundenkompass.errors import KundenkompassError, ProfileError
from kundenkompass.profile.load import Profile
from kundenkompass.profile.schemas import profile_model, result_schema
from kundenkompass.results import AuditResult
from kundenkompass.tools.listing import checklist_entries, fact_entries, measure_entries
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

#: Largest request body accepted by default (profiles are a few kilobytes).
DEFAULT_MAX_BODY_BYTES = 1024 * 1024
#: Environment variables read by :func:`app_from_environment` (used by worker processes):
#: the body limit, ruleset files (separated by ``os.pathsep``), and "1" to skip broken
#: plugins.
MAX_BODY_VARIABLE = "KUNDENKOMPASS_MAX_BODY_BYTES"
RULESETS_VARIABLE = "KUNDENKOMPASS_RULESETS"
SKIP_BROKEN_VARIABLE = "KUNDENKOMPASS_SKIP_BROKEN_PLUGINS"
#: How a profile in a request body is named in error messages.
SOURCE = "request"

JSON_TYPES = frozenset({"application/json"})
TOML_TYPES = frozenset({"application/toml", "application/x-toml", "text/toml", "text/plain"})


class Problem(BaseModel):
    """An error answer. ``detail`` is the message the command line prints for the same
    input (with ``request`` in place of the file name)."""

    detail: str
    key_path: str | None = None
    line: int | None = None
    column: int | None = None


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


def create_app(
    engine: Engine | None = None, *, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
) -> FastAPI:
    """The FastAPI application; builds an engine with all installed plugins if none given."""
    engine = engine or Engine()
    app = FastAPI(
        title="Kundenkompass",
        version=__version__,
        summary="Audits how customer-centric a retailer is along the customer journey.",
        description=(
            "Send a company profile (JSON or TOML, see `GET /schemas/profile`) to "
            "`POST /audits` and get the audit result: per phase the checklist score and "
            "maturity, the prioritized measures with their reasons, and the open questions. "
            "Report texts are German."
        ),
    )
    app.state.engine = engine

    @app.exception_handler(ProfileError)
    async def _bad_profile(request: Request, error: ProfileError) -> JSONResponse:
        problem = Problem(
            detail=str(error), key_path=error.key_path, line=error.line, column=error.column
        )
        return JSONResponse(problem.model_dump(), status_code=422)

    @app.exception_handler(KundenkompassError)
    async def _failed(request: Request, error: KundenkompassError) -> JSONResponse:
        # A plugin or rule that fails for this profile: the server's fault, not the client's.
        return JSONResponse(Problem(detail=str(error)).model_dump(), status_code=500)

    @app.exception_handler(_BodyTooLarge)
    async def _too_large(request: Request, error: _BodyTooLarge) -> JSONResponse:
        detail = f"request body too large; at most {max_body_bytes} bytes"
        return JSONResponse(Problem(detail=detail).model_dump(), status_code=413)

    @app.exception_handler(_UnsupportedType)
    async def _unsupported(request: Request, error: _UnsupportedType) -> JSONResponse:
        detail = f"unsupported content type {error}; send application/json or application/toml"
        return JSONResponse(Problem(detail=detail).model_dump(), status_code=415)

    problems: dict[int | str, dict[str, Any]] = {
        413: {"model": Problem, "description": "The body is larger than the limit."},
        415: {"model": Problem, "description": "The body is neither JSON nor TOML."},
        422: {"model": Problem, "description": "The profile is invalid; `detail` says where."},
        500: {"model": Problem, "description": "A plugin or rule failed for this profile."},
    }

    @app.post(
        "/audits",
        response_model=AuditResult,
        responses=problems,
        summary="Audit a company profile",
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/Profile"}},
                    "application/toml": {
                        "schema": {"type": "string"},
                        "example": '[company]\nname = "Radhaus"\nchannels = ["laden"]\n',
                    },
                },
            }
        },
    )
    async def audit(request: Request) -> Response:
        """Audit the profile in the body (JSON or TOML) and return the result.

        The answer is byte for byte the JSON of `audit run`'s engine for that profile.
        """
        body = await _read_body(request, max_body_bytes)
        kind = _body_kind(request.headers.get("content-type"), body)
        result = await run_in_threadpool(_audit, engine, body, kind)
        return Response(result, media_type="application/json")

    @app.get("/checklist", summary="The checklist items of all phases (or one)")
    def checklist(
        phase: str | None = Query(default=None, description="Only this phase."),
    ) -> list[dict[str, Any]]:
        try:
            return checklist_entries(engine.catalog, phase)
        except ProfileError as error:
            # Same message as the command line, named for the query parameter.
            raise ProfileError("phase", error.message) from None

    @app.get("/measures", summary="The catalogue of measures")
    def measures() -> list[dict[str, Any]]:
        return measure_entries(engine.catalog)

    @app.get("/facts", summary="Everything a profile may contain, with the questions")
    def facts() -> list[dict[str, Any]]:
        return fact_entries(engine.catalog)

    @app.get("/schemas/profile", summary="JSON Schema of a profile for the loaded plugins")
    def profile_schema_document() -> dict[str, Any]:
        return profile_model(engine.catalog).model_json_schema()

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
            profile = profile_model(engine.catalog).model_json_schema(
                ref_template="#/components/schemas/{model}"
            )
            components = document.setdefault("components", {}).setdefault("schemas", {})
            components.update(profile.pop("$defs", {}))
            components["Profile"] = profile
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def app_from_environment() -> FastAPI:
    """Application factory for ``uvicorn --factory`` and worker processes."""
    limit = os.environ.get(MAX_BODY_VARIABLE)
    rulesets = [path for path in os.environ.get(RULESETS_VARIABLE, "").split(os.pathsep) if path]
    engine = Engine(
        rulesets=rulesets, skip_broken_plugins=os.environ.get(SKIP_BROKEN_VARIABLE) == "1"
    )
    return create_app(engine, max_body_bytes=int(limit) if limit else DEFAULT_MAX_BODY_BYTES)


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


def _body_kind(content_type: str | None, body: bytes) -> str:
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media in JSON_TYPES or media.endswith("+json"):
        return "json"
    if media in TOML_TYPES:
        return "toml"
    if media in ("", "application/octet-stream"):
        return "json" if body.lstrip()[:1] == b"{" else "toml"
    raise _UnsupportedType(media)


def _audit(engine: Engine, body: bytes, kind: str) -> str:
    return engine.audit(_profile(engine, body, kind)).to_json()


def _profile(engine: Engine, body: bytes, kind: str) -> Profile:
    if kind == "toml":
        return engine.load_profile(body, source=SOURCE)
    try:
        data = json.loads(body)
    except UnicodeDecodeError as error:
        raise ProfileError(SOURCE, f"is not UTF-8 text (byte {error.start + 1})") from None
    except json.JSONDecodeError as error:
        raise ProfileError(
            SOURCE, f"invalid JSON: {error.msg}", line=error.lineno, column=error.colno
        ) from None
    return engine.load_profile(data, source=SOURCE)
