"""The flow of `audit init` with scripted answers: order, resuming, review, interruption."""

from __future__ import annotations

import types
from pathlib import Path
from typing import Any

import pytest
from kundenkompass import hookimpl
from kundenkompass.catalog.plugin_data import PluginData
from kundenkompass.engine import Engine
from kundenkompass.errors import OutputError, ProfileError
from kundenkompass.models import FactDefinition
from kundenkompass.profile.load import load_profile
from kundenkompass.tools.questionnaire.questions import Question, Section
from kundenkompass.tools.questionnaire.session import UNKNOWN, Change, InitSession, Position

from .conftest import ROOT, SAMPLE_PLUGIN

COMPANY = {
    "company.name": "Testladen",
    "company.sector": UNKNOWN,
    "company.location": "Köln",
    "company.channels": ["laden"],
}


class Interrupt:
    """A reply that stands for pressing Ctrl-C at this question."""


class ScriptedPrompter:
    """Answers from a mapping of key paths; records what was asked."""

    def __init__(self, replies: dict[str, Any], confirms: list[bool] | None = None) -> None:
        self.replies = replies
        self.confirms = list(confirms or [])
        self.asked: list[tuple[str, Any, Position]] = []
        self.confirmations: list[str] = []
        self.messages: list[str] = []
        self.shown_changes: list[list[Change]] = []
        self.sections: list[tuple[str, int]] = []

    def ask(self, question: Question, current: Any, position: Position) -> Any:
        reply = self.replies.get(question.path, UNKNOWN)
        if reply is Interrupt:
            raise KeyboardInterrupt
        self.asked.append((question.path, current, position))
        return reply

    def confirm(self, message: str, default: bool) -> bool:
        self.confirmations.append(message)
        return self.confirms.pop(0) if self.confirms else default

    def section(self, section: Section, count: int) -> None:
        self.sections.append((section.id, count))

    def say(self, message: str, style: str = "") -> None:
        self.messages.append(message)

    def changes(self, changes: list[Change]) -> None:
        self.shown_changes.append(changes)

    @property
    def asked_paths(self) -> list[str]:
        return [path for path, _, _ in self.asked]


def run(path: Path, engine, replies, confirms=None, **options):
    prompter = ScriptedPrompter(replies, confirms)
    outcome = InitSession(path, engine.catalog, prompter, **options).run()
    return outcome, prompter


SAMPLE_ANSWERS = {
    **COMPANY,
    "answers.gbp": "entfaellt",
    "answers.social": UNKNOWN,
    "facts.homepage": False,
    "facts.kanaele": [],
    "facts.antwortzeit": 4.5,
}


def test_new_profile_asks_company_then_phases_and_writes_a_valid_profile(tmp_path, sample_engine):
    path = tmp_path / "profil.toml"
    outcome, prompter = run(path, sample_engine, SAMPLE_ANSWERS)

    assert prompter.asked_paths == [
        "company.name",
        "company.sector",
        "company.location",
        "company.channels",
        "answers.gbp",
        "answers.social",
        "facts.homepage",
        "facts.kanaele",
        "facts.antwortzeit",
    ]
    assert prompter.sections == [("company", 4), ("informationssuche", 5)]
    position = prompter.asked[-1][2]
    assert (position.phase_number, position.phases, position.number, position.count) == (
        2,
        5,
        5,
        5,
    )
    assert outcome.saved and not outcome.interrupted
    assert (outcome.answered, outcome.open) == (4, 1)

    profile = load_profile(path, sample_engine.catalog)
    assert profile.company.name == "Testladen"
    assert profile.company.sector is None
    assert profile.company.channels == ("laden",)
    assert profile.answer("gbp") == "entfaellt"
    assert "social" not in profile.answers  # "weiß nicht" leaves the key out
    assert profile.facts == {"antwortzeit": 4.5, "homepage": False, "kanaele": ()}
    written = path.read_text(encoding="utf-8")
    assert 'gbp = "entfällt"' in written
    assert '# social = "unbekannt"' in written
    assert "kanaele = []" in written
    assert sample_engine.audit(profile).company.name == "Testladen"


