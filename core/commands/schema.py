"""`audit schema profile|result`: the JSON Schemas of a profile and of an audit result."""

from __future__ import annotations

import json
from enum import Enum
from typing import Annotated

import typer
from kundenkompass.commands.app import app, handles_errors, make_engine


class SchemaKind(str, Enum):
    profile = "profile"
    result = "result"


@app.command()
@handles_errors
def schema(
    kind: Annotated[
        SchemaKind,
        typer.Argument(help="profile: was ein Profil enthalten darf; result: die JSON-Ausgabe."),
    ],
) -> None:
    """Das JSON-Schema eines Profils (für die installierten Plugins) oder eines Ergebnisses ausgeben."""
    from kundenkompass.profile.schemas import profile_schema, result_schema

    if kind is SchemaKind.profile:
        document = profile_schema(make_engine().catalog)
    else:
        document = result_schema()
    document = {"$schema": "https://json-schema.org/draft/2020-12/schema", **document}
    print(json.dumps(document, ensure_ascii=False, indent=2))
