"""The routes of the web app, mounted beside the JSON API by :func:`mount_web`.

Every page is rendered on the server from Jinja2 templates; the flow needs no JavaScript.
Pages after the start page are the answers to form posts: each form carries the signed
state (see :mod:`kundenkompass.tools.web.state`) and a CSRF token, and each button says
where to go next (``ziel``), so the answers on a page are kept whichever button is pressed.

Request data never names a file on the server: uploads are read as bytes and parsed, and
templates and the stylesheet come from the installed package.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from importlib.resources import files
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, StrictUndefined
from kundenkompass import __version__
from kundenkompass.catalog.labels import CatalogNames
from kundenkompass.engine import Engine
from kundenkompass.errors import KundenkompassError, MissingDependencyError
from kundenkompass.files.limits import printable
from kundenkompass.render.compare import compare, parse_result
from kundenkompass.render.html import render_html
from kundenkompass.render.view import Audience, number, report_view, signed
from kundenkompass.results import AuditResult
from kundenkompass.texts import text
from kundenkompass.tools.questionnaire.questions import (
    COMPANY_SECTION,
    ProfileDraft,
    Section,
    applicable,
    build_sections,
)
from kundenkompass.tools.web.answers import (
    AUDIT_FIELDS,
    Field,
    apply,
    build_field,
    out_of_scope,
    progress,
    read_section,
)
from kundenkompass.tools.web.profiles import (
    SOURCE,
    audit_state,
    load_state_profile,
    profile_toml,
    state_from_profile,
    state_from_upload,
)
from kundenkompass.tools.web.security import (
    CSRF_COOKIE,
    CSRF_FIELD,
    LOGIN_COOKIE,
    LOGIN_SECONDS,
    PAGE_HEADERS,
    REPORT_SECURITY_POLICY,
    BodyLimit,
    BodyTooLarge,
    Login,
    WebSettings,
    csrf_matches,
    host_name,
    new_csrf_token,
    public_site,
    same_origin,
)
from kundenkompass.tools.web.state import AuditState, StateCodec, StateError
from kundenkompass.tools.web.storage import AuditStore
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.formparsers import MultiPartException

#: The web app's paths that take form posts (their bodies are counted against the limit).
POST_PATHS = frozenset(
    {
        "/start",
        "/laden",
        "/fragen",
        "/datei",
        "/bericht",
        "/vergleich",
        "/anmelden",
        "/abmelden",
        "/gespeichert",
    }
)
#: Paths reachable without signing in.
OPEN_PATHS = frozenset({"/anmelden", "/static/web.css", "/health"})
#: Paths of the web app (HTML answers, page headers, the host check).
WEB_PATHS = POST_PATHS | {"/", "/static/web.css"}
#: Where the flow goes after the last phase.
RESULT_TARGET = "ergebnis"
#: Most fields of one form (a phase has a few dozen questions, each with a note).
MAX_FIELDS = 1000


class PageError(KundenkompassError):
    """A request the app refuses with a German page (4xx)."""

    exit_code = 2

    def __init__(self, status: int, title: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.title = title
        self.message = message


@cache
def _environment() -> Environment:
    environment = Environment(
        loader=PackageLoader("kundenkompass.tools.web", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.globals["version"] = __version__
    return environment


@cache
def _stylesheet() -> bytes:
    return files("kundenkompass.tools.web").joinpath("templates", "web.css").read_bytes()


def file_stem(name: str) -> str:
    """A file name part from the company name: ``Radhaus Müller`` → ``radhaus-mueller``."""
    folded = name.lower()
    for umlaut, spelled in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        folded = folded.replace(umlaut, spelled)
    ascii_only = unicodedata.normalize("NFKD", folded).encode("ascii", "ignore").decode()
    stem = re.sub(r"[^a-z0-9]+", "-", ascii_only).strip("-")[:60]
    return stem or "audit"


class WebApp:
    """The pages, bound to one engine and its questionnaire."""

    def __init__(self, engine: Engine, settings: WebSettings) -> None:
        self.engine = engine
        self.settings = settings
        self.sections: list[Section] = build_sections(engine.catalog)
        self.by_id = {section.id: section for section in self.sections}
        #: The questionnaire's phases, without the company page.
        self.phases = [section for section in self.sections if section.id != COMPANY_SECTION]
        self.codec = StateCodec(settings.secret)
        self.login = Login(settings)
        self.names = CatalogNames(engine.catalog)
        self.store = AuditStore(settings.data_dir) if settings.data_dir is not None else None

    # ---------------------------------------------------------------- rendering

    def page(
        self,
        request: Request,
        template: str,
        status: int = 200,
        state: AuditState | None = None,
        **context: Any,
    ) -> HTMLResponse:
        token = request.cookies.get(CSRF_COOKIE) or new_csrf_token()
        context.setdefault("company", "")
        html = (
            _environment()
            .get_template(template)
            .render(
                csrf_field=CSRF_FIELD,
                csrf=token,
                state=self.codec.dump(state) if state is not None else None,
                signed_in=self.login.required
                and self.login.cookie_valid(request.cookies.get(LOGIN_COOKIE)),
                stored_on_server=self.store is not None,
                **context,
            )
        )
        response = HTMLResponse(html, status_code=status)
        if request.cookies.get(CSRF_COOKIE) != token:
            response.set_cookie(
                CSRF_COOKIE,
                token,
                httponly=True,
                samesite="strict",
                secure=request.url.scheme == "https",
                path="/",
            )
        return response

    def error_page(self, request: Request, error: PageError) -> HTMLResponse:
        return self.page(
            request, "error.html", error.status, title=error.title, message=error.message
        )

    # ------------------------------------------------------------------- forms

    async def form(self, request: Request) -> FormData:
        """The posted form, after the CSRF check; refuses oversized and foreign posts."""
        limit = self.settings.max_body_bytes
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise _too_large(limit)
        media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if media not in ("application/x-www-form-urlencoded", "multipart/form-data"):
            raise PageError(
                415, "Unerwartete Anfrage", "Diese Seite nimmt nur Formulare des Dienstes an."
            )
        try:
            form = await request.form(max_files=1, max_fields=MAX_FIELDS, max_part_size=limit)
        except BodyTooLarge:
            raise _too_large(limit) from None
        except MultiPartException as error:
            raise PageError(400, "Ungültiges Formular", printable(str(error))[:200]) from None
        if not same_origin(request.headers.get("origin"), request.headers.get("host")):
            raise PageError(
                403,
                "Anfrage von einer anderen Website",
                "Das Formular wurde von einer anderen Website abgeschickt und deshalb nicht "
                "angenommen.",
            )
        submitted = form.get(CSRF_FIELD)
        if not csrf_matches(
            request.cookies.get(CSRF_COOKIE), submitted if isinstance(submitted, str) else None
        ):
            raise PageError(
                403,
                "Sicherheitsprüfung fehlgeschlagen",
                "Das Formular ließ sich nicht zuordnen (CSRF-Schutz). Erlauben Sie Cookies für "
                "diese Seite und öffnen Sie die Startseite neu; ein begonnenes Audit setzen Sie "
                "mit der heruntergeladenen Profildatei fort.",
            )
        return form

    def state_of(self, form: FormData) -> AuditState:
        raw = form.get("zustand")
        try:
            return self.codec.load(raw if isinstance(raw, str) else None)
        except StateError as error:
            title = "Bearbeitungsstand zu groß" if error.status == 413 else "Bearbeitungsstand"
            raise PageError(error.status, title, error.message) from None

    async def upload(self, form: FormData, field: str = "datei") -> tuple[bytes, str]:
        upload = form.get(field)
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise PageError(400, "Keine Datei", "Bitte wählen Sie eine Datei aus.")
        raw = await upload.read(self.settings.max_body_bytes + 1)
        if not raw:
            raise PageError(400, "Leere Datei", "Die gewählte Datei ist leer.")
        # The name is only shown, never used to open anything.
        name = printable(upload.filename.replace("\\", "/").rsplit("/", 1)[-1])[:80]
        return raw, name

    # ------------------------------------------------------------- questionnaire

    def section_page(
        self,
        request: Request,
        state: AuditState,
        section: Section,
        *,
        form: FormData | None = None,
        errors: dict[str, str] | None = None,
        notices: list[str] | None = None,
        status: int = 200,
    ) -> HTMLResponse:
        errors = errors or {}
        draft = state.draft
        questions = applicable(section, draft)
        fields = [
            build_field(q, draft, form if errors else None, errors.get(q.path)) for q in questions
        ]
        position = next((i for i, s in enumerate(self.sections) if s.id == section.id), 0)
        previous = self.sections[position - 1].id if position > 0 else None
        following = (
            self.sections[position + 1].id if position + 1 < len(self.sections) else RESULT_TARGET
        )
        rows = progress(self.sections, draft)
        answered = sum(row[1] for row in rows)
        total = sum(row[2] for row in rows)
        audit_values = (
            {name: form.get(name) or "" for name in AUDIT_FIELDS}
            if errors and form is not None
            else {f"audit.{key}": str(value) for key, value in draft.audit.items()}
        )
        return self.page(
            request,
            "section.html",
            status,
            state=state,
            section=section,
            fields=fields,
            errors=error_rows(fields, errors),
            notices=notices or [],
            rows=rows,
            phases=len(self.phases),
            previous=previous,
            following=following,
            answered=answered,
            total=total,
            company=draft.name or "",
            is_company=section.id == COMPANY_SECTION,
            audit_values=audit_values,
            audit_errors={k: v for k, v in errors.items() if k.startswith("audit.")},
        )

    def take_section(
        self, state: AuditState, section: Section, form: FormData
    ) -> tuple[AuditState, dict[str, str], list[str]]:
        """The state with the page's answers, the errors, and notices for the next page."""
        shown = applicable(section, state.draft)
        submission = read_section(section, shown, form)
        if submission.errors:
            return state, submission.errors, []
        draft = apply(state.draft, submission)
        notices: list[str] = []
        if section.id == COMPANY_SECTION:
            scoped = out_of_scope(draft, self.sections)
            dropped = _answer_count(draft) - _answer_count(scoped)
            if dropped:
                notices.append(
                    f"{dropped} Antworten gehören nicht mehr zu den Kanälen oder der Branche "
                    "des Unternehmens und wurden entfernt."
                )
            draft = scoped
        shown_paths = {q.path for q in shown}
        added = [
            q
            for q in applicable(section, draft)
            if q.path not in shown_paths and not draft.is_answered(q.path)
        ]
        if added and section.id != COMPANY_SECTION:
            notices.append(
                f"Durch Ihre Antworten kommen in diesem Abschnitt {len(added)} weitere "
                "Fragen hinzu; sie stehen jetzt mit auf dieser Seite."
            )
        return state.model_copy(update={"draft": draft}), {}, notices

    async def remember(self, state: AuditState) -> AuditState:
        """With a data directory: the state saved there (and given an id); else as it is."""
        if self.store is None or not state.draft.company_complete:
            return state
        store = self.store
        audit_id = state.audit_id or store.new_id()
        content = profile_toml(state, self.sections, self.engine.catalog)
        await run_in_threadpool(store.save, audit_id, content)
        return state.model_copy(update={"audit_id": audit_id})

    # ------------------------------------------------------------------ result

    def result_page(
        self,
        request: Request,
        state: AuditState,
        result: AuditResult,
        notices: list[str] | None = None,
    ) -> HTMLResponse:
        view = report_view(result, "de", "owner")
        return self.page(
            request,
            "result.html",
            state=state,
            view=view,
            result=result,
            t=view.t,
            num=view.num,
            rows=progress(self.sections, state.draft),
            pdf_available=_pdf_available(),
            notices=notices or [],
            company=result.company.name,
        )

    async def audited(self, state: AuditState) -> AuditResult:
        try:
            return await run_in_threadpool(audit_state, self.engine, state, self.sections)
        except KundenkompassError as error:
            raise PageError(
                422,
                "Das Audit ließ sich nicht erstellen",
                printable(str(error)),
            ) from None


