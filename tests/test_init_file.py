"""The commented TOML of `audit init`: template, profile layout, typed input."""

from __future__ import annotations

import re

import pytest
from kundenkompass.files.toml_files import parse_toml_text
from kundenkompass.profile.load import load_profile, parse_profile_text
from kundenkompass.rules.language import iter_leaves
from kundenkompass.tools.questionnaire.questions import (
    InvalidInput,
    ProfileDraft,
    Question,
    QuestionKind,
    build_sections,
    check_text,
    company_section,
    format_number,
    parse_number,
)
from kundenkompass.tools.questionnaire.template import profile_text, template_text

from .conftest import ROOT, run_cli

RADHAUS = ROOT / "examples" / "radhaus.toml"


@pytest.fixture(scope="module")
def sections(engine):
    return build_sections(engine.catalog)


def test_template_lists_every_question_commented_out_with_text_and_values(engine, sections):
    template = template_text(sections, engine.catalog)
    data = parse_toml_text(template)
    # Every key is commented out: the tables are empty.
    assert data == {"company": {}, "answers": {}, "facts": {}, "thresholds": {}}
    for item in engine.catalog.checklist.values():
        assert f'# {item.id} = "unbekannt"\n' in template
    for fact in engine.catalog.input_facts():
        assert f'# {fact.key} = "unbekannt"\n' in template
        first_words = " ".join(fact.question["de"].split()[:4])
        assert first_words in template
    for threshold in engine.catalog.thresholds.values():
        assert re.search(rf"^# {threshold.key} = [0-9.]+$", template, re.MULTILINE)
    assert '#   Antwort: "ja" | "teilweise" | "nein" | "entfällt"' in template
    enum = next(f for f in engine.catalog.input_facts() if f.type.value == "enum")
    assert f'#     "{enum.values[0]}"' in template  # enum values with their labels
    assert enum.label(enum.values[0]) in template
    assert "Nur bei Kanal: Onlineshop" in template
    assert "# channels = []" in template
    # The help texts are there too.
    item = next(i for i in engine.catalog.checklist.values() if i.help)
    assert " ".join(item.help["de"].split()[:5]) in template


def test_template_filled_in_by_uncommenting_is_a_valid_profile(engine, sections):
    template = template_text(sections, engine.catalog)
    filled = template.replace('# name = ""', 'name = "Vorlage GmbH"')
    filled = filled.replace("# channels = []", 'channels = ["laden", "onlineshop"]')
    assert load_profile_text(filled, engine).company.name == "Vorlage GmbH"
    # Uncommenting every placeholder keeps it valid: "unbekannt" means unknown.
    everything = re.sub(r'^# (\w+ = "unbekannt")$', r"\1", filled, flags=re.MULTILINE)
    everything = re.sub(r"^# (\w+ = [0-9.]+)$", r"\1", everything, flags=re.MULTILINE)
    profile = load_profile_text(everything, engine)
    assert profile.facts == {}
    assert all(answer.value is None for answer in profile.answers.values())
    assert len(profile.thresholds) == len(engine.catalog.thresholds)
    # An answer written into the template is read with its type.
    item = next(iter(engine.catalog.checklist))
    number = first_fact(engine, "int")
    answered = everything.replace(f'{item} = "unbekannt"', f'{item} = "entfällt"').replace(
        f'{number.key} = "unbekannt"', f"{number.key} = {int(number.minimum or 0)}"
    )
    profile = load_profile_text(answered, engine)
    assert profile.answer(item) == "entfaellt"
    assert profile.facts[number.key] == int(number.minimum or 0)


def first_fact(engine, kind: str):
    return next(f for f in engine.catalog.input_facts() if f.type.value == kind)


def load_profile_text(text: str, engine):
    return parse_profile_text(text, engine.catalog, "template.toml")


def test_profile_round_trip_keeps_every_value_and_note(engine, sections, tmp_path):
    original = load_profile(RADHAUS, engine.catalog)
    text = profile_text(ProfileDraft.from_profile(original), sections, engine.catalog)
    again = parse_profile_text(text, engine.catalog, "x")
    assert again.model_dump(exclude={"source"}) == original.model_dump(exclude={"source"})
    noted = {key: a for key, a in original.answers.items() if a.note}
    assert noted
    for key, answer in noted.items():
        assert f'{key} = {{antwort = "' in text
        assert f'notiz = "{answer.note}"}}' in text
    # Written twice, the same bytes.
    assert profile_text(ProfileDraft.from_profile(again), sections, engine.catalog) == text


def test_profile_escapes_texts_and_writes_types(engine, sections):
    decimal, whole, flag = (first_fact(engine, kind) for kind in ("float", "int", "bool"))
    facts = {decimal.key: float(decimal.minimum or 0), whole.key: 7, flag.key: True}
    draft = ProfileDraft(name='Müller & "Söhne"\\', channels=("onlineshop", "laden"), facts=facts)
    item = next(iter(engine.catalog.checklist))
    draft.set(f"answers.{item}", "ja")
    text = profile_text(draft, sections, engine.catalog)
    profile = parse_profile_text(text, engine.catalog, "x")
    assert profile.company.name == 'Müller & "Söhne"\\'
    assert profile.answer(item) == "ja"
    assert profile.facts == facts
    assert f"{decimal.key} = {float(decimal.minimum or 0)}\n" in text
    assert f"{whole.key} = 7\n" in text
    assert f"{flag.key} = true\n" in text


