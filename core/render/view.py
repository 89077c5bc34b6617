"""What every report shows, arranged once from an :class:`AuditResult`.

Text, Markdown and HTML number the plan the same way, pick the same steps, group the same
projects and questions, and format numbers with the same function; keeping that here
means the documents never disagree. Two audiences read them:

* ``owner``: the shop owner's report in plain German: strengths, three steps, projects on
  a roadmap, at most :data:`OWNER_MEASURES` measures before "Weitere Schritte"; no rule ids.
* ``advisor``: the advisor's worksheet with the whole trace: every measure, its rules and
  the answers they relied on (each once), the checklist and the rules' fingerprint.
"""

# Annotations here are evaluated when defined (no `from __future__ import annotations`):
# typing.NamedTuple would compile each annotation string on every start.

import re
from collections.abc import Iterable
from typing import Any, Literal, NamedTuple

from kundenkompass.render.numbers import NO_VALUE, long_date, number, signed
from kundenkompass.results import (
    AnswerWithoutMeasure,
    AuditResult,
    Evidence,
    Firing,
    OpenQuestion,
    ProjectPlan,
    Recommendation,
    combined_figures,
    projects_needed_first,
)
from kundenkompass.texts import section, text
from kundenkompass.vocabulary import HORIZONS, PHASES

__all__ = [
    "NO_VALUE",
    "Audience",
    "ReportView",
    "number",
    "report_view",
    "signed",
]

Audience = Literal["owner", "advisor"]
AUDIENCES: tuple[Audience, ...] = ("owner", "advisor")
#: Measures the owner's report shows in detail; the others are listed under "Weitere
#: Schritte", by horizon.
OWNER_MEASURES = 10
#: Steps the owner's report opens with.
OWNER_STEPS = 3
#: Open questions per phase in the owner's report.
OWNER_QUESTIONS = 4


# The view's parts are named tuples: immutable like frozen dataclasses, and made without
# generating and compiling methods when the module is imported (a report's start-up).
class PlanRef(NamedTuple):
    """A reference to a measure in the plan."""

    number: int
    measure: str
    title: str


class EvidenceLine(NamedTuple):
    """An answer or fact a rule relied on, as the worksheet shows it."""

    ref: str
    label: str
    shown: str


class ReasonLine(NamedTuple):
    """A fired rule: its reason in plain words, its id and its evidence (each once)."""

    text: str
    rule: str
    evidence: tuple[EvidenceLine, ...]


class PlanEntry(NamedTuple):
    """A recommended measure with its position in the plan."""

    number: int
    recommendation: Recommendation
    #: Prerequisites that are in the plan too; the others need no step.
    prerequisites: tuple[PlanRef, ...]
    reasons: tuple[ReasonLine, ...]


class QuestionGroup(NamedTuple):
    phase: str | None
    title: str
    questions: tuple[OpenQuestion, ...]
    #: How many questions of the group a short list leaves out.
    more: int = 0


class ProjectView(NamedTuple):
    plan: ProjectPlan
    #: The project's measures among the owner's first :data:`OWNER_MEASURES`.
    entries: tuple[PlanEntry, ...]
    #: Titles of the projects to finish first.
    after: tuple[str, ...]

    def needs(self, language: str = "de") -> list[str]:
        """What has to be in place first: earlier projects, then the project's own needs."""
        shown = [text("owner.project_after", language, title=title) for title in self.after]
        return shown + ([self.plan.needs] if self.plan.needs else [])


class RoadmapStretch(NamedTuple):
    horizon: str
    label: str
    projects: tuple[ProjectView, ...]
    #: Whether further steps of projects that start earlier fall into the stretch.
    continues: bool = False

    def without_projects(self, language: str) -> str:
        """What the stretch shows when no project starts in it."""
        return text("owner.roadmap_continues", language) if self.continues else "–"


