"""The audit as German text for the terminal (rich), built on the shared view model.

Every value from the result is data: it reaches rich only through
:mod:`kundenkompass.render.terminal` (``escape`` in markup strings and table cells,
``data_text``/``visible`` in :class:`~rich.text.Text`).
"""

from __future__ import annotations

from typing import Any

from kundenkompass.render.terminal import data_text, escape, visible
from kundenkompass.render.view import (
    Audience,
    PlanEntry,
    ReportView,
    evidence_text,
    report_view,
)
from kundenkompass.results import AuditResult, MeasureExplanation
from kundenkompass.texts import texts_for
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text


def render(
    result: AuditResult, console: Console, language: str = "de", audience: Audience = "advisor"
) -> None:
    """Print the advisor's worksheet (the default) or the owner's report."""
    view = report_view(result, language, audience)
    _header(view, console)
    _phase_table(view, console)
    if audience == "owner":
        _owner(view, console)
    else:
        _worksheet(view, console)


def _header(view: ReportView, console: Console) -> None:
    t = view.t
    result = view.result
    title = t("report.title") if view.audience == "owner" else t("worksheet.title")
    console.print(data_text(f"{title}: {result.company.name}", style="bold"))
    console.print(data_text(" · ".join(view.meta())))
    console.print(data_text(view.audit_line()))
    overall = f"{t('report.overall')}: {view.num(result.overall_score)} / 100" + (
        f" – {t('maturity.' + result.overall_maturity)}" if result.overall_maturity else ""
    )
    console.print(Text(overall, style="bold"))
    console.print()


def _phase_table(view: ReportView, console: Console) -> None:
    t = view.t
    table = Table(title=t("report.phases"), title_justify="left", expand=False)
    table.add_column(t("report.phase"))
    table.add_column(t("report.score"), justify="right")
    table.add_column(t("report.maturity"))
    table.add_column(t("report.fulfilled"), justify="right")
    table.add_column(t("report.coverage"), justify="right")
    for phase in view.result.phases:
        scored = phase.answered - phase.not_applicable
        table.add_row(
            escape(phase.title),
            view.num(phase.score),
            view.maturity(phase.maturity),
            t("report.of", part=phase.fulfilled, whole=scored),
            t("report.of", part=phase.answered, whole=phase.items),
        )
    console.print(table)
    console.print()


def _heading(console: Console, title: str) -> None:
    console.print(Text(title, style="bold underline"))


def _owner(view: ReportView, console: Console) -> None:
    t = view.t
    _heading(console, t("owner.strengths"))
    if not view.result.strengths:
        console.print(t("owner.no_strengths"))
    for strength in view.result.strengths:
        console.print(_indented(f"✓ „{strength.statement}“ ({strength.phase_title})", indent=2))
    console.print()

    _heading(console, t("owner.top_steps"))
    if not view.owner_steps:
        console.print(t("report.no_measures"))
    for index, entry in enumerate(view.owner_steps, start=1):
        line = data_text(f"{index}. {entry.recommendation.title}", style="bold")
        line.append(visible(f" – {view.first_reason(entry.recommendation)}"))
        console.print(line)
    console.print()

    _heading(console, t("owner.roadmap"))
    for stretch in view.roadmap:
        # Quoted: titles may hold commas themselves ("Ein Geschäft, das einlädt").
        names = ", ".join(
            f"„{p.plan.title}“" for p in stretch.projects
        ) or stretch.without_projects(view.language)
        console.print(_indented(f"{stretch.label}: {names}", indent=2))
    console.print()
    for project in view.projects:
        plan = project.plan
        console.print(data_text(f"{plan.title} ({view.months(plan.horizon)})", style="bold"))
        console.print(_indented(plan.goal))
        console.print(
            _indented(
                f"{t('owner.effort')}: {t('effort.' + plan.effort)} · "
                f"{t('owner.cost')}: {t('cost.' + plan.cost)} · "
                f"{t('owner.time')}: {t('time_to_effect.' + plan.time_to_effect)} · "
                f"{t('owner.project_owner')}: {view.role(plan.owner)}",
                style="dim",
            )
        )
        if needs := project.needs(view.language):
            console.print(
                _indented(f"{t('owner.project_needs')}: " + "; ".join(needs), style="dim")
            )
        for entry in project.entries:
            start = view.step_start(project, entry)
            when = f" ({start})" if start else ""
            console.print(
                _indented(f"{entry.number}. {entry.recommendation.title}{when}", indent=5)
            )
        console.print()
    if view.later:
        _heading(console, t("owner.later"))
        console.print(t("owner.later_hint"))
        for further in view.later_groups:
            console.print(Text(further.label, style="bold"))
            for entry in further.entries:
                console.print(_indented(f"• {entry.recommendation.title}", indent=2))
        console.print()

    _ignored(view, console)
    _heading(console, t("owner.open_questions"))
    if not view.owner_questions:
        console.print(t("report.no_open_questions"))
    for group in view.owner_questions:
        console.print(data_text(group.title, style="bold"))
        for question in group.questions:
            console.print(_indented(f"• {view.asked(question)}", indent=2))
        if group.more:
            console.print(_indented(t("owner.more_questions", count=group.more), indent=2))
    console.print()
    _heading(console, t("owner.follow_up"))
    console.print(data_text(view.follow_up()))
    console.print()
    _heading(console, t("owner.support"))
    console.print(t("owner.support_text"))


