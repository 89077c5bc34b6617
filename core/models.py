"""Typed contributions that plugins make: facts, checklist items, measures and derivations.

Every model is frozen and forbids unknown fields, so that a typo in a plugin's TOML data
is an error instead of a silently ignored key. Texts shown to users are ``LocalizedText``:
a table of language code to text that must contain German (``de``); another language can
be added next to it without touching the structure.
"""

# Annotations here are evaluated when defined (no `from __future__ import annotations`):
# pydantic reads them on every start, and as strings each would be compiled.

import math
import re
from collections.abc import Callable, Mapping
from enum import Enum
from typing import Annotated, Any, Literal

from kundenkompass.vocabulary import (
    Channel,
    Comparison,
    Cost,
    Effort,
    Impact,
    Phase,
    Role,
    TimeToEffect,
)
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

DEFAULT_LANGUAGE = "de"

_IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]*$")


def _check_identifier(value: str) -> str:
    if not _IDENTIFIER.match(value) or "__" in value:
        raise ValueError(
            f"{value!r} ist keine gültige ID: Kleinbuchstaben, Ziffern und einzelne "
            "Unterstriche verwenden, beginnend mit einem Buchstaben"
        )
    return value


def _check_text(value: dict[str, str]) -> dict[str, str]:
    if DEFAULT_LANGUAGE not in value:
        raise ValueError(f"braucht einen deutschen Text (Schlüssel {DEFAULT_LANGUAGE!r})")
    for language, text in value.items():
        if not re.match(r"^[a-z]{2}$", language):
            raise ValueError(f"{language!r} ist kein zweibuchstabiger Sprachcode")
        if not text.strip():
            raise ValueError(f"der Text für die Sprache {language!r} ist leer")
    return dict(sorted(value.items()))


Identifier = Annotated[str, AfterValidator(_check_identifier)]
LocalizedText = Annotated[dict[str, str], AfterValidator(_check_text)]


def text_in(value: Mapping[str, str] | None, language: str = DEFAULT_LANGUAGE) -> str:
    """Return ``value`` in ``language``, falling back to German."""
    if not value:
        return ""
    return value.get(language) or value[DEFAULT_LANGUAGE]


class Contribution(BaseModel):
    # Built on first validation: a start from the cached catalog validates none of them.
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class FactType(str, Enum):
    BOOL = "bool"
    INT = "int"
    FLOAT = "float"
    ENUM = "enum"
    ENUM_LIST = "enum_list"
    TEXT = "text"


class FactDefinition(Contribution):
    """A fact a profile may state (``[facts]``) or that rules or derivations produce."""

    key: Identifier
    type: FactType
    #: The question the profile answers; required for input facts. A derived fact is never
    #: asked: its question, if given, labels it in explanations.
    question: LocalizedText | None = None
    help: LocalizedText | None = None
    #: Allowed values for ``enum`` and ``enum_list``.
    values: tuple[Identifier, ...] = ()
    #: Display labels for enum values, per language.
    value_labels: dict[str, dict[str, str]] = Field(default_factory=dict)
    unit: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    phase: Phase | None = None
    #: Ask only companies that have one of these channels; empty means all.
    channels: tuple[Channel, ...] = ()
    #: Only for companies of one of these sectors (``[company] sector``); empty means all.
    sectors: tuple[Identifier, ...] = ()
    #: ``input``: given in the profile; ``derived``: produced by rules or a derivation.
    source: Literal["input", "derived"] = "input"
    #: A precondition in the rule language's syntax (like a rule's ``when``): the fact is
    #: asked only while it is not known to be false. It may test answers, input facts and
    #: company fields; the catalog validates it.
    applies_when: dict[str, Any] | None = None
    #: True when a threshold or default is the project's own, not a number from the guide.
    our_default: bool = False
    reference: str | None = None

    @model_validator(mode="after")
    def _values_match_type(self) -> "FactDefinition":
        if self.source == "input" and not self.question:
            raise ValueError(
                f'Fakt {self.key!r}: ein Eingabe-Fakt braucht eine Frage (question.de = "…"); '
                'nur abgeleitete Fakten (source = "derived") kommen ohne aus'
            )
        needs_values = self.type in (FactType.ENUM, FactType.ENUM_LIST)
        if needs_values and not self.values:
            raise ValueError(f"Fakt {self.key!r} vom Typ {self.type.value} braucht 'values'")
        if not needs_values and self.values:
            raise ValueError(f"Fakt {self.key!r} vom Typ {self.type.value} nimmt keine 'values'")
        if len(set(self.values)) != len(self.values):
            raise ValueError(f"Fakt {self.key!r} führt einen Wert doppelt auf")
        unknown_labels = set(self.value_labels) - set(self.values)
        if unknown_labels:
            raise ValueError(
                f"Fakt {self.key!r} hat Beschriftungen für unbekannte Werte: {sorted(unknown_labels)}"
            )
        numeric = self.type in (FactType.INT, FactType.FLOAT)
        if not numeric and (self.minimum is not None or self.maximum is not None):
            raise ValueError(f"Fakt {self.key!r}: minimum/maximum gelten nur für Zahlen")
        # Bounds that no value satisfies would refuse every profile that states the fact.
        for name, bound in (("minimum", self.minimum), ("maximum", self.maximum)):
            if bound is not None and not math.isfinite(bound):
                raise ValueError(f"Fakt {self.key!r}: {name} muss eine endliche Zahl sein")
        if self.minimum is not None and self.maximum is not None and self.minimum > self.maximum:
            raise ValueError(
                f"Fakt {self.key!r}: minimum ({self.minimum:g}) ist größer als maximum "
                f"({self.maximum:g})"
            )
        return self

    def label(self, value: str, language: str = DEFAULT_LANGUAGE) -> str:
        labels = self.value_labels.get(value)
        return text_in(labels, language) if labels else value


