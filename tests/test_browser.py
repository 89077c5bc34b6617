"""The HTML reports in a real browser: Debian's chromium, headless, driven by Playwright.

Playwright starts the installed /usr/bin/chromium (``executable_path``), so no browser is
downloaded (``playwright install`` is not needed). Each test opens a report from disk,
fails on any console error, page error, dialog or request that leaves the file, checks
that the chart is drawn and key texts are visible, runs axe-core (vendored in
tests/vendor/) for WCAG 2.1 AA, checks the phone layout at 390 CSS pixels, prints the
owner's report to PDF and counts its pages, and saves screenshots and PDFs into
test-artifacts/.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from kundenkompass.render.html import render_html
from kundenkompass.render.report import render_pdf

from .conftest import ROOT, write
from .test_owner_report import OWNER_EXAMPLES, rule_ids
from .test_reports import EXAMPLES, HOSTILE, HOSTILE_NAME

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text("utf-8")
#: The owner's report prints on at most this many A4 pages.
MAX_PAGES = 12
PHONE = {"width": 390, "height": 844}

CHROMIUM = os.environ.get("KUNDENKOMPASS_CHROMIUM") or shutil.which("chromium") or ""
ARTIFACTS = ROOT / "test-artifacts"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

if not CHROMIUM:
    if os.environ.get("CI"):
        pytest.fail(
            "chromium is not installed; .ci/run installs Debian's chromium for this test",
            pytrace=False,
        )
    pytest.skip(
        "chromium is not installed (apt-get install chromium); the browser test runs in CI",
        allow_module_level=True,
    )

sync_api = pytest.importorskip("playwright.sync_api")


class OpenedReport:
    """A report opened in chromium, with everything the page reported."""

    def __init__(self, page: object, url: str) -> None:
        self.page = page
        self.url = url
        self.problems: list[str] = []


@pytest.fixture(scope="module")
def browser_context(tmp_path_factory) -> Iterator[object]:
    profile = tmp_path_factory.mktemp("chromium-profile")  # a fresh --user-data-dir
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=CHROMIUM,
            headless=True,
            args=FLAGS,
            viewport={"width": 1100, "height": 900},
            # The reports forbid scripts by CSP; the test injects axe-core all the same.
            bypass_csp=True,
        )
        try:
            yield context
        finally:
            context.close()


def open_report(context: object, path: Path) -> OpenedReport:
    page = context.new_page()  # type: ignore[attr-defined]
    url = path.resolve().as_uri()
    opened = OpenedReport(page, url)

    def on_request(route: object) -> None:
        request = route.request  # type: ignore[attr-defined]
        if request.url == url:
            route.continue_()  # type: ignore[attr-defined]
        else:  # the report must not load anything
            opened.problems.append(f"request: {request.url}")
            route.abort()  # type: ignore[attr-defined]

    page.route("**/*", on_request)
    page.on(
        "console",
        lambda message: (
            opened.problems.append(f"console {message.type}: {message.text}")
            if message.type in ("error", "warning")
            else None
        ),
    )
    page.on("pageerror", lambda error: opened.problems.append(f"page error: {error}"))

    def on_dialog(dialog: object) -> None:
        opened.problems.append(f"dialog: {dialog.message}")  # type: ignore[attr-defined]
        dialog.dismiss()  # type: ignore[attr-defined]

    page.on("dialog", on_dialog)
    page.goto(url, wait_until="load")
    return opened


def serious_violations(page: object) -> list[str]:
    """axe-core's serious and critical WCAG 2.1 A/AA violations on the page."""
    page.add_script_tag(content=AXE)  # type: ignore[attr-defined]
    found = page.evaluate(  # type: ignore[attr-defined]
        """async () => (await axe.run(document, {
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
            resultTypes: ['violations'],
        })).violations.map(v => ({id: v.id, impact: v.impact,
            nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))"""
    )
    return [
        f"{v['id']} ({v['impact']}): {', '.join(v['nodes'])}"
        for v in found
        if v["impact"] in ("serious", "critical")
    ]


def pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))


