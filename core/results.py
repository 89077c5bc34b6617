"""The typed result of an audit. Its JSON form is the documented, versioned output."""

# Annotations here are evaluated when defined (no `from __future__ import annotations`):
# pydantic reads them on every start, and as strings each would be compiled.

import datetime
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Literal, cast

from kundenkompass.vocabulary import (
    AnswerValue,
    Cost,
    Effort,
    Horizon,
    Impact,
    Maturity,
    Priority,
    TimeToEffect,
    Truth,
)
from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = "1.2"

#: A score from 0 to 100 (a saved result with NaN, infinity or a negative score is refused).
Score = Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)]
#: A finite number (what-if gains may in principle be negative, never NaN).
Finite = Annotated[float, Field(allow_inf_nan=False)]
Count = Annotated[int, Field(ge=0)]


class ResultModel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


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
    priority: Priority
    reason: str | None
    evidence: list[Evidence]
    #: The inputs the rule's ``unless`` tests (none of them known to contradict it).
    unless: list[Evidence] = []


class PhaseGain(ResultModel):
    """How much one phase's score would rise."""

    phase: str
    gain: Finite


class WhatIf(ResultModel):
    """How much the scores would rise if the measure's checklist items were fulfilled."""

    #: The gain of the measure's own phase; 0 when its items belong to other phases.
    phase_score_gain: Finite
    overall_gain: Finite
    items: list[str]
    #: Every phase whose score would rise (by at least 0.1), in journey order: the items a
    #: measure fulfils may belong to other phases than its own.
    phase_gains: list[PhaseGain] = []


class Recommendation(ResultModel):
    measure: str
    title: str
    description: str
    rationale: str | None
    phase: str
    phase_title: str
    reference: str
    priority: Priority
    impact: Impact
    effort: Effort
    cost: Cost
    time_to_effect: TimeToEffect
    #: Recommended measures of this plan that should be done first (they come earlier).
    prerequisites: list[str]
    quick_win: bool
    #: Priority points (0–100 by the documented model; not capped here).
    score: Annotated[float, Field(ge=0, allow_inf_nan=False)]
    horizon: Horizon
    reasons: list[Firing]
    what_if: WhatIf


class ChecklistAnswer(ResultModel):
    item: str
    statement: str
    answer: AnswerValue | None
    note: str | None = None
    weight: Annotated[float, Field(gt=0, allow_inf_nan=False)]


class PhaseResult(ResultModel):
    phase: str
    title: str
    items: Count
    answered: Count
    fulfilled: Count
    partly: Count
    not_fulfilled: Count
    not_applicable: Count
    unanswered: Count
    score: Score | None
    maturity: Maturity | None
    checklist: list[ChecklistAnswer]


class OpenQuestion(ResultModel):
    """An unanswered question whose answer could still add a measure to the plan.

    Open questions are listed by phase (in the guide's order, questions without a phase
    last) and within a phase by ``rank``.
    """

    ref: str
    question: str
    phase: str | None
    could_recommend: list[str]
    #: Titles of the measures in ``could_recommend``, in the same order.
    could_recommend_titles: list[str] = []
    #: The highest priority of a rule the answer could still make fire.
    priority: Priority = "mittel"
    #: 1 for the question that could change the plan most, over all phases: by
    #: ``priority``, then by how many measures it could add.
    rank: int = 0


class IgnoredInput(ResultModel):
    """A value the profile gives for a question that its other answers rule out."""

    ref: str
    label: str
    value: Any
    shown: str
    #: The answers that rule the question out, e.g. "Eigene Website: nein".
    because: str


class AnswerWithoutMeasure(ResultModel):
    """A checklist item answered "nein" or "teilweise" that no recommended measure takes up.

    Mostly other answers or facts speak against the gap: the rules that test the item then
    stand back (their ``unless`` holds). The advisor clarifies these with the company.
    """

    item: str
    phase: str
    statement: str
    answer: Literal["nein", "teilweise"]
    #: The answers and facts, known to hold, that made the rules testing the item stand
    #: back (each once); empty when no rule asks for a measure at these inputs.
    because: list[Evidence] = []
    #: Those rules, by id.
    rules: list[str] = []


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
    truth: Truth


#: What became of a rule in one audit; "blocked": its ``unless`` held.
RuleOutcome = Literal["fired", "false", "unknown", "blocked"]


class RuleCheck(ResultModel):
    rule: str
    plugin: str
    origin: str
    #: ``blocked``: the rule's ``unless`` is known true, so it cannot fire.
    outcome: RuleOutcome
    reason: str | None
    #: The rule's alternatives (any of them suffices), each a list of conditions.
    alternatives: list[list[LeafCheck]]
    #: The conditions of the rule's ``unless`` (what contradicts it), each evaluated.
    unless: list[LeafCheck] = []
    #: ``unless`` as alternatives (any of them silences the rule), each a list of conditions
    #: that must all hold.
    unless_alternatives: list[list[LeafCheck]] = []
    #: Whether ``unless`` holds; None for rules without one.
    unless_truth: Truth | None = None


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
    #: The sector's name for people (from its ruleset), e.g. "Fahrradhandel".
    sector_title: str | None = None
    channels: list[str]
    location: str | None


class AuditInfo(ResultModel):
    """Who audited when: from the profile's ``[audit]`` table or the caller's options.

    The date is never taken from the clock, so that the same input gives the same result.
    """

    date: datetime.date | None = None
    advisor: str | None = None
    organisation: str | None = None


class Strength(ResultModel):
    """A checklist item the company fulfils, among the weightiest of the audit."""

    item: str
    phase: str
    phase_title: str
    statement: str
    weight: float


