"""The audit as German text for the terminal (rich)."""

from __future__ import annotations

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from .results import AuditResult, Recommendation
from .texts import text


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f}"


def render(result: AuditResult, console: Console, language: str = "de") -> None:
    t = lambda key, **values: text(key, language, **values)  # noqa: E731
    company = result.company
    console.print(Text(f"{t('report.title')}: {company.name}", style="bold"))
    details = [f"{t('report.channels')}: " + ", ".join(t(f"channel.{c}") for c in company.channels)]
    if company.sector:
        details.insert(0, f"{t('report.sector')}: {company.sector}")
    console.print(" · ".join(details))
    overall = f"{t('report.overall')}: {_pct(result.overall_score)} / 100" + (
        f" – {t('maturity.' + result.overall_maturity)}" if result.overall_maturity else ""
    )
    console.print(Text(overall, style="bold"))
    console.print()

    table = Table(title=t("report.phases"), title_justify="left", expand=False)
    table.add_column(t("report.phase"))
    table.add_column(t("report.fulfilled"), justify="right")
    table.add_column("%", justify="right")
    table.add_column(t("report.unanswered"), justify="right")
    table.add_column(t("report.maturity"))
    for phase in result.phases:
        scored = phase.answered - phase.not_applicable
        table.add_row(
            phase.title,
            f"{phase.fulfilled} {t('report.of_answered', answered=scored)}",
            _pct(phase.score),
            str(phase.unanswered),
            t(f"maturity.{phase.maturity}") if phase.maturity else t("report.no_score"),
        )
    console.print(table)
    console.print()

    console.print(Text(t("report.plan"), style="bold underline"))
    if not result.recommendations:
        console.print(t("report.no_measures"))
    titles = {r.measure: r.title for r in result.recommendations}
    for number, recommendation in enumerate(result.recommendations, start=1):
        console.print(_recommendation(number, recommendation, titles, t))
    console.print()

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


def _indented(content: str, style: str = "", indent: int = 3) -> Text:
    return Text(" " * indent + content, style=style)


def _recommendation(number: int, rec: Recommendation, titles: dict[str, str], t) -> Group:  # type: ignore[no-untyped-def]
    heading = Text(f"{number}. {rec.title}", style="bold")
    heading.append(
        f"  [{rec.phase_title} · {t('report.score')} {rec.score:.0f} · "
        f"{t('horizon.' + rec.horizon)}]",
        style="dim",
    )
    if rec.quick_win:
        heading.append(f"  ★ {t('report.quick_win')}", style="green")
    lines = [heading]
    for firing in rec.reasons:
        reason = firing.reason or firing.rule
        because = "; ".join(f"{e.label}: {e.shown}" for e in firing.evidence)
        lines.append(
            _indented(
                f"{t('report.reason')}: {reason} ({t('report.because')} {because}; "
                f"{t('report.rule')} {firing.rule})"
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
