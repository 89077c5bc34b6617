"""Schemathesis drives the service from its own OpenAPI document: no request it generates,
valid or not, may get a 5xx, a status or content type the document does not declare, or
a body that does not match its schema.

Bounded and deterministic (derandomized, a fixed number of examples per operation), so it
runs in every CI build; raise ``KUNDENKOMPASS_SCHEMATHESIS_EXAMPLES`` for a longer run.
"""

from __future__ import annotations

import os

import pytest

schemathesis = pytest.importorskip("schemathesis")
pytest.importorskip("fastapi")

from hypothesis import HealthCheck, settings  # noqa: E402
from kundenkompass.engine import Engine  # noqa: E402
from kundenkompass.tools.server import create_app  # noqa: E402
from schemathesis.checks import positive_data_acceptance  # noqa: E402

EXAMPLES = int(os.environ.get("KUNDENKOMPASS_SCHEMATHESIS_EXAMPLES", "10"))


@schemathesis.serializer("application/toml")
def toml_body(context, value):  # type: ignore[no-untyped-def]
    """The TOML body is declared as a string: send its text."""
    if isinstance(value, bytes):
        return value
    return str(value).encode("utf-8", "surrogatepass")


schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(Engine()))


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_service_keeps_its_openapi_promises(case):
    # The profile schema is looser than the validation (e.g. sector-only questions for
    # other sectors): schema-valid profiles may still be refused with a 422.
    case.call_and_validate(excluded_checks=[positive_data_acceptance])