@pytest.mark.parametrize(
    ("kind", "typed", "expected"),
    [
        (QuestionKind.FLOAT, "4,6", 4.6),
        (QuestionKind.FLOAT, " 4.6 ", 4.6),
        (QuestionKind.FLOAT, "24", 24.0),
        (QuestionKind.FLOAT, ",5", 0.5),
        (QuestionKind.INT, "12", 12),
        (QuestionKind.INT, "0", 0),
    ],
)
def test_numbers_are_read_in_german_or_english_notation(kind, typed, expected):
    question = Question(path="facts.x", kind=kind, text="?", minimum=0, maximum=100)
    value = parse_number(typed, question)
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize(
    ("kind", "typed", "message"),
    [
        (QuestionKind.INT, "1.000", "ganze Zahl"),
        (QuestionKind.INT, "2,5", "ganze Zahl"),
        (QuestionKind.FLOAT, "viel", "Zahl"),
        (QuestionKind.FLOAT, "nan", "Zahl"),
        (QuestionKind.FLOAT, "101", "von 0 bis 100"),
        (QuestionKind.INT, "-1", "von 0 bis 100"),
    ],
)
def test_wrong_numbers_are_explained(kind, typed, message):
    question = Question(path="facts.x", kind=kind, text="?", minimum=0, maximum=100)
    with pytest.raises(InvalidInput, match=message):
        parse_number(typed, question)


def test_numbers_are_shown_the_german_way():
    assert format_number(4.6) == "4,6"
    assert format_number(24.0) == "24"
    assert format_number(3) == "3"


def test_questions_know_their_channels_and_sectors():
    question = Question(
        path="facts.x",
        kind=QuestionKind.BOOL,
        text="?",
        channels=("onlineshop",),
        sectors=("fahrradhandel",),
    )
    assert question.applies_to(["laden", "onlineshop"], "fahrradhandel")
    assert not question.applies_to(["laden"], "fahrradhandel")
    assert not question.applies_to(["onlineshop"], None)
    assert Question(path="facts.y", kind=QuestionKind.BOOL, text="?").applies_to([], None)


def test_a_known_sector_is_read_in_its_own_spelling():
    sector = company_section("de", ["fahrradhandel"]).questions[1]
    assert sector.path == "company.sector"
    assert "fahrradhandel" in sector.help
    assert check_text(" Fahrradhandel ", sector) == "fahrradhandel"
    assert check_text("Blumen", sector) == "Blumen"
    with pytest.raises(InvalidInput, match="höchstens 100"):
        check_text("x" * 101, sector)


def test_sections_follow_the_phases_with_checklist_first(engine, sections):
    assert [s.id for s in sections] == [
        "company",
        "bedarfsentstehung",
        "informationssuche",
        "produktwahl",
        "kauf",
        "bindung",
    ]
    # A precondition's question comes first, and a question moves behind the one it
    # depends on; all other questions keep checklist items before facts.
    linked = {
        leaf.ref
        for condition in engine.catalog.preconditions.values()
        for leaf in iter_leaves(condition)
    } | set(engine.catalog.preconditions)
    for section in sections[1:]:
        kinds = [q.kind is QuestionKind.ANSWER for q in section.questions if q.path not in linked]
        assert kinds == sorted(kinds, reverse=True)
    asked = {q.path for s in sections for q in s.questions}
    expected = {f"answers.{i}" for i in engine.catalog.checklist}
    expected |= {f"facts.{f.key}" for f in engine.catalog.input_facts()}
    assert asked - {q.path for q in sections[0].questions} == expected


def test_cli_template_writes_refuses_to_overwrite_and_prints(tmp_path, engine, sections):
    path = tmp_path / "vorlage.toml"
    result = run_cli("init", "--template", str(path))
    assert result.returncode == 0, result.stderr
    assert f"Vorlage geschrieben: {path}" in result.stderr
    assert result.stdout == ""
    assert path.read_text(encoding="utf-8") == template_text(sections, engine.catalog)

    again = run_cli("init", "--template", str(path))
    assert again.returncode == 2
    assert "existiert bereits; --force ersetzt" in again.stderr
    assert run_cli("init", "--template", "--force", str(path)).returncode == 0

    printed = run_cli("init", "--template", "-")
    assert printed.returncode == 0
    assert printed.stdout == path.read_text(encoding="utf-8")


def test_cli_without_a_terminal_points_to_the_template(tmp_path):
    result = run_cli("init", str(tmp_path / "profil.toml"))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "braucht ein interaktives Terminal" in result.stderr
    assert "audit init --template" in result.stderr
    assert not (tmp_path / "profil.toml").exists()


def test_cli_refuses_conflicting_options(tmp_path):
    result = run_cli("init", "--template", "--review", str(tmp_path / "p.toml"))
    assert result.returncode == 2
    assert "--template: lässt sich nicht" in result.stderr
