"""Reading TOML files with messages that name the file, line and column."""

from __future__ import annotations

import re
import stat
import sys
from pathlib import Path
from typing import Any

from kundenkompass.errors import TomlFileError
from kundenkompass.files.limits import (
    MAX_INTEGER_DIGITS,
    InputLimitError,
    Limits,
    check_tree,
    long_number_position,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

#: Profiles and data files larger than this are refused before parsing.
MAX_FILE_BYTES = 1_000_000
#: Most parts of one dotted key; profiles and plugin files need three.
MAX_KEY_PARTS = 8
_KEY_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_- \t")

_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")
_END_OF_DOCUMENT = re.compile(r"\(at end of document\)")
#: tomllib's wording, and what it means for someone editing a file by hand.
_CLEARER = {
    "Cannot overwrite a value": "a key is set twice (or a value is redefined)",
}
_UTF16_MARKS = (b"\xff\xfe", b"\xfe\xff")
#: Rulesets and plugin data: their own checks name the rule or entry of a NaN or infinity.
_DATA_FILE_LIMITS = Limits(finite_numbers=False)
#: Longest integer literal int() converts (Python 3.10.7 and later; 0 means no limit).
_INT_STRING_DIGITS = getattr(sys, "get_int_max_str_digits", lambda: 4300)() or 4300


def parse_toml_text(text: str) -> dict[str, Any]:
    """Parse TOML text; raise :class:`TomlFileError` with the position of a syntax error."""
    _check_dotted_keys(text)
    try:
        return tomllib.loads(text)
    except RecursionError:
        # tomllib parses nested arrays and inline tables recursively.
        raise TomlFileError(
            "values are nested too deeply (arrays or inline tables inside each other)"
        ) from None
    except ValueError as error:
        if isinstance(error, tomllib.TOMLDecodeError):
            raise _syntax_error(error, text) from None
        # int() refuses integers of more than 4,300 digits (sys.get_int_max_str_digits).
        where = long_number_position(text, _INT_STRING_DIGITS) or (None, None)
        raise TomlFileError(
            f"an integer has more than {MAX_INTEGER_DIGITS} digits", *where
        ) from None


def _syntax_error(error: ValueError, text: str) -> TomlFileError:
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
    return TomlFileError(f"TOML syntax error: {message}", line, column)


def _check_dotted_keys(text: str) -> None:
    """Refuse a dotted key (``a.b.c = 1``, ``[a.b.c]``) of more than MAX_KEY_PARTS parts.

    tomllib spends time quadratic in the number of parts of a key: a 200 KB key of
    100,000 parts takes many minutes. Strings and comments are skipped; a number has at
    most one dot, so only keys reach the limit.
    """
    if text.count(".") < MAX_KEY_PARTS:
        return
    position, end, dots = 0, len(text), 0
    while position < end:
        char = text[position]
        if char in _KEY_CHARACTERS:
            position += 1
        elif char == ".":
            dots += 1
            if dots >= MAX_KEY_PARTS:
                line = text.count("\n", 0, position) + 1
                column = position - text.rfind("\n", 0, position)
                raise TomlFileError(
                    f"a dotted key of more than {MAX_KEY_PARTS} parts is nested too deeply",
                    line,
                    column,
                )
            position += 1
        elif char in "\"'":
            if text.startswith(char * 3, position):
                position = _after_string(text, position + 3, char * 3)
                dots = 0  # a multi-line string is a value, never part of a key
            else:
                position = _after_string(text, position + 1, char)
        elif char == "#":
            newline = text.find("\n", position)
            position = end if newline < 0 else newline
        else:
            dots = 0
            position += 1


def _after_string(text: str, position: int, quote: str) -> int:
    """The position after the string whose content starts at ``position``."""
    single_line = len(quote) == 1
    while True:
        found = text.find(quote, position)
        newline = text.find("\n", position) if single_line else -1
        if found < 0 or 0 <= newline < found:  # unterminated: tomllib will say so
            return newline if newline >= 0 else len(text)
        backslashes = 0
        while quote[0] == '"' and text[found - 1 - backslashes] == "\\":
            backslashes += 1
        if backslashes % 2 == 0:
            return found + len(quote)
        position = found + 1


def read_toml_text(path: Path, limit: int = MAX_FILE_BYTES) -> str:
    """Read a TOML file as UTF-8 text; raise :class:`TomlFileError` with a one-line reason."""
    try:
        return _read_text(path, limit)
    except TomlFileError as error:
        raise _located(error, path) from None


def _located(error: TomlFileError, path: Path) -> TomlFileError:
    return TomlFileError(error.message, error.line, error.column, source=str(path))


def _read_text(path: Path, limit: int) -> str:
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


def _checked_data(text: str) -> dict[str, Any]:
    data = parse_toml_text(text)
    check_tree(data, "", _DATA_FILE_LIMITS)
    return data


def load_toml_file(path: Path) -> dict[str, Any]:
    """A plugin's or ruleset's data file, parsed; the parse is cached by the file's content."""
    from kundenkompass.files.cache import cached, key_of

    text = read_toml_text(path)
    try:
        # Cached after the limits are checked: an entry holds only data that passed them.
        data = cached("toml", key_of(text), lambda: _checked_data(text), dict)
    except TomlFileError as error:
        raise _located(error, path) from None
    except InputLimitError as error:
        raise TomlFileError(str(error), source=str(path)) from None
    return data
