"""The one place where numbers and dates become text, for every report format.

Babel formats them by the language's CLDR rules: a decimal comma and a full stop between
thousands in German (``1.234,5``), dates as ``16. November 2026``.
"""

from __future__ import annotations

import datetime
from functools import cache

from babel import Locale
from babel.dates import format_date
from babel.numbers import NumberPattern, format_decimal, parse_pattern

NO_VALUE = "–"


def number(value: float | None, digits: int = 0, language: str = "de") -> str:
    """``value`` rounded to ``digits`` decimals; a dash when there is none."""
    if value is None:
        return NO_VALUE
    rounded = round(float(value), digits) + 0.0  # + 0.0 turns -0.0 into 0.0
    return str(format_decimal(rounded, format=_pattern(digits), locale=_locale(language)))


@cache
def _pattern(digits: int) -> NumberPattern:
    # Parsed once: a report formats a hundred numbers with the same two or three patterns.
    return parse_pattern("#,##0" + ("." + "0" * digits if digits > 0 else ""))


@cache
def _locale(language: str) -> Locale:
    return Locale.parse(language)


def signed(value: float | None, digits: int = 1, language: str = "de") -> str:
    """A change with its sign: ``+13,3``, ``-2,0``, ``±0``."""
    if value is None:
        return NO_VALUE
    if round(value, digits) == 0:
        return "±0"
    return ("+" if value > 0 else "") + number(value, digits, language)


def long_date(value: datetime.date | None, language: str = "de") -> str:
    """A date written out: ``16. November 2026``; a dash when there is none."""
    if value is None:
        return NO_VALUE
    return str(format_date(value, format="long", locale=_locale(language)))
