"""What the owner's report is built on: strengths, projects, the roadmap, the follow-up.

Everything here is derived from the ranked plan and the answers, without the clock: the
follow-up date is counted from the audit's date, which the profile or the caller gives.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from datetime import date
from typing import Any, cast

from kundenkompass.catalog.catalog import Catalog
from kundenkompass.inference.prioritize import after_what_they_need
from kundenkompass.models import Project, text_in
from kundenkompass.results import (
    ProjectPlan,
    Recommendation,
    RoadmapStep,
    Strength,
    combined_figures,
    projects_needed_first,
)
from kundenkompass.rules.evaluate import evaluate
from kundenkompass.texts import text
from kundenkompass.vocabulary import PHASES, Horizon, Role

STRENGTHS = 3
#: Months after the audit when the follow-up audit is due.
FOLLOW_UP_MONTHS = 6
#: (horizon, first month, last month) of the roadmap.
ROADMAP: tuple[tuple[str, int, int], ...] = (
    ("jetzt", 0, 3),
    ("als_naechstes", 3, 6),
    ("spaeter", 6, 12),
)
#: The owner of the catch-all project of a phase.
_CATCH_ALL_OWNER: Role = "inhaber"


def strengths(
    catalog: Catalog, answers: Mapping[str, str | None], included: AbstractSet[str], language: str
) -> list[Strength]:
    """Up to three fulfilled items of the highest weight, one per phase where possible."""
    fulfilled = [
        item
        for item in catalog.checklist.values()
        if item.id in included and answers.get(item.id) == "ja"
    ]
    order = {item.id: index for index, item in enumerate(catalog.checklist.values())}
    fulfilled.sort(key=lambda item: (-item.weight, order[item.id]))
    chosen: list[str] = []
    phases: set[str] = set()
    for item in fulfilled:  # the best of each phase first
        if item.phase not in phases and len(chosen) < STRENGTHS:
            chosen.append(item.id)
            phases.add(item.phase)
    for item in fulfilled:
        if item.id not in chosen and len(chosen) < STRENGTHS:
            chosen.append(item.id)
    chosen.sort(key=lambda item_id: order[item_id])
    return [
        Strength(
            item=item_id,
            phase=catalog.checklist[item_id].phase,
            phase_title=text(f"phase.{catalog.checklist[item_id].phase}", language),
            statement=text_in(catalog.checklist[item_id].statement, language),
            weight=catalog.checklist[item_id].weight,
        )
        for item_id in chosen
    ]


def projects(
    catalog: Catalog,
    recommendations: Sequence[Recommendation],
    language: str,
    values: Mapping[str, Any],
) -> list[ProjectPlan]:
    """The projects that hold recommended measures, ordered by their first measure.

    A recommended measure that no project lists joins its phase's "Weitere Schritte". What
    a project needs first is left out where its ``needs_unless`` is known to be true of the
    company (``values``, the known answers and facts): it is in place already.
    """
    owner_of, definitions = _project_tables(catalog, language)
    members: dict[str, list[Recommendation]] = {}
    for recommendation in recommendations:
        project_id = owner_of.get(recommendation.measure)
        if project_id is None:
            project_id = _catch_all(recommendation.phase, definitions, language)
        members.setdefault(project_id, []).append(recommendation)
    project_of = {r.measure: pid for pid, recs in members.items() for r in recs}
    plans = []
    for project_id, recs in members.items():  # dict order: by the first measure
        project = definitions[project_id]
        effort, cost, time_to_effect = combined_figures(recs)
        texts = _project_texts(project, catalog, language)
        in_place = catalog.needs_unless.get(project_id)
        if in_place is not None and evaluate(in_place, values) is True:
            texts = {**texts, "needs": None}
        plans.append(
            ProjectPlan(
                **texts,
                measures=[r.measure for r in recs],
                effort=effort,
                cost=cost,
                time_to_effect=time_to_effect,
                after=projects_needed_first(project_id, recs, project_of),
                horizon=recs[0].horizon,
            )
        )
    # Each project behind the projects it needs (within a horizon, as measures are).
    return after_what_they_need(plans, lambda plan: plan.project, lambda plan: plan.after)


def _project_tables(catalog: Catalog, language: str) -> tuple[dict[str, str], dict[str, Project]]:
    """Measure → the project that lists it, and the projects (with the phases' catch-all
    projects once they are made), per catalog and language."""
    key = ("project-tables", language)
    found = catalog.memo.get(key)
    if found is None or found[0] is not catalog.projects:
        owner_of = {m: p.id for p in catalog.projects.values() for m in p.measures}
        found = catalog.memo[key] = (catalog.projects, owner_of, dict(catalog.projects))
    return found[1], found[2]


def _project_texts(project: Project, catalog: Catalog, language: str) -> dict[str, Any]:
    """What a project plan says of its project alone, per catalog and language."""
    key = ("project-texts", project.id, language)
    found = catalog.memo.get(key)
    if found is None or found[0] is not project:
        texts = {
            "project": project.id,
            "title": text_in(project.title, language),
            "goal": text_in(project.goal, language),
            "phase": project.phase,
            "phase_title": text(f"phase.{project.phase}", language),
            "owner": project.owner,
            "needs": text_in(project.needs, language) if project.needs else None,
            "reference": project.reference or None,
        }
        found = catalog.memo[key] = (project, texts)
    return found[1]


def roadmap(plans: Sequence[ProjectPlan]) -> list[RoadmapStep]:
    """The 3/6/12-month roadmap: each stretch with the projects that start in it."""
    return [
        RoadmapStep(
            horizon=cast(Horizon, horizon),
            from_month=first,
            to_month=last,
            projects=[plan.project for plan in plans if plan.horizon == horizon],
        )
        for horizon, first, last in ROADMAP
    ]


def follow_up(audited: date | None, months: int = FOLLOW_UP_MONTHS) -> date | None:
    """The suggested date of the follow-up audit, ``months`` after the audit."""
    if audited is None:
        return None
    month_index = audited.month - 1 + months
    year, month = audited.year + month_index // 12, month_index % 12 + 1
    day = min(audited.day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


def _catch_all(phase: str, definitions: dict[str, Project], language: str) -> str:
    project_id = f"weitere_schritte_{phase}"
    if project_id not in definitions:
        phase_title = text(f"phase.{phase}", language)
        definitions[project_id] = Project(
            id=project_id,
            phase=phase if phase in PHASES else PHASES[0],
            title={language: text("project.more_title", language, phase=phase_title)}
            | {"de": text("project.more_title", "de", phase=phase_title)},
            goal={language: text("project.more_goal", language)}
            | {"de": text("project.more_goal", "de")},
            measures=("weitere",),
            owner=_CATCH_ALL_OWNER,
            reference="",
        )
    return project_id