#: Names of the fields outside the questionnaire, for the error summary.
EXTRA_LABELS = {
    "audit.date": "Datum des Audits",
    "audit.advisor": "Beraterin oder Berater",
    "audit.organisation": "Organisation",
    "website": "Adresse der Website",
}


def error_rows(fields: list[Field], errors: dict[str, str]) -> list[tuple[str, str, str]]:
    """(anchor, label, message) of each error, in the order of the page."""
    by_name = {field.name: field for field in fields}
    rows = []
    for path, message in errors.items():
        field = by_name.get(path)
        if field is not None:
            rows.append((field.anchor, field.label, message))
        else:
            rows.append(("f-" + path.replace(".", "-"), EXTRA_LABELS.get(path, path), message))
    return rows


def _answer_count(draft: ProfileDraft) -> int:
    return len(draft.answers) + len(draft.facts)


def _too_large(limit: int) -> PageError:
    return PageError(
        413,
        "Zu große Anfrage",
        f"Die Anfrage ist größer als erlaubt (höchstens {limit:,} Bytes).".replace(",", "."),
    )


def _pdf_available() -> bool:
    from kundenkompass.render.pdf import chromium_path

    try:
        import playwright  # noqa: F401
    except ImportError:
        return False
    return chromium_path() is not None


# ------------------------------------------------------------------------ mounting


