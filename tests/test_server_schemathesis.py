"""Schemathesis drives the service from its own OpenAPI document: no request it generates,
valid or not, may get a 5xx, a status or content type the document does not declare, or
a body that does not match its schema.

Bounded and deterministic (derandomized, a fixed number of examples per operation), so it
runs in every CI build; raise ``KUNDENKOMPASS_SCHEMATHESIS_EXAMPLES`` for a longer run.
"""

from __future__ import annotations

import json
import os
import sys

import pytest

if sys.version_info < (3, 11):
    pytest.skip(
        "schemathesis 4.32, the first that reads the profile's schema, needs Python 3.11",
        allow_module_level=True,
    )
schemathesis = pytest.importorskip("schemathesis", minversion="4.32")
pytest.importorskip("fastapi")

from hypothesis import HealthCheck, settings  # noqa: E402
from kundenkompass.engine import Engine  # noqa: E402
from kundenkompass.tools.server import create_app  # noqa: E402

EXAMPLES = int(os.environ.get("KUNDENKOMPASS_SCHEMATHESIS_EXAMPLES", "10"))


@schemathesis.serializer("application/toml")
def toml_body(context, value):  # type: ignore[no-untyped-def]
    """A TOML body is declared with the profile's schema: write the tables as TOML."""
    if isinstance(value, bytes):
        return value
    if not isinstance(value, dict):  # not a table: TOML cannot say it, send it as text
        return str(value).encode("utf-8", "surrogatepass")
    lines = [f"{toml_key(key)} = {toml_value(item)}" for key, item in value.items()]
    return "\n".join(lines).encode("utf-8", "surrogatepass")


def toml_key(key: str) -> str:
    return toml_string(key)


def toml_string(text: str) -> str:
    # JSON's escapes are TOML's, except that TOML also escapes DEL.
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, int | float):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    if isinstance(value, dict):
        pairs = (f"{toml_key(key)} = {toml_value(item)}" for key, item in value.items())
        return "{" + ", ".join(pairs) + "}"
    # null: TOML has none, so the body cannot be read (only schema-invalid data has it).
    return "null"


schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(Engine()))
# The coverage phase's deterministic negative cases for the profile schema's many if/then
# scope conditions take minutes to enumerate; negative data still comes from the fuzzing
# phase, and the coverage phase keeps its positive (boundary) cases.
schema.config.phases.coverage.generation.modes = [schemathesis.GenerationMode.POSITIVE]


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_service_keeps_its_openapi_promises(case):
    # Every default check, positive_data_acceptance too: the profile schema is exactly as
    # strict as the engine, so a schema-valid profile is never refused.
    case.call_and_validate()
