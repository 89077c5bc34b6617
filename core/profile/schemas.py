"""JSON Schemas of what the engine reads (a profile) and writes (an audit result).

The profile schema is built from a pydantic model generated from the loaded plugins'
catalog, so it lists every checklist item, fact and threshold with its type, allowed
values and question. It describes the input for editors, form builders and the HTTP
service's OpenAPI document; validation itself stays in :mod:`kundenkompass.load_profile`,
whose messages name the file, line and key path.
"""

from __future__ import annotations

import datetime
import functools
import json
import unicodedata
from collections.abc import Callable, Iterable
from types import GenericAlias
from typing import Annotated, Any, Literal

from kundenkompass.catalog.catalog import Catalog
from kundenkompass.files.limits import BIDI_CONTROLS, is_blank
from kundenkompass.models import ChecklistItem, FactDefinition, FactType, text_in
from kundenkompass.profile.load import (
    ANSWER_SPELLINGS,
    MAX_LIST_ITEMS,
    MAX_NUMBER,
    MAX_TEXT_LENGTH,
    UNKNOWN,
    WebsiteEvidence,
)
from kundenkompass.profile.scope import is_company_condition
from kundenkompass.results import AuditResult
from kundenkompass.rules.language import AllOf, AnyOf, Condition, Not
from kundenkompass.vocabulary import CHANNELS, Channel
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, create_model

#: Spellings a profile may use for a checklist answer ("unbekannt" means unknown).
ANSWER_WORDS = tuple(ANSWER_SPELLINGS)

_FORBID = ConfigDict(extra="forbid")

Word = Literal[ANSWER_WORDS]  # type: ignore[valid-type]


def _without_default(schema: dict[str, Any]) -> None:
    # Optional keys of a profile are left out, never null: hide pydantic's "default": null.
    schema.pop("default", None)


def _ranges(characters: Iterable[int]) -> str:
    """A regular expression character class body for the given code points."""
    points = sorted(characters)
    parts = []
    start = previous = points[0]
    for point in [*points[1:], -1]:
        if point == previous + 1:
            previous = point
            continue
        parts.append(_char(start) if start == previous else f"{_char(start)}-{_char(previous)}")
        start = previous = point
    return "".join(parts)


def _char(point: int) -> str:
    # \uXXXX in the basic plane (JSON Schema's and Python's regular expressions agree on
    # it); the character itself above.
    return f"\\u{point:04x}" if point <= 0xFFFF else chr(point)


@functools.cache
def _forbidden_pattern(single_line: bool) -> str:
    """What the loader refuses anywhere in a text (see ``files.limits.check_text``)."""
    controls = [p for p in range(0x100) if unicodedata.category(chr(p)) == "Cc"]
    if not single_line:
        controls = [p for p in controls if chr(p) not in "\n\t\r"]
    # Lone surrogates are refused too, but no valid UTF-8 text carries them; a regular
    # expression engine working on Unicode text cannot even name them.
    return "[" + _ranges([*controls, *map(ord, BIDI_CONTROLS)]) + "]"


@functools.cache
def _visible_pattern() -> str:
    """Matches a text with at least one visible character (see ``files.limits.is_blank``)."""
    # Format, mark and space characters live in planes 0, 1 and 14 only.
    planes = (*range(0x20000), *range(0xE0000, 0xF0000))
    blank = [p for p in planes if is_blank(chr(p))]
    return "[^" + _ranges(blank) + "]"


def text_schema(
    max_length: int = MAX_TEXT_LENGTH, *, single_line: bool = False, visible: bool = False
) -> dict[str, Any]:
    """The JSON Schema of a text the loader accepts: its length, no control characters
    (line breaks and tabs only where several lines are allowed), no bidi controls, and
    with ``visible`` at least one visible character."""
    schema: dict[str, Any] = {
        "type": "string",
        "maxLength": max_length,
        "not": {"pattern": _forbidden_pattern(single_line)},
    }
    if visible:
        schema["pattern"] = _visible_pattern()
    return schema


def _text_field(
    *, single_line: bool = False, visible: bool = False
) -> Callable[[dict[str, Any]], None]:
    """``json_schema_extra`` of an optional text field: its limits, no default."""

    def extra(schema: dict[str, Any]) -> None:
        _without_default(schema)
        schema["not"] = {"pattern": _forbidden_pattern(single_line)}
        if visible:
            schema["pattern"] = _visible_pattern()

    return extra


