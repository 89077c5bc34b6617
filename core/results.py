"""The typed result of an audit. Its JSON form is the documented, versioned output."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

SCHEMA_VERSION = "1.0"


class ResultModel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Evidence(ResultModel):
    """One answer or fact that a fired rule relied on."""

    ref: str
    label: str
    value: Any
    shown: str
    test: str
    #: Rule ids that derived this fact, for derived facts.
    derived_by: list[str] = []


class Firing(ResultModel):
    """A rule that fired for this audit."""

    rule: str
    plugin: str
    origin: str
    priority: Literal["hoch", "mittel", "niedrig"]
    reason: str | None
    evidence: list[Evidence]


class WhatIf(ResultModel):
    """How much the scores would rise if the measure's checklist items were fulfilled."""

    phase_score_gain: float
    overall_gain: float
    items: list[str]


class Recommendation(ResultModel):
    measure: str
    title: str
    description: str
    rationale: str | None
    phase: str
    phase_title: str
    reference: str
    priority: Literal["hoch", "mittel", "niedrig"]
    impact: str
    effort: str
    cost: str
    time_to_effect: str
    #: Recommended measures of this plan that should be done first (they come earlier).
    prerequisites: list[str]
    quick_win: bool
    score: float
    horizon: Literal["jetzt", "als_naechstes", "spaeter"]
    reasons: list[Firing]
    what_if: WhatIf


class ChecklistAnswer(ResultModel):
    item: str
    statement: str
    answer: Literal["ja", "teilweise", "nein", "entfaellt"] | None
    note: str | None = None
    weight: float


class PhaseResult(ResultModel):
    phase: str
    title: str
    items: int
    answered: int
    fulfilled: int
    partly: int
    not_fulfilled: int
    not_applicable: int
    unanswered: int
    score: float | None
    maturity: str | None
    checklist: list[ChecklistAnswer]


class OpenQuestion(ResultModel):
    ref: str
    question: str
    phase: str | None
    could_recommend: list[str]
    #: Titles of the measures in ``could_recommend``, in the same order.
    could_recommend_titles: list[str] = []


class DerivationStep(ResultModel):
    """One rule that derived a fact, with the answers and facts it relied on."""

    rule: str
    evidence: list[Evidence]


class DerivedFact(ResultModel):
    key: str
    label: str
    value: Any
    by: list[str]
    steps: list[DerivationStep]


class LeafCheck(ResultModel):
    """One condition of a rule, evaluated for this profile."""

    test: str
    ref: str
    label: str
    shown: str
    truth: Literal["true", "false", "unknown"]


class RuleCheck(ResultModel):
    rule: str
    plugin: str
    origin: str
    outcome: Literal["fired", "false", "unknown"]
    reason: str | None
    #: The rule's alternatives (any of them suffices), each a list of conditions.
    alternatives: list[list[LeafCheck]]


class MeasureExplanation(ResultModel):
    """Why a measure was recommended for a profile, or why not."""

    measure: str
    title: str
    phase: str
    recommended: bool
    #: Whether the measure applies to the company at all: its channels and sector.
    applicable: bool
    channels: list[str]
    #: The sectors the measure is limited to (empty: every sector).
    sectors: list[str] = []
    #: Why the measure does not apply: the company's ``sector`` or its ``channels``.
    not_applicable_because: Literal["sector", "channels"] | None = None
    rules: list[RuleCheck]
    #: Rules that derive the facts the measure's rules test (fired or not).
    derivation_rules: list[RuleCheck]
    derived_facts: list[DerivedFact]
    #: Unanswered inputs whose answers could still make a rule recommend the measure.
    open_inputs: list[str]


class CompanyInfo(ResultModel):
    name: str
    sector: str | None
    channels: list[str]
    location: str | None


class PluginUsed(ResultModel):
    name: str
    version: str
    source: str


class AuditResult(ResultModel):
    schema_version: str = SCHEMA_VERSION
    company: CompanyInfo
    overall_score: float | None
    overall_maturity: str | None
    phases: list[PhaseResult]
    top_steps: list[str]
    recommendations: list[Recommendation]
    open_questions: list[OpenQuestion]
    derived_facts: list[DerivedFact]
    facts: dict[str, Any]
    plugins: list[PluginUsed]
    #: No-code rulesets applied to this audit (sector packs or ``--ruleset`` files).
    rulesets: list[PluginUsed] = []
    rules_fingerprint: str

    def to_json(self) -> str:
        """Deterministic JSON: the same profile and plugins give byte-identical output."""
        return self.model_dump_json(indent=2) + "\n"
