"""JSON Schemas of what the engine reads (a profile) and writes (an audit result).

The profile schema is built from a pydantic model generated from the loaded plugins'
catalog, so it lists every checklist item, fact and threshold with its type, allowed
values and question. It describes the input for editors, form builders and the HTTP
service's OpenAPI document; validation itself stays in :mod:`kundenkompass.load_profile`,
whose messages name the file, line and key path.
"""

from __future__ import annotations

import datetime
from types import GenericAlias
from typing import Annotated, Any, Literal

from kundenkompass.catalog.catalog import Catalog
from kundenkompass.models import FactDefinition, FactType, text_in
from kundenkompass.profile.load import ANSWER_SPELLINGS, MAX_TEXT_LENGTH, UNKNOWN, WebsiteEvidence
from kundenkompass.results import AuditResult
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

    Questions and facts of one sector (a sector plugin's or ruleset's) are allowed only
    when ``company.sector`` names that sector, as the loader checks: for each sector an
    ``if``/``then`` forbids its keys in profiles of other sectors (or of none).
    """
    schema = profile_model(catalog).model_json_schema(ref_template=ref_template)
    conditions = sector_conditions(catalog)
    if conditions:
        schema["allOf"] = conditions
    return schema


def sector_conditions(catalog: Catalog) -> list[dict[str, Any]]:
    """One ``if``/``then`` per sector: its answers and facts only for that sector."""
    keys: dict[str, dict[str, list[str]]] = {}
    scoped = [("answers", item.id, item.sectors) for item in catalog.checklist.values()]
    scoped += [("facts", fact.key, fact.sectors) for fact in catalog.input_facts()]
    for table, name, sectors in scoped:
        for sector in sectors:
            keys.setdefault(sector, {}).setdefault(table, []).append(name)
    conditions = []
    for sector in sorted(keys):
        of_sector = {
            "properties": {"company": {"properties": {"sector": {"const": sector}},
                                       "required": ["sector"]}},
            "required": ["company"],
        }  # fmt: skip
        forbidden = {
            table: {"properties": dict.fromkeys(sorted(names), False)}
            for table, names in sorted(keys[sector].items())
        }
        conditions.append(
            {
                "description": f"Questions and facts only for sector {sector!r}.",
                "if": {"not": of_sector},
                "then": {"properties": forbidden},
            }
        )
    return conditions


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