def mount_web(app: FastAPI, engine: Engine, settings: WebSettings | None = None) -> WebApp:
    """Add the web app's pages to ``app`` (the JSON API keeps its routes)."""
    settings = settings or WebSettings()
    web = WebApp(engine, settings)
    app.state.web = web

    # Inside the guard below: the route reads the counted body in its own task.
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes, paths=POST_PATHS)

    @app.middleware("http")
    async def guard(request: Request, call_next: Any) -> Response:
        path = request.url.path
        is_web = path in WEB_PATHS
        if is_web and settings.allowed_hosts is not None:
            host = host_name(request.headers.get("host", ""))
            if host not in settings.allowed_hosts:
                return _plain_page(
                    400,
                    "Unbekannter Hostname",
                    "Der Dienst läuft nur für diesen Rechner; öffnen Sie ihn über "
                    "http://127.0.0.1 oder http://localhost.",
                )
        if web.login.required and path not in OPEN_PATHS:
            signed_in = web.login.cookie_valid(request.cookies.get(LOGIN_COOKIE))
            if not signed_in and not web.login.bearer_valid(request.headers.get("authorization")):
                if is_web and request.method == "GET":
                    return RedirectResponse("/anmelden", status_code=303)
                if is_web:
                    return _plain_page(
                        401,
                        "Anmeldung nötig",
                        "Bitte melden Sie sich zuerst an: /anmelden",
                    )
                return JSONResponse(
                    {
                        "type": "about:blank",
                        "title": "Unauthorized",
                        "status": 401,
                        "detail": "send the access token: Authorization: Bearer <token>",
                    },
                    status_code=401,
                    media_type="application/problem+json",
                    headers={"WWW-Authenticate": "Bearer"},
                )
        response: Response = await call_next(request)
        if is_web or path == "/anmelden":
            for name, value in PAGE_HEADERS.items():
                response.headers.setdefault(name, value)
        return response

    async def guarded(request: Request, handler: Any) -> Response:
        try:
            response: Response = await handler()
            return response
        except PageError as error:
            return web.error_page(request, error)

    @app.get("/", include_in_schema=False)
    async def start_page(request: Request) -> Response:
        return web.page(request, "start.html", **_start_context(web, ProfileDraft()))

    @app.post("/gespeichert", include_in_schema=False)
    async def stored(request: Request) -> Response:
        async def handle() -> Response:
            form = await web.form(request)
            store = web.store
            if store is None:
                raise PageError(404, "Nicht verfügbar", "Dieser Dienst speichert keine Audits.")
            audit_id = str(form.get("id") or "")
            if form.get("aktion") == "loeschen":
                found = next((a for a in store.listing() if a.id == audit_id), None)
                if found is None:
                    raise PageError(
                        404, "Audit nicht gefunden", "Dieses Audit gibt es nicht (mehr)."
                    )
                return web.page(request, "confirm.html", name=found.name, audit_id=found.id)
            if form.get("aktion") == "endgueltig":
                deleted = await run_in_threadpool(store.delete, audit_id)
                context = _start_context(web, ProfileDraft())
                context["notices"] = (
                    ["Das Audit wurde auf dem Server gelöscht."]
                    if deleted
                    else ["Dieses Audit gibt es nicht (mehr)."]
                )
                return web.page(request, "start.html", **context)
            raw = await run_in_threadpool(store.read, audit_id)
            if raw is None:
                raise PageError(404, "Audit nicht gefunden", "Dieses Audit gibt es nicht (mehr).")
            try:
                state, _ = await run_in_threadpool(
                    state_from_upload, web.engine, web.sections, raw, SOURCE
                )
            except KundenkompassError as error:
                raise PageError(422, "Audit nicht lesbar", printable(str(error))) from None
            state = state.model_copy(update={"audit_id": audit_id})
            return web.section_page(request, state, web.phases[0])

        return await guarded(request, handle)

    @app.get("/static/web.css", include_in_schema=False)
    async def stylesheet() -> Response:
        return Response(
            _stylesheet(),
            media_type="text/css",
            headers={"Cache-Control": "public, max-age=3600"},
        )

    for path in POST_PATHS - {"/anmelden"}:
        # A reloaded or bookmarked step without its form goes back to the start.
        app.add_api_route(
            path,
            _to_start,
            methods=["GET"],
            include_in_schema=False,
        )

    @app.post("/start", include_in_schema=False)
    async def start(request: Request) -> Response:
        async def handle() -> Response:
            form = await web.form(request)
            company = web.by_id[COMPANY_SECTION]
            state, errors, notices = web.take_section(AuditState(), company, form)
            url = str(form.get("website") or "").strip()
            if errors or (url and len(url) > 2000):
                if url and len(url) > 2000:
                    errors["website"] = "Die Adresse ist zu lang."
                context = _start_context(web, state.draft, form=form, errors=errors)
                return web.page(request, "start.html", 422, **context)
            if url:
                try:
                    state, found = await run_in_threadpool(_collected, web, state, url)
                except (KundenkompassError, PageError) as error:
                    message = error.message if isinstance(error, PageError) else str(error)
                    errors = {"website": printable(message)}
                    context = _start_context(web, state.draft, form=form, errors=errors)
                    return web.page(request, "start.html", 422, **context)
                notices += found
            state = await web.remember(state)
            return web.section_page(request, state, web.phases[0], notices=notices)

        return await guarded(request, handle)

    @app.post("/laden", include_in_schema=False)
    async def load(request: Request) -> Response:
        async def handle() -> Response:
            form = await web.form(request)
            raw, name = await web.upload(form)
            try:
                state, kind = await run_in_threadpool(
                    state_from_upload, web.engine, web.sections, raw, name
                )
            except KundenkompassError as error:
                context = _start_context(
                    web, ProfileDraft(), upload_error=printable(str(error))[:1000]
                )
                return web.page(request, "start.html", 422, **context)
            state = await web.remember(state)
            notices = [
                f"„{name}“ geladen: ein gespeichertes Profil."
                if kind == "profil"
                else f"„{name}“ geladen: die Antworten eines gespeicherten Ergebnisses "
                "(eigene Schwellenwerte des damaligen Profils sind darin nicht enthalten)."
            ]
            if form.get("ziel") == RESULT_TARGET:
                return web.result_page(request, state, await web.audited(state), notices)
            return web.section_page(request, state, web.phases[0], notices=notices)

        return await guarded(request, handle)

    @app.post("/fragen", include_in_schema=False)
    async def questions(request: Request) -> Response:
        async def handle() -> Response:
            form = await web.form(request)
            state = web.state_of(form)
            current = web.by_id.get(str(form.get("abschnitt") or ""))
            target = str(form.get("ziel") or "")
            notices: list[str] = []
            if current is not None:
                state, errors, notices = web.take_section(state, current, form)
                if errors:
                    return web.section_page(
                        request, state, current, form=form, errors=errors, status=422
                    )
                state = await web.remember(state)
                if any("weitere Fragen" in notice for notice in notices):
                    return web.section_page(request, state, current, notices=notices)
            if target == RESULT_TARGET:
                if not state.draft.company_complete:
                    company = web.by_id[COMPANY_SECTION]
                    return web.section_page(
                        request,
                        state,
                        company,
                        notices=["Bitte zuerst Name und Kanäle des Unternehmens angeben."],
                    )
                return web.result_page(request, state, await web.audited(state), notices)
            section = web.by_id.get(target)
            if section is None:
                raise PageError(400, "Unbekannter Abschnitt", "Diesen Abschnitt gibt es nicht.")
            return web.section_page(request, state, section, notices=notices)

        return await guarded(request, handle)

    @app.post("/datei", include_in_schema=False)
    async def download(request: Request) -> Response:
        async def handle() -> Response:
            form = await web.form(request)
            state = web.state_of(form)
            kind = str(form.get("art") or "")
            stem = file_stem(state.draft.name or "")
            if kind == "profil":
                try:
                    content, _ = load_state_profile(web.engine, state, web.sections)
                except KundenkompassError as error:
                    raise PageError(422, "Profil unvollständig", printable(str(error))) from None
                return _attachment(
                    content.encode("utf-8"), f"{stem}-profil.toml", "application/toml"
                )
            result = await web.audited(state)
            if kind == "ergebnis":
                return _attachment(
                    result.to_json().encode("utf-8"), f"{stem}-ergebnis.json", "application/json"
                )
            if kind in ("bericht", "arbeitsblatt"):
                audience: Audience = "owner" if kind == "bericht" else "advisor"
                html = render_html(result, "de", audience)
                return _attachment(
                    html.encode("utf-8"), f"{stem}-{kind}.html", "text/html; charset=utf-8"
                )
            if kind == "pdf":
                from kundenkompass.render.report import render_pdf

                try:
                    pdf = await run_in_threadpool(render_pdf, result, "de", "owner")
                except (MissingDependencyError, KundenkompassError):
                    raise PageError(
                        503,
                        "PDF nicht verfügbar",
                        "Für den PDF-Bericht braucht der Dienst Chromium (Debian: apt install "
                        "chromium) und das Extra „pdf“ (pip install 'kundenkompass[pdf]'). "
                        "Der Bericht als HTML-Datei lässt sich im Browser drucken.",
                    ) from None
                return _attachment(pdf, f"{stem}-bericht.pdf", "application/pdf")
            raise PageError(400, "Unbekannte Datei", "Diese Datei gibt es nicht zum Herunterladen.")

        return await guarded(request, handle)

    @app.post("/bericht", include_in_schema=False)
    async def report(request: Request) -> Response:
        async def handle() -> Response:
            form = await web.form(request)
            state = web.state_of(form)
            audience: Audience = "advisor" if form.get("sicht") == "arbeitsblatt" else "owner"
            result = await web.audited(state)
            html = render_html(result, "de", audience)
            return HTMLResponse(
                html, headers={**PAGE_HEADERS, "Content-Security-Policy": REPORT_SECURITY_POLICY}
            )

        return await guarded(request, handle)

    @app.post("/vergleich", include_in_schema=False)
    async def comparison(request: Request) -> Response:
        async def handle() -> Response:
            form = await web.form(request)
            state = web.state_of(form)
            raw, name = await web.upload(form)
            result = await web.audited(state)
            try:
                earlier = parse_result(raw, name)
                diff = compare(earlier, result, name, "dieses Audit", web.names)
            except KundenkompassError as error:
                return web.result_page(
                    request, state, result, [f"Vergleich nicht möglich: {printable(str(error))}"]
                )
            return web.page(
                request,
                "compare.html",
                state=state,
                diff=diff,
                before_name=name,
                company=result.company.name,
                t=lambda key, **values: text(key, "de", **values),
                num=number,
                sgn=signed,
            )

        return await guarded(request, handle)

    @app.get("/anmelden", include_in_schema=False)
    async def login_page(request: Request) -> Response:
        return web.page(request, "login.html", error=None)

    @app.post("/anmelden", include_in_schema=False)
    async def sign_in(request: Request) -> Response:
        async def handle() -> Response:
            form = await web.form(request)
            offered = form.get("token")
            if not isinstance(offered, str) or not web.login.token_matches(offered):
                return web.page(request, "login.html", 401, error="Das Zugangstoken stimmt nicht.")
            response = RedirectResponse("/", status_code=303)
            response.set_cookie(
                LOGIN_COOKIE,
                web.login.cookie_value(),
                max_age=LOGIN_SECONDS,
                httponly=True,
                samesite="strict",
                secure=request.url.scheme == "https",
                path="/",
            )
            return response

        return await guarded(request, handle)

    @app.post("/abmelden", include_in_schema=False)
    async def sign_out(request: Request) -> Response:
        async def handle() -> Response:
            await web.form(request)
            response = RedirectResponse("/anmelden", status_code=303)
            response.delete_cookie(LOGIN_COOKIE, path="/")
            return response

        return await guarded(request, handle)

    return web