class LaterGroup(NamedTuple):
    """The owner's further steps of one horizon, headed like the worksheet's horizon and
    the roadmap's stretch (``Als Nächstes · Monat 4 bis 6``)."""

    horizon: str
    label: str
    entries: tuple[PlanEntry, ...]


class WebsiteLine(NamedTuple):
    """One piece of website evidence beside the self-assessment, worded for the reader."""

    label: str
    verdict: str
    url: str
    #: True or False when both are known; None when only the website says something.
    agrees: bool | None


class ReportView(NamedTuple):
    result: AuditResult
    language: str
    audience: Audience
    plan: tuple[PlanEntry, ...]
    top_steps: tuple[PlanEntry, ...]
    #: (horizon, entries) for each horizon that has entries, in plan order.
    horizons: tuple[tuple[str, tuple[PlanEntry, ...]], ...]
    question_groups: tuple[QuestionGroup, ...]
    quick_wins: int
    #: The owner's report: the first steps, the projects, the roadmap, what comes later.
    owner_steps: tuple[PlanEntry, ...]
    projects: tuple[ProjectView, ...]
    roadmap: tuple[RoadmapStretch, ...]
    later: tuple[PlanEntry, ...]
    #: ``later`` by horizon, in plan order within each.
    later_groups: tuple[LaterGroup, ...]
    owner_questions: tuple[QuestionGroup, ...]
    #: (term, explanation) of the guide's glossary terms the owner's report uses.
    glossary: tuple[tuple[str, str], ...]
    #: „Selbsteinschätzung und Website“: what ``audit collect`` saw beside the profile.
    website: tuple[WebsiteLine, ...] = ()
    #: „Antworten ohne Maßnahme“ (the worksheet), one sentence each: what the advisor
    #: clarifies.
    gaps: tuple[str, ...] = ()

    def t(self, key: str, **values: object) -> str:
        return text(key, self.language, **values)

    def num(self, value: float | None, digits: int = 0) -> str:
        return number(value, digits, self.language)

    def signed(self, value: float | None, digits: int = 1) -> str:
        return signed(value, digits, self.language)

    def maturity(self, level: str | None) -> str:
        return self.t(f"maturity.{level}") if level else self.t("report.no_score")

    def answer(self, value: str | None) -> str:
        return self.t(f"answer.{value or 'unbekannt'}")

    def asked(self, question: OpenQuestion) -> str:
        """An open question as the report asks it. A checklist item is a statement
        („Wir vermessen unsere Kunden …“); listed bare under "Noch offen" it would read as
        a claim about the company, so it is quoted and asked."""
        if question.ref.startswith("answers."):
            return self.t("report.statement_asked", statement=question.question.rstrip(". "))
        return question.question

    def channels(self) -> str:
        return ", ".join(self.t(f"channel.{c}") for c in self.result.company.channels)

    def first_reason(self, recommendation: Recommendation) -> str:
        """The plain reason of a measure, never a rule id."""
        for firing in recommendation.reasons:
            if firing.reason:
                return firing.reason
        return recommendation.rationale or recommendation.description

    def what_if(self, recommendation: Recommendation) -> str:
        gain = recommendation.what_if
        overall = self.num(gain.overall_gain, 1)
        gains = gain.phase_gains
        if [g.phase for g in gains] == [recommendation.phase] or (
            not gains and gain.phase_score_gain > 0
        ):
            return self.t(
                "report.what_if", phase=self.num(gain.phase_score_gain, 1), overall=overall
            )
        if gains:
            # The items lie (also) in other phases: "Phase" alone would name the wrong one.
            phases = ", ".join(
                self.t(
                    "report.what_if_phase",
                    title=self.t(f"phase.{g.phase}"),
                    gain=self.num(g.gain, 1),
                )
                for g in gains
            )
            return self.t("report.what_if_phases", phases=phases, overall=overall)
        # A result written before phase gains were recorded: only the index is known.
        return self.t("report.what_if_overall", overall=overall)

    def sector(self) -> str | None:
        """The sector's name; without one, the advisor sees its id and the owner nothing
        (an id is no name to show an owner)."""
        company = self.result.company
        if company.sector_title:
            return company.sector_title
        return company.sector if self.audience == "advisor" else None

    def meta(self) -> list[str]:
        """Sector, channels and location, each as ``label: value``."""
        company = self.result.company
        shown = []
        if self.sector():
            shown.append(f"{self.t('report.sector')}: {self.sector()}")
        shown.append(f"{self.t('report.channels')}: {self.channels()}")
        if company.location:
            shown.append(f"{self.t('document.location')}: {company.location}")
        return shown

    def audit_line(self) -> str:
        """``Audit vom 16. November 2026 · Beratung: Name, Organisation``."""
        audit = self.result.audit
        parts = [
            self.t("owner.audit_date", date=long_date(audit.date, self.language))
            if audit.date
            else self.t("owner.no_date")
        ]
        who = ", ".join(part for part in (audit.advisor, audit.organisation) if part)
        if who:
            parts.append(self.t("owner.advisor", advisor=who))
        return " · ".join(parts)

    def follow_up(self) -> str:
        when = self.result.follow_up_date
        if when is None:
            return self.t("owner.follow_up_undated")
        return self.t("owner.follow_up_date", date=long_date(when, self.language))

    def role(self, owner: str) -> str:
        return self.t(f"role.{owner}")

    def months(self, horizon: str) -> str:
        for step in self.result.roadmap:
            if step.horizon == horizon:
                return self.t("owner.months", first=step.from_month + 1, last=step.to_month)
        return self.t(f"horizon.{horizon}")

    def step_start(self, project: ProjectView, entry: PlanEntry) -> str:
        """When a card's step starts, if later than its project (``ab Monat 4``), else ``""``:
        a project in months 1 to 3 may hold steps planned for later. Such a step names the
        other projects it needs, which the card's "Vorher nötig" leaves to it."""
        rec = entry.recommendation
        if rec.horizon == project.plan.horizon:
            return ""
        first = next(s.from_month for s in self.result.roadmap if s.horizon == rec.horizon)
        shown = self.t("owner.step_start", first=first + 1)
        project_of = {m: p.project for p in self.result.projects for m in p.measures}
        titles = {p.project: p.title for p in self.result.projects}
        for other in projects_needed_first(project.plan.project, [rec], project_of):
            shown += ", " + self.t("owner.step_after", title=titles[other])
        return shown

    def chart_alt(self) -> str:
        phases = "; ".join(
            f"{phase.title} {self.num(phase.score)} ({self.maturity(phase.maturity)})"
            for phase in self.result.phases
        )
        return self.t("owner.chart_alt", phases=phases)

    def recommendation(self, measure: str) -> Recommendation:
        return next(r for r in self.result.recommendations if r.measure == measure)