class ProjectPlan(ResultModel):
    """Recommended measures grouped into one piece of work, placed on the roadmap."""

    project: str
    title: str
    goal: str
    phase: str
    phase_title: str
    #: The project's recommended measures, in plan order.
    measures: list[str]
    #: The highest effort, the cost band of all measures together, the slowest effect.
    effort: Literal["gering", "mittel", "hoch"]
    cost: Literal["kostenlos", "unter_500", "unter_5000", "mehr"]
    time_to_effect: Literal["sofort", "wochen", "monate"]
    #: Who in a small shop usually does the work (``inhaber``, ``team``, ``verkauf``,
    #: ``dienstleister``).
    owner: str
    #: What has to be in place first, besides the projects in ``after``.
    needs: str | None
    #: Projects holding prerequisites of the measures the project starts with (those of its
    #: first horizon); each starts no later than this project and is listed before it.
    after: list[str]
    #: When the project starts: the horizon of its first measure.
    horizon: Literal["jetzt", "als_naechstes", "spaeter"]
    reference: str | None


_EFFORT_ORDER = ("gering", "mittel", "hoch")
_TIME_ORDER = ("sofort", "wochen", "monate")
#: Upper bound of each cost band in euros.
_COST_LIMIT = {"kostenlos": 0, "unter_500": 500, "unter_5000": 5000}
_COST_ORDER = tuple(_COST_LIMIT)


def combined_figures(
    recommendations: Sequence[Recommendation],
) -> tuple[Effort, Cost, TimeToEffect]:
    """Effort, cost band and time to effect of measures done together: the highest effort,
    the highest cost band (raised when several share it), the slowest effect.

    Shared by the project plans and the owner's project cards, which show only some of a
    project's measures and must say what those cost.
    """
    effort = max((r.effort for r in recommendations), key=_EFFORT_ORDER.index)
    time = max((r.time_to_effect for r in recommendations), key=_TIME_ORDER.index)
    return effort, _cost_band([r.cost for r in recommendations]), time


def projects_needed_first(
    project_id: str, recommendations: Sequence[Recommendation], project_of: Mapping[str, str]
) -> list[str]:
    """The other projects holding prerequisites of the measures a project starts with.

    A later measure's prerequisite does not hold the whole project back: the project starts
    with its first horizon's measures (answering reviews needs no training for complaints,
    though making amends later does), and a measure is never earlier than its prerequisites,
    so no project starts before a project it needs. Shared by the project plans and the
    owner's project cards, like :func:`combined_figures`.
    """
    after: list[str] = []
    for rec in recommendations:
        if rec.horizon != recommendations[0].horizon:
            continue
        for prerequisite in rec.prerequisites:
            other = project_of.get(prerequisite)
            if other and other != project_id and other not in after:
                after.append(other)
    return after


def _cost_band(bands: list[Cost]) -> Cost:
    if "mehr" in bands:
        return "mehr"
    highest = max(bands, key=_COST_ORDER.index)
    total = _COST_LIMIT[highest] * bands.count(highest)
    for band, limit in _COST_LIMIT.items():
        if total <= limit:
            return cast(Cost, band)
    return "mehr"


class RoadmapStep(ResultModel):
    """One stretch of the roadmap and the projects that start in it."""

    horizon: Literal["jetzt", "als_naechstes", "spaeter"]
    from_month: int
    to_month: int
    projects: list[str]


class PluginUsed(ResultModel):
    name: str
    version: str
    source: str


class WebsiteCheck(ResultModel):
    """What the website shows for one profile key beside what the profile states."""

    key: str
    label: str
    #: What the website shows, as the profile would state it.
    website_value: Any
    #: What the profile states; None when it leaves the key unknown.
    profile_value: Any = None
    #: True or False when both are known; None when the profile says nothing.
    agrees: bool | None = None
    url: str
    snippet: str


class AuditResult(ResultModel):
    schema_version: str = SCHEMA_VERSION
    company: CompanyInfo
    overall_score: Score | None
    overall_maturity: Maturity | None
    phases: list[PhaseResult]
    top_steps: list[str]
    recommendations: list[Recommendation]
    open_questions: list[OpenQuestion]
    #: Values given for questions that other answers rule out (``applies_when``): not used.
    ignored_inputs: list[IgnoredInput] = []
    #: Items answered "nein" or "teilweise" that no recommended measure takes up, and why
    #: (since 1.2).
    answers_without_measure: list[AnswerWithoutMeasure] = []
    derived_facts: list[DerivedFact]
    facts: dict[str, Any]
    plugins: list[PluginUsed]
    #: No-code rulesets applied to this audit (sector packs or ``--ruleset`` files).
    rulesets: list[PluginUsed] = []
    #: The profile's self-assessment beside what ``audit collect`` saw on the website.
    website_check: list[WebsiteCheck] = []
    rules_fingerprint: str
    audit: AuditInfo = AuditInfo()
    #: Up to three fulfilled checklist items of the highest weight, from different phases
    #: where possible.
    strengths: list[Strength] = []
    #: Projects holding recommended measures, in the order of their first measure.
    projects: list[ProjectPlan] = []
    roadmap: list[RoadmapStep] = []
    #: Suggested date of the follow-up audit (six months after the audit's date).
    follow_up_date: datetime.date | None = None

    def to_json(self) -> str:
        """Deterministic JSON: the same profile and plugins give byte-identical output."""
        return self.model_dump_json(indent=2) + "\n"

    def to_json_bytes(self) -> bytes:
        """:meth:`to_json` encoded as UTF-8, serialized straight to bytes (for files and
        HTTP bodies: no text object in between)."""
        return self.__pydantic_serializer__.to_json(self, indent=2) + b"\n"
