"""The audit as one self-contained HTML document for advisors to hand over.

The page needs nothing from outside: the stylesheet is inlined, the radar chart is SVG
drawn by pygal, and there is no script at all (a Content-Security-Policy forbids scripts
and requests). Jinja2 autoescaping is on for the whole template, so every text from a
profile (company name, notes, ...) shows as text, never as markup.
"""

from __future__ import annotations

from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined
from kundenkompass.render.chart import radar_chart_svg
from kundenkompass.render.view import Audience, report_view
from kundenkompass.results import AuditResult
from kundenkompass.vocabulary import MATURITY_THRESHOLDS
from markupsafe import Markup


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("kundenkompass.render", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )


def _maturity_scale() -> list[tuple[str, int, int]]:
    """(level, lower bound, width) of each maturity level, lowest first."""
    ascending = sorted(MATURITY_THRESHOLDS)
    bounds = [int(lower) for lower, _ in ascending] + [100]
    return [
        (level, bounds[index], bounds[index + 1] - bounds[index])
        for index, (_, level) in enumerate(ascending)
    ]


TEMPLATES: dict[Audience, str] = {"owner": "owner.html", "advisor": "worksheet.html"}


def render_html(result: AuditResult, language: str = "de", audience: Audience = "owner") -> str:
    """The owner's report (the default) or the advisor's worksheet as HTML.

    Deterministic: the same result gives the same bytes.
    """
    view = report_view(result, language, audience)
    chart = radar_chart_svg(result.phases, view.chart_alt(), view.num)
    template = _environment().get_template(TEMPLATES[audience])
    return template.render(
        view=view,
        t=view.t,
        num=view.num,
        # pygal escapes every text it writes into the SVG; the labels are phase titles.
        chart=Markup(chart),
        scale=_maturity_scale(),
    )
