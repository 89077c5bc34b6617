"""A rule's ``unless`` (what contradicts it) and a question's ``applies_when`` (its precondition)."""

from __future__ import annotations

from pathlib import Path

import pytest
from kundenkompass.catalog.plugin_data import PluginData
from kundenkompass.engine import Engine
from kundenkompass.errors import PluginError, RuleError
from kundenkompass.rules.evaluate import rule_truth
from kundenkompass.rules.language import iter_leaves, not_known_true, parse_rule, to_alternatives

from .conftest import ROOT, run_cli, write

FACTS = """
phase = "informationssuche"

[[fact]]
key = "eigene_website"
type = "enum"
values = ["ja", "nein", "im_aufbau"]
question.de = "Hat das Unternehmen eine eigene Website?"

[[fact]]
key = "website_mobil"
type = "bool"
question.de = "Ist die Website für Smartphones optimiert?"
applies_when = { fact = "eigene_website", not_equals = "nein" }

[[fact]]
key = "schaufenster_ansprechend"
type = "bool"
question.de = "Ist das Schaufenster ansprechend gestaltet?"
channels = ["laden"]

[[fact]]
key = "frequenz_sinkt"
type = "bool"
question.de = "Sinkt die Kundenfrequenz?"

[[fact]]
key = "schwach"
type = "bool"
source = "derived"
question.de = "Die Sichtbarkeit ist schwach"
"""

CHECKLIST = """
phase = "informationssuche"

[[item]]
id = "schaufenster"
statement.de = "Das Schaufenster lädt zum Betreten ein."
reference = "Informationssuche – Checkliste"
channels = ["laden"]

[[item]]
id = "website_aktuell"
statement.de = "Die Website ist aktuell."
reference = "Informationssuche – Checkliste"
applies_when = { fact = "eigene_website", not_equals = "nein" }
"""

MEASURES = """
phase = "informationssuche"

[[measure]]
id = "schaufenster_gestalten"
title.de = "Schaufenster einladend gestalten"
description.de = "Beschreibung"
reference = "Informationssuche"

[[measure]]
id = "website_mobil_machen"
title.de = "Website für Smartphones optimieren"
description.de = "Beschreibung"
reference = "Informationssuche"
"""

RULES = """
[[rule]]
id = "frequenz"
recommend = "schaufenster_gestalten"
reason.de = "Die Kundenfrequenz sinkt."
when = { fact = "frequenz_sinkt", equals = true }
unless = { any = [
  { fact = "schaufenster_ansprechend", equals = true },
  { answer = "schaufenster", equals = "ja" },
] }

[[rule]]
id = "mobil"
recommend = "website_mobil_machen"
reason.de = "Die Website ist nicht für Smartphones optimiert."
when = { fact = "website_mobil", equals = false }

[[rule]]
id = "ableitung"
derive = { fact = "schwach", value = true }
when = { fact = "frequenz_sinkt", equals = true }
"""


def plugin_folder(tmp_path: Path, rules: str = RULES, facts: str = FACTS) -> Path:
    folder = tmp_path / "testplugin"
    folder.mkdir(exist_ok=True)
    (folder / "facts.toml").write_text(facts, encoding="utf-8")
    (folder / "checklist.toml").write_text(CHECKLIST, encoding="utf-8")
    (folder / "measures.toml").write_text(MEASURES, encoding="utf-8")
    (folder / "rules.toml").write_text(rules, encoding="utf-8")
    return folder


@pytest.fixture
def small(tmp_path: Path) -> Engine:
    return Engine([PluginData(plugin_folder(tmp_path))], discover=False)


def profile(facts: str = "", answers: str = "", channels: str = '["laden"]') -> str:
    return (
        f'[company]\nname = "Test"\nchannels = {channels}\n[answers]\n{answers}\n[facts]\n{facts}\n'
    )


def recommended(engine: Engine, text: str) -> list[str]:
    return [r.measure for r in engine.audit(text).recommendations]


# ------------------------------------------------------------------------ unless


def test_unless_known_true_silences_the_rule(small):
    assert (
        recommended(small, profile("frequenz_sinkt = true\nschaufenster_ansprechend = true")) == []
    )
    assert recommended(small, profile("frequenz_sinkt = true", 'schaufenster = "ja"')) == []


def test_unless_false_or_unknown_lets_the_rule_fire(small):
    fired = ["schaufenster_gestalten"]
    assert recommended(small, profile("frequenz_sinkt = true")) == fired
    no = "frequenz_sinkt = true\nschaufenster_ansprechend = false"
    assert recommended(small, profile(no, 'schaufenster = "nein"')) == fired
    # One part known false, the other unknown: still not known true.
    assert recommended(small, profile(no)) == fired


