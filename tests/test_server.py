"""The HTTP service, tested against a real `audit serve` process over loopback."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import pytest

httpx = pytest.importorskip("httpx")
pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")

from kundenkompass.engine import Engine  # noqa: E402
from kundenkompass.tools.listing import checklist_entries, fact_entries, measure_entries  # noqa: E402

from .conftest import ROOT, run_cli, write  # noqa: E402

RADHAUS = ROOT / "examples" / "radhaus.toml"
LIMIT = 64 * 1024


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def started(*options: str) -> Iterator[str]:
    """A real `audit serve` process on a free loopback port; yields its URL."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "kundenkompass", "serve", "--host", "127.0.0.1",
         "--port", str(port), "--log-level", "warning", *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail(f"server exited: {process.stdout.read() if process.stdout else ''}")
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("server did not start within 60 s")
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with started("--max-body-size", str(LIMIT)) as url:
        yield url


@pytest.fixture(scope="module")
def client(server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server, timeout=30) as session:
        yield session


def test_health_names_plugins_and_rules(client, engine):
    answer = client.get("/health")
    assert answer.status_code == 200
    health = answer.json()
    assert health["status"] == "ok"
    assert health["plugins"] == [info.name for info in engine.catalog.plugins]
    assert health["rules_fingerprint"] == engine.compiled.fingerprint


def test_toml_profile_gives_the_engines_json_byte_for_byte(client, engine):
    expected = engine.audit(RADHAUS).to_json()
    answer = client.post(
        "/audits",
        content=RADHAUS.read_bytes(),
        headers={"content-type": "application/toml"},
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/json"
    assert answer.text == expected


def test_json_profile_gives_the_same_result(client, engine):
    profile = {
        "company": {"name": "Mode Meier", "channels": ["laden", "onlineshop"]},
        "answers": {"google_business_profil": "nein", "eigene_website": "ja"},
    }
    answer = client.post("/audits", json=profile)
    assert answer.status_code == 200, answer.text
    assert answer.text == engine.audit(profile).to_json()


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/octet-stream"])
def test_a_body_of_no_declared_kind_is_refused_not_guessed(client, content_type):
    headers = {"content-type": content_type} if content_type else {}
    answer = client.post("/audits", content=RADHAUS.read_bytes(), headers=headers)
    assert answer.status_code == 415
    assert answer.headers["content-type"] == "application/problem+json"
    assert "application/json oder application/toml" in answer.json()["detail"]


def test_invalid_profile_is_422_with_the_cli_message(client, tmp_path):
    text = '[company]\nname = "X"\nchannels = ["laden"]\n[answers]\ngoogle_profil = "ja"\n'
    path = write(tmp_path, text)
    cli = run_cli("run", str(path))
    assert cli.returncode == 2
    cli_message = cli.stderr.strip().removeprefix(f"audit: Fehler: {path}")

    answer = client.post("/audits", content=text, headers={"content-type": "application/toml"})
    assert answer.status_code == 422
    problem = answer.json()
    assert problem["detail"] == f"request{cli_message}"
    assert problem["key_path"] == "answers.google_profil"
    assert 'meinten Sie "google_business_profil"' in problem["detail"]


def test_toml_syntax_error_names_line_and_column(client, tmp_path):
    text = '[company]\nname = "X"\nchannels = ["laden"\n'
    cli = run_cli("run", str(write(tmp_path, text)))
    answer = client.post("/audits", content=text, headers={"content-type": "text/toml"})
    assert answer.status_code == 422
    problem = answer.json()
    assert problem["line"] is not None and problem["column"] is not None
    assert problem["detail"].startswith(f"request:{problem['line']}:{problem['column']}: ")
    assert problem["detail"].split(": ", 1)[1] in cli.stderr


def test_json_errors_are_422(client):
    broken = client.post(
        "/audits", content=b'{"company": {', headers={"content-type": "application/json"}
    )
    assert broken.status_code == 422
    assert broken.json()["detail"].startswith("request:1:")
    wrong = client.post("/audits", json={"company": {"name": "X", "channels": ["kiosk"]}})
    assert wrong.status_code == 422
    assert wrong.json()["key_path"] == "company.channels[0]"
    assert client.post("/audits", json=["not", "a", "table"]).status_code == 422


def test_too_large_body_is_refused(client):
    answer = client.post(
        "/audits", content=b"#" * (LIMIT + 1), headers={"content-type": "application/toml"}
    )
    assert answer.status_code == 413
    assert str(LIMIT) in answer.json()["detail"]

    def chunks():  # no content-length: the limit is counted while reading
        for _ in range(LIMIT // 1024 + 2):
            yield b"#" * 1024

    streamed = client.post(
        "/audits", content=chunks(), headers={"content-type": "application/toml"}
    )
    assert streamed.status_code == 413


def test_unsupported_content_type_is_415(client):
    answer = client.post(
        "/audits", content=b"<profile/>", headers={"content-type": "application/xml"}
    )
    assert answer.status_code == 415


def test_listings_match_the_library(client, engine):
    assert client.get("/checklist").json() == checklist_entries(engine.catalog)
    assert client.get("/checklist", params={"phase": "kauf"}).json() == checklist_entries(
        engine.catalog, "kauf"
    )
    assert client.get("/measures").json() == measure_entries(engine.catalog)
    assert client.get("/facts").json() == json.loads(json.dumps(fact_entries(engine.catalog)))
    bad = client.get("/checklist", params={"phase": "kasse"})
    assert bad.status_code == 422
    assert bad.headers["content-type"] == "application/problem+json"
    assert bad.json()["key_path"] == "query.phase"


def test_openapi_document_describes_the_endpoints(client, engine):
    document = client.get("/openapi.json").json()
    assert {"/audits", "/checklist", "/measures", "/facts", "/health"} <= set(document["paths"])
    body = document["paths"]["/audits"]["post"]["requestBody"]["content"]
    assert {"application/json", "application/toml"} <= set(body)
    schemas = document["components"]["schemas"]
    assert "AuditResult" in schemas
    answers = schemas["Answers"]["properties"]
    assert set(answers) == set(engine.catalog.checklist)
    # Every reference resolves inside the document.
    text = json.dumps(document)
    for name in {part.split('"')[0] for part in text.split('"#/components/schemas/')[1:]}:
        assert name in schemas, name
    assert client.get("/docs").status_code == 200


def test_concurrent_requests_get_their_own_results(client, engine):
    profiles = [
        {"company": {"name": f"Laden {n}", "channels": ["laden"]},
         "answers": {"google_business_profil": ["ja", "nein", "teilweise"][n % 3]}}
        for n in range(24)
    ]  # fmt: skip
    expected = [engine.audit(profile).to_json() for profile in profiles]
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda p: client.post("/audits", json=p), profiles))
    assert [a.status_code for a in answers] == [200] * len(profiles)
    assert [a.text for a in answers] == expected


