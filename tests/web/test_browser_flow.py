"""The whole audit in a real browser: Debian's chromium, headless, driven by Playwright.

One browser session runs the flow an advisor runs against a real `audit serve` on
loopback: start, answer every phase (one question "weiß nicht", one with a note, one
wrong number that the error summary reports), see the plan, open the report, download
the profile and the result, compare with an earlier audit, upload the profile again and
get the same result; then, against a server with a token and a data directory, sign in,
find the stored audit on the start page and delete it. The downloaded profile audits with `audit run -f json` to the same
JSON as the app's result download. axe-core checks every page type (no serious or
critical WCAG 2.1 A/AA violation), every page fits 390 CSS pixels without scrolling
sideways, and screenshots at 1280 and 390 pixels go to test-artifacts/.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from ..conftest import ROOT, run_cli
from ..test_server import started as served

CHROMIUM = os.environ.get("KUNDENKOMPASS_CHROMIUM") or shutil.which("chromium") or ""
if not CHROMIUM:
    if os.environ.get("CI"):
        pytest.fail("chromium is not installed; .ci/run installs it", pytrace=False)
    pytest.skip("chromium is not installed (apt-get install chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")

AXE = (ROOT / "tests" / "vendor" / "axe.min.js").read_text("utf-8")
ARTIFACTS = ROOT / "test-artifacts"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
FLAGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
PHASE_TITLES = [
    "Bedarfsentstehung",
    "Informationssuche",
    "Anbieter-/Produktwahl",
    "Kauf",
    "Zufriedenheit & Bindung",
]
TOKEN = "zugang-fuer-den-browsertest"
NOTE = "Inhaberin fragt Stammkunden beim Service nach Wünschen."


class Checked:
    """A browser page that records console errors (CSP violations included)."""

    def __init__(self, page) -> None:  # type: ignore[no-untyped-def]
        self.page = page
        self.problems: list[str] = []
        page.on(
            "console",
            lambda m: self.problems.append(f"{m.type}: {m.text}") if m.type == "error" else None,
        )
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))

    def check(self, name: str, *, status: int = 200) -> None:
        """axe, the phone width and screenshots of the page as it is now; ``status`` is the
        page's own status (Chromium logs a 4xx page as a failed resource)."""
        page = self.page
        expected = f"responded with a status of {status} "
        self.problems = [p for p in self.problems if expected not in p]
        # The app ships no JavaScript at all: the flow works without it.
        assert page.evaluate("document.scripts.length") == 0, name
        assert serious_violations(page) == [], name
        ARTIFACTS.mkdir(exist_ok=True)
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(ARTIFACTS / f"web-{name}-1280.png"), full_page=True)
        page.set_viewport_size(PHONE)
        widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        wide = page.evaluate(
            """() => Array.from(document.querySelectorAll('body *'))
                .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
                .slice(0, 5).map(e => e.tagName + '.' + e.className)"""
        )
        assert widths[0] <= widths[1], f"{name} scrolls sideways at 390 px: {widths} {wide}"
        page.screenshot(path=str(ARTIFACTS / f"web-{name}-390.png"), full_page=True)
        page.set_viewport_size(DESKTOP)
        assert self.problems == [], self.problems