def test_a_fired_rule_lists_what_its_unless_tested(small):
    result = small.audit(profile("frequenz_sinkt = true"))
    (firing,) = result.recommendations[0].reasons
    assert [e.ref for e in firing.evidence] == ["facts.frequenz_sinkt"]
    assert [(e.ref, e.shown) for e in firing.unless] == [
        ("facts.schaufenster_ansprechend", "unbekannt"),
        ("answers.schaufenster", "unbekannt"),
    ]


def test_explain_says_why_a_contradicted_rule_does_not_fire(small, tmp_path):
    text = profile("frequenz_sinkt = true\nschaufenster_ansprechend = true")
    explanation = small.explain("schaufenster_gestalten", text)
    (check,) = explanation.rules
    assert check.outcome == "blocked"
    assert check.unless_truth == "true"
    assert [leaf.truth for leaf in check.unless] == ["true", "unknown"]
    assert not explanation.recommended
    assert explanation.open_inputs == []  # nothing unanswered can make it fire any more


def test_explain_on_the_command_line_names_the_contradiction(tmp_path):
    folder = plugin_folder(tmp_path)
    path = write(tmp_path, profile("frequenz_sinkt = true\nschaufenster_ansprechend = true"))
    # The command line discovers installed plugins only: render the explanation directly.
    from io import StringIO

    from kundenkompass.render.text import render_explanation
    from rich.console import Console

    engine = Engine([PluginData(folder)], discover=False)
    out = StringIO()
    render_explanation(engine.explain("schaufenster_gestalten", path), Console(file=out, width=200))
    shown = out.getvalue()
    assert "greift nicht, weil eine Angabe ihr widerspricht" in shown
    assert "Greift nicht, weil: Ist das Schaufenster ansprechend gestaltet = ja" in shown


def test_explain_groups_the_conditions_of_unless_that_hold_only_together(tmp_path):
    """`unless.any = [a, {all = [b, c]}]`: b and c silence the rule only together, so the
    explanation shows them as one group, not as three independent contradictions."""
    from io import StringIO

    from kundenkompass.render.text import render_explanation
    from rich.console import Console

    from .conftest import ROOT

    engine = Engine()
    path = ROOT / "tests" / "advice" / "profiles" / "geschenkeladen_nur_checkliste.toml"
    explanation = engine.explain("negative_bewerter_kontaktieren", path)
    (check,) = [
        c for c in explanation.rules if c.rule == "bindung_negative_bewertungen_ohne_kontakt"
    ]
    assert [[leaf.ref for leaf in group] for group in check.unless_alternatives] == [
        ["facts.negative_bewerter_kontaktiert"],
        ["facts.anzahl_bewertungen", "answers.social_media_praesenz"],
        ["facts.unbeantwortete_negative_bewertungen"],
        ["answers.negative_bewertungen_als_anlass"],
    ]
    out = StringIO()
    render_explanation(explanation, Console(file=out, width=300))
    lines = out.getvalue().splitlines()
    start = lines.index("    • alle zugleich:")
    assert "facts.anzahl_bewertungen" in lines[start + 1]
    assert lines[start + 1].startswith("      ")
    assert "answers.social_media_praesenz" in lines[start + 2]
    assert lines[start + 2].startswith("      ")


def test_unless_compiles_to_not_known_true():
    rule = parse_rule(
        {
            "id": "r",
            "recommend": "m",
            "when": {"answer": "a", "equals": "nein"},
            "unless": {"fact": "b", "equals": True},
        },
        "rules.toml",
    )
    guard = to_alternatives(not_known_true(rule.unless))
    assert [[leaf.describe() for leaf in alternative] for alternative in guard] == [
        ["facts.b not_equals true"],
        ["facts.b is_unknown true"],
    ]
    assert [[leaf.describe() for leaf in alt] for alt in rule.alternatives()] == [
        ['answers.a equals "nein"', "facts.b not_equals true"],
        ['answers.a equals "nein"', "facts.b is_unknown true"],
    ]
    for b, fires in ((True, False), (False, True), (None, True)):
        known = {"answers.a": "nein"} | ({} if b is None else {"facts.b": b})
        assert rule_truth(rule, known) is fires


def test_not_known_true_agrees_with_kleene_logic_for_every_shape():
    from kundenkompass.rules.evaluate import evaluate

    raw = {
        "any": [
            {"fact": "x", "equals": True},
            {"not": {"all": [{"fact": "y", "gt": 3}, {"fact": "z", "is_unknown": True}]}},
        ]
    }
    rule = parse_rule({"id": "r", "recommend": "m", "when": raw}, "rules.toml")
    guard = not_known_true(rule.when)
    for x in (True, False, None):
        for y in (1, 5, None):
            for z in (True, None):
                known = {
                    key: value
                    for key, value in (("facts.x", x), ("facts.y", y), ("facts.z", z))
                    if value is not None
                }
                assert evaluate(guard, known) is (evaluate(rule.when, known) is not True)


