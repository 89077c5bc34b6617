"""Where an entry of a data or ruleset file is: its line and column, for messages.

tomllib gives positions only for syntax errors; an entry that parses but does not match
its schema is found again in the text, by its ``[[table]]`` header (the n-th one) or by
its ``id``/``key``/``item``/``name`` line, and then by the key at fault inside it.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

Position = tuple[int, int]

_HEADER = re.compile(r"^\s*\[")
_IDENTIFIER = re.compile(r'^\s*(?:id|key|item|name)\s*=\s*"([^"\\]*)"')


@lru_cache(maxsize=64)
def _lines(path: str, stamp: float) -> tuple[str, ...]:
    try:
        return tuple(Path(path).read_text(encoding="utf-8").splitlines())
    except (OSError, UnicodeDecodeError):
        return ()


def _read(path: str | Path) -> tuple[str, ...]:
    try:
        stamp = Path(path).stat().st_mtime
    except OSError:
        return ()
    return _lines(str(path), stamp)


def _column(line: str) -> int:
    return len(line) - len(line.lstrip()) + 1


def locate(
    path: str | Path,
    table: str | None = None,
    *,
    index: int | None = None,
    identifier: str | None = None,
    key: str | None = None,
) -> Position | None:
    """Line and column (1-based) of an entry of ``path``, or of ``key`` inside it.

    The entry is the ``index``-th ``[[table]]``, or the one whose ``id`` (``key``,
    ``item``, ``name``) is ``identifier``; without either, ``key`` is looked up at the top
    of the file and in single tables such as ``[ruleset]``.
    """
    lines = _read(path)
    if not lines:
        return None
    header = re.compile(rf"^\s*\[\[\s*{re.escape(table)}\s*\]\]") if table else None
    starts = [n for n, line in enumerate(lines) if header and header.match(line)]
    start: int | None = None
    found: Position | None = None
    if identifier is not None:
        for number, line in enumerate(lines):
            match = _IDENTIFIER.match(line)
            if match and match.group(1) == identifier:
                before = [s for s in starts if s <= number]
                if starts and not before:
                    continue
                start = before[-1] if before else None
                found = (number + 1, _column(line))
                break
    elif starts:
        start = starts[index if index is not None and 0 <= index < len(starts) else 0]
        found = (start + 1, _column(lines[start]))
    if key is not None:
        first = 0 if start is None else start
        end = len(lines)
        for number in range(first + 1, len(lines)):
            if _HEADER.match(lines[number]) and start is not None:
                end = number
                break
        # ``key = …``, ``key.de = …``, or the table ``[key]`` / ``[[key]]`` itself
        pattern = re.compile(rf"^\s*(?:\[\[?\s*)?{re.escape(key)}\s*[.=\]]")
        for number in range(first, end):
            if pattern.match(lines[number]):
                return number + 1, _column(lines[number])
    return found
