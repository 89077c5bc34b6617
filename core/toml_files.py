"""Reading TOML files with messages that name the file, line and column."""

from __future__ import annotations

import re
import stat
import sys
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

#: Profiles and data files larger than this are refused before parsing.
MAX_FILE_BYTES = 1_000_000

_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")
_END_OF_DOCUMENT = re.compile(r"\(at end of document\)")
#: tomllib's wording, and what it means for someone editing a file by hand.
_CLEARER = {
    "Cannot overwrite a value": "a key is set twice (or a value is redefined)",
}
_UTF16_MARKS = (b"\xff\xfe", b"\xfe\xff")


class TomlFileError(Exception):
    def __init__(self, message: str, line: int | None = None, column: int | None = None):
        self.message = message
        self.line = line
        self.column = column
        super().__init__(message)


def parse_toml_text(text: str) -> dict[str, Any]:
    """Parse TOML text; raise :class:`TomlFileError` with the position of a syntax error."""
    try:
        return tomllib.loads(text)
    except RecursionError:
        # tomllib parses nested arrays and inline tables recursively.
        raise TomlFileError(
            "values are nested too deeply (arrays or inline tables inside each other)"
        ) from None
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        line = column = None
        match = _POSITION.search(message)
        if match:
            line, column = int(match.group(1)), int(match.group(2))
            message = message[: match.start()].strip()
        elif _END_OF_DOCUMENT.search(message):
            body = text.rstrip()
            line = body.count("\n") + 1
            column = len(body) - (body.rfind("\n") + 1) + 1
            message = _END_OF_DOCUMENT.sub("at end of file", message).strip()
        message = _CLEARER.get(message, message)
        raise TomlFileError(f"TOML syntax error: {message}", line, column) from None


def read_toml_text(path: Path, limit: int = MAX_FILE_BYTES) -> str:
    """Read a TOML file as UTF-8 text; raise :class:`TomlFileError` with a one-line reason."""
    try:
        status = path.stat()
        if stat.S_ISDIR(status.st_mode):
            raise TomlFileError("is a directory, expected a TOML file")
        # A device or pipe may never end (/dev/zero) or block forever (a FIFO).
        if not stat.S_ISREG(status.st_mode):
            raise TomlFileError("is not a regular file, expected a TOML file")
        # Refused by its size alone, before a byte is read.
        if status.st_size > limit:
            raise TomlFileError(
                f"file is too large ({status.st_size:,} bytes); at most {limit:,} bytes "
                "are accepted"
            )
        raw = path.read_bytes()
        if len(raw) > limit:  # grew since stat
            raise TomlFileError(f"file is too large; at most {limit:,} bytes are accepted")
    except FileNotFoundError:
        raise TomlFileError("file not found") from None
    except PermissionError:
        raise TomlFileError("permission denied: cannot read the file") from None
    except OSError as error:
        raise TomlFileError(f"cannot read the file: {error.strerror or error}") from None
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if raw.startswith(_UTF16_MARKS):
        raise TomlFileError(
            "is saved as UTF-16; TOML files must be UTF-8 (re-save the file as UTF-8)"
        )
    if b"\x00" in raw:
        raise TomlFileError("not a text file (contains NUL bytes); expected UTF-8 TOML")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        column = error.start - (raw.rfind(b"\n", 0, error.start) + 1) + 1
        raise TomlFileError(
            "not valid UTF-8 (TOML files must be UTF-8; re-save the file as UTF-8)",
            line,
            column,
        ) from None


def load_toml_file(path: Path) -> dict[str, Any]:
    return parse_toml_text(read_toml_text(path))