def test_serve_without_the_server_extra_says_what_to_install(tmp_path):
    # A stand-in package that makes `import fastapi` fail, as on an install without the extra.
    shadow = tmp_path / "fastapi"
    shadow.mkdir()
    (shadow / "__init__.py").write_text("raise ImportError('missing', name='fastapi')\n")
    path = os.pathsep.join(filter(None, [str(tmp_path), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "PYTHONPATH": path}
    done = subprocess.run(
        [sys.executable, "-m", "kundenkompass", "serve", "--port", "1"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 2
    assert "pip install 'kundenkompass[server]'" in done.stderr
    assert "Traceback" not in done.stderr


def test_several_worker_processes_serve_the_same_results():
    moebel = ROOT / "rulesets" / "moebel.toml"
    engine = Engine(rulesets=[moebel])
    options = ("--workers", "2", "--max-body-size", "20000", "--ruleset", str(moebel))
    with started(*options) as url:
        answer = httpx.post(
            f"{url}/audits",
            content=RADHAUS.read_bytes(),
            headers={"content-type": "application/toml"},
            timeout=30,
        )
        assert answer.status_code == 200
        assert answer.text == engine.audit(RADHAUS).to_json()
        big = httpx.post(f"{url}/audits", content=b"#" * 20001, timeout=30)
        assert big.status_code == 413  # the limit reaches the workers


# ---------------------------------------------------------------- hostile clients


def problem_of(answer, status: int) -> dict:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert problem["status"] == status and problem["type"] == "about:blank"
    assert problem["title"] and problem["detail"]
    return problem


@pytest.mark.parametrize(
    "body",
    ['"/etc/passwd"', '"examples/radhaus.toml"', str(RADHAUS).join('""'), "null", "true",
     "42", "1.5", "[]", '["company"]', '""'],
)  # fmt: skip
def test_every_json_type_but_an_object_is_422_and_no_file_is_read(client, body):
    answer = client.post("/audits", content=body, headers={"content-type": "application/json"})
    problem = problem_of(answer, 422)
    assert "erwartet: eine Tabelle" in problem["detail"]
    assert "not found" not in problem["detail"] and "Radhaus" not in problem["detail"]


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ("[" * 1000 + "]" * 1000, "zu tief verschachtelt"),
        ('{"company": {"name": ' + "9" * 5000 + "}}", "ganze Zahl hat mehr als"),
        ('{"company": {"name": "\\ud800", "channels": ["laden"]}}', "einzelnes Surrogat"),
        ('{"company": {"name": "A\\u202eB", "channels": ["laden"]}}', "U+202E"),
        ('{"company": {"name": "\\u200b", "channels": ["laden"]}}', "darf nicht leer sein"),
        ('{"company": {"name": "A", "channels": ["laden"]}, "facts": {"x": NaN}}', "NaN"),
        (b'{"company": {"name": "\xff"}}', "UTF-8"),
    ],
    ids=["deep", "huge-int", "surrogate", "bidi", "invisible", "nan", "not-utf8"],
)
def test_hostile_json_is_a_clean_422_and_the_connection_stays_usable(server, body, fragment):
    with httpx.Client(base_url=server, timeout=30) as session:
        answer = session.post("/audits", content=body, headers={"content-type": "application/json"})
        assert fragment in problem_of(answer, 422)["detail"]
        # The same keep-alive connection serves the next request.
        assert session.get("/health").status_code == 200


def test_huge_integers_in_toml_are_a_clean_422(client):
    body = f'[company]\nname = "X"\nchannels = ["laden"]\n[facts]\nx = {"9" * 5000}\n'
    answer = client.post("/audits", content=body, headers={"content-type": "application/toml"})
    problem = problem_of(answer, 422)
    assert problem["line"] == 5 and "mehr als" in problem["detail"]


def test_unknown_paths_and_methods_are_problem_json(client):
    problem_of(client.get("/nothing-here"), 404)
    problem_of(client.get("/audits"), 405)


def test_openapi_declares_problem_answers_and_phase_values(client):
    document = client.get("/openapi.json").json()
    checklist = document["paths"]["/checklist"]["get"]
    (phase,) = checklist["parameters"]
    schema = json.dumps(phase["schema"])
    assert all(name in json.dumps(document) for name in ("kauf", "bindung"))
    assert "anyOf" in schema or "$ref" in schema or "enum" in schema
    assert "application/problem+json" in checklist["responses"]["422"]["content"]
    audits = document["paths"]["/audits"]["post"]["responses"]
    for status in ("413", "415", "422"):
        assert "application/problem+json" in audits[status]["content"]
    assert "HTTPValidationError" not in document["components"]["schemas"]


def test_a_relative_ruleset_path_shows_no_server_path(tmp_path):
    folder = tmp_path / "regeln"
    folder.mkdir()
    (folder / "moebel.toml").write_bytes((ROOT / "rulesets" / "moebel.toml").read_bytes())
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "kundenkompass", "serve", "--port", str(port),
         "--log-level", "warning", "--ruleset", "regeln/moebel.toml"],
        cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_healthy(url, process)
        profile = '[company]\nname = "Tisch"\nsector = "moebel"\nchannels = ["laden"]\n'
        answer = httpx.post(
            f"{url}/audits", content=profile, headers={"content-type": "application/toml"}
        )
        assert answer.status_code == 200, answer.text
        assert str(tmp_path) not in answer.text
        assert "moebel" in {r["name"] for r in answer.json()["rulesets"]}
    finally:
        process.terminate()
        process.wait(timeout=20)


def wait_until_healthy(url: str, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, "server exited"
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    pytest.fail("server did not start")


def test_idle_and_slow_connections_cannot_starve_other_clients():
    """300 idle or half-sent connections against a server with 256 file descriptors."""
    import resource

    port = free_port()

    def few_descriptors() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))

    process = subprocess.Popen(
        [sys.executable, "-m", "kundenkompass", "serve", "--port", str(port),
         "--log-level", "critical", "--request-timeout", "2"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=few_descriptors,
    )  # fmt: skip
    sockets: list[socket.socket] = []
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_healthy(url, process)
        for number in range(300):
            connection = socket.socket()
            connection.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                connection.connect(("127.0.0.1", port))
            if number % 3 == 1:  # half a request line and headers
                with contextlib.suppress(OSError):
                    connection.send(b"GET /health HTTP/1.1\r\nHost: x\r\n")
            elif number % 3 == 2:  # a body that never arrives
                with contextlib.suppress(OSError):
                    connection.send(
                        b"POST /audits HTTP/1.1\r\nHost: x\r\nContent-Type: application/toml"
                        b"\r\nContent-Length: 1000\r\n\r\n[company]"
                    )
            sockets.append(connection)
        started = time.monotonic()
        answered = False
        while time.monotonic() - started < 20 and not answered:
            try:
                answered = httpx.get(f"{url}/health", timeout=3).status_code == 200
            except httpx.TransportError:
                time.sleep(0.2)
        assert answered, "/health did not answer while idle connections were open"
        assert process.poll() is None
    finally:
        for connection in sockets:
            connection.close()
        process.terminate()
        process.wait(timeout=20)
