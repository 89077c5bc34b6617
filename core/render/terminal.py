"""Data on the terminal: never markup, never control sequences.

Everything that comes from a profile, a result, a plugin, a ruleset or a file name is data.
rich parses strings as console markup (``[bold]``, ``[link=…]``, ``[/x]``) and turns ``:name:``
into emoji; a terminal obeys escape sequences (ESC, CSI) and bidirectional overrides. So data
must pass through this module before rich sees it:

* :func:`escape` for every value that goes into a string rich parses as markup:
  ``console.print(f"{t('report.title')}: {escape(company.name)}")``, a :class:`~rich.table.Table`
  cell given as ``str``, :meth:`~rich.text.Text.from_markup`. It applies
  :func:`rich.markup.escape` to :func:`visible`.
* :func:`data_text` where a :class:`~rich.text.Text` is built from data (``Text`` is never parsed
  as markup, but control characters in it still reach the terminal).
* :func:`visible` for plain lines printed with ``markup=False`` (error and warning lines).
* :func:`make_console` for every console the command line creates: no emoji codes, no
  highlighting.

A renderer that puts data into rich without one of these is a bug; the property test
``tests/test_terminal_safety.py`` feeds markup and escape sequences through every text output.
"""

from __future__ import annotations

import re
from typing import IO, Any

from rich.console import Console
from rich.markup import escape as _escape_markup
from rich.text import Text

# C0 and C1 control characters, DEL, the Unicode line and paragraph separators and the
# bidirectional embeddings, overrides and isolates (which reorder what a reader sees).
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)
_INVISIBLE_OR_BREAK = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)
_NAMED = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}


def _shown(match: re.Match[str]) -> str:
    character = match.group()
    named = _NAMED.get(character)
    if named is not None:
        return named
    code = ord(character)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def visible(value: object, *, multiline: bool = False) -> str:
    """``value`` as text with every control character shown as an escape (``\\x1b``, ``\\n``,
    ``\\u202e``), so it can neither move the cursor, colour the terminal, ring the bell nor
    reorder the line. ``multiline`` keeps line breaks and tabs (for texts meant to span lines)."""
    pattern = _INVISIBLE if multiline else _INVISIBLE_OR_BREAK
    return pattern.sub(_shown, str(value))


def escape(value: object, *, multiline: bool = False) -> str:
    """``value`` for a string rich parses as console markup: shown literally, control characters
    visible (see :func:`visible`)."""
    escaped = _escape_markup(visible(value, multiline=multiline))
    # A value ending in an odd run of backslashes would escape the markup tag that follows
    # it in the template; an even run cannot (rich leaves some odd runs alone).
    if (len(escaped) - len(escaped.rstrip("\\"))) % 2:
        escaped += "\\"
    return escaped


def data_text(value: object, style: str = "", *, multiline: bool = False) -> Text:
    """``value`` as a rich :class:`~rich.text.Text` (never markup) with visible control characters."""
    return Text(visible(value, multiline=multiline), style=style)


def make_console(*, file: IO[str] | None = None, stderr: bool = False, **options: Any) -> Console:
    """A console for data: ``:name:`` stays text (no emoji codes), numbers are not highlighted."""
    options.setdefault("highlight", False)
    options.setdefault("emoji", False)
    return Console(file=file, stderr=stderr, **options)
