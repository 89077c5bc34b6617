"""Reports in every format: HTML, Markdown, JSON and text, for every example profile."""

from __future__ import annotations

import json
import re

import markupsafe
import pytest
from kundenkompass.render.html import render_html
from kundenkompass.render.markdown import escape, render_markdown
from kundenkompass.render.report import render_report
from kundenkompass.results import AuditResult

from .conftest import ROOT, run_cli, write

EXAMPLES = sorted((ROOT / "examples").glob("*.toml"))
RADHAUS = ROOT / "examples" / "radhaus.toml"
FORMATS = ("text", "markdown", "html", "json")
HOSTILE_NAME = "<script>alert(1)</script> & Söhne | *fett* [x](http://evil.example)"
HOSTILE_NOTE = '<img src=x onerror="alert(2)"> `code` # kein Titel'

# The example profile with hostile strings wherever a profile holds text.
HOSTILE = (
    RADHAUS.read_text("utf-8")
    .replace('name = "Radhaus Beispiel"', f"name = {json.dumps(HOSTILE_NAME)}")
    .replace('location = "Köln"', 'location = "<b>Köln</b>"')
    .replace(
        'google_business_profil = "nein"',
        f'google_business_profil = {{ antwort = "nein", notiz = {json.dumps(HOSTILE_NOTE)} }}',
    )
)
assert all(
    part in HOSTILE for part in (json.dumps(HOSTILE_NAME), json.dumps(HOSTILE_NOTE), "<b>Köln")
), "the hostile strings are in the profile"


def test_there_are_example_profiles():
    assert EXAMPLES, "examples/*.toml is empty"


@pytest.fixture(scope="module")
def results(engine) -> dict[str, AuditResult]:
    return {path.stem: engine.audit(path) for path in EXAMPLES}


@pytest.fixture(scope="module")
def hostile(engine, tmp_path_factory) -> AuditResult:
    return engine.audit(write(tmp_path_factory.mktemp("hostile"), HOSTILE))


# ------------------------------------------------------------------ every example, every format


def shown(value: str, format: str) -> str:
    """How a text appears in a report of ``format``."""
    if format == "html":
        return str(markupsafe.escape(value))
    if format == "markdown":
        return escape(value)
    return value


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
@pytest.mark.parametrize("format", FORMATS)
def test_every_example_renders_in_every_format(results, example, format):
    result = results[example.stem]
    content = render_report(result, format)
    assert content.endswith("\n")
    if format == "json":
        assert AuditResult.model_validate_json(content) == result
        return
    assert shown(result.company.name, format) in content
    for phase in result.phases:
        assert shown(phase.title, format) in content
    for recommendation in result.recommendations[:5]:
        assert shown(recommendation.title, format) in content
    if format == "text":
        assert "\x1b[" not in content, "a text file must not contain terminal colour codes"


@pytest.mark.parametrize("format", FORMATS)
def test_reports_are_byte_identical_for_the_same_input(engine, results, format):
    first = render_report(results[RADHAUS.stem], format)
    second = render_report(engine.audit(RADHAUS), format)
    assert first == second


# ------------------------------------------------------------------------------ HTML


def test_html_is_one_self_contained_file_without_scripts(results):
    html = render_html(results[RADHAUS.stem])
    assert html.startswith("<!DOCTYPE html>")
    assert "Content-Security-Policy" in html and "default-src 'none'" in html
    assert "<script" not in html.lower()
    assert "<link" not in html.lower()
    assert not re.search(r"\bsrc\s*=", html), "nothing may be loaded from elsewhere"
    assert "url(" not in html
    assert "@import" not in html
    for href in re.findall(r'href="([^"]*)"', html):
        assert href.startswith("#"), f"link leaves the document: {href}"
    # The only absolute URL is the SVG namespace, which is a name, not a request.
    assert set(re.findall(r"https?://[^\s\"'<>)]+", html)) <= {"http://www.w3.org/2000/svg"}


def test_html_worksheet_has_every_section(results):
    result = results[RADHAUS.stem]
    html = render_html(result, audience="advisor")
    for section in ("summary", "next-steps", "plan", "open-questions", "checklist", "basis"):
        assert f'id="{section}"' in html
    assert "Gesamtindex" in html
    assert "Die nächsten Schritte" in html
    assert html.count('class="measure"') == len(result.recommendations)
    assert html.count('<ol class="steps">') == 1
    steps = html.split('<ol class="steps">')[1].split("</ol>")[0]
    assert steps.count("<li>") == len(result.top_steps) == min(5, len(result.recommendations))
    answered = sum(len(phase.checklist) for phase in result.phases)
    assert html.count('<span class="answer a-') == answered
    for plugin in result.plugins:
        assert f"{plugin.name} {plugin.version}" in html


