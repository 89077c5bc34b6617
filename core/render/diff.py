"""Progress between two audits (:class:`AuditDiff`) as German text and as Markdown."""

from __future__ import annotations

from collections.abc import Callable

from kundenkompass.render.compare import AuditDiff, FactChange, MeasureChange, ScoreChange
from kundenkompass.render.markdown import escape
from kundenkompass.render.terminal import data_text
from kundenkompass.render.terminal import escape as escape_markup
from kundenkompass.render.view import number, signed
from kundenkompass.texts import Texts, texts_for
from rich.console import Console
from rich.table import Table
from rich.text import Text


def _maturity(t: Texts, level: str | None) -> str:
    return t(f"maturity.{level}") if level else t("report.no_score")


def _maturity_change(t: Texts, change: ScoreChange) -> str:
    before, after = _maturity(t, change.maturity_before), _maturity(t, change.maturity_after)
    return after if before == after else f"{before} → {after}"


def _score_line(t: Texts, change: ScoreChange) -> str:
    return (
        f"{number(change.before)} → {number(change.after)} ({signed(change.change)}) · "
        f"{_maturity_change(t, change)}"
    )


def _measure_line(t: Texts, change: MeasureChange) -> str:
    where = [change.phase_title]
    if change.number_after is not None:
        where.append(t("diff.plan_number", number=change.number_after))
        if change.number_before is not None and change.number_before != change.number_after:
            where.append(t("diff.was_number", number=change.number_before))
    elif change.number_before is not None:
        where.append(t("diff.was_number", number=change.number_before))
    return f"{change.title} ({', '.join(where)})"


def _groups(diff: AuditDiff) -> list[tuple[str, str, list[MeasureChange]]]:
    return [
        ("done", "✓", diff.done),
        ("new", "+", diff.new),
        ("still_open", "•", diff.still_open),
        ("undetermined", "?", diff.undetermined),
    ]


def render_diff_text(
    diff: AuditDiff,
    console: Console,
    language: str = "de",
    before_name: str | None = None,
    after_name: str | None = None,
) -> None:
    t = texts_for(language)
    console.print(data_text(f"{t('diff.title')}: {diff.company.name}", style="bold"))
    if before_name and after_name:
        console.print(
            data_text(f"{t('diff.before')}: {before_name} · {t('diff.after')}: {after_name}")
        )
    console.print(data_text(f"{t('diff.overall')}: {_score_line(t, diff.overall)}", style="bold"))
    if diff.rules_changed:
        console.print(
            data_text(
                t(
                    "diff.rules_changed",
                    before=diff.rules_fingerprint_before,
                    after=diff.rules_fingerprint_after,
                ),
                style="yellow",
            )
        )
    console.print()

    table = Table(title=t("diff.phases"), title_justify="left")
    table.add_column(t("report.phase"))
    table.add_column(t("diff.before"), justify="right")
    table.add_column(t("diff.after"), justify="right")
    table.add_column(t("diff.change"), justify="right")
    table.add_column(t("report.maturity"))
    for phase in diff.phases:
        style = "green" if (phase.change or 0) > 0 else "red" if (phase.change or 0) < 0 else ""
        table.add_row(
            escape_markup(phase.title),
            number(phase.before),
            number(phase.after),
            Text(signed(phase.change), style=style),
            escape_markup(_maturity_change(t, phase)),
        )
    console.print(table)
    console.print()

    console.print(Text(t("diff.measures"), style="bold underline"))
    for key, mark, changes in _groups(diff):
        if key == "undetermined" and not changes:
            continue
        console.print(Text(f"{t('diff.' + key)}: {len(changes)}", style="bold"))
        if not changes:
            console.print(f"  {t('diff.none')}")
        for change in changes:
            console.print(data_text(f"  {mark} {_measure_line(t, change)}"))
    console.print()

    console.print(Text(t("diff.answers"), style="bold underline"))
    if not diff.answers_changed:
        console.print(t("diff.no_answer_changes"))
    for answer in diff.answers_changed:
        console.print(
            data_text(
                f"  {answer.phase_title} – {answer.statement.rstrip('.')}: "
                f"{t('answer.' + (answer.before or 'unbekannt'))} → "
                f"{t('answer.' + (answer.after or 'unbekannt'))}"
            )
        )
    console.print()
    console.print(Text(t("diff.facts"), style="bold underline"))
    if not diff.facts_changed:
        console.print(t("diff.no_fact_changes"))
    for fact in diff.facts_changed:
        console.print(data_text(f"  {_fact_line(t, fact)}"))
    console.print()
    console.print(
        t(
            "diff.open_questions",
            before=diff.open_questions_before,
            after=diff.open_questions_after,
        )
    )


