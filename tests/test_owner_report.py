"""The owner's report and the advisor's worksheet: two readers, one view model."""

from __future__ import annotations

import datetime
import json
import re
import types

import pytest
from kundenkompass.engine import Engine
from kundenkompass.errors import PluginError, ProfileError
from kundenkompass.inference.plan import follow_up
from kundenkompass.models import Project
from kundenkompass.render.html import render_html
from kundenkompass.render.markdown import render_markdown
from kundenkompass.render.numbers import long_date, number, signed
from kundenkompass.render.report import render_report
from kundenkompass.render.view import OWNER_MEASURES, report_view
from kundenkompass.results import AuditInfo, AuditResult

from .conftest import ROOT, run_cli, write

#: The examples the owner's report is judged by.
OWNER_EXAMPLES = [
    ROOT / "examples" / f"{name}.toml" for name in ("radhaus", "foto_elektronik", "moebelwerkstatt")
]


@pytest.fixture(scope="module")
def results(engine) -> dict[str, AuditResult]:
    return {path.stem: engine.audit(path) for path in OWNER_EXAMPLES}


def rule_ids(result: AuditResult) -> set[str]:
    return {firing.rule for rec in result.recommendations for firing in rec.reasons}


def visible_text(html: str) -> str:
    body = html.split("<body", 1)[1]
    body = re.sub(r"<svg.*?</svg>", " ", body, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", body).split())


# ------------------------------------------------------------------ numbers, one formatter


@pytest.mark.parametrize(
    ("value", "digits", "shown"),
    [(13.25, 1, "13,2"), (13.3, 1, "13,3"), (1234.5, 1, "1.234,5"), (-0.2, 0, "0"), (None, 0, "–")],
)
def test_numbers_have_a_decimal_comma(value, digits, shown):
    assert number(value, digits) == shown


def test_signed_and_dates():
    assert signed(13.33) == "+13,3"
    assert signed(0.01) == "±0"
    assert long_date(datetime.date(2026, 11, 16)) == "16. November 2026"


def test_text_report_uses_the_decimal_comma(results):
    text = render_report(results["radhaus"], "text")
    assert "Wenn umgesetzt: Phase +13,3 Punkte" in text
    assert not re.search(r"\+\d+\.\d", text), "no decimal point"


# ------------------------------------------------------------------ the result carries it all


def test_result_has_date_strengths_projects_roadmap_and_follow_up(results):
    result = results["radhaus"]
    assert result.audit == AuditInfo(
        date=datetime.date(2026, 11, 16),
        advisor="Petra Lange",
        organisation="Handelsberatung Köln (Beispiel)",
    )
    assert result.follow_up_date == datetime.date(2027, 5, 16)
    assert 1 <= len(result.strengths) <= 3
    answers = {i.item: i.answer for p in result.phases for i in p.checklist}
    assert all(answers[s.item] == "ja" for s in result.strengths)
    assert len({s.phase for s in result.strengths}) == len(result.strengths)
    planned = [m for p in result.projects for m in p.measures]
    assert sorted(planned) == sorted(r.measure for r in result.recommendations), (
        "every recommended measure is in exactly one project"
    )
    assert [step.horizon for step in result.roadmap] == ["jetzt", "als_naechstes", "spaeter"]
    assert [(s.from_month, s.to_month) for s in result.roadmap] == [(0, 3), (3, 6), (6, 12)]
    on_map = [p for step in result.roadmap for p in step.projects]
    assert sorted(on_map) == sorted(p.project for p in result.projects)
    assert result.company.sector_title == "Fahrradhandel"
    data = json.loads(result.to_json())
    assert {"audit", "strengths", "projects", "roadmap", "follow_up_date"} <= set(data)


def test_audit_options_override_the_profile_and_the_clock_is_never_read(engine, tmp_path):
    profile = write(tmp_path, '[company]\nname = "Ohne Datum"\nchannels = ["laden"]\n')
    undated = engine.audit(profile)
    assert undated.audit.date is None and undated.follow_up_date is None
    assert "ohne Datum" in render_html(undated)
    assert "in etwa sechs Monaten" in render_html(undated)
    dated = engine.audit(
        ROOT / "examples" / "radhaus.toml", audit=AuditInfo(date=datetime.date(2026, 8, 31))
    )
    assert dated.audit.advisor == "Petra Lange", "what the options leave out comes from the profile"
    assert dated.follow_up_date == datetime.date(2027, 2, 28)


def test_the_sector_is_shown_by_its_name_never_as_a_mangled_id(engine, tmp_path):
    def audited(company: str) -> AuditResult:
        return engine.audit(
            write(tmp_path, f'[company]\nname = "X"\n{company}channels = ["laden"]\n')
        )

    unnamed = audited('sector = "ersatzteile_haushaltsgeraete"\n')
    assert unnamed.company.sector_title is None, "an id is no name to show an owner"
    for render in (
        render_markdown,
        lambda r, audience: visible_text(render_html(r, audience=audience)),
    ):
        owner, advisor = render(unnamed, audience="owner"), render(unnamed, audience="advisor")
        assert "Branche" not in owner and "haushaltsgeraete" not in owner.lower()
        shown = advisor.replace("\\_", "_")  # Markdown escapes the underscore
        assert "Branche: ersatzteile_haushaltsgeraete" in shown, "the advisor sees the id"
    assert "Branche: ersatzteile_haushaltsgeraete" in render_report(
        unnamed, "text", audience="advisor"
    )
    assert "Branche" not in render_report(unnamed, "text", audience="owner")

    named = audited(
        'sector = "ersatzteile_haushaltsgeraete"\nsector_title = "Ersatzteile für Haushaltsgeräte"\n'
    )
    assert named.company.sector_title == "Ersatzteile für Haushaltsgeräte"
    assert (
        json.loads(named.to_json())["company"]["sector_title"] == "Ersatzteile für Haushaltsgeräte"
    )
    for audience in ("owner", "advisor"):
        assert "Branche: Ersatzteile für Haushaltsgeräte" in render_markdown(
            named, audience=audience
        )

    # A sector written as a name (as the questionnaire takes it) is its own name.
    assert audited('sector = "Tee & Kaffee"\n').company.sector_title == "Tee & Kaffee"
    assert audited('sector = "Sanitätshaus"\n').company.sector_title == "Sanitätshaus"
    assert audited('sector = "sanitaetshaus"\n').company.sector_title is None
    assert audited('sector = "juwelier"\n').company.sector_title == "Juwelier"
    assert audited('sector = "tee_kaffee"\n').company.sector_title is None

    # The profile's name for its sector comes before the title of the sector's ruleset.
    own = audited('sector = "fahrradhandel"\nsector_title = "Fahrräder und E-Bikes"\n')
    assert own.company.sector_title == "Fahrräder und E-Bikes"
    assert audited('sector = "fahrradhandel"\n').company.sector_title == "Fahrradhandel"


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ("sector_title = 3", "company.sector_title: erwartet: ein Text"),
        ('sector_title = "  "', "company.sector_title"),
        ('sector_title = "Tee\\nKaffee"', "company.sector_title"),
        ('sector_titel = "Tee"', "company.sector_titel: unbekannter Schlüssel"),
        ('[audit]\ndate = "16.11.2026"', "audit.date: erwartet: ein Datum wie 2026-11-20"),
        ("[audit]\ndate = 2026-11-16T10:00:00", "audit.date: erwartet: ein Datum wie 2026-11-20"),
        ("[audit]\nadvisor = 3", "audit.advisor: erwartet: ein Text"),
        ('[audit]\ndatum = "2026-11-16"', "audit.datum: unbekannter Schlüssel"),
    ],
)
def test_bad_company_or_audit_entries_name_the_key(engine, tmp_path, lines, message):
    profile = write(tmp_path, f'[company]\nname = "X"\nchannels = ["laden"]\n{lines}\n')
    with pytest.raises(ProfileError, match=re.escape(message)):
        engine.audit(profile)


