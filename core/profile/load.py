"""Loading a company profile and validating it against what the loaded plugins declare.

A profile has three tables (plus optional ``[thresholds]``)::

    [company]
    name = "Radhaus Beispiel"
    sector = "fahrradhandel"
    channels = ["laden"]
    [answers]
    google_business_profil = "nein"
    [facts]
    website = false

Every problem raises :class:`ProfileError` naming the file, the key path (or line and
column for syntax errors) and what was expected.

Inputs are explicit: :func:`load_profile` reads a file, :func:`parse_profile_text` parses
TOML text, :func:`parse_profile_json` parses JSON text and :func:`validate_profile` checks
a mapping. Nothing here guesses whether a string is a path or a profile; only
:func:`load_profile` touches the file system.
"""

# Annotations here are evaluated when defined (no `from __future__ import annotations`):
# pydantic reads them on every start, and as strings each would be compiled.

import datetime
import difflib
import math
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar, get_args

from kundenkompass.catalog.catalog import Catalog
from kundenkompass.errors import ProfileError, TomlFileError
from kundenkompass.files.limits import (
    MAX_INTEGER_DIGITS,
    InputLimitError,
    Limits,
    check_integer,
    check_text,
    check_tree,
    describe,
    parse_json,
    printable,
)
from kundenkompass.files.toml_files import parse_toml_text, read_toml_text
from kundenkompass.models import FactDefinition, FactType
from kundenkompass.vocabulary import CHANNELS, AnswerValue, Channel
from pydantic import BaseModel, ConfigDict, Field

Word = TypeVar("Word", bound=str)

#: What a profile may say for a checklist item; "unbekannt" means unknown.
ANSWER_SPELLINGS: dict[str, AnswerValue | None] = {
    "ja": "ja",
    "teilweise": "teilweise",
    "nein": "nein",
    "entfällt": "entfaellt",
    "entfaellt": "entfaellt",
    "unbekannt": None,
}
UNKNOWN = "unbekannt"
MAX_TEXT_LENGTH = 2_000
MAX_NUMBER = 1e12
MAX_DEPTH = 4
#: Most entries of a list in a profile (the longest allowed list has a few dozen values).
MAX_LIST_ITEMS = 1_000
#: The limits every profile is checked against before its content is.
PROFILE_LIMITS = Limits(
    max_depth=MAX_DEPTH, max_text_length=MAX_TEXT_LENGTH, max_items=MAX_LIST_ITEMS
)


class Answer(BaseModel):
    """An answer to a checklist item; ``value`` is None when unknown."""

    model_config = ConfigDict(frozen=True)

    value: AnswerValue | None = None
    note: str | None = None


_NOT_A_WORD = object()
_NOT_PLAIN = object()
_INTEGER_LIMIT = 10**MAX_INTEGER_DIGITS


def _plain_fact_value(raw: Any, definition: FactDefinition) -> Any:
    """The value of a fact given plainly (a bool, a listed word, a number within its bounds),
    or ``_NOT_PLAIN``: then the full check decides, and names what is wrong."""
    kind = definition.type
    if kind is FactType.BOOL:
        return raw if raw.__class__ is bool else _NOT_PLAIN
    if kind is FactType.ENUM:
        plain = raw.__class__ is str and raw != UNKNOWN and raw in definition.values
        return raw if plain else _NOT_PLAIN
    if kind is FactType.INT or kind is FactType.FLOAT:
        number = raw.__class__
        if number is not int and (number is not float or kind is FactType.INT):
            return _NOT_PLAIN
        lowest = definition.minimum if definition.minimum is not None else -MAX_NUMBER
        highest = definition.maximum if definition.maximum is not None else MAX_NUMBER
        if not (lowest <= raw <= highest) or (number is int and abs(raw) >= _INTEGER_LIMIT):
            return _NOT_PLAIN
        return raw if kind is FactType.INT else float(raw)
    return _NOT_PLAIN


_PLAIN_ANSWERS: dict[AnswerValue | None, Answer] = {
    value: Answer(value=value) for value in (*get_args(AnswerValue), None)
}


