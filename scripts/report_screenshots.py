"""Screenshots of the reports for docs/reports.md, taken with headless Chromium.

    python scripts/report_screenshots.py            # writes docs/images/report-*.png

For each example profile it renders the owner's report and photographs its first screen
and its roadmap; for the bicycle shop also the advisor's worksheet and the owner's report
on a 390-pixel phone screen. Needs the test extra (Playwright) and Chromium.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from kundenkompass.engine import Engine
from kundenkompass.render.html import render_html
from kundenkompass.render.pdf import chromium_path
from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
IMAGES = ROOT / "docs" / "images"
EXAMPLES = ("radhaus", "foto_elektronik", "moebelwerkstatt")
DESKTOP = {"width": 1000, "height": 1250}
PHONE = {"width": 390, "height": 844}


def _open(page: Page, html: str, folder: Path, name: str) -> None:
    path = folder / f"{name}.html"
    path.write_text(html, encoding="utf-8")
    page.goto(path.as_uri(), wait_until="load")


def _section(page: Page, selector: str, target: Path, height: int = 1250) -> None:
    """A screenshot of one section, cut off after ``height`` pixels."""
    box = page.locator(selector).bounding_box()
    assert box is not None, selector
    clip = {
        "x": 0,
        "y": box["y"] - 10,
        "width": DESKTOP["width"],
        "height": min(box["height"] + 20, height),
    }
    page.screenshot(path=str(target), clip=clip, full_page=True)


def main() -> int:
    IMAGES.mkdir(parents=True, exist_ok=True)
    engine = Engine()
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path(), args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_page(viewport=DESKTOP)
            for name in EXAMPLES:
                result = engine.audit(ROOT / "examples" / f"{name}.toml")
                _open(page, render_html(result), Path(folder), name)
                page.screenshot(path=str(IMAGES / f"report-{name}.png"))
                _section(page, "#roadmap", IMAGES / f"report-{name}-roadmap.png")
                if name == "radhaus":
                    _open(page, render_html(result, audience="advisor"), Path(folder), "ws")
                    _section(page, "#plan", IMAGES / "worksheet-radhaus.png", height=900)
                    page.set_viewport_size(PHONE)
                    _open(page, render_html(result), Path(folder), "phone")
                    page.screenshot(path=str(IMAGES / "report-radhaus-phone.png"))
                    page.set_viewport_size(DESKTOP)
        finally:
            browser.close()
    for image in sorted(IMAGES.glob("*.png")):
        print(f"wrote {image.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