def check_report(opened: OpenedReport, result, name: str) -> None:  # type: ignore[no-untyped-def]
    """The owner's report: key sections, the chart, no rule ids, and axe passes."""
    page = opened.page
    expect = sync_api.expect

    # Key texts are visible.
    expect(page.locator("h1#company")).to_have_text(result.company.name)
    expect(page.locator("#overall-index")).to_be_visible()
    expect(page.locator("#audit-line")).to_be_visible()
    for heading in (
        "Das machen Sie schon gut",
        "Ihre drei wichtigsten Schritte",
        "Ihr Fahrplan",
        "Noch offen",
        "Das nächste Audit",
        "Unterstützung",
    ):
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    steps = page.locator("ol.steps > li")
    expect(steps).to_have_count(min(3, len(result.top_steps)))
    for index, measure in enumerate(result.top_steps[:3]):
        title = next(r.title for r in result.recommendations if r.measure == measure)
        expect(steps.nth(index).locator("h3")).to_have_text(title)
    expect(page.locator(".roadmap > li")).to_have_count(3)
    assert 0 < page.locator(".project-steps > li").count() <= 10
    body = page.locator("body").inner_text()
    for rule in rule_ids(result):
        assert not re.search(rf"\b{re.escape(rule)}\b", body), f"rule id {rule} is shown"

    # The chart is drawn: five labelled corners and a filled area of real size.
    chart = page.locator("#radar-chart svg")
    expect(chart).to_be_visible()
    chart_box = chart.bounding_box()
    assert chart_box and chart_box["width"] > 300 and chart_box["height"] > 150
    area = page.locator("#radar-chart .series path").first
    area_box = area.bounding_box()
    assert area_box is not None
    if max(phase.score or 0 for phase in result.phases) >= 20:
        assert area_box["width"] > 10 and area_box["height"] > 10, area_box
    labels = page.locator("#radar-chart .axis.x text")
    expect(labels).to_have_count(5)
    for phase in result.phases:
        expect(labels.filter(has_text=phase.title)).to_be_visible()
    for index in range(5):  # every label lies within the chart
        box = labels.nth(index).bounding_box()
        assert box is not None
        assert box["x"] >= chart_box["x"] - 1, f"label {index} sticks out on the left"
        assert box["x"] + box["width"] <= chart_box["x"] + chart_box["width"] + 1
    expect(page.locator("#radar-chart .dots circle")).to_have_count(5)

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"report-{name}.png"), full_page=True)
    assert opened.problems == [], opened.problems
    assert serious_violations(page) == []


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_example_report_in_chromium(browser_context, engine, tmp_path, example):
    result = engine.audit(example)
    path = tmp_path / "bericht.html"
    path.write_text(render_html(result), encoding="utf-8")
    opened = open_report(browser_context, path)
    try:
        check_report(opened, result, example.stem)
    finally:
        opened.page.close()


def test_worksheet_in_chromium(browser_context, engine, tmp_path):
    result = engine.audit(ROOT / "examples" / "radhaus.toml")
    path = tmp_path / "arbeitsblatt.html"
    path.write_text(render_html(result, audience="advisor"), encoding="utf-8")
    opened = open_report(browser_context, path)
    try:
        page = opened.page
        expect = sync_api.expect
        expect(page.get_by_role("heading", name="Empfohlene Maßnahmen")).to_be_visible()
        expect(page.get_by_role("heading", name="Checkliste je Phase")).to_be_visible()
        expect(page.locator("article.measure")).to_have_count(len(result.recommendations))
        expect(page.locator(".rule").first).to_be_visible()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "worksheet-radhaus.png"), full_page=True)
        assert opened.problems == [], opened.problems
        assert serious_violations(page) == []
    finally:
        opened.page.close()