def test_resuming_asks_only_open_questions_and_keeps_answers(tmp_path, sample_engine):
    path = tmp_path / "profil.toml"
    run(path, sample_engine, SAMPLE_ANSWERS)

    outcome, prompter = run(path, sample_engine, {"answers.social": "teilweise"})

    assert prompter.asked_paths == ["answers.social"]
    assert prompter.confirmations == []  # our own file: nothing to agree to
    assert any("1 Fragen sind noch offen" in message for message in prompter.messages)
    profile = load_profile(path, sample_engine.catalog)
    assert profile.answer("social") == "teilweise"
    assert profile.answer("gbp") == "entfaellt"
    assert profile.facts["antwortzeit"] == 4.5
    assert (outcome.answered, outcome.open) == (5, 0)


def test_nothing_open_asks_nothing_and_leaves_the_file_alone(tmp_path, sample_engine):
    path = tmp_path / "profil.toml"
    run(path, sample_engine, {**SAMPLE_ANSWERS, "answers.social": "ja"})
    before = path.read_bytes()
    stat = path.stat()

    outcome, prompter = run(path, sample_engine, {})

    assert prompter.asked == []
    assert not outcome.saved
    assert any("alle Fragen beantwortet" in message for message in prompter.messages)
    assert path.read_bytes() == before
    assert path.stat().st_mtime_ns == stat.st_mtime_ns


def test_skipping_everything_leaves_the_file_unchanged(tmp_path, sample_engine):
    path = tmp_path / "profil.toml"
    run(path, sample_engine, COMPANY)
    before = path.read_bytes()

    outcome, prompter = run(path, sample_engine, {})

    assert len(prompter.asked) == 5
    assert not outcome.saved
    assert path.read_bytes() == before


def test_review_walks_all_answers_with_the_current_ones(tmp_path, sample_engine):
    path = tmp_path / "profil.toml"
    run(path, sample_engine, SAMPLE_ANSWERS)
    same = {**SAMPLE_ANSWERS, "facts.antwortzeit": 4.5, "facts.kanaele": []}

    outcome, prompter = run(path, sample_engine, same, review=True)

    assert prompter.asked_paths[:4] == list(COMPANY)
    currents = {path: current for path, current, _ in prompter.asked}
    assert currents["answers.gbp"] == "entfaellt"
    assert currents["answers.social"] is None
    assert currents["facts.kanaele"] == []
    assert prompter.confirmations == []  # nothing changed, nothing to confirm
    assert not outcome.saved


def test_review_replaces_answers_only_after_confirmation(tmp_path, sample_engine):
    path = tmp_path / "profil.toml"
    run(path, sample_engine, SAMPLE_ANSWERS)
    changed = {
        **SAMPLE_ANSWERS,
        "answers.gbp": "ja",
        "answers.social": "nein",  # was open: a new answer, not a replacement
        "facts.antwortzeit": UNKNOWN,  # removing a known answer is a change too
    }

    run(path, sample_engine, changed, confirms=[False], review=True)
    profile = load_profile(path, sample_engine.catalog)
    assert profile.answer("gbp") == "entfaellt"
    assert profile.facts["antwortzeit"] == 4.5
    assert profile.answer("social") == "nein"

    _, prompter = run(path, sample_engine, changed, confirms=[True], review=True)
    (changes,) = prompter.shown_changes
    assert {change.question.path for change in changes} == {
        "answers.gbp",
        "facts.antwortzeit",
    }
    profile = load_profile(path, sample_engine.catalog)
    assert profile.answer("gbp") == "ja"
    assert "antwortzeit" not in profile.facts