def test_unless_with_unknown_keys_is_refused():
    with pytest.raises(RuleError, match="unless: unbekannte Schlüssel"):
        parse_rule(
            {"id": "r", "recommend": "m", "when": {"fact": "a", "equals": 1}, "unless": {"x": 1}},
            "rules.toml",
        )


def test_unless_values_are_checked_like_when(tmp_path):
    bad = RULES.replace(
        '{ answer = "schaufenster", equals = "ja" }', '{ answer = "schaufenster", equals = "jein" }'
    )
    with pytest.raises(RuleError, match="jein"):
        Engine([PluginData(plugin_folder(tmp_path, bad))], discover=False)


def test_unless_may_not_test_a_fact_rules_derive(tmp_path):
    bad = RULES.replace(
        '{ fact = "schaufenster_ansprechend", equals = true }',
        '{ fact = "schwach", equals = true }',
    )
    with pytest.raises(RuleError, match=r"unless: facts\.schwach wird von Regeln abgeleitet"):
        Engine([PluginData(plugin_folder(tmp_path, bad))], discover=False)


# ------------------------------------------------------------------ applies_when


def test_preconditions_are_parsed_into_the_catalog(small):
    assert set(small.catalog.preconditions) == {"facts.website_mobil", "answers.website_aktuell"}


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        ('{ fact = "gibt_es_nicht", equals = true }', "unbekannt: Fakt 'gibt_es_nicht'"),
        ('{ fact = "eigene_website", equals = "vielleicht" }', "passt nicht"),
        ('{ fact = "schwach", equals = true }', "facts.schwach ist abgeleitet"),
        ('{ fact = "website_mobil", equals = true }', "ist der Fakt selbst"),
        ('{ fact = "eigene_website", bigger = 1 }', "unbekannte Schlüssel"),
    ],
)
def test_bad_preconditions_are_refused_naming_the_fact(tmp_path, condition, message):
    facts = FACTS.replace('{ fact = "eigene_website", not_equals = "nein" }', condition)
    with pytest.raises(PluginError, match=message) as caught:
        Engine([PluginData(plugin_folder(tmp_path, facts=facts))], discover=False)
    assert "Fakt 'website_mobil': " in str(caught.value)


def test_preconditions_may_not_depend_on_each_other_in_a_circle(tmp_path):
    facts = FACTS.replace(
        'question.de = "Hat das Unternehmen eine eigene Website?"',
        'question.de = "Hat das Unternehmen eine eigene Website?"\n'
        'applies_when = { fact = "website_mobil", is_unknown = false }',
    )
    with pytest.raises(PluginError, match="hängt von sich selbst ab"):
        Engine([PluginData(plugin_folder(tmp_path, facts=facts))], discover=False)


def test_cli_lint_reports_an_unless_on_a_derived_fact(tmp_path):
    bad = RULES.replace(
        '{ fact = "schaufenster_ansprechend", equals = true }',
        '{ fact = "schwach", equals = true }',
    )
    folder = plugin_folder(tmp_path, bad)
    done = run_cli("lint", str(folder), cwd=tmp_path)
    assert done.returncode == 1
    assert "unless: facts.schwach wird von Regeln abgeleitet" in done.stdout


def test_a_ruled_out_fact_is_ignored_and_never_asked(small):
    text = profile('eigene_website = "nein"\nwebsite_mobil = false', 'website_aktuell = "nein"')
    result = small.audit(text)
    assert "website_mobil_machen" not in [r.measure for r in result.recommendations]
    assert "website_mobil" not in result.facts
    assert [(i.ref, i.shown, i.because) for i in result.ignored_inputs] == [
        ("answers.website_aktuell", "nein", "Hat das Unternehmen eine eigene Website: nein"),
        ("facts.website_mobil", "nein", "Hat das Unternehmen eine eigene Website: nein"),
    ]
    (phase,) = [p for p in result.phases if p.phase == "informationssuche"]
    (item,) = [c for c in phase.checklist if c.item == "website_aktuell"]
    assert item.answer == "entfaellt"
    assert item.note == "Entfällt, weil: Hat das Unternehmen eine eigene Website: nein"
    assert phase.score is None  # nothing else is answered: nothing to score