def report_view(
    result: AuditResult, language: str = "de", audience: Audience = "owner"
) -> ReportView:
    numbers = {r.measure: n for n, r in enumerate(result.recommendations, start=1)}
    titles = {r.measure: r.title for r in result.recommendations}
    derived = {fact.key for fact in result.derived_facts}
    plan = tuple(
        PlanEntry(
            number=numbers[r.measure],
            recommendation=r,
            prerequisites=tuple(
                PlanRef(numbers[p], p, titles[p]) for p in r.prerequisites if p in numbers
            ),
            reasons=tuple(_reason(firing, derived, language) for firing in r.reasons),
        )
        for r in result.recommendations
    )
    by_measure = {entry.recommendation.measure: entry for entry in plan}
    horizons = tuple(
        (horizon, group)
        for horizon in HORIZONS
        if (group := tuple(e for e in plan if e.recommendation.horizon == horizon))
    )
    top_steps = tuple(by_measure[m] for m in result.top_steps if m in by_measure)

    detailed = tuple(
        entry for entry in plan[:OWNER_MEASURES] if entry.recommendation.horizon != "spaeter"
    )
    detailed_ids = {entry.recommendation.measure for entry in detailed}
    projects = _project_cards(result, by_measure, detailed_ids)
    roadmap = _owner_roadmap(result, projects, language)
    question_groups = _question_groups(result, language)
    owner_questions = tuple(
        QuestionGroup(
            phase=group.phase,
            title=group.title,
            questions=group.questions[:OWNER_QUESTIONS],
            more=max(0, len(group.questions) - OWNER_QUESTIONS),
        )
        for group in question_groups
    )
    owner_steps = top_steps[:OWNER_STEPS]
    later = tuple(entry for entry in plan if entry.recommendation.measure not in detailed_ids)
    later_groups = tuple(
        LaterGroup(
            horizon=stretch.horizon,
            label=f"{text(f'horizon.{stretch.horizon}', language)} · {stretch.label}",
            entries=group,
        )
        for stretch in roadmap
        if (group := tuple(e for e in later if e.recommendation.horizon == stretch.horizon))
    )
    # A stretch that no project starts in may still hold further steps of earlier projects.
    continued = {group.horizon for group in later_groups}
    roadmap = tuple(stretch._replace(continues=stretch.horizon in continued) for stretch in roadmap)
    return ReportView(
        result=result,
        language=language,
        audience=audience,
        plan=plan,
        top_steps=top_steps,
        horizons=horizons,
        question_groups=question_groups,
        quick_wins=sum(r.quick_win for r in result.recommendations),
        owner_steps=owner_steps,
        projects=projects,
        roadmap=roadmap,
        later=later,
        later_groups=later_groups,
        owner_questions=owner_questions,
        glossary=_glossary(result, projects, owner_steps, owner_questions, language),
        website=_website_lines(result, language),
        gaps=tuple(_gap_line(gap, derived, language) for gap in result.answers_without_measure),
    )