def test_interrupt_keeps_what_was_answered(tmp_path, sample_engine):
    path = tmp_path / "profil.toml"
    replies = {**SAMPLE_ANSWERS, "facts.homepage": True, "facts.kanaele": Interrupt}

    outcome, prompter = run(path, sample_engine, replies)

    assert outcome.interrupted and outcome.saved
    assert prompter.asked_paths[-1] == "facts.homepage"
    profile = load_profile(path, sample_engine.catalog)
    assert profile.company.name == "Testladen"
    assert profile.answer("gbp") == "entfaellt"
    assert profile.facts == {"homepage": True}

    _, prompter = run(path, sample_engine, {"facts.kanaele": ["instagram"]})
    assert prompter.asked_paths == ["answers.social", "facts.kanaele", "facts.antwortzeit"]
    assert load_profile(path, sample_engine.catalog).facts["kanaele"] == ("instagram",)


def test_interrupt_before_the_company_is_complete_writes_nothing(tmp_path, sample_engine):
    path = tmp_path / "profil.toml"
    outcome, _ = run(path, sample_engine, {**COMPANY, "company.channels": Interrupt})
    assert outcome.interrupted and not outcome.saved
    assert not path.exists()


def test_interrupt_in_review_does_not_replace_unconfirmed_answers(tmp_path, sample_engine):
    path = tmp_path / "profil.toml"
    run(path, sample_engine, SAMPLE_ANSWERS)
    replies = {
        **SAMPLE_ANSWERS,
        "answers.gbp": "nein",
        "answers.social": "ja",
        "facts.antwortzeit": Interrupt,
    }

    outcome, _ = run(path, sample_engine, replies, review=True)

    assert outcome.interrupted
    profile = load_profile(path, sample_engine.catalog)
    assert profile.answer("gbp") == "entfaellt"  # a replacement needs confirmation
    assert profile.answer("social") == "ja"  # a new answer is kept


def test_phase_option_asks_only_that_phase(tmp_path, engine):
    path = tmp_path / "profil.toml"
    _, prompter = run(path, engine, COMPANY, phase="kauf")
    phases = {engine.catalog.subjects[p].phase for p in prompter.asked_paths[4:]} - {None}
    assert [s for s, _ in prompter.sections] == ["company", "kauf"]
    assert len(prompter.asked_paths) > 4
    assert all(p.startswith(("answers.", "facts.")) for p in prompter.asked_paths[4:])
    assert not phases or phases == {"kauf"}

    with pytest.raises(ProfileError, match="unbekannte Phase 'einkauf'"):
        run(path, engine, {}, phase="einkauf")


def test_questions_for_other_channels_are_not_asked(tmp_path, engine):
    path = tmp_path / "profil.toml"
    _, prompter = run(path, engine, COMPANY)
    asked = set(prompter.asked_paths)
    store = [
        f"answers.{i.id}"
        for i in engine.catalog.checklist.values()
        if i.channels == ("laden",) and not i.sectors  # COMPANY states no sector
    ]
    shop = [
        f"answers.{i.id}"
        for i in engine.catalog.checklist.values()
        if i.channels == ("onlineshop",)
    ]
    shop += [
        f"facts.{f.key}" for f in engine.catalog.input_facts() if f.channels == ("onlineshop",)
    ]
    assert store and shop
    assert set(store) <= asked
    assert not set(shop) & asked

    written = path.read_text(encoding="utf-8")
    for ref in shop:  # not asked, not listed
        assert f"\n# {ref.split('.')[1]} = " not in written
    assert f'\n# {store[0].split(".")[1]} = "unbekannt"\n' in written


