"""Audits kept on the server, only when ``audit serve --data-dir`` names a folder.

Each audit is one profile file, ``<id>.toml``, written atomically after every page (the same
commented TOML the profile download gives). The id is random (16 hex digits) and is the
only thing a request names: it is checked against that pattern before it becomes part of a
file name, so no request can point at any other file.
"""

from __future__ import annotations

import datetime
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from kundenkompass.errors import KundenkompassError
from kundenkompass.files.atomic import write_atomically
from kundenkompass.files.toml_files import parse_toml_text

AUDIT_ID = re.compile(r"^[0-9a-f]{16}$")
#: Most audits the start page lists (the newest first).
MAX_LISTED = 200
#: Largest stored profile read back.
MAX_STORED_BYTES = 1_000_000


@dataclass(frozen=True)
class StoredAudit:
    id: str
    name: str
    changed: datetime.datetime


class AuditStore:
    """The folder of stored audits."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def new_id(self) -> str:
        return secrets.token_hex(8)

    def path(self, audit_id: str) -> Path | None:
        """The file of an audit, or None when the id is not one this store gives out."""
        if not AUDIT_ID.match(audit_id):
            return None
        return self.folder / f"{audit_id}.toml"

    def save(self, audit_id: str, content: str) -> None:
        path = self.path(audit_id)
        if path is None:  # pragma: no cover - ids come from new_id
            raise ValueError("invalid audit id")
        write_atomically(path, content, force=True)

    def read(self, audit_id: str) -> bytes | None:
        path = self.path(audit_id)
        if path is None or not path.is_file():
            return None
        with path.open("rb") as stream:
            return stream.read(MAX_STORED_BYTES + 1)

    def delete(self, audit_id: str) -> bool:
        path = self.path(audit_id)
        if path is None or not path.is_file():
            return False
        path.unlink()
        return True

    def listing(self) -> list[StoredAudit]:
        found = []
        for path in self.folder.glob("*.toml"):
            if not AUDIT_ID.match(path.stem) or not path.is_file():
                continue
            try:
                changed = datetime.datetime.fromtimestamp(path.stat().st_mtime)
                data = parse_toml_text(path.read_text("utf-8")[:MAX_STORED_BYTES])
            except (OSError, UnicodeDecodeError, KundenkompassError):
                continue
            company = data.get("company")
            name = company.get("name") if isinstance(company, dict) else None
            found.append(StoredAudit(path.stem, str(name or "ohne Namen"), changed))
        found.sort(key=lambda audit: audit.changed, reverse=True)
        return found[:MAX_LISTED]
