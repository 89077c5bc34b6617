"""German wording for the reasons the operating system and the parsers give in English.

Users read German; ``strerror``, tomllib and json speak English. Known reasons get a
German text; an unknown one keeps its original wording rather than being lost.
"""

from __future__ import annotations

import ast
import errno
import re
from collections.abc import Mapping
from typing import Any

_OS_REASONS = {
    errno.ENOENT: "Datei oder Ordner nicht gefunden",
    errno.EACCES: "keine Berechtigung",
    errno.EPERM: "Vorgang nicht erlaubt",
    errno.ENOSPC: "kein Speicherplatz mehr auf dem Gerät",
    errno.EDQUOT: "Speicherkontingent erschöpft",
    errno.EROFS: "das Dateisystem ist schreibgeschützt",
    errno.EISDIR: "ist ein Ordner",
    errno.ENOTDIR: "ein Teil des Pfads ist kein Ordner",
    errno.EEXIST: "existiert bereits",
    errno.ENAMETOOLONG: "der Dateiname ist zu lang",
    errno.ELOOP: "zu viele symbolische Links",
    errno.EIO: "Ein-/Ausgabefehler",
    errno.EXDEV: "Verschieben über Dateisystemgrenzen nicht möglich",
    errno.EBUSY: "das Gerät oder die Datei ist belegt",
    errno.EMFILE: "zu viele offene Dateien",
}


def os_reason(error: OSError) -> str:
    """Why an operating-system call failed, in German where the error number is known."""
    if error.errno in _OS_REASONS:
        return _OS_REASONS[error.errno]
    return str(error.strerror or error)


_TOML_REASONS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), german)
    for pattern, german in (
        (
            r"Cannot overwrite a value",
            "ein Schlüssel ist doppelt gesetzt (oder ein Wert neu definiert)",
        ),
        (r"Cannot declare (.+) twice", "{0} ist doppelt deklariert"),
        (r"Cannot mutate immutable namespace (.+)", "{0} ist bereits vollständig festgelegt"),
        (r"Cannot redefine namespace (.+)", "{0} ist bereits anders definiert"),
        (r"Duplicate inline table key (.+)", "Schlüssel {0} doppelt in einer Inline-Tabelle"),
        (
            r"Expected newline or end of document after a statement",
            "nach einer Angabe muss die Zeile enden",
        ),
        (r"Expected '=' after a key in a key/value pair", "nach dem Schlüssel fehlt '='"),
        (r"Expected '\]' at the end of a table declaration", "am Ende der Tabellenzeile fehlt ']'"),
        (r"Expected '\]\]' at the end of an array declaration", "am Ende der Zeile fehlt ']]'"),
        (r"Expected (.+)", "erwartet: {0}"),
        (r"Found invalid character (.+)", "ungültiges Zeichen {0}"),
        (r"Illegal character (.+)", "unzulässiges Zeichen {0}"),
        (r"Invalid date or datetime", "ungültiges Datum oder ungültige Uhrzeit"),
        (r"Invalid hex value", "ungültiger Hexadezimalwert"),
        (r"Invalid initial character for a key part", "ungültiges erstes Zeichen eines Schlüssels"),
        (r"Invalid statement", "ungültige Anweisung"),
        (r"Invalid value", "ungültiger Wert"),
        (r"Unclosed array", "eine Liste ist nicht geschlossen (es fehlt ']')"),
        (r"Unclosed inline table", "eine Inline-Tabelle ist nicht geschlossen (es fehlt '}}')"),
        (r"Unescaped '\\' in a string", "ein '\\' in einem Text ist nicht maskiert"),
        (
            r"Unterminated string",
            "ein Text ist nicht abgeschlossen (es fehlt das Anführungszeichen)",
        ),
        (
            r"Escaped character is not a Unicode scalar value",
            "die Escape-Sequenz ist kein gültiges Unicode-Zeichen",
        ),
    )
)


def toml_reason(message: str) -> str:
    """tomllib's (or tomli's) reason for a syntax error, in German where it is known."""
    for pattern, german in _TOML_REASONS:
        match = pattern.fullmatch(message)
        if match:
            return german.format(*(_shown_key(group) for group in match.groups()))
    return message


def _shown_key(text: str) -> str:
    """tomllib names a key as a tuple (``('a', 'b')``); users write ``a.b``."""
    if text.startswith("(") and text.endswith(")"):
        try:
            parts = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            return text
        if isinstance(parts, tuple) and all(isinstance(part, str) for part in parts):
            return "'" + ".".join(parts) + "'"
    return text


_JSON_REASONS = {
    "Expecting value": "ein Wert fehlt",
    "Expecting property name enclosed in double quotes": (
        "ein Schlüssel in doppelten Anführungszeichen fehlt"
    ),
    "Expecting ':' delimiter": "es fehlt ':'",
    "Expecting ',' delimiter": "es fehlt ','",
    "Extra data": "nach dem Ende des Dokuments folgen weitere Daten",
    "Unterminated string starting at": "ein Text ist nicht abgeschlossen",
    "Invalid control character at": "ungültiges Steuerzeichen",
    "Invalid \\escape": "ungültige Escape-Sequenz",
    "Invalid \\uXXXX escape": "ungültige \\uXXXX-Escape-Sequenz",
    "Illegal trailing comma before end of object": "überzähliges Komma vor dem Ende des Objekts",
    "Illegal trailing comma before end of array": "überzähliges Komma vor dem Ende der Liste",
}


