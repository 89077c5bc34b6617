"""The radar chart of the five phase scores, drawn by pygal as inline SVG.

pygal renders in Python to plain SVG with its stylesheet inlined, so the report needs no
JavaScript and makes no request when opened. Its tooltip script (loaded from the web by
default) is switched off, and an XML filter removes the inline configuration script it
always writes, so the chart is static. The output is deterministic: pygal's random chart
id is replaced and its comments (which carry the current date) are removed.

pygal also writes a ``<title>`` and ``<desc>`` into every element for its tooltips (the
chart's title "Pygal", spoke angles in radians, raw coordinates); they are removed, and the
chart carries one text alternative instead (``role="img"`` and an ``aria-label`` naming
every phase with its score). The picture is small in SVG units (:data:`WIDTH`), so that its
16-unit labels stay at least 11 CSS pixels tall when a phone shrinks it to 360 pixels;
long phase names are broken onto two lines.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pygal
from kundenkompass.results import PhaseResult
from pygal.etree import etree as pygal_etree
from pygal.style import Style

WIDTH, HEIGHT = 500, 340
LABEL_SIZE = 16
#: Longest label line in characters before a phase name is broken onto two lines.
LINE_LENGTH = 16
_SVG = "{http://www.w3.org/2000/svg}"
FONT = "'Liberation Sans', 'Helvetica Neue', Arial, sans-serif"
COLOR = "#1f6f8b"

_STYLE = Style(
    background="transparent",
    plot_background="transparent",
    font_family=FONT,
    label_font_family=FONT,
    major_label_font_family=FONT,
    colors=(COLOR,),
    foreground="#3d4a52",
    foreground_strong="#1d2327",
    foreground_subtle="#5b6770",
    label_font_size=LABEL_SIZE,
    major_label_font_size=LABEL_SIZE,
    opacity=".3",
    opacity_hover=".3",
    guide_stroke_color="#ccc",
    major_guide_stroke_color="#ccc",
    guide_stroke_dasharray="0",
    major_guide_stroke_dasharray="0",
)


def radar_chart_svg(
    phases: Sequence[PhaseResult], description: str, number: Callable[[float | None], str]
) -> str:
    """An SVG radar chart of the phase scores (0–100), the journey running clockwise.

    ``description`` is the chart's text alternative; ``number`` formats the scores. A
    phase without a score sits at the centre and its label shows a dash.
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
        margin_top=44,
        # Room for the phase names, which are written beside the left and right corners.
        margin_left=150,
        margin_right=150,
        # The pentagon leaves the bottom of its circle empty; the names hang into it.
        margin_bottom=10,
        disable_xml_declaration=True,
        no_data_text="",
    )
    chart.uuid = "radar"
    chart.add_xml_filter(_static)
    chart.add_xml_filter(_level_labels)
    chart.add_xml_filter(lambda root: _text_alternative(root, description))
    # pygal places labels counter-clockwise; reversing all but the first runs them clockwise.
    ordered = [phases[0], *reversed(phases[1:])] if phases else []
    chart.x_labels = [f"{phase.title} ({number(phase.score)})" for phase in ordered]
    chart.add("", [phase.score or 0 for phase in ordered])
    svg: str = chart.render(is_unicode=True)
    return svg


def _text_alternative(root: Any, description: str) -> Any:
    """One accessible name for the picture instead of pygal's titles and tooltips."""
    for parent in list(root.iter()):
        for child in list(parent):
            if isinstance(child.tag, str) and child.tag.rpartition("}")[2] in ("title", "desc"):
                parent.remove(child)
    root.set("role", "img")
    root.set("aria-label", description)
    return root


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
            lines = _wrap(label.text or "")
            below = y > centre_y + 1
            # Above the centre the last line ends at the corner, below it the first starts.
            top = y + LABEL_SIZE if below else y - 4 - (len(lines) - 1) * LABEL_SIZE * 1.1
            label.set("x", f"{x:.1f}")
            label.set("y", f"{top:.1f}")
            if len(lines) > 1:
                label.text = None
                for index, line in enumerate(lines):
                    span = label.makeelement(
                        f"{_SVG}tspan" if label.tag.startswith("{") else "tspan", {}
                    )
                    span.set("x", f"{x:.1f}")
                    if index:
                        span.set("dy", f"{LABEL_SIZE * 1.1:.1f}")
                    # A line broken at a space keeps it, so the label reads as one text.
                    span.text = (
                        line if index == len(lines) - 1 or line.endswith("/") else line + " "
                    )
                    label.append(span)
    return root


def _wrap(label: str) -> list[str]:
    """A phase name broken after a space or a slash into lines of :data:`LINE_LENGTH`."""
    words = label.replace("/", "/ ").split()
    lines: list[str] = []
    for word in words:
        if lines and len(lines[-1]) + 1 + len(word) <= LINE_LENGTH:
            joiner = "" if lines[-1].endswith("/") else " "
            lines[-1] += joiner + word
        else:
            lines.append(word)
    return lines
