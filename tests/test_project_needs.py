"""What a project needs first is left out where the company has it already (``needs_unless``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from kundenkompass.catalog.plugin_data import PluginData
from kundenkompass.engine import Engine
from kundenkompass.errors import PluginError
from kundenkompass.tools.lint import lint

from .conftest import ROOT, run_cli
from .test_unless_and_preconditions import plugin_folder, profile

PROJECTS = """
phase = "informationssuche"

[[project]]
id = "website_mobil"
title.de = "Auf dem Smartphone überzeugen"
goal.de = "Ihre Website lässt sich auf dem Smartphone bequem bedienen."
measures = ["website_mobil_machen"]
owner = "dienstleister"
needs.de = "Eine eigene Website."
needs_unless = { fact = "eigene_website", equals = "ja" }
reference = "Informationssuche"
"""


def with_projects(tmp_path: Path, projects: str = PROJECTS) -> Path:
    folder = plugin_folder(tmp_path)
    (folder / "projects.toml").write_text(projects, encoding="utf-8")
    return folder


def needs_of(engine: Engine, facts: str) -> list[str | None]:
    return [plan.needs for plan in engine.audit(profile(facts)).projects]


def test_needs_are_left_out_only_where_known_to_be_in_place(tmp_path):
    engine = Engine([PluginData(with_projects(tmp_path))], discover=False)
    mobile_missing = "website_mobil = false"
    assert needs_of(engine, f'{mobile_missing}\neigene_website = "ja"') == [None]
    # Unknown is not "in place": the line stays, as it does where the condition is false.
    assert needs_of(engine, mobile_missing) == ["Eine eigene Website."]
    assert needs_of(engine, f'{mobile_missing}\neigene_website = "im_aufbau"') == [
        "Eine eigene Website."
    ]


def test_an_owner_who_knows_the_target_group_is_not_told_to_get_to_know_it():
    engine = Engine()
    text = (ROOT / "tests/advice/profiles/moebelhaus_ausstellung.toml").read_text(encoding="utf-8")
    assert 'zielgruppe_beduerfnisse_bekannt = "ja"' in text

    def needs(profile_text: str) -> str | None:
        (plan,) = [p for p in engine.audit(profile_text).projects if p.project == "neue_services"]
        return plan.needs

    assert needs(text) is None
    partly = text.replace(
        'zielgruppe_beduerfnisse_bekannt = "ja"', 'zielgruppe_beduerfnisse_bekannt = "teilweise"'
    )
    assert needs(partly) == "Ein klares Bild der Zielgruppe (Projekt „Ihre Kunden kennen“)."


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        ('{ fact = "gibt_es_nicht", equals = true }', "unbekannt: Fakt 'gibt_es_nicht'"),
        ('{ fact = "eigene_website", equals = "vielleicht" }', "passt nicht"),
        ('{ fact = "eigene_website", bigger = 1 }', "unbekannte Schlüssel"),
    ],
)
def test_bad_conditions_are_refused_naming_the_project(tmp_path, condition, message):
    projects = PROJECTS.replace('{ fact = "eigene_website", equals = "ja" }', condition)
    with pytest.raises(PluginError, match=message) as caught:
        Engine([PluginData(with_projects(tmp_path, projects))], discover=False)
    assert "Projekt 'website_mobil': " in str(caught.value)
    assert "testplugin" in str(caught.value)


def test_needs_unless_without_needs_is_refused(tmp_path):
    projects = PROJECTS.replace('needs.de = "Eine eigene Website."\n', "")
    with pytest.raises(PluginError, match="needs_unless ohne needs"):
        Engine([PluginData(with_projects(tmp_path, projects))], discover=False)


# ------------------------------------------------------------------ audit lint


def test_lint_checks_a_plugin_folders_projects(tmp_path):
    projects = PROJECTS.replace(
        'measures = ["website_mobil_machen"]',
        'measures = ["website_mobil_machen", "gibt_es_nicht"]',
    ).replace('fact = "eigene_website"', 'fact = "gibt_es_auch_nicht"')
    folder = with_projects(tmp_path, projects)
    problems = lint([folder]).problems
    found = {(p.code, p.kind, p.id) for p in problems if p.kind == "project"}
    assert found == {
        ("unknown-reference", "project", "website_mobil"),
        ("invalid-needs-unless", "project", "website_mobil"),
    }
    for problem in problems:
        if problem.kind == "project":
            assert problem.file.endswith("projects.toml")
            assert problem.line == 5  # the project's `id = "…"` line
    (condition,) = [p for p in problems if p.code == "invalid-needs-unless"]
    assert "unbekannt: Fakt 'gibt_es_auch_nicht'" in condition.message


def test_lint_finds_nothing_wrong_with_good_projects(tmp_path):
    problems = lint([with_projects(tmp_path)]).problems
    assert [p for p in problems if p.kind == "project"] == []


def test_cli_lint_names_the_project_file_and_line(tmp_path):
    projects = PROJECTS.replace('fact = "eigene_website"', 'fact = "gibt_es_nicht"')
    done = run_cli("lint", str(with_projects(tmp_path, projects)), cwd=tmp_path)
    assert done.returncode == 1
    assert (
        "testplugin/projects.toml:5:1: Projekt 'website_mobil': needs_unless: unbekannt: "
        "Fakt 'gibt_es_nicht'" in done.stdout
    )
    assert "[invalid-needs-unless]" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr
