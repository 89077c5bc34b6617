"""Limits and checks for text and numbers wherever input enters: profiles, saved results,
rulesets and request bodies.

Parsers accept far more than the engine can use: integers of any size (Python refuses to
print one of more than 4,300 digits), nesting as deep as the stack allows, strings with NUL,
escape sequences, lone surrogates or right-to-left overrides, and names made only of
zero-width characters. Every entry point runs its data through :func:`check_tree` (and
JSON through :func:`parse_json`), so each of these becomes one :class:`InputLimitError`
naming the key path; the caller adds the file or request name.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kundenkompass.errors import KundenkompassError
from kundenkompass.files.reasons import json_reason

#: Largest file or request body read as input.
MAX_INPUT_BYTES = 1_000_000
#: Deepest nesting of tables/objects and lists in a document.
MAX_DEPTH = 32
#: Most decimal digits of an integer (far beyond any count or amount a profile holds).
MAX_INTEGER_DIGITS = 19
#: Longest text value.
MAX_TEXT_LENGTH = 10_000
#: Most entries of one list.
MAX_ITEMS = 10_000

#: Explicit bidirectional formatting (embeddings, overrides, isolates): they reorder how
#: text is displayed, so a name can read differently from what it is.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_LINE_BREAKS = str.maketrans("", "", "\n\t\r")
#: Characters that take no visible space but are not of a format or mark category.
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800\u180e")


class InputLimitError(KundenkompassError):
    """A value beyond a limit or with characters that are refused; names the key path.

    Raised by the helpers of this module without a file name; loaders re-raise it as their
    own located error (e.g. :class:`~kundenkompass.errors.ProfileError`).
    """

    exit_code = 2

    def __init__(
        self,
        key_path: str,
        message: str,
        *,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        self.key_path = key_path
        self.message = message
        self.line = line
        self.column = column
        super().__init__(f"{key_path}: {message}" if key_path else message)


@dataclass(frozen=True)
class Limits:
    """The limits :func:`check_tree` and :func:`parse_json` apply."""

    max_depth: int = MAX_DEPTH
    max_integer_digits: int = MAX_INTEGER_DIGITS
    max_text_length: int = MAX_TEXT_LENGTH
    max_items: int = MAX_ITEMS
    #: Refuse NaN and infinities (data files leave them to the checks that know the key).
    finite_numbers: bool = True


DEFAULT_LIMITS = Limits()


def join_path(path: str, key: str | int) -> str:
    """``path`` extended by a table key (``a.b``) or a list index (``a[0]``)."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def printable(text: str) -> str:
    """``text`` with control, format and surrogate characters (ESC, BEL, bidi overrides)
    shown as ``\\uXXXX``, so that echoing it cannot change a terminal or reorder a line."""
    if text.isprintable():  # has none of them (the common case, checked in C)
        return text
    return "".join(
        f"\\u{ord(char):04x}" if unicodedata.category(char) in ("Cc", "Cf", "Cs") else char
        for char in text
    )