class AnswerWithNote(BaseModel):
    """An answer with a note, e.g. ``{ antwort = "teilweise", notiz = "…" }``."""

    model_config = _FORBID

    antwort: Word
    notiz: str = Field(
        default=None,  # type: ignore[assignment]
        max_length=MAX_TEXT_LENGTH,
        json_schema_extra=_text_field(),
    )


class CompanyInput(BaseModel):
    """The ``[company]`` table."""

    model_config = _FORBID

    name: str = Field(
        min_length=1,
        max_length=200,
        description="Name of the company",
        json_schema_extra=_text_field(single_line=True, visible=True),
    )
    sector: str = Field(
        default=None,  # type: ignore[assignment]
        max_length=100,
        description="Sector, e.g. fahrradhandel",
        json_schema_extra=_text_field(single_line=True),
    )
    sector_title: str = Field(
        default=None,  # type: ignore[assignment]
        max_length=100,
        description="The sector's name as the report shows it, e.g. Ersatzteile für Haushaltsgeräte",
        json_schema_extra=_text_field(single_line=True, visible=True),
    )
    channels: list[Channel] = Field(
        min_length=1, json_schema_extra={"uniqueItems": True}, description="Sales channels"
    )
    location: str = Field(
        default=None,  # type: ignore[assignment]
        max_length=200,
        description="Place",
        json_schema_extra=_text_field(single_line=True),
    )


class AuditInput(BaseModel):
    """The optional ``[audit]`` table: when the audit took place and who made it."""

    model_config = _FORBID

    date: datetime.date = Field(
        default=None,  # type: ignore[assignment]
        description="Date of the audit (YYYY-MM-DD); sets the suggested follow-up audit",
        json_schema_extra=_without_default,
    )
    advisor: str = Field(
        default=None,  # type: ignore[assignment]
        max_length=200,
        description="Who made the audit",
        json_schema_extra=_text_field(),
    )
    organisation: str = Field(
        default=None,  # type: ignore[assignment]
        max_length=200,
        description="The advisor's organisation",
        json_schema_extra=_text_field(),
    )


def profile_model(catalog: Catalog) -> type[BaseModel]:
    """A pydantic model of a profile for the plugins in ``catalog``."""
    answers = _table_model(
        "Answers",
        "The [answers] table: one answer per checklist item; absent means unknown.",
        {
            item.id: (Word | AnswerWithNote, text_in(item.statement))
            for item in catalog.checklist.values()
        },
    )
    facts = _table_model(
        "Facts",
        "The [facts] table: facts the plugins ask about; absent means unknown.",
        {fact.key: (_fact_type(fact), text_in(fact.question)) for fact in catalog.input_facts()},
    )
    thresholds = _table_model(
        "Thresholds",
        "The [thresholds] table: other values for the plugins' thresholds.",
        {
            threshold.key: (
                Annotated[float, Field(ge=-MAX_NUMBER, le=MAX_NUMBER)],
                f"{text_in(threshold.description)} (default {threshold.value:g})",
            )
            for threshold in catalog.thresholds.values()
        },
    )
    return create_model(
        "Profile",
        __config__=_FORBID,
        __doc__="A company profile: what is known about the retailer. Unknown is not false.",
        company=(CompanyInput, ...),
        answers=(answers, Field(default=None, json_schema_extra=_without_default)),
        facts=(facts, Field(default=None, json_schema_extra=_without_default)),
        thresholds=(thresholds, Field(default=None, json_schema_extra=_without_default)),
        audit=(AuditInput, Field(default=None, json_schema_extra=_without_default)),
        website_evidence=(
            list[WebsiteEvidence],
            Field(
                default=None,
                json_schema_extra=_evidence_schema(catalog),
                description="What a website check (audit collect) saw, per profile key.",
            ),
        ),
    )


def profile_schema(catalog: Catalog, *, ref_template: str = "#/$defs/{model}") -> dict[str, Any]:
    """The JSON Schema of a profile for the plugins in ``catalog``.

    Questions outside a company's scope (see :mod:`kundenkompass.profile.scope`) may only
    be answered "entfällt" or "unbekannt", as the engine checks: ``if``/``then``
    conditions say so per sector, per set of channels and per precondition on
    ``[company]`` fields. A profile without a sector is outside every sector; a test of
    another field the profile leaves out is unknown and refuses nothing.
    """
    schema = profile_model(catalog).model_json_schema(ref_template=ref_template)
    conditions = scope_conditions(catalog)
    if conditions:
        schema["allOf"] = conditions
    return schema