def test_a_foreign_file_is_rewritten_only_after_confirmation_with_a_backup(tmp_path, engine):
    path = tmp_path / "radhaus.toml"
    original = (ROOT / "examples" / "radhaus.toml").read_text(encoding="utf-8")
    path.write_text(original, encoding="utf-8")
    before = load_profile(path, engine.catalog)
    item = next(
        i.id
        for i in engine.catalog.checklist.values()
        if before.answer(i.id) is None and i.channels in ((), ("laden",))
    )

    outcome, prompter = run(path, engine, {}, confirms=[False])
    assert outcome.declined
    assert prompter.asked == []
    assert path.read_text(encoding="utf-8") == original

    outcome, prompter = run(path, engine, {f"answers.{item}": "ja"}, confirms=[True])
    assert outcome.saved
    assert outcome.backup == str(path) + ".bak"
    assert Path(outcome.backup).read_text(encoding="utf-8") == original
    after = load_profile(path, engine.catalog)
    assert after.answer(item) == "ja"
    unchanged = after.model_dump(exclude={"source", "answers"})
    assert unchanged == before.model_dump(exclude={"source", "answers"})
    kept = {k: v for k, v in after.answers.items() if k != item}
    assert kept == {k: v for k, v in before.answers.items() if v.value or v.note}
    assert any(answer.note for answer in kept.values())  # notes are kept


def test_an_invalid_existing_file_is_an_error_and_stays_untouched(tmp_path, sample_engine):
    path = tmp_path / "profil.toml"
    path.write_text('[company]\nname = "X"\nchannels = ["kiosk"]\n', encoding="utf-8")
    with pytest.raises(ProfileError, match=r"company\.channels\[0\]"):
        run(path, sample_engine, SAMPLE_ANSWERS)
    assert path.read_text(encoding="utf-8").endswith('["kiosk"]\n')


def test_a_missing_folder_fails_before_the_first_question(tmp_path, sample_engine):
    with pytest.raises(OutputError, match="existiert nicht"):
        run(tmp_path / "fehlt" / "profil.toml", sample_engine, SAMPLE_ANSWERS)
    with pytest.raises(OutputError, match="ist ein Ordner"):
        run(tmp_path, sample_engine, SAMPLE_ANSWERS)


@pytest.fixture(scope="module")
def sector_engine():
    """The sample plugin plus one fact asked only of bike shops."""

    def register_facts():
        return [
            FactDefinition(
                key="rad_vermessung",
                type="bool",
                question={"de": "Vermessen Sie Kunden für ihr Rad?"},
                phase="informationssuche",
                sectors=("fahrradhandel",),
            )
        ]

    local = types.SimpleNamespace(
        KUNDENKOMPASS_PLUGIN_NAME="rad", register_facts=hookimpl(register_facts)
    )
    return Engine([PluginData(SAMPLE_PLUGIN), local], discover=False)


def test_sector_questions_are_asked_only_in_their_sector(tmp_path, sector_engine):
    path = tmp_path / "profil.toml"
    _, prompter = run(path, sector_engine, COMPANY)
    assert "facts.rad_vermessung" not in prompter.asked_paths

    bike_shop = {**COMPANY, "company.sector": "fahrradhandel", "facts.rad_vermessung": True}
    _, prompter = run(tmp_path / "rad.toml", sector_engine, bike_shop)
    assert "facts.rad_vermessung" in prompter.asked_paths
    assert load_profile(tmp_path / "rad.toml", sector_engine.catalog).facts == {
        "rad_vermessung": True
    }


def test_changing_the_sector_removes_its_answers_only_with_confirmation(tmp_path, sector_engine):
    path = tmp_path / "rad.toml"
    bike_shop = {**COMPANY, "company.sector": "fahrradhandel", "facts.rad_vermessung": True}
    run(path, sector_engine, bike_shop)
    other = {**bike_shop, "company.sector": "moebel"}

    _, prompter = run(path, sector_engine, other, confirms=[False], review=True)
    profile = load_profile(path, sector_engine.catalog)
    assert (profile.company.sector, profile.facts) == ("fahrradhandel", {"rad_vermessung": True})

    _, prompter = run(path, sector_engine, other, confirms=[True], review=True)
    changed = [c.question.path for c in prompter.shown_changes[0]]
    assert changed == ["company.sector", "facts.rad_vermessung"]
    assert "facts.rad_vermessung" not in prompter.asked_paths  # not a moebel question
    profile = load_profile(path, sector_engine.catalog)
    assert (profile.company.sector, profile.facts) == ("moebel", {})