def serious_violations(page) -> list[str]:  # type: ignore[no-untyped-def]
    # Evaluated through the DevTools protocol: the page's CSP forbids every script of its own.
    page.evaluate(AXE)
    found = page.evaluate(
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


def answer_page(page, *, unknown_first: bool = False, note: str | None = None) -> None:  # type: ignore[no-untyped-def]
    """Answer every question of a questionnaire page as an advisor would, by clicking."""
    questions = page.locator("form#antworten .frage")
    for index in range(questions.count()):
        question = questions.nth(index)
        radios = question.locator("input[type=radio]")
        boxes = question.locator("input[type=checkbox]")
        texts = question.locator("input[type=text]")
        if index == 0 and unknown_first:
            question.get_by_label("weiß nicht", exact=True).check()
        elif radios.count():
            radios.first.check()
        elif boxes.count():
            boxes.first.check()
        elif texts.count():
            texts.first.fill("3" if texts.first.get_attribute("inputmode") else "Beispiel")
        if note and index == 1:
            question.locator("summary").click()
            question.get_by_label("Notiz zu dieser Frage").fill(note)


def test_a_whole_audit_in_the_browser(tmp_path, engine):
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        try:
            context = browser.new_context(viewport=DESKTOP, accept_downloads=True, locale="de-DE")
            with served() as server:
                run_flow(context, server, tmp_path, engine)
            context.close()
            # The same browser: a server with a token and a data directory.
            context = browser.new_context(viewport=DESKTOP, locale="de-DE")
            stored = tmp_path / "audits"
            stored.mkdir()
            with served("--token", TOKEN, "--data-dir", str(stored)) as server:
                run_signed_in(context, server, stored)
            context.close()
        finally:
            browser.close()


def run_flow(context, server: str, tmp_path: Path, engine) -> None:  # type: ignore[no-untyped-def]
    expect = sync_api.expect
    checked = Checked(context.new_page())
    page = checked.page

    # The start page: a new audit.
    page.goto(server + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit der Kundenzentrierung")
    checked.check("start")
    page.get_by_label("Wie heißt das Unternehmen?").fill("Radhaus Browser")
    page.get_by_label("In welcher Branche").fill("fahrradhandel")
    page.get_by_label("Ladengeschäft").check()
    page.get_by_label("Datum des Audits").fill("2026-11-20")
    page.get_by_role("button", name="Audit beginnen").click()

    # Every phase, one after the other.
    for number, title in enumerate(PHASE_TITLES, start=1):
        expect(page.get_by_role("heading", level=1)).to_have_text(title)
        expect(page.locator("#fortschritt-text")).to_contain_text(f"Phase {number} von 5")
        answer_page(page, unknown_first=number == 1, note=NOTE if number == 1 else None)
        if number == 1:
            checked.check("fragen")
        if number == 3:
            # A wrong number: the error summary names it and links to the field.
            field = page.locator("form#antworten input[inputmode]").first
            field.fill("viele")
            page.get_by_role("button", name="Speichern und weiter").click()
            summary = page.locator(".fehlerliste")
            expect(summary).to_be_visible()
            checked.check("fehler", status=422)
            summary.get_by_role("link").first.click()
            expect(page.locator("form#antworten input[aria-invalid=true]").first).to_be_focused()
            page.locator("form#antworten input[aria-invalid=true]").first.fill("3")
        button = "Speichern und Ergebnis zeigen" if number == 5 else "Speichern und weiter"
        page.get_by_role("button", name=button).click()

    # The result: the plan, the report, the downloads.
    expect(page.get_by_role("heading", level=1)).to_have_text("Ergebnis für Radhaus Browser")
    expect(page.get_by_role("heading", name="Die wichtigsten Schritte")).to_be_visible()
    assert page.locator("#plan-titel + .tabelle tbody tr").count() > 0
    checked.check("ergebnis")

    with context.expect_page() as opened:
        page.get_by_role("button", name="Bericht ansehen").click()
    report = Checked(opened.value)
    report.page.wait_for_load_state()
    expect(report.page.locator("h1#company")).to_have_text("Radhaus Browser")
    report.check("bericht")
    report.page.close()

    profile_path = download(page, "Profil (TOML)", tmp_path)
    result_path = download(page, "Ergebnis (JSON)", tmp_path)
    profile_text = profile_path.read_text("utf-8")
    assert NOTE in profile_text
    assert "2026-11-20" in profile_text

    # The downloaded profile audits on the command line to the app's result, byte for byte.
    audited = run_cli("run", "-f", "json", str(profile_path))
    assert audited.returncode == 0, audited.stderr
    assert audited.stdout == result_path.read_text("utf-8")

    # Compared with an earlier audit of the same company.
    earlier = tmp_path / "frueher.json"
    earlier_profile = profile_text.replace('= "ja"', '= "nein"', 3)
    earlier.write_text(engine.audit(earlier_profile).to_json(), encoding="utf-8")
    page.get_by_label("Früheres Ergebnis (JSON)").set_input_files(str(earlier))
    page.get_by_role("button", name="Vergleichen").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Fortschritt zwischen zwei Audits")
    checked.check("vergleich")

    # A new browser visit: upload the profile again and get the same result.
    page.goto(server + "/")
    page.get_by_label("Profil oder Ergebnis").set_input_files(str(profile_path))
    page.get_by_role("button", name="Hochladen und Ergebnis zeigen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ergebnis für Radhaus Browser")
    again = download(page, "Ergebnis (JSON)", tmp_path / "again")
    assert again.read_text("utf-8") == result_path.read_text("utf-8")

    # An error page: an empty upload.
    page.goto(server + "/")
    empty = tmp_path / "leer.toml"
    empty.write_bytes(b"")
    page.get_by_label("Profil oder Ergebnis").set_input_files(str(empty))
    page.get_by_role("button", name="Hochladen und bearbeiten").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Leere Datei")
    checked.check("fehlerseite", status=400)


def download(page, button: str, folder: Path) -> Path:  # type: ignore[no-untyped-def]
    folder.mkdir(parents=True, exist_ok=True)
    with page.expect_download() as started:
        page.get_by_role("button", name=button, exact=True).click()
    target = folder / started.value.suggested_filename
    started.value.save_as(str(target))
    return target


def run_signed_in(context, server: str, stored: Path) -> None:  # type: ignore[no-untyped-def]
    """Sign in, start an audit that the server keeps, find it on the start page, delete it."""
    expect = sync_api.expect
    checked = Checked(context.new_page())
    page = checked.page
    page.goto(server + "/")
    expect(page).to_have_url(server + "/anmelden")
    checked.check("anmelden")
    page.get_by_label("Zugangstoken").fill(TOKEN)
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit der Kundenzentrierung")
    page.get_by_label("Wie heißt das Unternehmen?").fill("Radhaus Server")
    page.get_by_label("Onlineshop").check()
    page.get_by_role("button", name="Audit beginnen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(PHASE_TITLES[0])
    assert len(list(stored.glob("*.toml"))) == 1

    page.goto(server + "/")
    row = page.get_by_role("row", name="Radhaus Server")
    expect(row).to_be_visible()
    checked.check("gespeichert")
    row.get_by_role("button", name="Löschen").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("löschen?")
    checked.check("loeschen")
    page.get_by_role("button", name="Endgültig löschen").click()
    expect(page.locator(".hinweise")).to_contain_text("gelöscht")
    assert list(stored.glob("*.toml")) == []
    page.get_by_role("button", name="Abmelden").click()
    expect(page).to_have_url(server + "/anmelden")