def scope_conditions(catalog: Catalog) -> list[dict[str, Any]]:
    """The ``if``/``then`` conditions of the company's scope, by sector, then by channels,
    then by precondition."""
    return (
        sector_conditions(catalog) + channel_conditions(catalog) + precondition_conditions(catalog)
    )


#: What a profile may give for a question outside its scope: nothing known.
_CLAIMS_NOTHING_WORDS = [
    word for word, value in ANSWER_SPELLINGS.items() if value in (None, "entfaellt")
]
_CLAIMS_NOTHING = {
    "answers": {
        "anyOf": [
            {"enum": _CLAIMS_NOTHING_WORDS},
            {
                "type": "object",
                "properties": {"antwort": {"enum": _CLAIMS_NOTHING_WORDS}},
                "required": ["antwort"],
            },
        ]
    },
    "facts": {"const": UNKNOWN},
}


def _scoped_keys(
    catalog: Catalog,
) -> list[tuple[str, str, ChecklistItem | FactDefinition]]:
    scoped: list[tuple[str, str, ChecklistItem | FactDefinition]]
    scoped = [("answers", item.id, item) for item in catalog.checklist.values()]
    scoped += [("facts", fact.key, fact) for fact in catalog.input_facts()]
    return scoped


def _only_unknown(keys: dict[str, list[str]]) -> dict[str, Any]:
    """The ``then`` of a condition: these keys may claim nothing."""
    return {
        "properties": {
            table: {"properties": {name: _CLAIMS_NOTHING[table] for name in sorted(names)}}
            for table, names in sorted(keys.items())
        }
    }


def _company(test: dict[str, Any]) -> dict[str, Any]:
    return {"properties": {"company": test}, "required": ["company"]}


def sector_conditions(catalog: Catalog) -> list[dict[str, Any]]:
    """One ``if``/``then`` per sector: its answers and facts only for that sector."""
    keys: dict[str, dict[str, list[str]]] = {}
    for table, name, entry in _scoped_keys(catalog):
        for sector in entry.sectors:
            keys.setdefault(sector, {}).setdefault(table, []).append(name)
    conditions = []
    for sector in sorted(keys):
        of_sector = {"properties": {"sector": {"const": sector}}, "required": ["sector"]}
        conditions.append(
            {
                "description": f"Questions and facts only for sector {sector!r}.",
                "if": {"not": _company(of_sector)},
                "then": _only_unknown(keys[sector]),
            }
        )
    return conditions


def channel_conditions(catalog: Catalog) -> list[dict[str, Any]]:
    """One ``if``/``then`` per set of channels: its questions only for companies that have
    one of them."""
    keys: dict[tuple[str, ...], dict[str, list[str]]] = {}
    for table, name, entry in _scoped_keys(catalog):
        if entry.channels:
            wanted: tuple[str, ...] = tuple(sorted(entry.channels))
            keys.setdefault(wanted, {}).setdefault(table, []).append(name)
    conditions = []
    for channels in sorted(keys):
        has_one = [{"contains": {"const": channel}} for channel in channels]
        conditions.append(
            {
                "description": "Questions and facts only for companies with the channel "
                + " or ".join(repr(channel) for channel in channels)
                + ".",
                "if": _company(
                    {
                        "properties": {"channels": {"not": {"anyOf": has_one}}},
                        "required": ["channels"],
                    }
                ),
                "then": _only_unknown(keys[channels]),
            }
        )
    return conditions


def precondition_conditions(catalog: Catalog) -> list[dict[str, Any]]:
    """One ``if``/``then`` per precondition on ``[company]`` fields: where it is false."""
    keys: dict[str, dict[str, list[str]]] = {}
    tests: dict[str, dict[str, Any]] = {}
    for table, name, _ in _scoped_keys(catalog):
        condition = catalog.preconditions.get(f"{table}.{name}")
        if condition is None or not is_company_condition(condition):
            continue
        test = _truth(condition, False)
        key = json.dumps(test, sort_keys=True)
        tests[key] = test
        keys.setdefault(key, {}).setdefault(table, []).append(name)
    return [
        {
            "description": "Questions asked only where a precondition on [company] holds.",
            "if": _company(tests[key]),
            "then": _only_unknown(keys[key]),
        }
        for key in sorted(keys)
    ]


