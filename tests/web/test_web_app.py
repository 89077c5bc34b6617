"""The web app at / over HTTP: the flow, uploads and downloads, and what keeps it safe.

The app runs in-process (Starlette's TestClient); the real browser test is test_browser_flow.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("multipart")
pytest.importorskip("itsdangerous")

from fastapi.testclient import TestClient
from kundenkompass.tools.server import create_app
from kundenkompass.tools.web import SettingsError, WebSettings, for_bind_address

from ..conftest import ROOT, run_cli
from .helpers import answer_all, heading, hidden_fields, question_names

RADHAUS = ROOT / "examples" / "radhaus.toml"
BASE = "http://127.0.0.1:8000"
PHASES = ["bedarfsentstehung", "informationssuche", "produktwahl", "kauf", "bindung"]
TOKEN = "ein-langes-zugangstoken-fuer-tests"


@pytest.fixture(scope="module")
def app(engine):
    return create_app(engine, web=WebSettings(max_body_bytes=400_000))


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    with TestClient(app, base_url=BASE) as session:
        yield session


def start(client: TestClient, **fields) -> str:
    page = client.get("/").text
    data = {
        **hidden_fields(page),
        "company.name": "Radhaus Test",
        "company.sector": "fahrradhandel",
        "company.channels": ["laden", "onlineshop"],
        **fields,
    }
    response = client.post("/start", data=data)
    assert response.status_code == 200, response.text
    return response.text


def submit(client: TestClient, page: str, target: str, answers: dict | None = None, **extra):
    data = {**hidden_fields(page), **(answers or {}), "ziel": target, **extra}
    return client.post("/fragen", data=data)


# ------------------------------------------------------------------------ the pages


def test_start_page_is_german_accessible_and_locked_down(client):
    response = client.get("/")
    assert response.status_code == 200
    page = response.text
    assert '<html lang="de">' in page
    assert 'href="#inhalt"' in page and 'id="inhalt"' in page
    assert "<script" not in page
    csp = response.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "samesite=strict" in response.headers["set-cookie"].lower()
    # every input has a label
    for field_id in re.findall(r'<input type="(?:text|url|date|file)" id="([^"]+)"', page):
        assert f'for="{field_id}"' in page, field_id
    assert client.get("/static/web.css").headers["content-type"].startswith("text/css")


def test_web_pages_stay_out_of_the_api_description(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert "/audits" in paths
    assert not {"/", "/start", "/fragen", "/datei", "/anmelden"} & set(paths)


def test_a_whole_audit_with_unknowns_and_a_note(client, engine, tmp_path):
    page = start(client)
    assert heading(page) == "Bedarfsentstehung"
    assert "Phase 1 von 5" in page
    seen = []
    for number, phase in enumerate(PHASES):
        assert hidden_fields(page)["abschnitt"] == phase
        names = question_names(page)
        answers = answer_all(page)
        # the first question of every phase stays open: "weiß nicht"
        answers[names[0]] = ""
        if number == 0:
            answers["notiz:" + names[1]] = "Inhaberin fragt Stammkunden gelegentlich."
        seen += names
        target = PHASES[number + 1] if number + 1 < len(PHASES) else "ergebnis"
        response = submit(client, page, target, answers)
        assert response.status_code == 200, response.text
        page = response.text
    assert heading(page) == "Ergebnis für Radhaus Test"
    assert "Der ganze Plan" in page
    state = hidden_fields(page)

    profile = client.post("/datei", data={**state, "art": "profil"})
    assert profile.status_code == 200
    assert "radhaus-test-profil.toml" in profile.headers["content-disposition"]
    assert "Inhaberin fragt Stammkunden gelegentlich." in profile.text
    result = client.post("/datei", data={**state, "art": "ergebnis"})
    assert result.headers["content-type"].startswith("application/json")

    # the downloaded profile audits to exactly the app's result
    path = tmp_path / "profil.toml"
    path.write_bytes(profile.content)
    assert engine.audit(path).to_json() == result.text
    data = json.loads(result.text)
    answers = {i["item"]: i for p in data["phases"] for i in p["checklist"]}
    assert answers[seen[1].split(".", 1)[1]]["note"] == "Inhaberin fragt Stammkunden gelegentlich."
    assert answers[seen[0].split(".", 1)[1]]["answer"] is None

    # uploading the profile again gives the same result
    fresh = client.get("/")
    uploaded = client.post(
        "/laden",
        data={**hidden_fields(fresh.text), "ziel": "ergebnis"},
        files={"datei": ("profil.toml", profile.content, "application/toml")},
    )
    assert heading(uploaded.text) == "Ergebnis für Radhaus Test"
    again = client.post("/datei", data={**hidden_fields(uploaded.text), "art": "ergebnis"})
    assert again.text == result.text

    # reports: the owner's report and the worksheet, inline and as files
    owner = client.post("/bericht", data={**state, "sicht": "bericht"})
    assert owner.status_code == 200 and "Radhaus Test" in owner.text
    assert "style-src 'unsafe-inline'" in owner.headers["content-security-policy"]
    worksheet = client.post("/datei", data={**state, "art": "arbeitsblatt"})
    assert "attachment" in worksheet.headers["content-disposition"]
    assert worksheet.text.startswith("<!DOCTYPE html>")


def test_an_uploaded_result_continues_the_audit(client, engine):
    result = engine.audit(RADHAUS).to_json()
    page = client.get("/").text
    response = client.post(
        "/laden",
        data={**hidden_fields(page), "ziel": "ergebnis"},
        files={"datei": ("radhaus.json", result.encode(), "application/json")},
    )
    assert response.status_code == 200
    assert "eines gespeicherten Ergebnisses" in response.text
    again = client.post("/datei", data={**hidden_fields(response.text), "art": "ergebnis"})
    assert json.loads(again.text)["recommendations"] == json.loads(result)["recommendations"]


def test_the_result_page_names_answers_without_measure(client, engine):
    result = engine.audit(ROOT / "examples" / "moebelwerkstatt.toml")
    assert len(result.answers_without_measure) == 1
    page = client.get("/").text
    response = client.post(
        "/laden",
        data={**hidden_fields(page), "ziel": "ergebnis"},
        files={"datei": ("moebel.json", result.to_json().encode(), "application/json")},
    )
    assert response.status_code == 200
    assert (
        "Einen mit „nein“ oder „teilweise“ beantworteten Punkt greift der Plan nicht auf; das "
        "Arbeitsblatt nennt ihn unter „Antworten ohne Maßnahme“" in response.text
    )
    radhaus = engine.audit(RADHAUS)
    assert radhaus.answers_without_measure == []
    response = client.post(
        "/laden",
        data={**hidden_fields(page), "ziel": "ergebnis"},
        files={"datei": ("radhaus.json", radhaus.to_json().encode(), "application/json")},
    )
    assert "Antworten ohne Maßnahme" not in response.text


def test_questions_follow_the_answers(client):
    page = submit(client, start(client), "informationssuche").text
    assert "answers.website_modern" in question_names(page)
    answers = answer_all(page)
    answers["answers.eigene_website"] = "nein"
    answers.pop("answers.website_modern")
    after = submit(client, page, "informationssuche", answers).text
    assert "answers.website_modern" not in question_names(after)
    # answering "ja" brings the follow-up question back on the same page
    answers = answer_all(after)
    answers["answers.eigene_website"] = "ja"
    back = submit(client, after, "produktwahl", answers).text
    assert heading(back) == "Informationssuche"
    assert "weitere Fragen" in back
    assert "answers.website_modern" in question_names(back)


def test_channels_decide_which_questions_are_asked(client):
    page = start(client, **{"company.channels": ["laden"]})
    kauf = submit(client, page, "kauf").text
    assert "answers.onlineshop_responsiv" not in question_names(kauf)
    page = start(client, **{"company.channels": ["onlineshop"]})
    kauf = submit(client, page, "kauf").text
    assert "answers.onlineshop_responsiv" in question_names(kauf)


def test_wrong_input_is_shown_with_an_error_summary(client):
    page = submit(client, start(client), "kauf").text
    numbers = [
        n for n in question_names(page) if 'inputmode="' in page.split(f'name="{n}"')[1][:120]
    ]
    assert numbers, "the Kauf phase asks for a number"
    response = submit(client, page, "bindung", {numbers[0]: "viele"})
    assert response.status_code == 422
    assert 'class="fehlerliste"' in response.text and 'role="alert"' in response.text
    assert 'aria-invalid="true"' in response.text
    assert 'value="viele"' in response.text  # what was typed is kept
    assert heading(response.text) == "Kauf"


def test_the_company_needs_a_name_and_a_channel(client):
    page = client.get("/").text
    response = client.post("/start", data={**hidden_fields(page), "company.name": " "})
    assert response.status_code == 422
    assert response.text.count("<li><a href=") == 2
    assert "Pflicht" in response.text


def test_comparing_with_an_earlier_result(client, engine):
    earlier = engine.audit(RADHAUS)
    page = client.get("/").text
    loaded = client.post(
        "/laden",
        data=hidden_fields(page),
        files={"datei": ("radhaus.toml", RADHAUS.read_bytes(), "application/toml")},
    ).text
    answers = answer_all(loaded, lambda name, kind, offered: "ja" if "ja" in offered else None)
    result = submit(client, loaded, "ergebnis", answers).text
    compared = client.post(
        "/vergleich",
        data=hidden_fields(result),
        files={"datei": ("frueher.json", earlier.to_json().encode(), "application/json")},
    )
    assert compared.status_code == 200
    assert heading(compared.text).startswith("Fortschritt zwischen zwei Audits")
    assert "Erledigt" in compared.text


def test_pdf_without_chromium_says_so_in_german(client, monkeypatch):
    from kundenkompass.tools.web import app as web_app

    monkeypatch.setattr(web_app, "_pdf_available", lambda: False)
    result = submit(client, start(client), "ergebnis").text
    assert "PDF nicht verfügbar" in result
    assert 'value="pdf"' not in result


def test_uploads_that_are_not_profiles_are_refused_in_german(client):
    page = client.get("/").text
    response = client.post(
        "/laden",
        data=hidden_fields(page),
        files={"datei": ("x.toml", b"[company\nname = 1", "application/toml")},
    )
    assert response.status_code == 422
    assert "ließ sich nicht laden" in response.text
    empty = client.post(
        "/laden", data=hidden_fields(page), files={"datei": ("x.toml", b"", "text/plain")}
    )
    assert empty.status_code == 400 and "leer" in empty.text


def test_a_step_without_its_form_goes_back_to_the_start(client):
    response = client.get("/fragen", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/"


# ------------------------------------------------------------------------ safety


def test_posts_need_the_csrf_token(client):
    page = start(client)
    fields = hidden_fields(page)
    without = client.post("/fragen", data={**fields, "csrf": "", "ziel": "kauf"})
    assert without.status_code == 403
    assert "Sicherheitsprüfung" in without.text
    client.cookies.clear()
    no_cookie = client.post("/fragen", data={**fields, "ziel": "kauf"})
    assert no_cookie.status_code == 403


def test_cross_site_posts_are_refused(client):
    page = start(client)
    response = client.post(
        "/fragen",
        data={**hidden_fields(page), "ziel": "kauf"},
        headers={"Origin": "https://angreifer.example"},
    )
    assert response.status_code == 403
    assert "anderen Website" in response.text


@pytest.mark.parametrize(
    ("change", "status", "fragment"),
    [
        (lambda s: s[:-3] + ("AAA" if not s.endswith("AAA") else "BBB"), 400, "verändert"),
        (lambda s: "x" + s, 400, "verändert"),
        (lambda s: "", 400, "fehlt"),
        (lambda s: "A" * 300_000, 413, "zu groß"),
    ],
    ids=["signature", "payload", "missing", "oversized"],
)
def test_a_changed_state_is_a_german_4xx_page(app, change, status, fragment):
    # The app's body limit (400 kB) lets the oversized state reach the state's own limit.
    with TestClient(app, base_url=BASE) as client:
        page = start(client)
        fields = hidden_fields(page)
        fields["zustand"] = change(fields["zustand"])
        response = client.post("/fragen", data={**fields, "ziel": "kauf"})
    assert response.status_code == status
    assert fragment in response.text
    assert '<html lang="de">' in response.text


def test_a_state_signed_by_another_server_start_is_refused(engine, client):
    page = start(client)
    other = create_app(engine, web=WebSettings())
    with TestClient(other, base_url=BASE) as second:
        fresh = second.get("/").text
        fields = {**hidden_fields(page), "csrf": hidden_fields(fresh)["csrf"]}
        response = second.post("/fragen", data={**fields, "ziel": "kauf"})
    assert response.status_code == 400
    assert "Profildatei hoch" in response.text


def test_oversized_bodies_are_refused(client):
    page = client.get("/").text
    big = {**hidden_fields(page), "company.name": "x" * 500_000}
    response = client.post("/start", data=big)
    assert response.status_code == 413
    assert "Zu große Anfrage" in response.text

    def chunks():
        yield b"csrf=" + hidden_fields(page)["csrf"].encode() + b"&a="
        for _ in range(60):
            yield b"x" * 10_000

    streamed = client.post(
        "/start",
        content=chunks(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert streamed.status_code == 413


def test_only_forms_are_accepted(client):
    page = client.get("/").text
    response = client.post(
        "/fragen",
        content=json.dumps(hidden_fields(page)),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 415


# ------------------------------------------------------------------- exposing it


def test_another_address_needs_a_token():
    with pytest.raises(SettingsError, match="Zugangstoken"):
        for_bind_address("0.0.0.0", token=None, secret=None, max_body_bytes=1000)
    with pytest.raises(SettingsError, match="zu kurz"):
        for_bind_address("0.0.0.0", token="kurz", secret=None, max_body_bytes=1000)
    loopback = for_bind_address("127.0.0.1", token=None, secret=None, max_body_bytes=1000)
    assert loopback.token is None and loopback.allowed_hosts
    exposed = for_bind_address("0.0.0.0", token=TOKEN, secret=None, max_body_bytes=1000)
    assert not exposed.allow_private_sites


def test_serve_refuses_to_start_exposed_without_a_token():
    result = run_cli("serve", "--host", "0.0.0.0", "--port", "0")
    assert result.returncode == 2
    assert "Zugangstoken" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.fixture
def exposed(engine) -> Iterator[TestClient]:
    settings = for_bind_address("0.0.0.0", token=TOKEN, secret=None, max_body_bytes=256 * 1024)
    with TestClient(create_app(engine, web=settings), base_url="http://kompass.example") as client:
        yield client


def test_with_a_token_browsers_sign_in(exposed):
    response = exposed.get("/", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/anmelden"
    login = exposed.get("/anmelden").text
    wrong = exposed.post("/anmelden", data={**hidden_fields(login), "token": "falsch"})
    assert wrong.status_code == 401 and "stimmt nicht" in wrong.text
    right = exposed.post(
        "/anmelden", data={**hidden_fields(login), "token": TOKEN}, follow_redirects=False
    )
    assert right.status_code == 303
    assert "httponly" in right.headers["set-cookie"].lower()
    home = exposed.get("/")
    assert home.status_code == 200 and "Abmelden" in home.text
    out = exposed.post("/abmelden", data=hidden_fields(home.text), follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/anmelden"
    assert exposed.get("/", follow_redirects=False).status_code == 303


def test_with_a_token_programs_send_it(exposed):
    body = RADHAUS.read_bytes()
    headers = {"Content-Type": "application/toml"}
    refused = exposed.post("/audits", content=body, headers=headers)
    assert refused.status_code == 401
    assert refused.headers["content-type"] == "application/problem+json"
    accepted = exposed.post(
        "/audits", content=body, headers={**headers, "Authorization": f"Bearer {TOKEN}"}
    )
    assert accepted.status_code == 200
    assert exposed.get("/health").status_code == 200


def test_on_loopback_other_host_names_are_refused(engine):
    settings = for_bind_address("127.0.0.1", token=None, secret=None, max_body_bytes=1000)
    with TestClient(create_app(engine, web=settings), base_url="http://rebinding.example") as c:
        response = c.get("/")
    assert response.status_code == 400
    assert "127.0.0.1" in response.text


def test_an_exposed_app_checks_only_public_websites(exposed):
    login = exposed.get("/anmelden").text
    exposed.post("/anmelden", data={**hidden_fields(login), "token": TOKEN})
    page = exposed.get("/").text
    response = exposed.post(
        "/start",
        data={
            **hidden_fields(page),
            "company.name": "Radhaus",
            "company.channels": "laden",
            "website": "http://127.0.0.1:9/",
        },
    )
    assert response.status_code == 422
    assert "internen Netz" in response.text


def test_website_check_prefills_and_keeps_the_evidence(client, engine, tmp_path):
    pytest.importorskip("selectolax")
    from ..collect.sites import STORE_JSONLD, serve

    with serve(STORE_JSONLD) as site:
        page = start(client, website=site.base + "/")
    assert "Website geprüft" in page
    profile = client.post("/datei", data={**hidden_fields(page), "art": "profil"}).text
    assert "[[website_evidence]]" in profile
    result = client.post("/datei", data={**hidden_fields(page), "art": "ergebnis"}).text
    assert json.loads(result)["website_check"], "the result compares with the website"
    path = tmp_path / "profil.toml"
    path.write_text(profile, encoding="utf-8")
    assert engine.audit(path).to_json() == result


def test_an_unreachable_website_is_named_on_the_start_page(client):
    page = client.get("/").text
    response = client.post(
        "/start",
        data={
            **hidden_fields(page),
            "company.name": "Radhaus",
            "company.channels": "laden",
            "website": "http://127.0.0.1:9/",
        },
    )
    assert response.status_code == 422
    assert "Adresse der Website" in response.text
    assert 'value="Radhaus"' in response.text


def test_without_a_data_directory_nothing_is_written(client, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    page = start(client)
    submit(client, page, "ergebnis", answer_all(page))
    assert list(tmp_path.iterdir()) == []
    assert "nicht gespeichert" in page


def test_with_a_data_directory_audits_are_kept(engine, tmp_path):
    settings = WebSettings(max_body_bytes=400_000, data_dir=tmp_path)
    with TestClient(create_app(engine, web=settings), base_url=BASE) as client:
        page = start(client)
        answers = answer_all(page)
        submit(client, page, "informationssuche", answers)
        files = list(tmp_path.glob("*.toml"))
        assert len(files) == 1
        assert 'name = "Radhaus Test"' in files[0].read_text("utf-8")
        listing = client.get("/").text
        assert "Radhaus Test" in listing and "im Datenverzeichnis gespeichert" in listing
        audit_id = files[0].stem
        fields = hidden_fields(listing)
        opened = client.post("/gespeichert", data={**fields, "id": audit_id, "aktion": "oeffnen"})
        assert heading(opened.text) == "Bedarfsentstehung"
        assert 'value="ja"' in opened.text and "checked" in opened.text
        # the same audit is saved again, not a second one
        submit(client, opened.text, "kauf", answer_all(opened.text))
        assert [p.stem for p in tmp_path.glob("*.toml")] == [audit_id]
        for wrong in ("../../etc/passwd", "0123", audit_id.upper()):
            refused = client.post("/gespeichert", data={**fields, "id": wrong})
            assert refused.status_code == 404, wrong
        asked = client.post("/gespeichert", data={**fields, "id": audit_id, "aktion": "loeschen"})
        assert "endgültig gelöscht" in asked.text
        assert len(list(tmp_path.glob("*.toml"))) == 1
        deleted = client.post(
            "/gespeichert", data={**fields, "id": audit_id, "aktion": "endgueltig"}
        )
        assert "wurde auf dem Server gelöscht" in deleted.text
        assert list(tmp_path.glob("*.toml")) == []
