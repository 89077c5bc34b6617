"""What the HTML and Markdown reports show, arranged once from an :class:`AuditResult`.

Both renderers number the plan the same way, pick the same top steps and group open
questions by phase; keeping that here means the two documents never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

from kundenkompass.results import AuditResult, OpenQuestion, Recommendation
from kundenkompass.texts import text
from kundenkompass.vocabulary import HORIZONS, PHASES

NO_VALUE = "–"


def number(value: float | None, digits: int = 0) -> str:
    """A number the German way (decimal comma); a dash when there is none."""
    if value is None:
        return NO_VALUE
    shown = f"{value:.{digits}f}"
    if digits == 0 and shown == "-0":
        shown = "0"
    return shown.replace("-", "−").replace(".", ",")


def signed(value: float | None, digits: int = 1) -> str:
    """A change with its sign: ``+13,3``, ``−2,0``, ``±0``."""
    if value is None:
        return NO_VALUE
    if round(value, digits) == 0:
        return "±0"
    return ("+" if value > 0 else "") + number(value, digits)


@dataclass(frozen=True)
class PlanRef:
    """A reference to a measure in the plan."""

    number: int
    measure: str
    title: str


@dataclass(frozen=True)
class PlanEntry:
    """A recommended measure with its position in the plan."""

    number: int
    recommendation: Recommendation
    #: Prerequisites that are in the plan too; the others need no step.
    prerequisites: tuple[PlanRef, ...]


@dataclass(frozen=True)
class QuestionGroup:
    phase: str | None
    title: str
    questions: tuple[OpenQuestion, ...]


@dataclass(frozen=True)
class ReportView:
    result: AuditResult
    language: str
    plan: tuple[PlanEntry, ...]
    top_steps: tuple[PlanEntry, ...]
    #: (horizon, entries) for each horizon that has entries, in plan order.
    horizons: tuple[tuple[str, tuple[PlanEntry, ...]], ...]
    question_groups: tuple[QuestionGroup, ...]
    quick_wins: int

    def t(self, key: str, **values: object) -> str:
        return text(key, self.language, **values)

    def maturity(self, level: str | None) -> str:
        return self.t(f"maturity.{level}") if level else self.t("report.no_score")

    def answer(self, value: str | None) -> str:
        return self.t(f"answer.{value or 'unbekannt'}")

    def channels(self) -> str:
        return ", ".join(self.t(f"channel.{c}") for c in self.result.company.channels)

    def first_reason(self, recommendation: Recommendation) -> str:
        firing = recommendation.reasons[0] if recommendation.reasons else None
        if firing is None:
            return recommendation.description
        return firing.reason or recommendation.description


def report_view(result: AuditResult, language: str = "de") -> ReportView:
    numbers = {r.measure: n for n, r in enumerate(result.recommendations, start=1)}
    titles = {r.measure: r.title for r in result.recommendations}
    plan = tuple(
        PlanEntry(
            number=numbers[r.measure],
            recommendation=r,
            prerequisites=tuple(
                PlanRef(numbers[p], p, titles[p]) for p in r.prerequisites if p in numbers
            ),
        )
        for r in result.recommendations
    )
    by_measure = {entry.recommendation.measure: entry for entry in plan}
    horizons = tuple(
        (horizon, group)
        for horizon in HORIZONS
        if (group := tuple(e for e in plan if e.recommendation.horizon == horizon))
    )
    phase_order = [*PHASES, None]
    phase_titles = {p.phase: p.title for p in result.phases}
    groups = []
    for phase in sorted(
        {q.phase for q in result.open_questions},
        key=lambda p: phase_order.index(p) if p in phase_order else len(phase_order),
    ):
        title = phase_titles.get(phase or "") or text("document.general", language)
        groups.append(
            QuestionGroup(
                phase=phase,
                title=title,
                questions=tuple(q for q in result.open_questions if q.phase == phase),
            )
        )
    return ReportView(
        result=result,
        language=language,
        plan=plan,
        top_steps=tuple(by_measure[m] for m in result.top_steps if m in by_measure),
        horizons=horizons,
        question_groups=tuple(groups),
        quick_wins=sum(r.quick_win for r in result.recommendations),
    )
