"""The audit as German text for the terminal (rich).

Every value from the result is data: it reaches rich only through
:mod:`kundenkompass.render.terminal` (``escape`` in markup strings and table cells,
``data_text``/``visible`` in :class:`~rich.text.Text`).
"""

from __future__ import annotations

from typing import Any

from kundenkompass.render.terminal import data_text, escape, visible
from kundenkompass.results import AuditResult, Evidence, MeasureExplanation, Recommendation
from kundenkompass.texts import Texts, texts_for
from kundenkompass.vocabulary import HORIZONS
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f}"


def render(result: AuditResult, console: Console, language: str = "de") -> None:
    t = texts_for(language)
    company = result.company
    console.print(data_text(f"{t('report.title')}: {company.name}", style="bold"))
    details = [f"{t('report.channels')}: " + ", ".join(t(f"channel.{c}") for c in company.channels)]
    if company.sector:
        details.insert(0, f"{t('report.sector')}: {escape(company.sector)}")
    console.print(" · ".join(details))
    overall = f"{t('report.overall')}: {_pct(result.overall_score)} / 100" + (
        f" – {t('maturity.' + result.overall_maturity)}" if result.overall_maturity else ""
    )
    console.print(Text(overall, style="bold"))
    console.print()

    table = Table(title=t("report.phases"), title_justify="left", expand=False)
    table.add_column(t("report.phase"))
    table.add_column(t("report.score"), justify="right")
    table.add_column(t("report.maturity"))
    table.add_column(t("report.fulfilled"), justify="right")
    table.add_column(t("report.coverage"), justify="right")
    for phase in result.phases:
        scored = phase.answered - phase.not_applicable
        table.add_row(
            escape(phase.title),
            _pct(phase.score),
            t(f"maturity.{phase.maturity}") if phase.maturity else t("report.no_score"),
            t("report.of", part=phase.fulfilled, whole=scored),
            t("report.of", part=phase.answered, whole=phase.items),
        )
    console.print(table)
    console.print()

    titles = {r.measure: r.title for r in result.recommendations}
    numbers = {r.measure: n for n, r in enumerate(result.recommendations, start=1)}
    console.print(Text(t("report.top_steps"), style="bold underline"))
    if not result.recommendations:
        console.print(t("report.no_measures"))
    for measure in result.top_steps:
        recommendation = next(r for r in result.recommendations if r.measure == measure)
        reason = recommendation.reasons[0].reason or recommendation.reasons[0].rule
        line = data_text(f"{numbers[measure]}. {recommendation.title}", style="bold")
        line.append(visible(f" – {reason}"))
        console.print(line)
    console.print()

    console.print(Text(t("report.plan"), style="bold underline"))
    for horizon in HORIZONS:
        group = [r for r in result.recommendations if r.horizon == horizon]
        if not group:
            continue
        console.print(Text(t(f"horizon.{horizon}"), style="bold"))
        for recommendation in group:
            console.print(
                _recommendation(numbers[recommendation.measure], recommendation, titles, t)
            )
        console.print()

    if result.website_check:
        _website_check(result, console, t)
    console.print(Text(t("report.open_questions"), style="bold underline"))
    if not result.open_questions:
        console.print(t("report.no_open_questions"))
    else:
        console.print(t("report.open_question_hint"))
        for question in result.open_questions:
            console.print(
                _indented(
                    f"• {question.question} ({question.ref}) – {t('report.could_recommend')}: "
                    + ", ".join(question.could_recommend),
                    indent=2,
                )
            )


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value) or "–"
    return str(value)


def _website_check(result: AuditResult, console: Console, t: Any) -> None:
    console.print(Text(t("report.website_check"), style="bold underline"))
    console.print(t("report.website_hint"))
    for check in result.website_check:
        if check.agrees is None:
            verdict = t("report.website_only", website=_shown(check.website_value))
        elif check.agrees:
            verdict = t("report.website_agrees")
        else:
            verdict = t(
                "report.website_differs",
                profile=_shown(check.profile_value),
                website=_shown(check.website_value),
            )
        label = check.label.rstrip(".")
        console.print(_indented(f"• {label} – {verdict} ({check.url})", indent=2))
    console.print()


def _indented(content: str, style: str = "", indent: int = 3) -> Text:
    return data_text(" " * indent + content, style=style)


def _recommendation(number: int, rec: Recommendation, titles: dict[str, str], t: Texts) -> Group:
    heading = data_text(f"{number}. {rec.title}", style="bold")
    heading.append(
        visible(f"  [{rec.phase_title} · {t('report.priority_points')} {rec.score:.0f}]"),
        style="dim",
    )
    if rec.quick_win:
        heading.append(f"  ★ {t('report.quick_win')}", style="green")
    lines = [heading]
    for firing in rec.reasons:
        reason = firing.reason or firing.rule
        because = _because(firing.evidence)
        behind = f"{t('report.because')} {because}; " if because else ""
        lines.append(
            _indented(f"{t('report.reason')}: {reason} ({behind}{t('report.rule')} {firing.rule})")
        )
    lines.append(
        _indented(
            f"{t('report.impact')}: {t('impact.' + rec.impact)} · {t('report.effort')}: "
            f"{t('effort.' + rec.effort)} · {t('report.cost')}: {t('cost.' + rec.cost)} · "
            f"{t('report.reference')}: {rec.reference}",
            style="dim",
        )
    )
    if rec.prerequisites:
        shown = ", ".join(titles.get(p, p) for p in rec.prerequisites)
        lines.append(_indented(f"{t('report.prerequisites')}: {shown}", style="dim"))
    if rec.what_if.items:
        gains = t(
            "report.what_if",
            phase=f"{rec.what_if.phase_score_gain:g}",
            overall=f"{rec.what_if.overall_gain:g}",
        )
        lines.append(_indented(gains, style="dim"))
    return Group(*lines)


def _because(evidence: list[Evidence]) -> str:
    """The evidence as ``label: value; …``, each pair once (a rule may test one input in
    several ways)."""
    return "; ".join(dict.fromkeys(f"{e.label}: {e.shown}" for e in evidence))


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
        if check.outcome == "blocked":
            decisive = [leaf for leaf in check.unless if leaf.truth == "true"] or [
                leaf for leaf in check.unless if leaf.truth != "unknown"
            ]
            because = "; ".join(f"{leaf.label} = {leaf.shown}" for leaf in decisive)
            console.print(_indented(t("explain.blocked_because", because=because), indent=2))
        elif check.unless:
            console.print(_indented(t("explain.unless"), indent=2))
            for leaf in check.unless:
                console.print(
                    _indented(
                        f"{_TRUTH_MARK[leaf.truth]} {leaf.label} = {leaf.shown}  [{leaf.test}]",
                        indent=4,
                    )
                )
    if explanation.derived_facts:
        console.print()
        console.print(Text(t("explain.derived"), style="bold"))
        for fact in explanation.derived_facts:
            console.print(_indented(f"{fact.label} = {_shown(fact.value)}", indent=2))
            for step in fact.steps:
                because = _because(step.evidence)
                console.print(_indented(f"{t('report.rule')} {step.rule}: {because}", indent=4))
    if explanation.open_inputs:
        console.print()
        console.print(Text(t("explain.open_inputs"), style="bold"))
        for ref in explanation.open_inputs:
            console.print(_indented(f"• {ref}", indent=2))