def render_diff_markdown(
    diff: AuditDiff,
    language: str = "de",
    before_name: str | None = None,
    after_name: str | None = None,
) -> str:
    t = texts_for(language)
    lines = [f"# {escape(t('diff.title'))}: {escape(diff.company.name)}", ""]
    if before_name and after_name:
        lines += [
            f"{escape(t('diff.before'))}: {escape(before_name)} · "
            f"{escape(t('diff.after'))}: {escape(after_name)}",
            "",
        ]
    lines += [f"**{escape(t('diff.overall'))}: {escape(_score_line(t, diff.overall))}**", ""]
    if diff.rules_changed:
        lines += [
            "> "
            + escape(
                t(
                    "diff.rules_changed",
                    before=diff.rules_fingerprint_before,
                    after=diff.rules_fingerprint_after,
                )
            ),
            "",
        ]
    lines += [f"## {escape(t('diff.phases'))}", ""]
    header = (
        t("report.phase"),
        t("diff.before"),
        t("diff.after"),
        t("diff.change"),
        t("report.maturity"),
    )
    lines.append("| " + " | ".join(escape(cell) for cell in header) + " |")
    lines.append("| --- | ---: | ---: | ---: | --- |")
    for phase in diff.phases:
        cells = (
            phase.title,
            number(phase.before),
            number(phase.after),
            signed(phase.change),
            _maturity_change(t, phase),
        )
        lines.append("| " + " | ".join(escape(cell) for cell in cells) + " |")
    lines += ["", f"## {escape(t('diff.measures'))}", ""]
    for key, _, changes in _groups(diff):
        if key == "undetermined" and not changes:
            continue
        lines += [f"### {escape(t('diff.' + key))}: {len(changes)}", ""]
        if not changes:
            lines.append(escape(t("diff.none")))
        lines += [f"- {escape(_measure_line(t, change))}" for change in changes]
        lines.append("")
    lines += [f"## {escape(t('diff.answers'))}", ""]
    if not diff.answers_changed:
        lines.append(escape(t("diff.no_answer_changes")))
    for answer in diff.answers_changed:
        before = t("answer." + (answer.before or "unbekannt"))
        after = t("answer." + (answer.after or "unbekannt"))
        lines.append(
            f"- {escape(answer.phase_title)} – {escape(answer.statement.rstrip('.'))}: "
            f"{escape(before)} → **{escape(after)}**"
        )
    lines += ["", f"## {escape(t('diff.facts'))}", ""]
    if not diff.facts_changed:
        lines.append(escape(t("diff.no_fact_changes")))
    lines += [f"- {escape(_fact_line(t, fact))}" for fact in diff.facts_changed]
    lines += [
        "",
        escape(
            t(
                "diff.open_questions",
                before=diff.open_questions_before,
                after=diff.open_questions_after,
            )
        ),
    ]
    return "\n".join(lines) + "\n"


def _fact_line(t: Callable[..., str], fact: FactChange) -> str:
    mark = f" ({t('diff.derived_mark')})" if fact.derived else ""
    return f"{fact.label}{mark}: {fact.before_shown} → {fact.after_shown}"
