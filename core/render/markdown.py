"""The audit as Markdown, for pasting into e-mails, tickets and wikis.

Every text is escaped for Markdown: a company name with ``*``, ``|`` or ``<script>`` shows
as written and cannot break a table or inject markup into a wiki page.
"""

from __future__ import annotations

import re

from kundenkompass.render.view import Audience, PlanEntry, ReportView, report_view
from kundenkompass.results import AuditResult

# Characters that start markup in CommonMark / GitHub Markdown (inline and in tables);
# "(" and "!" need no escape once "[" is escaped.
_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~])")
# "&lt;" would become "<": escape an ampersand only where it starts such an entity.
_ENTITY = re.compile(r"&(?=#?\w+;)")
# At the start of a line these would begin a list or a heading underline.
_LINE_START = re.compile(r"^(\s*)([-=+])")
_ORDERED_ITEM = re.compile(r"^(\s*\d+)([.)])")


def escape(value: object, *, starts_line: bool = False) -> str:
    """``value`` as literal Markdown text on one line (``starts_line``: at its start)."""
    shown = " ".join(str(value).split())
    shown = _SPECIAL.sub(r"\\\1", shown)
    shown = _ENTITY.sub("&amp;", shown)
    if starts_line:
        shown = _LINE_START.sub(r"\1\\\2", shown)
        shown = _ORDERED_ITEM.sub(r"\1\\\2", shown)
    return shown


def render_markdown(result: AuditResult, language: str = "de", audience: Audience = "owner") -> str:
    """The owner's report (the default) or the advisor's worksheet as Markdown."""
    view = report_view(result, language, audience)
    lines = _summary(view)
    lines += _owner(view) if audience == "owner" else _worksheet(view)
    return "\n".join(lines) + "\n"


def _summary(view: ReportView) -> list[str]:
    t = view.t
    result = view.result
    lines: list[str] = []
    add = lines.append
    title = t("report.title") if view.audience == "owner" else t("worksheet.title")
    add(f"# {escape(title)}: {escape(result.company.name)}")
    add("")
    add(" · ".join(escape(part) for part in view.meta()))
    add("")
    add(escape(view.audit_line(), starts_line=True))
    add("")
    add(f"## {escape(t('document.summary'))}")
    add("")
    add(
        f"**{escape(t('report.overall'))}: {view.num(result.overall_score)} / 100** – "
        f"{escape(view.maturity(result.overall_maturity))}"
    )
    add("")
    add(
        _row(
            t("report.phase"),
            t("report.score"),
            t("report.maturity"),
            t("report.fulfilled"),
            t("report.coverage"),
        )
    )
    add("| --- | ---: | --- | ---: | ---: |")
    for phase in result.phases:
        add(
            _row(
                phase.title,
                view.num(phase.score),
                view.maturity(phase.maturity),
                t("report.of", part=phase.fulfilled, whole=phase.answered - phase.not_applicable),
                t("report.of", part=phase.answered, whole=phase.items),
            )
        )
    add("")
    return lines