def test_follow_up_keeps_the_day_where_the_month_has_it():
    assert follow_up(datetime.date(2026, 11, 16)) == datetime.date(2027, 5, 16)
    assert follow_up(datetime.date(2026, 8, 31)) == datetime.date(2027, 2, 28)
    assert follow_up(None) is None


# ------------------------------------------------------------------ the owner's report


@pytest.mark.parametrize("format", ["markdown", "text"])
def test_the_roadmap_names_each_project_whole(results, format):
    """Titles may hold commas ("Ein Geschäft, das einlädt"): each is quoted, so that the
    owner sees where one ends."""
    result = results["radhaus"]
    assert any("," in plan.title for plan in result.projects)
    content = render_report(result, format, audience="owner")
    roadmap = content.split("Ihr Fahrplan", 1)[1].split(result.projects[0].goal, 1)[0]
    lines = [line for line in roadmap.splitlines() if "Monat " in line and ":" in line]
    named = [title for line in lines for title in re.findall(r"„([^“]+)“", line)]
    assert sorted(named) == sorted(plan.title for plan in result.projects)
    for line in lines:
        names = line.split(":", 1)[1].replace("*", "").strip()
        assert re.fullmatch(r"„[^“]+“(, „[^“]+“)*", names), line


@pytest.mark.parametrize("name", [p.stem for p in OWNER_EXAMPLES])
@pytest.mark.parametrize("format", ["html", "markdown", "text"])
def test_owner_report_is_plain_and_short(results, name, format):
    result = results[name]
    content = render_report(result, format, audience="owner")
    shown = visible_text(content) if format == "html" else content
    assert "Audit vom " in shown and "Beratung: " in shown
    assert "Das machen Sie schon gut" in shown
    for strength in result.strengths:
        assert strength.statement.split(" ")[0] in shown
    assert "Ihre drei wichtigsten Schritte" in shown
    assert "Ihr Fahrplan" in shown and "Monat 1 bis 3" in shown and "Monat 7 bis 12" in shown
    assert "Das nächste Audit" in shown and "Unterstützung" in shown
    assert "Mittelstand-Digital" in shown
    for rule in rule_ids(result):
        assert not re.search(rf"\b{re.escape(rule)}\b", shown), f"rule id {rule} is shown"
    assert "weil " not in shown and "Regel" not in shown
    assert "+0 Punkte" not in shown and "Priorität" not in shown
    if result.company.sector:
        assert f"Branche: {result.company.sector_title}" in shown
    assert "answers." not in shown and "facts." not in shown