def _gap_line(gap: AnswerWithoutMeasure, derived: set[str], language: str) -> str:
    because = [_evidence_line(e, derived, language) for e in gap.because]
    why = (
        text("report.gap_because", language, because=evidence_text(because))
        if because
        else text("report.gap_no_rule", language)
    )
    answer = text(f"answer.{gap.answer}", language)
    return f"{text('report.gap', language, statement=gap.statement, answer=answer)} {why}"


def evidence_text(evidence: Iterable[EvidenceLine | Evidence]) -> str:
    """The evidence as ``label: value; …``, each pair once (a rule may test one input in
    several ways)."""
    return "; ".join(dict.fromkeys(f"{e.label}: {e.shown}" for e in evidence))


def _project_cards(
    result: AuditResult, by_measure: dict[str, PlanEntry], shown: set[str]
) -> tuple[ProjectView, ...]:
    """The owner's project cards: the projects with measures among the shown ones.

    A card says only what its measures give: effort, cost and time of the measures it
    shows, and the projects needed by those it starts with (a project's later measures are
    listed among the further steps or on the card further down and may wait for later
    projects). Its steps are numbered in the order the cards show them.
    """
    project_of = {m: p.project for p in result.projects for m in p.measures}
    titles = {p.project: p.title for p in result.projects}
    cards = []
    number = 0
    for project in result.projects:
        entries = [by_measure[m] for m in project.measures if m in shown]
        if not entries:
            continue
        recs = [entry.recommendation for entry in entries]
        effort, cost, time_to_effect = combined_figures(recs)
        after = projects_needed_first(project.project, recs, project_of)
        card = project.model_copy(
            update={
                "measures": [r.measure for r in recs],
                "effort": effort,
                "cost": cost,
                "time_to_effect": time_to_effect,
                "after": after,
                "horizon": recs[0].horizon,
            }
        )
        numbered = []
        for entry in entries:
            number += 1
            numbered.append(entry._replace(number=number))
        cards.append(
            ProjectView(
                plan=card,
                entries=tuple(numbered),
                after=tuple(titles[p] for p in after),
            )
        )
    return tuple(cards)