def _owner(view: ReportView) -> list[str]:
    t = view.t
    result = view.result
    lines: list[str] = []
    add = lines.append
    add(f"## {escape(t('owner.strengths'))}")
    add("")
    if not result.strengths:
        add(escape(t("owner.no_strengths"), starts_line=True))
    for strength in result.strengths:
        add(f"- „{escape(strength.statement)}“ ({escape(strength.phase_title)})")
    add("")
    add(f"## {escape(t('owner.top_steps'))}")
    add("")
    if not view.owner_steps:
        add(escape(t("report.no_measures"), starts_line=True))
    for index, entry in enumerate(view.owner_steps, start=1):
        rec = entry.recommendation
        add(f"{index}. **{escape(rec.title)}**: {escape(view.first_reason(rec))}")
    add("")
    add(f"## {escape(t('owner.roadmap'))}")
    add("")
    if not view.plan:
        add(escape(t("owner.no_projects"), starts_line=True))
        add("")
    else:
        add(escape(t("owner.roadmap_hint"), starts_line=True))
        add("")
        for stretch in view.roadmap:
            # Quoted: titles may hold commas themselves ("Ein Geschäft, das einlädt").
            names = ", ".join(f"„{escape(p.plan.title)}“" for p in stretch.projects) or escape(
                stretch.without_projects(view.language)
            )
            add(f"- **{escape(stretch.label)}:** {names}")
        add("")
    for project in view.projects:
        plan = project.plan
        add(f"### {escape(plan.title)} ({escape(view.months(plan.horizon))})")
        add("")
        add(escape(plan.goal, starts_line=True))
        add("")
        add(
            f"- {escape(t('owner.effort'))}: {escape(t('effort.' + plan.effort))} · "
            f"{escape(t('owner.cost'))}: {escape(t('cost.' + plan.cost))} · "
            f"{escape(t('owner.time'))}: {escape(t('time_to_effect.' + plan.time_to_effect))}"
        )
        add(f"- {escape(t('owner.project_owner'))}: {escape(view.role(plan.owner))}")
        needs = project.needs(view.language)
        if needs:
            add(f"- {escape(t('owner.project_needs'))}: " + "; ".join(escape(n) for n in needs))
        add("")
        for entry in project.entries:
            rec = entry.recommendation
            start = view.step_start(project, entry)
            when = f" ({escape(start)})" if start else ""
            add(f"{entry.number}. **{escape(rec.title)}**{when}: {escape(rec.description)}")
        add("")
    if view.later:
        add(f"### {escape(t('owner.later'))}")
        add("")
        add(escape(t("owner.later_hint"), starts_line=True))
        add("")
        for further in view.later_groups:
            add(f"**{escape(further.label)}**")
            add("")
            for entry in further.entries:
                add(f"- {escape(entry.recommendation.title)}")
            add("")
    lines += _website(view)
    lines += _ignored(view)
    add(f"## {escape(t('owner.open_questions'))}")
    add("")
    if not view.owner_questions:
        add(escape(t("report.no_open_questions"), starts_line=True))
        add("")
    else:
        add(escape(t("owner.open_questions_hint"), starts_line=True))
        add("")
    for group in view.owner_questions:
        add(f"### {escape(group.title)}")
        add("")
        for question in group.questions:
            add(f"- {escape(view.asked(question))}")
        if group.more:
            add(f"- {escape(t('owner.more_questions', count=group.more))}")
        add("")
    add(f"## {escape(t('owner.follow_up'))}")
    add("")
    add(escape(view.follow_up(), starts_line=True))
    add("")
    add(f"## {escape(t('owner.support'))}")
    add("")
    add(escape(t("owner.support_text"), starts_line=True))
    add("")
    if view.glossary:
        add(f"## {escape(t('owner.glossary'))}")
        add("")
        for term, explanation in view.glossary:
            add(f"- **{escape(term)}**: {escape(explanation)}")
        add("")
    add(escape(t("owner.source"), starts_line=True))
    return lines


def _worksheet(view: ReportView) -> list[str]:
    t = view.t
    result = view.result
    lines: list[str] = []
    add = lines.append
    add(
        "- "
        + escape(
            t(
                "document.measures_count",
                count=len(result.recommendations),
                quick=view.quick_wins,
            )
        )
    )
    add("- " + escape(t("document.questions_count", count=len(result.open_questions))))
    add("")
    add(f"## {escape(t('report.top_steps'))}")
    add("")
    if not view.top_steps:
        add(escape(t("report.no_measures")))
    for entry in view.top_steps:
        rec = entry.recommendation
        quick = f" ★ {escape(t('report.quick_win'))}" if rec.quick_win else ""
        add(
            f"{entry.number}. **{escape(rec.title)}** ({escape(rec.phase_title)}, "
            f"{escape(t('horizon.' + rec.horizon))}){quick}: {escape(view.first_reason(rec))}"
        )
    add("")

    add(f"## {escape(t('report.plan'))}")
    add("")
    if not view.plan:
        add(escape(t("report.no_measures"), starts_line=True))
        add("")
    else:
        add(escape(t("document.plan_hint"), starts_line=True))
        add("")
    for horizon, entries in view.horizons:
        add(
            f"### {escape(t('horizon.' + horizon))} {escape(t('document.measure_count', count=len(entries)))}"
        )
        add("")
        for entry in entries:
            lines.extend(_measure(entry, view))
    lines += _website(view)
    lines += _ignored(view)
    lines += _gaps(view)
    add(f"## {escape(t('report.open_questions'))}")
    add("")
    if not result.open_questions:
        add(escape(t("report.no_open_questions")))
        add("")
    else:
        add(escape(t("report.open_question_hint")))
        add("")
    for group in view.question_groups:
        add(f"### {escape(group.title)}")
        add("")
        for question in group.questions:
            measures = question.could_recommend_titles or question.could_recommend
            add(
                f"- {escape(view.asked(question))} – {escape(t('report.could_recommend'))}: "
                + "; ".join(escape(m) for m in measures)
            )
        add("")

    add(f"## {escape(t('document.checklist'))}")
    add("")
    for phase in result.phases:
        add(
            f"### {escape(phase.title)} ({escape(t('document.phase_score', score=view.num(phase.score), maturity=view.maturity(phase.maturity)))})"
        )
        add("")
        add(_row(t("document.statement"), t("document.answer"), t("report.note")))
        add("| --- | --- | --- |")
        for item in phase.checklist:
            add(_row(item.statement, view.answer(item.answer), item.note or ""))
        add("")

    add(f"## {escape(t('document.basis'))}")
    add("")
    add(escape(t("document.source"), starts_line=True))
    add("")
    add(
        f"- {escape(t('document.plugins'))}: "
        + ", ".join(f"{escape(p.name)} {escape(p.version)}" for p in result.plugins)
    )
    if result.rulesets:
        add(
            f"- {escape(t('document.rulesets'))}: "
            + ", ".join(f"{escape(p.name)} {escape(p.version)}" for p in result.rulesets)
        )
    add(f"- {escape(t('document.rules_fingerprint'))}: `{result.rules_fingerprint}`")
    add(f"- {escape(t('document.schema_version'))}: {escape(result.schema_version)}")
    return lines