class ChecklistItem(Contribution):
    """One statement of a phase checklist that a company answers ja/teilweise/nein/entfällt."""

    id: Identifier
    phase: Phase
    statement: LocalizedText
    help: LocalizedText | None = None
    reference: str
    weight: float = Field(default=1.0, gt=0, le=10)
    #: Ask only companies that have one of these channels; empty means all.
    channels: tuple[Channel, ...] = ()
    #: Only for companies of one of these sectors (``[company] sector``); empty means all.
    sectors: tuple[Identifier, ...] = ()
    #: A precondition like a fact's ``applies_when``: where it is known to be false, the
    #: item is not asked and not scored (it counts as "entfällt").
    applies_when: dict[str, Any] | None = None


class Measure(Contribution):
    """A concrete measure the guide recommends."""

    id: Identifier
    phase: Phase
    title: LocalizedText
    description: LocalizedText
    #: Why it matters, citing the guide's figures where it gives them.
    rationale: LocalizedText | None = None
    reference: str
    #: Recommended only to companies that have one of these channels; empty means all.
    channels: tuple[Channel, ...] = ()
    #: Only for companies of one of these sectors (``[company] sector``); empty means all.
    sectors: tuple[Identifier, ...] = ()
    impact: Impact = "mittel"
    effort: Effort = "mittel"
    cost: Cost = "unter_500"
    time_to_effect: TimeToEffect = "wochen"
    #: Measures that should be in place first.
    prerequisites: tuple[Identifier, ...] = ()
    #: Checklist items this measure fulfils when done (for what-if estimates).
    addresses: tuple[Identifier, ...] = ()
    #: One line from the guide that justifies impact, effort or cost.
    justification: LocalizedText | None = None


class Project(Contribution):
    """Measures grouped into one piece of work an owner can plan, staff and budget.

    A report lays the projects that hold recommended measures on a 3/6/12-month roadmap;
    effort, cost band and time to effect follow from the project's recommended measures.
    """

    id: Identifier
    #: The phase the project belongs to (for its order and its catch-all siblings).
    phase: Phase
    title: LocalizedText
    #: What the project achieves, in the owner's words.
    goal: LocalizedText
    #: Measures of any loaded plugin; a measure belongs to at most one project.
    measures: tuple[Identifier, ...] = Field(min_length=1)
    #: Who in a small shop usually does the work.
    owner: Role
    #: What has to be in place before the project starts (beyond other projects).
    needs: LocalizedText | None = None
    #: A condition in the rule language's syntax: where the company's answers and facts
    #: show it true, what ``needs`` names is already in place and the plan leaves it out.
    #: The catalog parses and checks it.
    needs_unless: dict[str, Any] | None = None
    reference: str

    @model_validator(mode="after")
    def _needs_unless_has_needs(self) -> "Project":
        if self.needs_unless is not None and self.needs is None:
            raise ValueError("needs_unless ohne needs: es gibt keine Voraussetzung, die entfiele")
        return self


class Derivation(Contribution):
    """A derived fact computed in Python, for what rules cannot express.

    ``compute`` receives a mapping with the known values of ``inputs`` (unknown ones are
    absent) and returns the derived value, or ``None`` when it cannot be decided.
    """

    model_config = ConfigDict(
        frozen=True, extra="forbid", arbitrary_types_allowed=True, defer_build=True
    )

    fact: Identifier
    inputs: tuple[str, ...]
    compute: Callable[[Mapping[str, Any]], Any]
    description: LocalizedText


class Threshold(Contribution):
    """A number the guide does not quantify (e.g. "zeitnah"), turned into a yes/no fact.

    It declares the bool fact ``key``: true when the value at ``input`` compares with
    ``value`` by ``operator``, unknown when that value is unknown. A profile's
    ``[thresholds]`` table or a ruleset can set another ``value``.
    """

    key: Identifier
    input: str
    operator: Comparison
    value: float
    #: True when the number is the project's own default rather than a figure of the guide.
    our_default: bool = True
    description: LocalizedText
    unit: str | None = None
    phase: Phase | None = None
    reference: str | None = None

    def holds(self, measured: float, value: float | None = None) -> bool:
        limit = self.value if value is None else value
        return {
            "lt": measured < limit,
            "lte": measured <= limit,
            "gt": measured > limit,
            "gte": measured >= limit,
        }[self.operator]