def json_reason(message: str) -> str:
    """json's reason for a syntax error, in German where it is known."""
    return _JSON_REASONS.get(message, message)


#: German texts for pydantic's error types; ``{name}`` takes a value from the error's ctx.
_VALIDATION_REASONS = {
    "missing": "fehlt",
    "extra_forbidden": "unbekannter Schlüssel; nicht erlaubt",
    "unexpected_keyword_argument": "unbekannter Schlüssel; nicht erlaubt",
    "string_type": "erwartet: ein Text",
    "string_sub_type": "erwartet: ein Text",
    "string_unicode": "erwartet: ein gültiger Unicode-Text",
    "string_too_short": "zu kurz; erwartet: mindestens {min_length} Zeichen",
    "string_too_long": "zu lang; erlaubt sind höchstens {max_length} Zeichen",
    "string_pattern_mismatch": "hat nicht die erwartete Form ({pattern})",
    "int_type": "erwartet: eine ganze Zahl",
    "int_parsing": "erwartet: eine ganze Zahl",
    "int_from_float": "erwartet: eine ganze Zahl ohne Nachkommastellen",
    "float_type": "erwartet: eine Zahl",
    "float_parsing": "erwartet: eine Zahl",
    "finite_number": "erwartet: eine endliche Zahl",
    "bool_type": "erwartet: true oder false",
    "bool_parsing": "erwartet: true oder false",
    "list_type": "erwartet: eine Liste",
    "tuple_type": "erwartet: eine Liste",
    "set_type": "erwartet: eine Liste",
    "frozen_set_type": "erwartet: eine Liste",
    "dict_type": "erwartet: eine Tabelle",
    "model_type": "erwartet: eine Tabelle",
    "model_attributes_type": "erwartet: eine Tabelle",
    "dataclass_type": "erwartet: eine Tabelle",
    "none_required": "erwartet: kein Wert",
    "literal_error": "erwartet: {expected}",
    "enum": "erwartet: {expected}",
    "too_short": "zu wenige Einträge; erwartet: mindestens {min_length}",
    "too_long": "zu viele Einträge; erlaubt sind höchstens {max_length}",
    "greater_than": "erwartet: eine Zahl größer als {gt}",
    "greater_than_equal": "erwartet: eine Zahl ab {ge}",
    "less_than": "erwartet: eine Zahl kleiner als {lt}",
    "less_than_equal": "erwartet: eine Zahl bis {le}",
    "multiple_of": "erwartet: ein Vielfaches von {multiple_of}",
    "date_type": "erwartet: ein Datum wie 2026-11-20",
    "date_parsing": "erwartet: ein Datum wie 2026-11-20",
    "date_from_datetime_parsing": "erwartet: ein Datum wie 2026-11-20",
    "date_from_datetime_inexact": "erwartet: ein Datum ohne Uhrzeit",
    "datetime_type": "erwartet: Datum und Uhrzeit wie 2026-11-20T10:00:00",
    "datetime_parsing": "erwartet: Datum und Uhrzeit wie 2026-11-20T10:00:00",
    "datetime_from_date_parsing": "erwartet: Datum und Uhrzeit wie 2026-11-20T10:00:00",
    "url_type": "erwartet: eine Adresse (URL)",
    "url_parsing": "erwartet: eine gültige Adresse (URL)",
    "url_scheme": "erwartet: eine Adresse mit {expected_schemes}",
    "json_invalid": "ungültiges JSON",
    "json_type": "erwartet: JSON",
    "union_tag_invalid": "unbekannte Art {tag}; erwartet: {expected_tags}",
    "union_tag_not_found": "die Angabe {discriminator} fehlt",
    "is_instance_of": "erwartet: {class}",
    "frozen_instance": "lässt sich nicht ändern",
    "frozen_field": "lässt sich nicht ändern",
}


def validation_reason(error: Mapping[str, Any]) -> str:
    """One pydantic error (an entry of ``ValidationError.errors()``) in German.

    Our own validators raise ValueError with a German text; pydantic prefixes it with
    "Value error, ". Types without a German text keep pydantic's wording.
    """
    kind = str(error.get("type", ""))
    context = dict(error.get("ctx") or {})
    message = str(error.get("msg", ""))
    if kind in ("value_error", "assertion_error"):
        reason = context.get("error")
        return str(reason) if reason is not None else message.split(", ", 1)[-1]
    template = _VALIDATION_REASONS.get(kind)
    if template is None:
        return message
    if kind in ("literal_error", "enum") and "expected" in context:
        context["expected"] = _german_choices(str(context["expected"]))
    try:
        return template.format_map(context)
    except (KeyError, IndexError, ValueError):
        return template.split(";")[0] if "{" in template else template


def _german_choices(expected: str) -> str:
    """pydantic's ``'a', 'b' or 'c'`` as ``eines von 'a', 'b', 'c'``."""
    return "eines von " + expected.replace(" or ", ", ")