@pytest.mark.parametrize("name", [p.stem for p in OWNER_EXAMPLES])
def test_owner_html_shows_at_most_ten_measures_before_later(results, name):
    result = results[name]
    html = render_html(result)
    view = report_view(result)
    steps = html.count('<li value="')
    assert 0 < steps <= OWNER_MEASURES
    assert steps + len(view.later) == len(result.recommendations)
    assert html.count('<article class="project"') == len(view.projects) >= 2
    steps_list = html.split('<ol class="steps">')[1].split("</ol>")[0]
    assert steps_list.count("<li>") == 3
    if view.later:
        lists = [part.split("</ul>")[0] for part in html.split('<ul class="later">')[1:]]
        assert len(lists) == len(view.later_groups)
        assert sum(items.count("<li>") for items in lists) == len(view.later)
    assert 'id="checklist"' not in html, "the checklist is the worksheet's"
    assert result.rules_fingerprint not in html


#: An online-only tea shop whose projects all start within six months; one later step of
#: a project starting in months 4 to 6 falls into months 7 to 12.
TEA_SHOP = """
[company]
name = "Teekontor Nord"
channels = ["onlineshop"]
location = "Kiel"

[answers]
zielgruppe_beduerfnisse_bekannt = "teilweise"
kundenwuensche_aktiv_erfragen = "nein"
betreuung_nach_kauf = "teilweise"
angebote_an_kundenwuensche_anpassen = "ja"
google_business_profil = "nein"
eigene_website = "ja"
infos_zwei_klicks = "ja"
social_media_praesenz = "nein"
zielgruppe_mehrere_kanaele = "nein"
positive_bewertungen_sichtbar = "nein"
bezahlvielfalt = "ja"
gute_erreichbarkeit = "teilweise"
kontaktinfos_auffindbar = "ja"
zufriedenheit_oberstes_gebot = "ja"
services_nach_kauf = "nein"
kundenstimmen_pruefen_reagieren = "nein"
gezieltes_feedback = "nein"
zufriedenheitsbefragung = "nein"
feedback_ernst_nehmen = "ja"
negative_bewertungen_als_anlass = "teilweise"

[facts]
zielgruppe_alter = "von_30_bis_49"
newsletter = true
antwortzeit_stunden = 36
klicks_bis_wichtige_infos = 2
kundendaten_erfasst = ["kontaktdaten", "kaufhistorie"]
daten_anwendungsfall = false
sortiment_online_sichtbar = true
"""