def _truth(condition: Condition, truth: bool) -> dict[str, Any]:
    """A schema of the company table for which ``condition`` is known to be ``truth``
    (Kleene logic, as the engine evaluates it: an absent field is unknown)."""
    if isinstance(condition, Not):
        return _truth(condition.condition, not truth)
    if isinstance(condition, AllOf | AnyOf):
        parts = [_truth(child, truth) for child in condition.conditions]
        # "all" is true when every part is, false when one is; "any" the other way round.
        every = isinstance(condition, AllOf) == truth
        return {"allOf": parts} if every else {"anyOf": parts}
    field = condition.ref.split(".", 1)[1]
    if condition.operator == "is_unknown":
        absent = bool(condition.value) == truth
        return {"not": {"required": [field]}} if absent else {"required": [field]}
    if condition.operator in ("contains", "not_contains"):
        test: dict[str, Any] = {"contains": {"const": condition.value}}
        positive = condition.operator == "contains"
    else:
        values = condition.value if isinstance(condition.value, tuple) else (condition.value,)
        test = {"enum": list(values)}
        positive = condition.operator in ("equals", "in")
    if positive != truth:
        test = {"not": test}
    return {"properties": {field: test}, "required": [field]}


def result_schema() -> dict[str, Any]:
    """The JSON Schema of an audit result (:class:`kundenkompass.results.AuditResult`)."""
    return AuditResult.model_json_schema(mode="serialization")


def _table_model(name: str, doc: str, fields: dict[str, tuple[Any, str]]) -> type[BaseModel]:
    # Keys become aliases: a plugin's key may collide with a pydantic attribute name.
    definitions: dict[str, Any] = {
        f"field_{index}": (
            kind,
            Field(
                default=None,
                alias=key,
                title=key,
                description=description,
                json_schema_extra=_without_default,
            ),
        )
        for index, (key, (kind, description)) in enumerate(fields.items())
    }
    return create_model(name, __config__=_FORBID, __doc__=doc, **definitions)


def _fact_type(fact: FactDefinition, *, unknown: bool = True) -> Any:
    """The type of a fact's value; with ``unknown`` also the word "unbekannt"."""
    kind = _known_fact_type(fact)
    if fact.type is FactType.ENUM:
        return Literal[(*fact.values, UNKNOWN)] if unknown else kind
    return kind | Literal[UNKNOWN] if unknown else kind


def _known_fact_type(fact: FactDefinition) -> Any:
    if fact.type is FactType.BOOL:
        return bool
    if fact.type in (FactType.INT, FactType.FLOAT):
        base = int if fact.type is FactType.INT else float
        number = Field(
            ge=fact.minimum if fact.minimum is not None else -MAX_NUMBER,
            le=fact.maximum if fact.maximum is not None else MAX_NUMBER,
            json_schema_extra={"unit": fact.unit} if fact.unit else None,
        )
        return Annotated[base, number]
    if fact.type is FactType.ENUM:
        return Literal[fact.values]
    if fact.type is FactType.ENUM_LIST:
        # list[Literal[...]] of the declared values, built at run time.
        members = GenericAlias(list, (Literal[fact.values],))
        return Annotated[members, Field(json_schema_extra={"uniqueItems": True})]
    return Annotated[str, Field(max_length=MAX_TEXT_LENGTH, json_schema_extra=_text_field())]


def _evidence_schema(catalog: Catalog) -> Callable[[dict[str, Any]], None]:
    """``[[website_evidence]]``: one entry per profile key, its value of the key's type."""
    values: dict[str, dict[str, Any]] = {
        f"company.channels.{channel}": {"type": "boolean"} for channel in CHANNELS
    }
    values["company.name"] = text_schema(200)
    values["company.location"] = text_schema(200)
    for key, definition in sorted(catalog.subjects.items()):
        if definition.source != "input":
            continue
        if key.startswith("answers."):
            values[key] = text_schema(20)
        else:
            values[key] = TypeAdapter(_fact_type(definition, unknown=False)).json_schema()
    entries = [
        {
            "type": "object",
            "properties": {
                "key": {"const": key},
                "value": value,
                "url": text_schema(2_000),
                "snippet": text_schema(500),
            },
            "required": ["key", "value", "url"],
            "additionalProperties": False,
        }
        for key, value in values.items()
    ]

    def extra(schema: dict[str, Any]) -> None:
        _without_default(schema)
        schema.clear()
        schema.update(
            {
                "type": "array",
                "maxItems": MAX_LIST_ITEMS,
                "items": {"anyOf": entries},
                "description": "What a website check (audit collect) saw, per profile key.",
            }
        )

    return extra
