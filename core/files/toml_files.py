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
from kundenkompass.files.reasons import os_reason, toml_reason

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
            "Werte sind zu tief verschachtelt (Listen oder Inline-Tabellen ineinander)"
        ) from None
    except ValueError as error:
        if isinstance(error, tomllib.TOMLDecodeError):
            raise _syntax_error(error, text) from None
        # int() refuses integers of more than 4,300 digits (sys.get_int_max_str_digits).
        where = long_number_position(text, _INT_STRING_DIGITS) or (None, None)
        raise TomlFileError(
            f"eine ganze Zahl hat mehr als {MAX_INTEGER_DIGITS} Ziffern", *where
        ) from None


def _syntax_error(error: ValueError, text: str) -> TomlFileError:
    message = str(error)
    match = _POSITION.search(message)
    end = _END_OF_DOCUMENT.search(message)
    position: int | None = getattr(error, "pos", None)  # tomli >= 2.1 and Python >= 3.14
    if position is None and match:
        line, column = int(match.group(1)), int(match.group(2))
        starts = [0] + [index + 1 for index, char in enumerate(text) if char == "\n"]
        position = starts[line - 1] + column - 1 if line <= len(starts) else len(text)
    elif position is None and end:
        position = len(text)
    cut = match or end
    if cut:
        message = message[: cut.start()].strip()
    reason = toml_reason(message)
    if position is None:
        return TomlFileError(f"TOML-Syntaxfehler: {reason}")
    # tomli and tomllib disagree where an error at the end of the text sits (on the last
    # newline or after it): an error followed by nothing but white space is placed right
    # after the last character, the same on every Python.
    if not text[position:].strip():
        position = len(text.rstrip())
    line = text.count("\n", 0, position) + 1
    column = position - text.rfind("\n", 0, position)
    return TomlFileError(f"TOML-Syntaxfehler: {reason}", line, column)


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
                    f"ein Schlüssel mit Punkten hat mehr als {MAX_KEY_PARTS} Teile (zu tief verschachtelt)",
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
            raise TomlFileError("ist ein Ordner; erwartet: eine TOML-Datei")
        # A device or pipe may never end (/dev/zero) or block forever (a FIFO).
        if not stat.S_ISREG(status.st_mode):
            raise TomlFileError("ist keine gewöhnliche Datei; erwartet: eine TOML-Datei")
        # Refused by its size alone, before a byte is read.
        if status.st_size > limit:
            raise TomlFileError(
                f"die Datei ist zu groß ({_bytes(status.st_size)}); erlaubt sind höchstens "
                f"{_bytes(limit)}"
            )
        raw = path.read_bytes()
        if len(raw) > limit:  # grew since stat
            raise TomlFileError(f"die Datei ist zu groß; erlaubt sind höchstens {_bytes(limit)}")
    except FileNotFoundError:
        raise TomlFileError("Datei nicht gefunden") from None
    except PermissionError:
        raise TomlFileError("keine Berechtigung: die Datei lässt sich nicht lesen") from None
    except OSError as error:
        raise TomlFileError(f"die Datei lässt sich nicht lesen: {os_reason(error)}") from None
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if raw.startswith(_UTF16_MARKS):
        raise TomlFileError(
            "ist als UTF-16 gespeichert; TOML-Dateien müssen UTF-8 sein (die Datei als UTF-8 speichern)"
        )
    if b"\x00" in raw:
        raise TomlFileError("keine Textdatei (enthält NUL-Bytes); erwartet: TOML in UTF-8")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        column = error.start - (raw.rfind(b"\n", 0, error.start) + 1) + 1
        raise TomlFileError(
            "kein gültiges UTF-8 (TOML-Dateien müssen UTF-8 sein; die Datei als UTF-8 speichern)",
            line,
            column,
        ) from None


def _bytes(count: int) -> str:
    """A byte count with German digit grouping: 1.000.000 Bytes."""
    return f"{count:,} Bytes".replace(",", ".")


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