async def _to_start() -> Response:
    return RedirectResponse("/", status_code=303)


def _start_context(
    web: WebApp,
    draft: ProfileDraft,
    *,
    form: FormData | None = None,
    errors: dict[str, str] | None = None,
    upload_error: str | None = None,
) -> dict[str, Any]:
    errors = errors or {}
    company = web.by_id[COMPANY_SECTION]
    fields = [
        build_field(q, draft, form if errors else None, errors.get(q.path))
        for q in company.questions
    ]
    audit_values = {
        name: str((form.get(name) if form is not None else "") or "") for name in AUDIT_FIELDS
    }
    website = str(form.get("website") or "") if form is not None else ""
    return {
        "fields": fields,
        "errors": error_rows(fields, errors),
        "audit_values": audit_values,
        "audit_errors": {k: v for k, v in errors.items() if k.startswith("audit.")},
        "website": website,
        "upload_error": upload_error,
        "company": "",
        "stored": web.store.listing() if web.store is not None else [],
        "notices": [],
    }


def _collected(web: WebApp, state: AuditState, url: str) -> tuple[AuditState, list[str]]:
    """The state pre-filled from the website at ``url`` (the advisor's answers win)."""
    try:
        from kundenkompass.tools.collect import collect_profile
    except ImportError as error:
        raise PageError(
            503,
            "Website-Prüfung nicht verfügbar",
            "Die Website-Prüfung braucht das Extra „collect“: pip install "
            f"'kundenkompass[collect]' ({error.name} fehlt).",
        ) from None
    if not url.lower().startswith(("http://", "https://")):
        url = "https://" + url
    if not web.settings.allow_private_sites and not public_site(url):
        raise PageError(
            400,
            "Adresse nicht erlaubt",
            "Diese Adresse gehört zu einem internen Netz; geprüft werden nur öffentliche Websites.",
        )
    base, _ = load_state_profile(web.engine, state, web.sections)
    collected = collect_profile(url, web.engine.catalog, base_text=base, base_source=SOURCE)
    profile = web.engine.load_profile(collected.text, source=SOURCE)
    merged = state_from_profile(profile)
    notices = [
        f"Website geprüft: {len(collected.findings)} Angaben übernommen oder als Beleg "
        "vermerkt. Bitte prüfen Sie sie in den Fragen."
    ]
    for item in collected.contradictions:
        notices.append(
            printable(
                f"Widerspruch bei {item.key}: Ihre Angabe {item.profile_value!r}, die Website "
                f"zeigt {item.website_value!r} ({item.url})."
            )
        )
    return merged, notices


def _attachment(content: bytes, name: str, media_type: str) -> Response:
    return Response(
        content,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            **PAGE_HEADERS,
        },
    )


def _plain_page(status: int, title: str, message: str) -> HTMLResponse:
    html = _environment().get_template("plain.html").render(title=title, message=message)
    return HTMLResponse(html, status_code=status, headers=PAGE_HEADERS)
