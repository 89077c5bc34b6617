"""The web app for advisors: the whole audit in the browser, served by ``audit serve`` at ``/``.

Server-rendered pages (Jinja2, plain forms, no scripts): a start page (a new audit, or an
uploaded profile or result), the questionnaire of ``audit init`` phase by phase, the result
with the owner's report and the advisor's worksheet, downloads, and the comparison with an
earlier audit. The state of an audit travels with the browser (:mod:`.state`); what makes
the app safe to expose is in :mod:`.security`; the routes are in :mod:`.app`.
"""

from __future__ import annotations

from kundenkompass.tools.web.app import WebApp, mount_web
from kundenkompass.tools.web.security import SettingsError, WebSettings, for_bind_address

__all__ = ["SettingsError", "WebApp", "WebSettings", "for_bind_address", "mount_web"]
