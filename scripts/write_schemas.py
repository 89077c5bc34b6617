"""Write the JSON Schemas of an audit result and of an audit diff into docs/.

Run after changing :mod:`kundenkompass.results` or :mod:`kundenkompass.render.compare`:
``python scripts/write_schemas.py``. A test checks that the files are current.
"""

from __future__ import annotations

import json
from pathlib import Path

from kundenkompass.profile.schemas import result_schema
from kundenkompass.render.compare import AuditDiff

DOCS = Path(__file__).resolve().parent.parent / "docs"
DRAFT = "https://json-schema.org/draft/2020-12/schema"


def write(name: str, schema: dict[str, object]) -> None:
    document = {"$schema": DRAFT, **schema}
    text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    (DOCS / name).write_text(text, encoding="utf-8")
    print(f"wrote docs/{name}")


if __name__ == "__main__":
    write("audit-result.schema.json", result_schema())
    write("audit-diff.schema.json", AuditDiff.model_json_schema(mode="serialization"))