class Company(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    sector: str | None = None
    #: The sector's name as reports show it; without it, the title of the sector's ruleset.
    sector_title: str | None = None
    channels: tuple[Channel, ...]
    location: str | None = None


class AuditDetails(BaseModel):
    """The optional ``[audit]`` table: when the audit took place and who made it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    date: datetime.date | None = None
    advisor: str | None = None
    organisation: str | None = None


class WebsiteEvidence(BaseModel):
    """What a website check (``audit collect``) saw for one profile key, and where."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str
    value: Any
    url: str
    snippet: str = ""


class Profile(BaseModel):
    """A validated profile. Unknown answers and facts are simply absent."""

    model_config = ConfigDict(frozen=True)

    company: Company
    answers: dict[str, Answer] = Field(default_factory=dict)
    facts: dict[str, Any] = Field(default_factory=dict)
    thresholds: dict[str, float] = Field(default_factory=dict)
    audit: AuditDetails = AuditDetails()
    #: ``[[website_evidence]]``: what ``audit collect`` found on the company's website.
    website_evidence: tuple[WebsiteEvidence, ...] = ()
    source: str = "<profile>"

    def answer(self, item_id: str) -> AnswerValue | None:
        answer = self.answers.get(item_id)
        return answer.value if answer else None


def load_profile(path: str | os.PathLike[str], catalog: Catalog) -> Profile:
    """Read and validate a profile file (TOML)."""
    source = os.fspath(path)
    try:
        text = read_toml_text(Path(path))
    except TomlFileError as error:
        raise ProfileError(source, error.message, line=error.line, column=error.column) from None
    return parse_profile_text(text, catalog, source)


def parse_profile_text(text: str, catalog: Catalog, source: str = "<profile>") -> Profile:
    try:
        data = parse_toml_text(text)
    except TomlFileError as error:
        raise ProfileError(source, error.message, line=error.line, column=error.column) from None
    return validate_profile(data, catalog, source)


def parse_profile_json(text: str | bytes, catalog: Catalog, source: str = "<profile>") -> Profile:
    """Parse and validate a profile given as JSON text (an object with the profile's tables).

    Limits apply before the content is looked at: nesting, integer digits, text lengths.
    """
    try:
        data = parse_json(text, PROFILE_LIMITS)
    except InputLimitError as error:
        raise ProfileError(
            source,
            error.message,
            key_path=error.key_path or None,
            line=error.line,
            column=error.column,
        ) from None
    return validate_profile(data, catalog, source)


def validate_profile(
    data: Mapping[str, Any], catalog: Catalog, source: str = "<profile>"
) -> Profile:
    """Validate a profile given as a mapping (e.g. parsed TOML or JSON)."""
    return _Validator(catalog, source).profile(data)


class _Validator:
    def __init__(self, catalog: Catalog, source: str) -> None:
        self.catalog = catalog
        self.source = source

    def fail(self, path: str, message: str) -> ProfileError:
        # Keys and values are echoed: control characters must not reach the terminal.
        return ProfileError(self.source, printable(message), key_path=printable(path) or None)

    def profile(self, data: Any) -> Profile:
        if not isinstance(data, Mapping):
            raise self.fail(
                "",
                f"erwartet: eine Tabelle mit [company], [answers] und [facts], erhalten: {describe(data)}",
            )
        try:
            check_tree(data, "", PROFILE_LIMITS)
        except InputLimitError as error:
            raise self.fail(error.key_path, error.message) from None
        self._reject_unknown(
            data, ("company", "answers", "facts", "thresholds", "audit", "website_evidence"), ""
        )
        if "company" not in data:
            raise self.fail("company", "die Tabelle [company] fehlt (mit name und channels)")
        company = self.company(self._table(data["company"], "company"))
        answers = self.answers(self._table(data.get("answers", {}), "answers"))
        facts = self.facts(self._table(data.get("facts", {}), "facts"))
        thresholds = self.thresholds(self._table(data.get("thresholds", {}), "thresholds"))
        audit = self.audit(self._table(data.get("audit", {}), "audit"))
        evidence = self.website_evidence(data.get("website_evidence", []))
        return Profile(
            company=company,
            answers=answers,
            facts=facts,
            thresholds=thresholds,
            audit=audit,
            website_evidence=evidence,
            source=self.source,
        )

    def audit(self, table: Mapping[str, Any]) -> AuditDetails:
        self._reject_unknown(table, ("date", "advisor", "organisation"), "audit")
        texts = {
            key: self._text(table[key], f"audit.{key}", limit=200)
            for key in ("advisor", "organisation")
            if key in table
        }
        return AuditDetails(date=self._date(table["date"]) if "date" in table else None, **texts)

    def _date(self, raw: Any) -> datetime.date:
        # TOML has dates (2026-11-20); JSON and forms give the same as text.
        if isinstance(raw, datetime.date) and not isinstance(raw, datetime.datetime):
            return raw
        if isinstance(raw, str):
            try:
                return datetime.date.fromisoformat(raw.strip())
            except ValueError:
                pass
        raise self.fail(
            "audit.date",
            f"erwartet: ein Datum wie 2026-11-20 (Jahr-Monat-Tag), erhalten: {describe(raw)}",
        )

    def website_evidence(self, raw: Any) -> tuple[WebsiteEvidence, ...]:
        if not isinstance(raw, list):
            raise self.fail(
                "website_evidence", f"erwartet: eine Liste von Tabellen, erhalten: {describe(raw)}"
            )
        entries = []
        for index, entry in enumerate(raw):
            path = f"website_evidence[{index}]"
            table = self._table(entry, path)
            self._reject_unknown(table, ("key", "value", "url", "snippet"), path)
            for required in ("key", "value", "url"):
                if required not in table:
                    raise self.fail(f"{path}.{required}", "fehlt")
            key = self._text(table["key"], f"{path}.key", limit=200)
            if key.startswith("company.channels."):
                channel = key.rsplit(".", 1)[1]
                if channel not in CHANNELS:
                    raise self.fail(f"{path}.key", f"unbekannter Kanal {channel!r}")
                value = table["value"]
                if not isinstance(value, bool):
                    raise self.fail(
                        f"{path}.value", f"erwartet: true oder false, erhalten: {describe(value)}"
                    )
            elif key in ("company.name", "company.location"):
                value = self._text(table["value"], f"{path}.value", limit=200)
            else:
                definition = self.catalog.subjects.get(key)
                if definition is None or definition.source != "input":
                    raise self.fail(f"{path}.key", f"unbekannter Schlüssel {key!r}")
                if key.startswith("answers."):
                    value = self._text(table["value"], f"{path}.value", limit=20)
                else:
                    value = self.fact_value(table["value"], definition, f"{path}.value")
            entries.append(
                WebsiteEvidence(
                    key=key,
                    value=value,
                    url=self._text(table["url"], f"{path}.url", limit=2_000),
                    snippet=self._text(table.get("snippet", ""), f"{path}.snippet", limit=500),
                )
            )
        return tuple(entries)

    def _table(self, value: Any, path: str) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(path, f"erwartet: eine Tabelle, erhalten: {describe(value)}")
        return value

    def _reject_unknown(self, table: Mapping[str, Any], allowed: Iterable[str], path: str) -> None:
        allowed = list(allowed)
        for key in table:
            if key not in allowed:
                where = f"{path}.{key}" if path else key
                raise self.fail(
                    where,
                    f"unbekannter Schlüssel{_did_you_mean(key, allowed)}; erlaubt: "
                    + ", ".join(allowed),
                )

    def company(self, table: Mapping[str, Any]) -> Company:
        self._reject_unknown(
            table, ("name", "sector", "sector_title", "channels", "location"), "company"
        )
        if "name" not in table:
            raise self.fail("company.name", "fehlt; erwartet: der Name des Unternehmens")
        name = self._text(table["name"], "company.name", limit=200, line=True, required=True)
        # Optional keys are left out when unknown; a JSON null is not a text.
        sector = table.get("sector")
        if "sector" in table:
            sector = self._text(sector, "company.sector", limit=100, line=True)
        sector_title = table.get("sector_title")
        if "sector_title" in table:
            sector_title = self._text(
                sector_title, "company.sector_title", limit=100, line=True, required=True
            )
        location = table.get("location")
        if "location" in table:
            location = self._text(location, "company.location", limit=200, line=True)
        if "channels" not in table:
            raise self.fail(
                "company.channels", "fehlt; erwartet: eine Liste aus: " + ", ".join(CHANNELS)
            )
        channels = self._member_list(
            table["channels"], CHANNELS, "company.channels", forgiving=True
        )
        if not channels:
            raise self.fail(
                "company.channels", "braucht mindestens einen Kanal: " + ", ".join(CHANNELS)
            )
        return Company(
            name=name,
            sector=sector,
            sector_title=sector_title,
            channels=channels,
            location=location,
        )

    def answers(self, table: Mapping[str, Any]) -> dict[str, Answer]:
        answers: dict[str, Answer] = {}
        allowed_words = ", ".join(
            f'"{word}"' for word in ("ja", "teilweise", "nein", "entfällt", UNKNOWN)
        )
        checklist = self.catalog.checklist
        for item_id, raw in table.items():
            # The common case, a plain answer word for a known item, needs no path.
            if raw.__class__ is str and item_id in checklist:
                value = ANSWER_SPELLINGS.get(raw.strip().lower(), _NOT_A_WORD)
                if value is not _NOT_A_WORD:
                    answers[item_id] = _PLAIN_ANSWERS[value]  # type: ignore[index]
                    continue
            path = f"answers.{item_id}"
            if item_id not in checklist:
                raise self.fail(
                    path,
                    f"unbekannter Checklistenpunkt{_did_you_mean(item_id, self.catalog.checklist)}",
                )
            note = None
            word = raw
            if isinstance(raw, Mapping):
                self._reject_unknown(raw, ("antwort", "notiz"), path)
                if "antwort" not in raw:
                    raise self.fail(
                        f"{path}.antwort", f"fehlt; erwartet: eines von {allowed_words}"
                    )
                word = raw["antwort"]
                if "notiz" in raw:
                    note = self._text(raw["notiz"], f"{path}.notiz")
                path = f"{path}.antwort"
            if not isinstance(word, str) or word.strip().lower() not in ANSWER_SPELLINGS:
                raise self.fail(
                    path, f"{describe(word)} ist keine Antwort; erwartet: eines von {allowed_words}"
                )
            value = ANSWER_SPELLINGS[word.strip().lower()]
            # Answers are frozen: one instance per plain answer serves every profile.
            answers[item_id] = (
                _PLAIN_ANSWERS[value] if note is None else Answer(value=value, note=note)
            )
        return {key: answers[key] for key in sorted(answers)}

    def facts(self, table: Mapping[str, Any]) -> dict[str, Any]:
        facts: dict[str, Any] = {}
        for key, raw in table.items():
            definition = self.catalog.facts.get(key)
            if definition is not None and definition.source != "derived":
                value = _plain_fact_value(raw, definition)
                if value is not _NOT_PLAIN:
                    facts[key] = value
                    continue
            path = f"facts.{key}"
            if definition is None:
                inputs = [f.key for f in self.catalog.input_facts()]
                raise self.fail(path, f"unbekannter Fakt{_did_you_mean(key, inputs)}")
            if definition.source == "derived":
                raise self.fail(
                    path, "wird von der Engine abgeleitet und kann im Profil nicht gesetzt werden"
                )
            if raw == UNKNOWN:
                continue
            facts[key] = self.fact_value(raw, definition, path)
        return {key: facts[key] for key in sorted(facts)}

    def fact_value(self, raw: Any, definition: FactDefinition, path: str) -> Any:
        kind = definition.type
        if kind is FactType.BOOL:
            if not isinstance(raw, bool):
                raise self.fail(path, f"erwartet: true oder false, erhalten: {describe(raw)}")
            return raw
        if kind in (FactType.INT, FactType.FLOAT):
            return self._number(raw, definition, path)
        if kind is FactType.ENUM:
            if not isinstance(raw, str) or raw not in definition.values:
                raise self.fail(
                    path,
                    f"{describe(raw)} ist nicht erlaubt; erwartet: eines von "
                    + ", ".join(f'"{v}"' for v in definition.values),
                )
            return raw
        if kind is FactType.ENUM_LIST:
            return self._member_list(raw, definition.values, path)
        return self._text(raw, path)

    def _number(self, raw: Any, definition: FactDefinition, path: str) -> int | float:
        whole = definition.type is FactType.INT
        expected = "eine ganze Zahl" if whole else "eine Zahl"
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            raise self.fail(path, f"erwartet: {expected}, erhalten: {describe(raw)}")
        if isinstance(raw, int):
            try:
                check_integer(raw, path)
            except InputLimitError as error:
                raise self.fail(error.key_path, error.message) from None
        if whole and isinstance(raw, float):
            if not raw.is_integer():
                raise self.fail(path, f"erwartet: {expected}, erhalten: {raw!r}")
            raw = int(raw)
        if isinstance(raw, float) and not math.isfinite(raw):
            raise self.fail(path, f"erwartet: eine endliche Zahl, erhalten: {raw!r}")
        lowest = definition.minimum if definition.minimum is not None else -MAX_NUMBER
        highest = definition.maximum if definition.maximum is not None else MAX_NUMBER
        if not lowest <= raw <= highest:
            unit = f" {definition.unit}" if definition.unit else ""
            raise self.fail(
                path,
                f"{raw!r} liegt außerhalb des Bereichs; erwartet: {_num(lowest)} bis {_num(highest)}{unit}",
            )
        return raw if whole else float(raw)

    def _member_list(
        self, raw: Any, allowed: Iterable[Word], path: str, *, forgiving: bool = False
    ) -> tuple[Word, ...]:
        allowed = tuple(allowed)

        def choices() -> str:  # only for a message: most lists are fine
            return ", ".join(f'"{v}"' for v in allowed)

        if not isinstance(raw, list):
            raise self.fail(
                path, f"erwartet: eine Liste aus {choices()}; erhalten: {describe(raw)}"
            )
        seen: list[str] = []
        for index, member in enumerate(raw):
            # Channels are read as forgivingly as answers: case and spaces do not matter.
            if forgiving and isinstance(member, str) and member.strip().lower() in allowed:
                member = member.strip().lower()
            if not isinstance(member, str) or member not in allowed:
                hint = _did_you_mean(member, allowed) if isinstance(member, str) else ""
                raise self.fail(
                    f"{path}[{index}]",
                    f"{describe(member)} ist nicht erlaubt{hint}; erwartet: eines von {choices()}",
                )
            if member in seen:
                raise self.fail(f"{path}[{index}]", f'"{member}" ist doppelt aufgeführt')
            seen.append(member)
        return tuple(value for value in allowed if value in seen)

    def _text(
        self,
        raw: Any,
        path: str,
        limit: int = MAX_TEXT_LENGTH,
        *,
        line: bool = False,
        required: bool = False,
    ) -> str:
        """A text value; ``line``: a single line; ``required``: with a visible character."""
        if not isinstance(raw, str):
            raise self.fail(path, f"erwartet: ein Text, erhalten: {describe(raw)}")
        try:
            return check_text(raw, path, max_length=limit, multiline=not line, required=required)
        except InputLimitError as error:
            raise self.fail(error.key_path, error.message) from None

    def thresholds(self, table: Mapping[str, Any]) -> dict[str, float]:
        values: dict[str, float] = {}
        for key, raw in table.items():
            path = f"thresholds.{key}"
            if key not in self.catalog.thresholds:
                raise self.fail(
                    path, f"unbekannter Schwellenwert{_did_you_mean(key, self.catalog.thresholds)}"
                )
            if (
                isinstance(raw, bool)
                or not isinstance(raw, int | float)
                or not math.isfinite(raw)
                or abs(raw) > MAX_NUMBER
            ):
                raise self.fail(path, f"erwartet: eine Zahl, erhalten: {describe(raw)}")
            values[key] = float(raw)
        return dict(sorted(values.items()))


def _did_you_mean(word: str, candidates: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f'; meinten Sie "{close[0]}"?' if close else ""


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