@pytest.mark.parametrize("audience", ["owner", "advisor"])
def test_reports_fit_a_phone(browser_context, engine, tmp_path, audience):
    """At 390 CSS pixels nothing is cut off and the chart's labels stay legible."""
    result = engine.audit(ROOT / "examples" / "radhaus.toml")
    path = tmp_path / "bericht.html"
    path.write_text(render_html(result, audience=audience), encoding="utf-8")
    opened = open_report(browser_context, path)
    page = opened.page
    try:
        page.set_viewport_size(PHONE)
        width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1], f"the page scrolls sideways: {width}"
        # Each label's font size as drawn: its SVG size times the chart's scale.
        sizes = page.evaluate(
            """() => { const svg = document.querySelector('#radar-chart svg');
                const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
                return Array.from(svg.querySelectorAll('.axis.x text')).map(
                    t => parseFloat(getComputedStyle(t).fontSize) * scale); }"""
        )
        assert len(sizes) == 5 and min(sizes) >= 11, sizes
        # The phase table reflows: no header row, one block per phase with labelled values.
        sync_api.expect(page.locator("table.phases thead")).not_to_be_in_viewport()
        display = page.evaluate(
            "getComputedStyle(document.querySelector('table.phases td')).display"
        )
        assert display == "flex"
        label = page.evaluate(
            "getComputedStyle(document.querySelector('table.phases td'), '::before').content"
        )
        assert label == '"Punkte"'
        # Wider tables of the worksheet scroll inside a focusable, labelled region.
        for region in page.locator(".scroll").all():
            assert region.get_attribute("tabindex") == "0" and region.get_attribute("aria-label")
            assert (
                page.evaluate("el => getComputedStyle(el).overflowX", region.element_handle())
                == "auto"
            )
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"phone-{audience}.png"))
        assert opened.problems == [], opened.problems
    finally:
        opened.page.close()


@pytest.mark.parametrize("example", OWNER_EXAMPLES, ids=lambda p: p.stem)
def test_owner_pdf_is_short(engine, example):
    """`--format pdf` prints the owner's report on at most twelve A4 pages."""
    result = engine.audit(example)
    pdf = render_pdf(result)
    assert pdf.startswith(b"%PDF")
    pages = pdf_pages(pdf)
    assert 1 < pages <= MAX_PAGES, pages
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"report-{example.stem}.pdf").write_bytes(pdf)


def test_hostile_company_name_shows_as_text(browser_context, engine, tmp_path):
    result = engine.audit(write(tmp_path, HOSTILE))
    path = tmp_path / "bericht.html"
    path.write_text(render_html(result), encoding="utf-8")
    opened = open_report(browser_context, path)
    try:
        page = opened.page
        sync_api.expect(page.locator("h1#company")).to_have_text(HOSTILE_NAME)
        assert page.title().endswith(HOSTILE_NAME)
        # Nothing from the profile became markup: no script, image or link was created.
        assert page.locator("script").count() == 0
        assert page.locator("img").count() == 0
        check_report(opened, result, "hostile")
    finally:
        opened.page.close()


def test_print_view_is_clean(browser_context, engine, tmp_path):
    result = engine.audit(ROOT / "examples" / "radhaus.toml")
    path = tmp_path / "bericht.html"
    path.write_text(render_html(result, audience="advisor"), encoding="utf-8")
    opened = open_report(browser_context, path)
    try:
        page = opened.page
        page.emulate_media(media="print")
        # The on-screen table of contents is left out, the chart stays.
        sync_api.expect(page.locator("nav.contents")).to_be_hidden()
        sync_api.expect(page.locator("#radar-chart svg")).to_be_visible()
        breaks = page.evaluate(
            "['plan', 'open-questions', 'checklist'].map("
            "id => getComputedStyle(document.getElementById(id)).breakBefore)"
        )
        assert breaks == ["page", "page", "page"]
        avoid = page.evaluate(
            "getComputedStyle(document.querySelector('article.measure')).breakInside"
        )
        assert avoid == "avoid"
        ARTIFACTS.mkdir(exist_ok=True)
        pdf = page.pdf(path=str(ARTIFACTS / "report-print.pdf"), prefer_css_page_size=True)
        assert pdf.startswith(b"%PDF") and pdf_pages(pdf) > 3
        assert opened.problems == [], opened.problems
    finally:
        opened.page.close()
