"""The words the whole package shares: answers, phases, channels, priorities, horizons,
maturity levels and the operators of the rule language.

Each is a ``Literal`` type for annotations and pydantic models, and a tuple of its values
(in their meaningful order) for loops, messages and validation. Every other module takes
them from here instead of spelling them out again.
"""

from __future__ import annotations

from typing import Literal, get_args

#: An answer to a checklist item as stored ("entfällt" is kept ASCII-safe).
AnswerValue = Literal["ja", "teilweise", "nein", "entfaellt"]
ANSWERS: tuple[AnswerValue, ...] = get_args(AnswerValue)

#: The five phases of the customer journey, in the guide's order.
Phase = Literal["bedarfsentstehung", "informationssuche", "produktwahl", "kauf", "bindung"]
PHASES: tuple[Phase, ...] = get_args(Phase)

#: Sales channels a company can have.
Channel = Literal["laden", "onlineshop", "marktplatz"]
CHANNELS: tuple[Channel, ...] = get_args(Channel)

#: How urgent a rule makes its measure.
Priority = Literal["hoch", "mittel", "niedrig"]
PRIORITIES: tuple[Priority, ...] = get_args(Priority)

#: Where a measure stands on the roadmap, earliest first.
Horizon = Literal["jetzt", "als_naechstes", "spaeter"]
HORIZONS: tuple[Horizon, ...] = get_args(Horizon)

#: How a measure is rated by the guide (plugin data).
Impact = Literal["hoch", "mittel", "gering"]
Effort = Literal["gering", "mittel", "hoch"]
Cost = Literal["kostenlos", "unter_500", "unter_5000", "mehr"]
TimeToEffect = Literal["sofort", "wochen", "monate"]

#: Who in a small shop usually does the work of a project (owner's report).
Role = Literal["inhaber", "team", "verkauf", "dienstleister"]
ROLES: tuple[Role, ...] = get_args(Role)

#: Maturity of a score, lowest first (see docs/scoring.md).
Maturity = Literal["nachholbedarf", "auf_dem_weg", "fortgeschritten", "vorbildlich"]
MATURITY_LEVELS: tuple[Maturity, ...] = get_args(Maturity)
#: (lowest score, level) of each maturity level, highest first: a score has the first
#: level whose lower bound it reaches.
MATURITY_THRESHOLDS: tuple[tuple[float, Maturity], ...] = (
    (90.0, "vorbildlich"),
    (70.0, "fortgeschritten"),
    (40.0, "auf_dem_weg"),
    (0.0, "nachholbedarf"),
)

#: Comparisons of numbers, in rules and thresholds.
Comparison = Literal["lt", "lte", "gt", "gte"]
COMPARISONS: tuple[Comparison, ...] = get_args(Comparison)

#: The operators of a rule condition's leaf.
Operator = Literal[
    "equals",
    "not_equals",
    "in",
    "not_in",
    "contains",
    "not_contains",
    "lt",
    "lte",
    "gt",
    "gte",
    "is_unknown",
]
OPERATORS: tuple[Operator, ...] = get_args(Operator)

#: What a rule condition refers to.
Subject = Literal["answer", "fact", "company"]
SUBJECTS: tuple[Subject, ...] = get_args(Subject)

#: The three truth values of a condition: unknown is not false.
Truth = Literal["true", "false", "unknown"]