@pytest.mark.parametrize("fmt", ["markdown", "html", "text"])
def test_a_roadmap_stretch_without_a_new_project_points_to_its_later_steps(engine, fmt):
    result = engine.audit(TEA_SHOP)
    view = report_view(result, "de", "owner")
    later = {group.horizon for group in view.later_groups}
    for stretch in view.roadmap:
        assert stretch.continues == (stretch.horizon in later)
    quiet = [s for s in view.roadmap if not s.projects]
    assert quiet and all(s.continues for s in quiet), "the example lost its case"
    report = render_report(result, fmt, "de", "owner")
    report = visible_text(report) if fmt == "html" else report
    for stretch in quiet:
        shown = re.search(re.escape(stretch.label) + r"\W*(.*)", report)
        assert shown, stretch.label
        assert shown.group(1).lstrip("*: ").startswith("weitere Schritte"), shown.group(1)


def test_owner_questions_are_a_short_list_per_phase(results):
    view = report_view(results["radhaus"])
    assert view.owner_questions
    for group in view.owner_questions:
        assert len(group.questions) <= 4
        full = next(g for g in view.question_groups if g.phase == group.phase)
        assert len(group.questions) + group.more == len(full.questions)


@pytest.mark.parametrize("audience", ["owner", "advisor"])
def test_an_open_checklist_item_is_asked_not_stated(results, audience):
    """„Wir vermessen unsere Kunden …“ listed bare under "Noch offen" reads as a claim."""
    result = results["radhaus"]
    statements = [q.question for q in result.open_questions if q.ref.startswith("answers.")]
    assert statements, "the example leaves checklist items open"
    shown = {
        "markdown": render_markdown(result, audience=audience),
        "html": visible_text(render_html(result, audience=audience)),
        "text": render_report(result, "text", audience=audience),
    }
    for format, document in shown.items():
        document = document.replace("\\", "")  # Markdown's escapes
        asked = [f"„{statement.rstrip('. ')}“ – trifft das zu?" for statement in statements]
        for statement in statements:
            for bullet in ("- ", "• ", "<li>"):
                assert f"{bullet}{statement.rstrip('. ')}" not in document, (format, statement)
        if audience == "advisor":  # the worksheet lists every open question
            assert all(question in document for question in asked), format
        else:
            assert any(question in document for question in asked), format


def test_glossary_explains_terms_the_report_uses(results):
    view = report_view(results["radhaus"])
    terms = dict(view.glossary)
    assert "Customer Journey" in terms  # named in the chart's caption
    assert "Point of Sale" not in terms


# ------------------------------------------------------------------ the advisor's worksheet


def test_worksheet_is_the_default_on_the_terminal_and_keeps_the_trace(results):
    result = results["radhaus"]
    text = render_report(result, "text")
    assert text.startswith("Arbeitsblatt zum Audit")
    for rule in rule_ids(result):
        assert rule in text
    for line in text.splitlines():
        if "(weil " in line:
            because = line.split("(weil ", 1)[1].rsplit("; Regel", 1)[0]
            parts = because.split("; ")
            assert len(parts) == len(set(parts)), f"repeated evidence: {line}"


def test_worksheet_rephrases_derived_facts_as_findings(results):
    result = results["radhaus"]
    text = render_report(result, "text")
    derived = {fact.key: fact for fact in result.derived_facts if isinstance(fact.value, bool)}
    shown = [
        e
        for rec in result.recommendations
        for firing in rec.reasons
        for e in firing.evidence
        if e.ref.split(".", 1)[-1] in derived
    ]
    assert shown, "the example's reasons rest on derived facts"
    for evidence in shown:
        finding = evidence.label.rstrip("?").strip()
        holds = "trifft zu" if evidence.value else "trifft nicht zu"
        assert f"Befund „{finding}“: {holds}" in text
        assert f"{evidence.label}: {evidence.shown}" not in text
    assert "Befund „" in render_markdown(result, audience="advisor")


def test_html_and_markdown_default_to_the_owner(results):
    result = results["radhaus"]
    assert "Ihr Fahrplan" in render_html(result)
    assert "Ihr Fahrplan" in render_markdown(result)
    assert "Ihr Fahrplan" not in render_html(result, audience="advisor")


def test_run_audience_option_and_audit_options(tmp_path):
    path = tmp_path / "bericht.md"
    completed = run_cli(
        "run",
        str(ROOT / "examples" / "radhaus.toml"),
        "--audience",
        "advisor",
        "--audit-date",
        "2026-12-01",
        "--advisor",
        "Kai Berg",
        "-o",
        str(path),
    )
    assert completed.returncode == 0, completed.stderr
    content = path.read_text("utf-8")
    assert content.startswith("# Arbeitsblatt zum Audit")
    assert "Audit vom 1. Dezember 2026 · Beratung: Kai Berg, Handelsberatung Köln" in content