def _worksheet(view: ReportView, console: Console) -> None:
    t = view.t
    result = view.result
    _heading(console, t("report.top_steps"))
    if not result.recommendations:
        console.print(t("report.no_measures"))
    for entry in view.top_steps:
        line = data_text(f"{entry.number}. {entry.recommendation.title}", style="bold")
        line.append(visible(f" – {view.first_reason(entry.recommendation)}"))
        console.print(line)
    console.print()

    _heading(console, t("report.plan"))
    for horizon, entries in view.horizons:
        console.print(Text(t(f"horizon.{horizon}"), style="bold"))
        for entry in entries:
            console.print(_recommendation(entry, view))
        console.print()

    if view.website:
        _heading(console, t("report.website_check"))
        console.print(t("report.website_hint"))
        for site_line in view.website:
            console.print(
                _indented(f"• {site_line.label} – {site_line.verdict} ({site_line.url})", indent=2)
            )
        console.print()
    _ignored(view, console)
    _gaps(view, console)
    _heading(console, t("report.open_questions"))
    if not result.open_questions:
        console.print(t("report.no_open_questions"))
    else:
        console.print(t("report.open_question_hint"))
        for group in view.question_groups:
            console.print(data_text(group.title, style="bold"))
            for question in group.questions:
                measures = question.could_recommend_titles or question.could_recommend
                console.print(
                    _indented(
                        f"• {view.asked(question)} ({question.ref}) – "
                        f"{t('report.could_recommend')}: " + "; ".join(measures),
                        indent=2,
                    )
                )


def _ignored(view: ReportView, console: Console) -> None:
    """„Nicht berücksichtigte Angaben“: an answer is never dropped without a word."""
    t = view.t
    _listed(
        view,
        console,
        "report.ignored_inputs",
        "report.ignored_inputs_hint",
        [
            t("report.ignored_input", label=item.label, shown=item.shown, because=item.because)
            for item in view.result.ignored_inputs
        ],
    )


def _gaps(view: ReportView, console: Console) -> None:
    """„Antworten ohne Maßnahme“: a "nein" the plan does not take up is never silent."""
    _listed(view, console, "report.gaps", "report.gaps_hint", list(view.gaps))


def _listed(view: ReportView, console: Console, title: str, hint: str, lines: list[str]) -> None:
    """A section of a heading, a hint and one bullet per line; nothing without lines."""
    if not lines:
        return
    _heading(console, view.t(title))
    console.print(view.t(hint))
    for line in lines:
        console.print(_indented(f"• {line}", indent=2))
    console.print()


def _indented(content: str, style: str = "", indent: int = 3) -> Text:
    return data_text(" " * indent + content, style=style)