def test_open_questions_leave_out_what_the_profile_rules_out(small):
    asked = [q.ref for q in small.audit(profile('eigene_website = "nein"')).open_questions]
    assert "facts.website_mobil" not in asked
    asked = [q.ref for q in small.audit(profile('eigene_website = "ja"')).open_questions]
    assert "facts.website_mobil" in asked
    # Unknown is not false: with the website unknown, its quality is still asked.
    asked = [q.ref for q in small.audit(profile()).open_questions]
    assert "facts.website_mobil" in asked


def test_open_questions_never_ask_for_derived_facts(engine):
    from kundenkompass.engine import Engine as _Engine  # noqa: F401  (the built-in engine)

    result = engine.audit(
        '[company]\nname = "Leer"\nchannels = ["laden", "onlineshop", "marktplatz"]\n'
    )
    derived = {f"facts.{f.key}" for f in engine.catalog.facts.values() if f.source == "derived"}
    assert not derived & {q.ref for q in result.open_questions}


def test_open_questions_are_grouped_by_phase_and_ranked(engine):
    from kundenkompass.vocabulary import PHASES

    result = engine.audit('[company]\nname = "Leer"\nchannels = ["laden", "onlineshop"]\n')
    questions = result.open_questions
    assert questions
    phases = [PHASES.index(q.phase) if q.phase else len(PHASES) for q in questions]
    assert phases == sorted(phases)
    assert sorted(q.rank for q in questions) == list(range(1, len(questions) + 1))
    order = {"hoch": 0, "mittel": 1, "niedrig": 2}
    by_rank = sorted(questions, key=lambda q: q.rank)
    assert [order[q.priority] for q in by_rank] == sorted(order[q.priority] for q in by_rank)
    for phase in set(phases):
        ranks = [q.rank for q, p in zip(questions, phases, strict=True) if p == phase]
        assert ranks == sorted(ranks)


# ------------------------------------------------------------ audit init, template


def test_init_skips_a_question_that_an_earlier_answer_rules_out(small, tmp_path):
    from kundenkompass.tools.questionnaire.session import UNKNOWN

    from .test_init_flow import run

    company = {
        "company.name": "Testladen",
        "company.sector": UNKNOWN,
        "company.location": UNKNOWN,
        "company.channels": ["laden"],
    }
    path = tmp_path / "profil.toml"
    _, prompter = run(path, small, {**company, "facts.eigene_website": "nein"})
    asked = prompter.asked_paths
    assert "facts.eigene_website" in asked
    assert "facts.website_mobil" not in asked
    assert "answers.website_aktuell" not in asked
    written = path.read_text(encoding="utf-8")
    assert "website_mobil" not in written

    _, prompter = run(tmp_path / "zwei.toml", small, {**company, "facts.eigene_website": "ja"})
    assert "facts.website_mobil" in prompter.asked_paths


def test_a_precondition_is_asked_before_the_questions_that_depend_on_it(small):
    from kundenkompass.tools.questionnaire.questions import build_sections

    for section in build_sections(small.catalog):
        paths = [question.path for question in section.questions]
        for position, question in enumerate(section.questions):
            if question.precondition is None:
                continue
            for leaf in iter_leaves(question.precondition):
                if leaf.ref in paths:
                    assert paths.index(leaf.ref) < position, (question.path, leaf.ref)


def test_the_built_in_questionnaire_asks_every_precondition_first(engine):
    """Across all sections: a question comes after every question its precondition tests."""
    from kundenkompass.tools.questionnaire.questions import build_sections

    order = [q.path for s in build_sections(engine.catalog) for q in s.questions]
    for ref, condition in engine.catalog.preconditions.items():
        for leaf in iter_leaves(condition):
            if leaf.ref in order and ref in order:
                assert order.index(leaf.ref) < order.index(ref), (ref, leaf.ref)


def test_the_template_states_the_precondition(small):
    from kundenkompass.tools.questionnaire.questions import build_sections
    from kundenkompass.tools.questionnaire.template import template_text

    written = template_text(build_sections(small.catalog), small.catalog)
    assert (
        "#   Nur wenn: „Hat das Unternehmen eine eigene Website“ ist nicht nein\n# website_mobil"
        in written
    )


def test_a_ruled_out_question_names_each_deciding_input_once(engine):
    """Two tests of one input decide ("neither online shop nor marketplace"): the listing of
    the ignored answer names the input once, not once per test."""
    profile = ROOT / "tests" / "advice" / "profiles" / "gartencenter_ohne_website.toml"
    ignored = engine.audit(profile).ignored_inputs
    assert ignored
    for entry in ignored:
        labels = [part.split(":")[0] for part in entry.because.split("; ")]
        assert len(labels) == len(set(labels)), entry.because
    assert any("Über welche Kanäle" in entry.because for entry in ignored)