def test_report_renders_a_saved_result(tmp_path):
    saved = tmp_path / "audit.json"
    assert run_cli("run", str(ROOT / "examples" / "radhaus.toml"), "-o", str(saved)).returncode == 0
    completed = run_cli("report", str(saved), "--format", "markdown")
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.startswith("# Kundenzentrierungs-Audit: Radhaus Beispiel")


# ------------------------------------------------------------------ projects are plugin data


def test_every_phase_plugin_ships_projects(engine):
    phases = {project.phase for project in engine.catalog.projects.values()}
    assert phases == {"bedarfsentstehung", "informationssuche", "produktwahl", "kauf", "bindung"}


def _plugin(*projects: Project) -> object:
    from kundenkompass.catalog.hookspecs import hookimpl

    @hookimpl
    def register_projects() -> list[Project]:
        return list(projects)

    return types.SimpleNamespace(
        KUNDENKOMPASS_PLUGIN_NAME="sektor_projekte", register_projects=register_projects
    )


def _project(measures: tuple[str, ...]) -> Project:
    return Project(
        id="sektor_projekt",
        phase="kauf",
        title={"de": "Sektorprojekt"},
        goal={"de": "Ziel"},
        measures=measures,
        owner="team",
        reference="Kauf",
    )


def test_a_project_naming_an_unknown_measure_stops_with_the_plugin():
    plugin = _plugin(_project(("gibt_es_nicht",)))
    with pytest.raises(PluginError, match=r"sektor_projekte.*unbekannte Maßnahme 'gibt_es_nicht'"):
        Engine(plugins=[plugin])


def test_a_measure_belongs_to_one_project():
    plugin = _plugin(_project(("google_business_profil_anlegen",)))
    with pytest.raises(PluginError, match="gehört schon zum Projekt 'online_gefunden_werden'"):
        Engine(plugins=[plugin])


def test_a_sector_plugin_adds_its_own_project(engine):
    from kundenkompass.catalog.hookspecs import hookimpl
    from kundenkompass.models import Measure

    plugin = _plugin(_project(("sektor_massnahme",)))

    @hookimpl
    def register_measures() -> list[Measure]:
        return [
            Measure(
                id="sektor_massnahme",
                phase="kauf",
                title={"de": "Sektormaßnahme"},
                description={"de": "Beschreibung"},
                reference="Kauf",
            )
        ]

    plugin.register_measures = register_measures  # type: ignore[attr-defined]
    catalog = Engine(plugins=[plugin]).catalog
    assert catalog.projects["sektor_projekt"].measures == ("sektor_massnahme",)
    assert catalog.owners[("project", "sektor_projekt")] == "sektor_projekte"
    assert "rad_nach_mass" in engine.catalog.projects, "the example sector plugin adds one"


@pytest.fixture(scope="module")
def without_website(engine, tmp_path_factory) -> AuditResult:
    """radhaus saying it has no website, while still rating the website's look."""
    text = (ROOT / "examples" / "radhaus.toml").read_text(encoding="utf-8")
    text = text.replace('eigene_website = "ja"', 'eigene_website = "nein"', 1)
    return engine.audit(write(tmp_path_factory.mktemp("ignored"), text))


@pytest.mark.parametrize("audience", ["owner", "advisor"])
@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_an_ignored_answer_is_named_with_its_reason(without_website, fmt, audience):
    """An answer that the other answers rule out is not counted, and the report says so and
    why, instead of dropping it without a word."""
    result = without_website
    (ignored,) = [i for i in result.ignored_inputs if i.ref == "answers.website_modern"]
    shown = render_report(result, fmt, audience=audience)
    if fmt == "html":
        shown = visible_text(shown)
    flat = " ".join(shown.split())
    assert "Nicht berücksichtigte Angaben" in shown
    assert ignored.label in flat
    assert f"Die Frage entfällt wegen Ihrer Angaben zu: {ignored.because}" in flat
    assert ignored.because == "Unser Unternehmen hat eine eigene Website: nein"


def test_no_ignored_section_without_ignored_answers(results):
    result = results["foto_elektronik"]
    assert not result.ignored_inputs
    assert "Nicht berücksichtigte Angaben" not in render_report(result, "markdown")