def _recommendation(entry: PlanEntry, view: ReportView) -> Group:
    t = view.t
    rec = entry.recommendation
    heading = data_text(f"{entry.number}. {rec.title}", style="bold")
    heading.append(
        visible(f"  [{rec.phase_title} · {t('report.priority_points')} {view.num(rec.score)}]"),
        style="dim",
    )
    if rec.quick_win:
        heading.append(f"  ★ {t('report.quick_win')}", style="green")
    lines = [heading]
    for reason in entry.reasons:
        because = evidence_text(reason.evidence)
        behind = f"{t('report.because')} {because}; " if because else ""
        lines.append(
            _indented(
                f"{t('report.reason')}: {reason.text} ({behind}{t('report.rule')} {reason.rule})"
            )
        )
    lines.append(
        _indented(
            f"{t('report.impact')}: {t('impact.' + rec.impact)} · {t('report.effort')}: "
            f"{t('effort.' + rec.effort)} · {t('report.cost')}: {t('cost.' + rec.cost)} · "
            f"{t('report.reference')}: {rec.reference}",
            style="dim",
        )
    )
    if entry.prerequisites:
        shown = ", ".join(f"{ref.number}. {ref.title}" for ref in entry.prerequisites)
        lines.append(_indented(f"{t('report.prerequisites')}: {shown}", style="dim"))
    if rec.what_if.items:
        lines.append(_indented(view.what_if(rec), style="dim"))
    return Group(*lines)


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value) or "–"
    return str(value)


_TRUTH_MARK = {"true": "✓", "false": "✗", "unknown": "?"}


def render_explanation(
    explanation: MeasureExplanation, console: Console, language: str = "de"
) -> None:
    t = texts_for(language)
    console.print(data_text(f"{explanation.title} ({explanation.measure})", style="bold"))
    if explanation.recommended:
        console.print(t("explain.recommended"))
    elif explanation.not_applicable_because == "sector":
        sectors = ", ".join(explanation.sectors)
        console.print(visible(t("explain.other_sector", sectors=sectors)), markup=False)
    elif not explanation.applicable:
        channels = ", ".join(t(f"channel.{c}") for c in explanation.channels)
        console.print(t("explain.not_applicable", channels=channels), markup=False)
    else:
        console.print(t("explain.not_recommended"))
    for check in [*explanation.rules, *explanation.derivation_rules]:
        console.print()
        outcome = t(f"explain.outcome_{check.outcome}")
        console.print(
            data_text(f"{t('report.rule')} {check.rule} ({check.origin}): {outcome}", style="bold")
        )
        if check.reason:
            console.print(_indented(f"{t('report.reason')}: {check.reason}", indent=2))
        for number, alternative in enumerate(check.alternatives, start=1):
            if len(check.alternatives) > 1:
                console.print(_indented(t("explain.alternative", number=number), indent=2))
            for leaf in alternative:
                console.print(
                    _indented(
                        f"{_TRUTH_MARK[leaf.truth]} {leaf.label} = {leaf.shown}  [{leaf.test}]",
                        indent=4,
                    )
                )
        # Each alternative of ``unless`` silences the rule alone; its conditions hold together.
        groups = check.unless_alternatives
        if check.outcome == "blocked":
            decisive = next(
                (group for group in groups if all(leaf.truth == "true" for leaf in group)),
                [leaf for leaf in check.unless if leaf.truth != "unknown"],
            )
            because = f" {t('explain.and')} ".join(
                f"{leaf.label} = {leaf.shown}" for leaf in decisive
            )
            console.print(_indented(t("explain.blocked_because", because=because), indent=2))
        elif groups:
            console.print(_indented(t("explain.unless"), indent=2))
            for group in groups:
                indent = 4
                if len(group) > 1:
                    console.print(_indented(f"• {t('explain.unless_all')}", indent=4))
                    indent = 6
                for leaf in group:
                    console.print(
                        _indented(
                            f"{_TRUTH_MARK[leaf.truth]} {leaf.label} = {leaf.shown}  [{leaf.test}]",
                            indent=indent,
                        )
                    )
    if explanation.derived_facts:
        console.print()
        console.print(Text(t("explain.derived"), style="bold"))
        for fact in explanation.derived_facts:
            console.print(_indented(f"{fact.label} = {_shown(fact.value)}", indent=2))
            for step in fact.steps:
                because = evidence_text(step.evidence)
                console.print(_indented(f"{t('report.rule')} {step.rule}: {because}", indent=4))
    if explanation.open_inputs:
        console.print()
        console.print(Text(t("explain.open_inputs"), style="bold"))
        for ref in explanation.open_inputs:
            console.print(_indented(f"• {ref}", indent=2))