def _owner_roadmap(
    result: AuditResult, cards: tuple[ProjectView, ...], language: str
) -> tuple[RoadmapStretch, ...]:
    """The roadmap as the owner's report shows it: a project with a card in the stretch of
    its card, a project without one in the stretch of its first measure, where the further
    steps list it under the same horizon (the plan's own horizons, as the JSON has them)."""
    carded = {card.plan.project: card for card in cards}
    stretches = []
    for step in result.roadmap:
        shown = tuple(
            carded.get(p.project) or ProjectView(plan=p, entries=(), after=())
            for p in result.projects
            if (carded[p.project].plan.horizon if p.project in carded else p.horizon)
            == step.horizon
        )
        stretches.append(
            RoadmapStretch(
                horizon=step.horizon,
                label=text("owner.months", language, first=step.from_month + 1, last=step.to_month),
                projects=shown,
            )
        )
    return tuple(stretches)


def _shown(value: object, language: str) -> str:
    if isinstance(value, bool):
        return text("answer.ja" if value else "answer.nein", language)
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value) or "–"
    return str(value)


def _website_lines(result: AuditResult, language: str) -> tuple[WebsiteLine, ...]:
    lines = []
    for check in result.website_check:
        website = _shown(check.website_value, language)
        if check.agrees is None:
            verdict = text("report.website_only", language, website=website)
        elif check.agrees:
            verdict = text("report.website_agrees", language)
        else:
            profile = _shown(check.profile_value, language)
            verdict = text("report.website_differs", language, profile=profile, website=website)
        lines.append(WebsiteLine(check.label.rstrip("."), verdict, check.url, check.agrees))
    return tuple(lines)


def _question_groups(result: AuditResult, language: str) -> tuple[QuestionGroup, ...]:
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
    return tuple(groups)


def _reason(firing: Firing, derived: set[str], language: str) -> ReasonLine:
    lines: list[EvidenceLine] = []
    seen: set[str] = set()
    for evidence in firing.evidence:
        # A rule testing several values of one answer reports it once per test.
        if evidence.ref in seen:
            continue
        seen.add(evidence.ref)
        lines.append(_evidence_line(evidence, derived, language))
    return ReasonLine(text=firing.reason or firing.rule, rule=firing.rule, evidence=tuple(lines))


def _evidence_line(evidence: Evidence, derived: set[str], language: str) -> EvidenceLine:
    key = evidence.ref.split(".", 1)[-1]
    if (evidence.derived_by or key in derived) and isinstance(evidence.value, bool):
        # Derived facts are labelled as questions, often negated ("Fehlt …?"): a plain
        # "nein" after them reads as a double negative. Show them as a finding instead.
        finding = evidence.label.rstrip("?").strip()
        holds = "worksheet.holds" if evidence.value else "worksheet.does_not_hold"
        return EvidenceLine(
            ref=evidence.ref,
            label=f"{text('worksheet.finding', language)} „{finding}“",
            shown=text(holds, language),
        )
    return EvidenceLine(ref=evidence.ref, label=evidence.label, shown=evidence.shown)


def _glossary(
    result: AuditResult,
    projects: tuple[ProjectView, ...],
    steps: tuple[PlanEntry, ...],
    questions: tuple[QuestionGroup, ...],
    language: str,
) -> tuple[tuple[str, str], ...]:
    shown: list[Any] = [text("document.chart_caption", language)]
    shown += [s.statement for s in result.strengths]
    for project in projects:
        shown += [project.plan.title, project.plan.goal]
        for entry in project.entries:
            shown += [entry.recommendation.title, entry.recommendation.description]
    for entry in steps:
        shown += [entry.recommendation.title] + [f.reason for f in entry.recommendation.reasons]
    for group in questions:
        shown += [q.question for q in group.questions]
    corpus = " ".join(str(s) for s in shown if s)
    return tuple(
        (term, explanation)
        for term, explanation in section("glossary", language).items()
        if re.search(re.escape(term), corpus, re.IGNORECASE)
    )