def test_html_chart_is_a_pygal_radar_of_the_five_phases(results):
    result = results[RADHAUS.stem]
    html = render_html(result)
    svg = html.split('<figure class="chart"', 1)[1].split("</figure>", 1)[0]
    assert 'class="pygal-chart"' in svg
    assert 'id="chart-radar"' in svg
    labels = " ".join(re.sub(r"<[^>]+>", " ", svg).split())
    label = re.search(r'aria-label="([^"]*)"', svg)
    assert label and 'role="img"' in svg, "the chart has one text alternative"
    for phase in result.phases:
        score = "–" if phase.score is None else f"{phase.score:.0f}"
        title = phase.title.replace("&", "&amp;")
        assert f"{title} ({score})" in labels.replace("/ ", "/")
        assert f"{title} {score}" in label.group(1)
    # pygal's tooltips would leak its name and the spokes' angles in radians.
    assert "<title" not in svg and "<desc" not in svg and "Pygal" not in svg
    # One filled series with a dot per phase.
    assert svg.count('class="dot reactive tooltip-trigger"') == 5
    assert "Generated with pygal" not in svg, "pygal's dated comment is removed"


def test_html_escapes_every_profile_string(hostile):
    # The worksheet shows every text of the profile, the notes too.
    html = render_html(hostile, audience="advisor")
    assert "<script>alert(1)" not in render_html(hostile)
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img" not in html
    assert "&lt;img src=x onerror=&#34;alert(2)&#34;&gt;" in html
    assert "<b>Köln</b>" not in html and "&lt;b&gt;Köln&lt;/b&gt;" in html
    # Also in the <title>:
    assert "<title>Arbeitsblatt zum Audit – &lt;script&gt;" in html
    assert "<title>Kundenzentrierungs-Audit – &lt;script&gt;" in render_html(hostile)


def test_html_shows_an_unscored_phase_with_a_dash(engine, tmp_path):
    profile = write(
        tmp_path,
        '[company]\nname = "Leer"\nchannels = ["laden"]\n[answers]\ngoogle_business_profil = "nein"\n',
    )
    result = engine.audit(profile)
    assert any(phase.score is None for phase in result.phases)
    html = render_html(result)
    assert "Bedarfsentstehung – (noch keine Bewertung)" in html
    assert "noch keine Bewertung" in html


def test_reports_without_measures_or_open_questions_say_so(results):
    empty = results[RADHAUS.stem].model_copy(
        update={"recommendations": [], "top_steps": [], "open_questions": []}
    )
    html = render_html(empty)
    markdown = render_markdown(empty)
    for content in (html, markdown):
        assert "Keine Maßnahmen empfohlen." in content
        assert "Keine offenen Fragen, deren Antwort den Plan noch ändern könnte." in content
    assert 'class="measure"' not in html


def test_html_prerequisites_link_to_their_plan_entry(results):
    result = next(
        (r for r in results.values() if any(rec.prerequisites for rec in r.recommendations)),
        None,
    )
    if result is None:
        pytest.skip("no example has a measure with a recommended prerequisite")
    numbers = {r.measure: n for n, r in enumerate(result.recommendations, start=1)}
    html = render_html(result, audience="advisor")
    for rec in result.recommendations:
        for prerequisite in rec.prerequisites:
            if prerequisite in numbers:
                assert f'<a href="#m-{prerequisite}">Nr. {numbers[prerequisite]} ' in html
                assert f'id="m-{prerequisite}"' in html


# -------------------------------------------------------------------------- Markdown


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("Müller & Söhne", "Müller & Söhne"),
        ("a|b", r"a\|b"),
        ("*fett* _kursiv_", r"\*fett\* \_kursiv\_"),
        ("<script>", r"\<script\>"),
        ("[x](http://evil)", r"\[x\](http://evil)"),
        ("&lt;", "&amp;lt;"),
        ("zwei\nZeilen", "zwei Zeilen"),
        ("Version 0.1.0", "Version 0.1.0"),
    ],
)
def test_markdown_escape(raw, escaped):
    assert escape(raw) == escaped


def test_markdown_escape_at_line_start():
    assert escape("1. Platz", starts_line=True) == r"1\. Platz"
    assert escape("- Punkt", starts_line=True) == r"\- Punkt"
    assert escape("1. Platz") == "1. Platz"


def test_markdown_escapes_every_profile_string(hostile):
    assert not re.search(r"(?<!\\)<", render_markdown(hostile)), "every < is escaped"
    markdown = render_markdown(hostile, audience="advisor")
    assert not re.search(r"(?<!\\)<", markdown), "every < is escaped"
    assert r"\<script\>alert(1)\</script\> & Söhne \| \*fett\* \[x\](http://evil.example)" in (
        markdown
    )
    # A note with a pipe or newline cannot break the checklist table.
    row = next(line for line in markdown.splitlines() if "onerror" in line)
    assert row.count(" | ") == 2 and row.startswith("| ") and row.endswith(" |")