def _website(view: ReportView) -> list[str]:
    """„Selbsteinschätzung und Website“, the same for both readers."""
    return _listed(
        view,
        "report.website_check",
        "report.website_hint",
        [
            f"{escape(line.label)} – {escape(line.verdict)} ({escape(line.url)})"
            for line in view.website
        ],
    )


def _ignored(view: ReportView) -> list[str]:
    """„Nicht berücksichtigte Angaben“, the same for both readers."""
    t = view.t
    return _listed(
        view,
        "report.ignored_inputs",
        "report.ignored_inputs_hint",
        [
            escape(
                t("report.ignored_input", label=item.label, shown=item.shown, because=item.because)
            )
            for item in view.result.ignored_inputs
        ],
    )


def _gaps(view: ReportView) -> list[str]:
    """„Antworten ohne Maßnahme“ (the worksheet): a "nein" the plan does not take up."""
    return _listed(view, "report.gaps", "report.gaps_hint", [escape(gap) for gap in view.gaps])


def _listed(view: ReportView, title: str, hint: str, escaped: list[str]) -> list[str]:
    """A section of a heading, a hint and one bullet per (already escaped) line; nothing
    without lines."""
    if not escaped:
        return []
    lines = [f"## {escape(view.t(title))}", ""]
    lines += [escape(view.t(hint), starts_line=True), ""]
    lines += [f"- {line}" for line in escaped]
    return [*lines, ""]


def _row(*cells: object) -> str:
    return "| " + " | ".join(escape(cell) for cell in cells) + " |"


def _measure(entry: PlanEntry, view: ReportView) -> list[str]:
    t = view.t
    rec = entry.recommendation
    quick = f" ★ {escape(t('report.quick_win'))}" if rec.quick_win else ""
    lines = [
        f"#### {entry.number}. {escape(rec.title)}",
        "",
        f"*{escape(rec.phase_title)} · {escape(t('report.priority_points'))} "
        f"{view.num(rec.score)}*{quick}",
        "",
        escape(rec.description, starts_line=True),
        "",
    ]
    if rec.rationale:
        lines += [f"*{escape(t('document.why'))}:* {escape(rec.rationale)}", ""]
    for firing in entry.reasons:
        reason = f"- {escape(t('report.reason'))}: {escape(firing.text)}"
        if firing.evidence:
            reason += f" ({escape(t('document.based_on'))} " + "; ".join(
                f"{escape(e.label)}: **{escape(e.shown)}**" for e in firing.evidence
            )
            reason += ")"
        lines.append(reason + f" – {escape(t('report.rule'))} `{firing.rule}`")
    lines.append(
        f"- {escape(t('report.impact'))}: {escape(t('impact.' + rec.impact))} · "
        f"{escape(t('report.effort'))}: {escape(t('effort.' + rec.effort))} · "
        f"{escape(t('report.cost'))}: {escape(t('cost.' + rec.cost))} · "
        f"{escape(t('report.time_to_effect'))}: {escape(t('time_to_effect.' + rec.time_to_effect))}"
    )
    if entry.prerequisites:
        lines.append(
            f"- {escape(t('report.prerequisites'))}: "
            + ", ".join(
                f"{escape(t('document.plan_number', number=ref.number))} {escape(ref.title)}"
                for ref in entry.prerequisites
            )
        )
    if rec.what_if.items:
        lines.append("- " + escape(view.what_if(rec)))
    lines.append(f"- {escape(t('report.reference'))}: {escape(rec.reference)}")
    lines.append("")
    return lines
