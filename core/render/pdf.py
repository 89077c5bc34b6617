"""The owner's report (or the worksheet) as PDF, printed by headless Chromium.

The PDF is the HTML report as Chromium prints it: the same template and print
stylesheet (A4, page numbers, no split cards), so what an advisor sees in the browser is
what the owner gets on paper. Playwright drives the browser; it comes with the optional
extra ``pdf`` (``pip install 'kundenkompass[pdf]'``). The browser is the system's Chromium
(Debian: ``apt install chromium``), or the one ``KUNDENKOMPASS_CHROMIUM`` names, or else
the one ``playwright install chromium`` downloaded. The page is opened without JavaScript
and every request is refused: the report needs nothing from outside.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from concurrent.futures import ThreadPoolExecutor

from kundenkompass.errors import MissingDependencyError, RenderError

#: Browser names tried on the PATH, in this order.
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
_FLAGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]


def chromium_path() -> str | None:
    """The browser to print with; None lets Playwright use its own download."""
    return os.environ.get("KUNDENKOMPASS_CHROMIUM") or next(
        (found for name in BROWSERS if (found := shutil.which(name))), None
    )


def html_to_pdf(html: str) -> bytes:
    """Print a self-contained HTML document to an A4 PDF.

    Playwright's synchronous API refuses to run where an event loop is running (a web
    service, a notebook, another Playwright session); there it prints in a worker thread.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return _print(html)
    with ThreadPoolExecutor(max_workers=1) as worker:
        return worker.submit(_print, html).result()


def _print(html: str) -> bytes:
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        raise MissingDependencyError(
            "playwright",
            "PDF braucht das optionale Extra 'pdf': pip install 'kundenkompass[pdf]' "
            "(und Chromium, z. B. apt install chromium)",
        ) from None
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=chromium_path(), headless=True, args=_FLAGS
            )
            try:
                page = browser.new_page(java_script_enabled=False)
                page.route("**/*", lambda route: route.abort())
                page.set_content(html, wait_until="load")
                page.emulate_media(media="print")
                return page.pdf(prefer_css_page_size=True, print_background=True, tagged=True)
            finally:
                browser.close()
    except Error as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else "unbekannt"
        raise RenderError(
            f"Chromium konnte das PDF nicht drucken ({first_line}); bitte Chromium "
            "installieren (apt install chromium) oder KUNDENKOMPASS_CHROMIUM auf ein "
            "Chromium-Programm setzen"
        ) from None
