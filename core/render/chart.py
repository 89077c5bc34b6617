"""The radar chart of the five phase scores, drawn by pygal as inline SVG.

pygal renders in Python to plain SVG with its stylesheet inlined, so the report needs no
JavaScript and makes no request when opened. Its tooltip script (loaded from the web by
default) is switched off, and an XML filter removes the inline configuration script it
always writes, so the chart is static. The output is deterministic: pygal's random chart
id is replaced and its comments (which carry the current date) are removed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pygal
from kundenkompass.render.view import number
from kundenkompass.results import PhaseResult
from pygal.etree import etree as pygal_etree
from pygal.style import Style

WIDTH, HEIGHT = 760, 360
LABEL_SIZE = 16
FONT = "'Liberation Sans', 'Helvetica Neue', Arial, sans-serif"
COLOR = "#1f6f8b"

_STYLE = Style(
    background="transparent",
    plot_background="transparent",
    font_family=FONT,
    label_font_family=FONT,
    major_label_font_family=FONT,
    colors=(COLOR,),
    foreground="#444",
    foreground_strong="#222",
    foreground_subtle="#888",
    label_font_size=LABEL_SIZE,
    major_label_font_size=LABEL_SIZE,
    opacity=".3",
    opacity_hover=".3",
    guide_stroke_color="#ccc",
    major_guide_stroke_color="#ccc",
    guide_stroke_dasharray="0",
    major_guide_stroke_dasharray="0",
)


def radar_chart_svg(phases: Sequence[PhaseResult], series_title: str) -> str:
    """An SVG radar chart of the phase scores (0–100), the journey running clockwise.

    A phase without a score sits at the centre and its label shows a dash.
    """
    # pygal switches to lxml whenever it is importable (another extra may bring it), which
    # changes the markup; the standard library's ElementTree keeps the SVG the same everywhere.
    pygal_etree.to_etree()
    chart = pygal.Radar(
        style=_STYLE,
        js=[],  # no tooltip script: it would be fetched from the web
        fill=True,
        show_legend=False,
        range=(0, 100),
        # The outer ring is drawn without a number; it would collide with the top label.
        y_labels=[
            *({"value": v, "label": str(v)} for v in (20, 40, 60, 80)),
            {"value": 100, "label": ""},
        ],
        dots_size=4,
        truncate_label=-1,
        width=WIDTH,
        height=HEIGHT,
        margin=8,
        margin_top=30,
        # Room for the phase names, which are written beside the left and right corners.
        margin_left=190,
        margin_right=190,
        # The pentagon leaves the bottom of its circle empty; let the plot use that space.
        margin_bottom=-20,
        disable_xml_declaration=True,
        no_data_text="",
    )
    chart.uuid = "radar"
    chart.add_xml_filter(_static)
    chart.add_xml_filter(_level_labels)
    # pygal places labels counter-clockwise; reversing all but the first runs them clockwise.
    ordered = [phases[0], *reversed(phases[1:])] if phases else []
    chart.x_labels = [f"{phase.title} ({number(phase.score)})" for phase in ordered]
    chart.add(series_title, [phase.score or 0 for phase in ordered])
    svg: str = chart.render(is_unicode=True)
    return svg


def _static(root: Any) -> Any:
    """Drop scripts, comments and processing instructions from pygal's element tree."""
    for parent in list(root.iter()):
        for child in list(parent):
            tag = child.tag
            if not isinstance(tag, str) or tag == "script" or tag.endswith("}script"):
                parent.remove(child)
    return root


def _classes(element: Any) -> set[str]:
    return set((element.get("class") or "").split())


def _level_labels(root: Any) -> Any:
    """Write the phase names level and outside the pentagon instead of along the spokes.

    pygal centres each name on its corner and turns it along the spoke; here a name on
    the left ends at its corner, one on the right starts there, and one at the bottom
    hangs below it, so no name covers the web.
    """
    for axis in root.iter():
        if axis.tag.rpartition("}")[2] != "g" or not {"axis", "x"} <= _classes(axis):
            continue
        for guides in axis:
            spoke = next((c for c in guides if c.tag.rpartition("}")[2] == "path"), None)
            label = next((c for c in guides if c.tag.rpartition("}")[2] == "text"), None)
            if spoke is None or label is None:
                continue
            # The spoke runs from the centre: "M<cx> <cy> L<x> <y>".
            centre_x, centre_y = (float(v) for v in spoke.get("d", "M0 0").lstrip("M").split()[:2])
            x, y = float(label.get("x", centre_x)), float(label.get("y", centre_y))
            label.attrib.pop("transform", None)
            anchor = "middle"
            if x < centre_x - 1:
                anchor, x = "end", x - 6
            elif x > centre_x + 1:
                anchor, x = "start", x + 6
            label.set("text-anchor", anchor)
            label.set("style", f"text-anchor: {anchor}")
            label.set("x", f"{x:.1f}")
            label.set("y", f"{(y + LABEL_SIZE if y > centre_y + 1 else y - 4):.1f}")
    return root