def describe(value: Any) -> str:
    """A short description of a value for an error message (never its full size)."""
    if isinstance(value, bool):
        return "true" if value else "false"  # TOML's own words
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f'"{printable(shown)}"'
    if isinstance(value, int):
        if integer_too_long(value, MAX_INTEGER_DIGITS):
            return f"eine ganze Zahl mit mehr als {MAX_INTEGER_DIGITS} Ziffern"
        return repr(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "eine Liste"
    if isinstance(value, Mapping):
        return "eine Tabelle"
    if value is None:
        return "null"
    return type(value).__name__


def integer_too_long(value: int, digits: int = MAX_INTEGER_DIGITS) -> bool:
    """Whether ``value`` has more than ``digits`` decimal digits (without converting it)."""
    limit: int = 10**digits
    return abs(value) >= limit


def check_integer(value: int, path: str, digits: int = MAX_INTEGER_DIGITS) -> int:
    if integer_too_long(value, digits):
        raise InputLimitError(path, f"die ganze Zahl hat mehr als {digits} Ziffern")
    return value


def is_blank(text: str) -> bool:
    """Whether ``text`` is empty once spaces and invisible characters are removed."""
    return all(
        char.isspace()
        or char in _BLANK_LETTERS
        or unicodedata.category(char) in ("Cc", "Cf", "Mn", "Me", "Zs", "Zl", "Zp")
        for char in text
    )


def check_text(
    value: str,
    path: str,
    *,
    max_length: int = MAX_TEXT_LENGTH,
    multiline: bool = True,
    required: bool = False,
) -> str:
    """Return ``value`` if it is acceptable text; otherwise raise :class:`InputLimitError`.

    Refused: more than ``max_length`` characters, NUL and other control characters (line
    breaks and tabs only when ``multiline``), lone surrogates, bidirectional overrides and,
    when ``required``, text that is empty once invisible characters are removed.
    """
    if len(value) > max_length:
        raise InputLimitError(
            path, f"der Text ist zu lang ({len(value)} Zeichen; höchstens {max_length})"
        )
    allowed_controls = "\n\t\r" if multiline else ""
    # Printable text (line breaks aside) has no control, surrogate or format character:
    # str.isprintable, in C, decides the common case without the loop below.
    plain = value.translate(_LINE_BREAKS) if multiline else value
    suspect = "" if plain.isprintable() else value
    for position, char in enumerate(suspect, start=1):
        category = unicodedata.category(char)
        if category == "Cc" and char not in allowed_controls:
            raise InputLimitError(
                path,
                f"enthält das Steuerzeichen U+{ord(char):04X} an Position {position}; "
                "bitte entfernen",
            )
        if category == "Cs":
            raise InputLimitError(
                path,
                f"enthält ein einzelnes Surrogat U+{ord(char):04X} an Position {position} "
                "(kein Zeichen); bitte entfernen",
            )
        if char in BIDI_CONTROLS:
            raise InputLimitError(
                path,
                f"enthält das Bidi-Steuerzeichen U+{ord(char):04X} an Position "
                f"{position}, das die Anzeige des Texts verändert; bitte entfernen",
            )
    if required and is_blank(value):
        raise InputLimitError(path, "darf nicht leer sein (enthält kein sichtbares Zeichen)")
    return value


def _plainly_within(data: Any, limits: Limits) -> bool:
    """Whether ``data`` obviously keeps ``limits``: plain tables, lists and scalars with
    printable texts. Builds no key paths; anything else goes to the walk that names the
    place of a problem (which is most of an audit's input checking otherwise)."""
    stack: list[tuple[Any, int]] = [(data, 0)]
    integer_limit: int = 10**limits.max_integer_digits
    while stack:
        value, depth = stack.pop()
        kind = value.__class__
        if kind is str:
            if len(value) > limits.max_text_length or not (
                value.isprintable() or value.translate(_LINE_BREAKS).isprintable()
            ):
                return False
        elif kind is dict:
            if depth >= limits.max_depth:
                return False
            keys = "".join(key if key.__class__ is str else "\x00" for key in value)
            if not keys.isprintable() or max(map(len, value), default=0) > MAX_TEXT_LENGTH:
                return False
            texts = [child for child in value.values() if child.__class__ is str]
            if len(texts) < len(value):
                stack.extend(
                    (child, depth + 1) for child in value.values() if child.__class__ is not str
                )
            # Texts checked together: each within the length, none with a control character.
            if texts and (
                max(map(len, texts)) > limits.max_text_length
                or not "".join(texts).translate(_LINE_BREAKS).isprintable()
            ):
                return False
        elif kind is list or kind is tuple:
            if depth >= limits.max_depth or len(value) > limits.max_items:
                return False
            stack.extend((child, depth + 1) for child in value)
        elif kind is bool:
            continue
        elif kind is int:
            if abs(value) >= integer_limit:
                return False
        elif kind is float:
            if limits.finite_numbers and not math.isfinite(value):
                return False
        elif isinstance(value, Mapping | list | tuple | str | int | float):
            return False  # a subclass: the walk below decides
    return True


def check_tree(data: Any, path: str = "", limits: Limits = DEFAULT_LIMITS) -> None:
    """Check every key and value in nested tables and lists against ``limits``.

    Keys must be text; texts, integers, floats (finite), list and table sizes and the
    nesting depth are checked. Walks without recursion, so any depth is safe to check.
    """
    if _plainly_within(data, limits):
        return
    stack: list[tuple[Any, str, int]] = [(data, path, 0)]
    while stack:
        value, where, depth = stack.pop()
        if isinstance(value, Mapping | list | tuple):
            if depth >= limits.max_depth:
                raise InputLimitError(
                    where, f"zu tief verschachtelt (mehr als {limits.max_depth} Ebenen)"
                )
            # Tables are bounded by the size of the document and checked key by key.
            if not isinstance(value, Mapping) and len(value) > limits.max_items:
                raise InputLimitError(
                    where,
                    f"hat {len(value):,} Einträge; höchstens {limits.max_items:,}".replace(
                        ",", "."
                    ),
                )
            if isinstance(value, Mapping):
                children = []
                for key, child in value.items():
                    if not isinstance(key, str):
                        raise InputLimitError(
                            join_path(where, printable(str(key))[:40]),
                            f"der Schlüssel {describe(key)} ist kein Text; Schlüssel müssen Texte sein",
                        )
                    check_text(key, join_path(where, printable(key)), multiline=False)
                    children.append((child, join_path(where, key), depth + 1))
            else:
                children = [
                    (child, join_path(where, index), depth + 1) for index, child in enumerate(value)
                ]
            stack.extend(reversed(children))
        elif isinstance(value, str):
            check_text(value, printable(where), max_length=limits.max_text_length)
        elif isinstance(value, bool):
            continue
        elif isinstance(value, int):
            check_integer(value, printable(where), limits.max_integer_digits)
        elif isinstance(value, float) and limits.finite_numbers and not math.isfinite(value):
            raise InputLimitError(
                printable(where), f"erwartet: eine Zahl, erhalten: {value!r} (keine endliche Zahl)"
            )


def long_number_position(text: str, digits: int = MAX_INTEGER_DIGITS) -> tuple[int, int] | None:
    """Line and column of the first run of more than ``digits`` digits in ``text``."""
    match = re.compile(rf"[0-9_]{{{digits + 1},}}").search(text)
    if match is None:
        return None
    line = text.count("\n", 0, match.start()) + 1
    return line, match.start() - text.rfind("\n", 0, match.start())


def parse_json(raw: bytes | str, limits: Limits = DEFAULT_LIMITS) -> Any:
    """Parse JSON text with ``limits`` applied; raise :class:`InputLimitError` with the
    line and column of a syntax error, or the key path of a value beyond a limit.

    Strict: ``NaN`` and ``Infinity`` are refused, as are duplicate keys. Nesting is measured
    before parsing, so a deeply nested document never reaches the recursive parser.
    """
    if isinstance(raw, bytes):
        if raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            line = raw[: error.start].count(b"\n") + 1
            column = error.start - (raw.rfind(b"\n", 0, error.start) + 1) + 1
            raise InputLimitError(
                "", "kein gültiger UTF-8-Text", line=line, column=column
            ) from None
    else:
        text = raw
    _check_json_depth(text, limits.max_depth)

    def integer(digits: str) -> int:
        if len(digits.lstrip("-")) > limits.max_integer_digits:
            raise _JsonValueRefused(
                f"die ganze Zahl hat mehr als {limits.max_integer_digits} Ziffern"
            )
        return int(digits)

    def constant(name: str) -> Any:
        raise _JsonValueRefused(f"{name} ist keine Zahl, die JSON erlaubt")

    def unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        table: dict[str, Any] = {}
        for key, value in pairs:
            if key in table:
                raise _JsonValueRefused(
                    f"der Schlüssel {describe(key)} kommt in einem Objekt doppelt vor"
                )
            table[key] = value
        return table

    try:
        data = json.loads(
            text, parse_int=integer, parse_constant=constant, object_pairs_hook=unique
        )
    except _JsonValueRefused as error:
        raise InputLimitError("", str(error)) from None
    except json.JSONDecodeError as error:
        raise InputLimitError(
            "", f"ungültiges JSON: {json_reason(error.msg)}", line=error.lineno, column=error.colno
        ) from None
    except RecursionError:  # pragma: no cover - _check_json_depth refuses such nesting first
        raise InputLimitError(
            "", f"zu tief verschachtelt (mehr als {limits.max_depth} Ebenen)"
        ) from None
    check_tree(data, "", limits)
    return data


class _JsonValueRefused(Exception):
    pass


_JSON_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


def _check_json_depth(text: str, max_depth: int) -> None:
    if text.count("[") + text.count("{") <= max_depth:
        return
    depth = 0
    # Strings are skipped whole (in C), so brackets inside them do not count.
    for token in _JSON_TOKENS.finditer(text):
        char = token.group()
        if char in "[{":
            depth += 1
            if depth > max_depth:
                position = token.start()
                raise InputLimitError(
                    "",
                    f"zu tief verschachtelt (mehr als {max_depth} Ebenen)",
                    line=text.count("\n", 0, position) + 1,
                    column=position - text.rfind("\n", 0, position),
                )
        elif char in "]}":
            depth -= 1
