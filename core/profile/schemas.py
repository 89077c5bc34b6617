"""JSON Schemas of what the engine reads (a profile) and writes (an audit result).

The profile schema is built from a pydantic model generated from the loaded plugins'
catalog, so it lists every checklist item, fact and threshold with its type, allowed
values and question. It describes the input for editors, form builders and the HTTP
service's OpenAPI document; validation itself stays in :mod:`kundenkompass.load_profile`,
whose messages name the file, line and key path.
"""

from __future__ import annotations

import datetime
import json
from types import GenericAlias
from typing import Annotated, Any, Literal

from kundenkompass.catalog.catalog import Catalog
from kundenkompass.models import ChecklistItem, FactDefinition, FactType, text_in
from kundenkompass.profile.load import ANSWER_SPELLINGS, MAX_TEXT_LENGTH, UNKNOWN, WebsiteEvidence
from kundenkompass.profile.scope import is_company_condition
from kundenkompass.results import AuditResult
from kundenkompass.rules.language import AllOf, AnyOf, Condition, Not
from kundenkompass.vocabulary import Channel
from pydantic import BaseModel, ConfigDict, Field, create_model

#: Spellings a profile may use for a checklist answer ("unbekannt" means unknown).
ANSWER_WORDS = tuple(ANSWER_SPELLINGS)

_FORBID = ConfigDict(extra="forbid")

Word = Literal[ANSWER_WORDS]  # type: ignore[valid-type]


def _without_default(schema: dict[str, Any]) -> None:
    # Optional keys of a profile are left out, never null: hide pydantic's "default": null.
    schema.pop("default", None)


class AnswerWithNote(BaseModel):
    """An answer with a note, e.g. ``{ antwort = "teilweise", notiz = "…" }``."""

    model_config = _FORBID

    antwort: Word
    notiz: str = Field(
        default=None,  # type: ignore[assignment]
        max_length=MAX_TEXT_LENGTH,
        json_schema_extra=_without_default,
    )


class CompanyInput(BaseModel):
    """The ``[company]`` table."""

    model_config = _FORBID

    name: str = Field(min_length=1, max_length=200, description="Name of the company")
    sector: str = Field(
        default=None,  # type: ignore[assignment]
        max_length=100,
        description="Sector, e.g. fahrradhandel",
        json_schema_extra=_without_default,
    )
    channels: list[Channel] = Field(
        min_length=1, json_schema_extra={"uniqueItems": True}, description="Sales channels"
    )
    location: str = Field(
        default=None,  # type: ignore[assignment]
        max_length=200,
        description="Place",
        json_schema_extra=_without_default,
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
        json_schema_extra=_without_default,
    )
    organisation: str = Field(
        default=None,  # type: ignore[assignment]
        max_length=200,
        description="The advisor's organisation",
        json_schema_extra=_without_default,
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
                float,
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
                json_schema_extra=_without_default,
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


def _fact_type(fact: FactDefinition) -> Any:
    unknown = Literal[UNKNOWN]  # type: ignore[valid-type]
    if fact.type is FactType.BOOL:
        return bool | unknown
    if fact.type in (FactType.INT, FactType.FLOAT):
        base = int if fact.type is FactType.INT else float
        number = Field(
            ge=fact.minimum,
            le=fact.maximum,
            json_schema_extra={"unit": fact.unit} if fact.unit else None,
        )
        return Annotated[base, number] | unknown
    if fact.type is FactType.ENUM:
        return Literal[(*fact.values, UNKNOWN)]
    if fact.type is FactType.ENUM_LIST:
        # list[Literal[...]] of the declared values, built at run time.
        members = GenericAlias(list, (Literal[fact.values],))
        return Annotated[members, Field(json_schema_extra={"uniqueItems": True})] | unknown
    return Annotated[str, Field(max_length=MAX_TEXT_LENGTH)] | unknown