def test_markdown_worksheet_structure(results):
    result = results[RADHAUS.stem]
    markdown = render_markdown(result, audience="advisor")
    headings = [line for line in markdown.splitlines() if line.startswith("## ")]
    assert headings == [
        "## Auf einen Blick",
        "## Die nächsten Schritte",
        "## Empfohlene Maßnahmen",
        # No "Nicht berücksichtigte Angaben": radhaus answers the online-shop questions
        # "entfällt" (outside its scope only that or "unbekannt" is accepted).
        "## Offene Fragen",
        "## Checkliste je Phase",
        "## Grundlage des Audits",
    ]
    assert markdown.count("\n#### ") == len(result.recommendations)
    assert "| --- | ---: | --- | ---: | ---: |" in markdown


# ------------------------------------------------------------------------------ JSON


def test_json_holds_what_integrators_need(results):
    data = json.loads(results[RADHAUS.stem].to_json())
    assert data["schema_version"] == "1.2"
    assert {"overall_score", "overall_maturity", "phases", "recommendations"} <= set(data)
    assert data["recommendations"][0]["reasons"][0]["evidence"]
    assert data["open_questions"][0]["could_recommend_titles"]
    assert len(data["open_questions"][0]["could_recommend_titles"]) == len(
        data["open_questions"][0]["could_recommend"]
    )
    answers = {item["item"]: item["answer"] for p in data["phases"] for item in p["checklist"]}
    assert answers["google_business_profil"] == "nein"
    assert all(plugin["name"] and plugin["version"] for plugin in data["plugins"])
    assert "rulesets" in data and data["rules_fingerprint"]


def test_documented_json_schema_is_current():
    from kundenkompass.profile.schemas import result_schema
    from kundenkompass.render.compare import AuditDiff

    documented = json.loads((ROOT / "docs" / "audit-result.schema.json").read_text("utf-8"))
    documented.pop("$schema", None)
    assert documented == result_schema(), "regenerate: python scripts/write_schemas.py"
    documented = json.loads((ROOT / "docs" / "audit-diff.schema.json").read_text("utf-8"))
    documented.pop("$schema", None)
    assert documented == AuditDiff.model_json_schema(mode="serialization"), (
        "regenerate: python scripts/write_schemas.py"
    )


# ----------------------------------------------------------------- the command line


def test_run_format_option_wins_over_the_extension(tmp_path):
    target = tmp_path / "bericht.txt"
    result = run_cli("run", str(RADHAUS), "--format", "markdown", "--output", str(target))
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert target.read_text("utf-8").startswith("# Kundenzentrierungs-Audit: Radhaus Beispiel")
    assert not list(tmp_path.glob(".*.tmp")), "no temporary file is left behind"


def test_run_json_is_byte_identical_across_processes(tmp_path):
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    for target in (first, second):
        result = run_cli("run", str(RADHAUS), "-f", "json", "-o", str(target))
        assert result.returncode == 0, result.stderr
    assert first.read_bytes() == second.read_bytes()


def test_run_prints_html_to_stdout(tmp_path):
    result = run_cli("run", str(RADHAUS), "--format", "html")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("<!DOCTYPE html>")


@pytest.mark.parametrize(
    ("name", "marker"),
    [
        ("bericht.html", "<!DOCTYPE html>"),
        ("bericht.md", "# Kundenzentrierungs-Audit: Radhaus Beispiel"),
        ("bericht.json", '{\n  "schema_version": "1.2",'),
        ("bericht.txt", "Arbeitsblatt zum Audit: Radhaus Beispiel"),
    ],
)
def test_run_writes_the_format_its_output_extension_names(tmp_path, name, marker):
    target = tmp_path / name
    result = run_cli("run", str(RADHAUS), "-o", str(target))
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert target.read_text("utf-8").startswith(marker)
    assert not list(tmp_path.glob(".*.tmp")), "no temporary file is left behind"


def test_run_refuses_to_replace_a_file_without_force(tmp_path):
    target = tmp_path / "bericht.html"
    target.write_text("vom letzten Mal", encoding="utf-8")
    result = run_cli("run", str(RADHAUS), "-o", str(target))
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"audit: Fehler: {target}: existiert bereits; --force ersetzt die Datei"
    )
    assert target.read_text("utf-8") == "vom letzten Mal"
    result = run_cli("run", str(RADHAUS), "-o", str(target), "--force")
    assert result.returncode == 0, result.stderr
    assert target.read_text("utf-8").startswith("<!DOCTYPE html>")


def test_run_names_a_missing_output_folder(tmp_path):
    target = tmp_path / "fehlt" / "bericht.html"
    result = run_cli("run", str(RADHAUS), "-o", str(target))
    assert result.returncode == 2
    assert "existiert nicht" in result.stderr and "Traceback" not in result.stderr
    assert not target.parent.exists()


def test_run_bad_profile_writes_no_file(tmp_path):
    target = tmp_path / "bericht.html"
    profile = write(tmp_path, '[company]\nname = "X"\nchannels = ["kiosk"]\n')
    result = run_cli("run", str(profile), "-o", str(target))
    assert result.returncode == 2
    assert not target.exists()


def test_run_rejects_an_unknown_format():
    result = run_cli("run", str(RADHAUS), "--format", "docx")
    assert result.returncode == 2
    assert "docx" in result.stderr and "Traceback" not in result.stderr
