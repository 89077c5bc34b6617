"""`audit init` driven through a real pseudo-terminal, as a user types.

The child is the real command line; every question is answered with the keys a user
presses (shortcut letters, arrows, space, typed numbers, Enter), then the written
profile is compared with what was typed and audited.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from typing import Any

import pexpect
import pytest
from kundenkompass.profile.load import load_profile
from kundenkompass.tools.questionnaire.questions import Question, QuestionKind, build_sections

from .conftest import run_cli

PROGRESS = r"Frage (\d+) von (\d+)  \[((?:company|answers|facts)\.\w+)\]"
AUDIT_NOW = "Das Profil jetzt auswerten?"
UP = "\x1b[A"
CHECKLIST_KEYS = {"ja": "j", "teilweise": "t", "nein": "n", "entfaellt": "e"}


def _interruptible() -> None:
    # A test run started in the background of a script passes SIGINT on as ignored, and
    # Python then leaves Ctrl-C ignored; in a terminal session it interrupts.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


class Terminal:
    """``audit init`` in a pseudo-terminal wide enough that no prompt wraps."""

    def __init__(self, *args: str, cwd: Path) -> None:
        env = dict(os.environ)
        # Without a terminal emulator nobody answers prompt_toolkit's cursor position
        # requests; this makes it not ask instead of waiting for a reply.
        env.update({"PROMPT_TOOLKIT_NO_CPR": "1", "TERM": "xterm-256color"})
        self.child = pexpect.spawn(
            sys.executable,
            ["-m", "kundenkompass", "init", *args],
            cwd=str(cwd),
            env=env,
            encoding="utf-8",
            dimensions=(60, 500),
            timeout=60,
            preexec_fn=_interruptible,
        )
        self.child.delaybeforesend = None
        self.transcript: list[str] = []
        self.child.logfile_read = _Collect(self.transcript)

    @property
    def output(self) -> str:
        return "".join(self.transcript)

    def next_question(self) -> str | None:
        """Wait for the next question; its key path, or None at the closing prompt."""
        index = self.child.expect([PROGRESS, AUDIT_NOW])
        return self.child.match.group(3) if index == 0 else None

    def wait_for_prompt(self, question: Question) -> None:
        # The prompt shows the question once it is ready for keys.
        self.child.expect_exact(question.text)

    def send(self, keys: str) -> None:
        self.child.send(keys)

    def finish(self) -> int:
        self.child.expect(pexpect.EOF)
        self.child.close()
        return self.child.exitstatus


class _Collect:
    def __init__(self, into: list[str]) -> None:
        self.into = into

    def write(self, data: str) -> None:
        self.into.append(data)

    def flush(self) -> None:
        pass


def keys_for(question: Question, number: int) -> tuple[str, Any]:
    """What a user types for ``question`` and the value the profile should then hold."""
    kind = question.kind
    if kind is QuestionKind.ANSWER:
        if number % 5 == 4:
            return "w\r", None
        value = ("ja", "teilweise", "nein", "entfaellt")[number % 4]
        return CHECKLIST_KEYS[value] + "\r", value
    if kind is QuestionKind.BOOL:
        return ("j\r", True) if number % 2 else ("n\r", False)
    if kind is QuestionKind.ENUM:
        return "2\r", question.values[1]
    if kind is QuestionKind.ENUM_LIST:
        if number % 3 == 0:  # up twice from the first entry: "keine davon"
            return f"{UP}{UP} \r", []
        if number % 3 == 1:  # the first and the second entry
            return " \x1b[B \r", list(question.values[:2])
        if number % 2:
            return f"{UP} \r", None  # "weiß nicht", chosen explicitly
        return "\r", None  # nothing chosen: "weiß nicht" too
    if kind in (QuestionKind.INT, QuestionKind.FLOAT):
        low = question.minimum or 0
        if kind is QuestionKind.INT:
            return f"{int(low) + 1}\r", int(low) + 1
        return "2,5\r", 2.5
    return "\r", None


def answer_all(
    terminal: Terminal,
    questions: dict[str, Question],
    stop_after: int | None = None,
    stop_in_phase: tuple[str, int] | None = None,
    interrupt: bool = True,
):
    """Answer every question that comes; return the expected values by key path.

    ``stop_after`` presses Ctrl-C after that many answers, ``stop_in_phase`` after that
    many answers to questions of that phase; with ``interrupt=False`` it only stops
    answering (at the next prompt), so that the caller can end the program otherwise.
    """
    expected: dict[str, Any] = {}
    seen = 0
    while True:
        path = terminal.next_question()
        if path is None:
            return expected
        question = questions[path]
        terminal.wait_for_prompt(question)
        in_phase = stop_in_phase and sum(questions[p].phase == stop_in_phase[0] for p in expected)
        if (stop_after is not None and seen == stop_after) or (
            stop_in_phase and in_phase == stop_in_phase[1]
        ):
            if interrupt:
                terminal.send("\x03")  # Ctrl-C
            return expected
        if path == "company.name":
            keys, value = "Radhaus Test\r", "Radhaus Test"
        elif path == "company.sector":
            keys, value = "\r", None
        elif path == "company.location":
            keys, value = "Köln\r", "Köln"
        elif path == "company.channels":
            keys, value = " \r", ["laden"]  # the first entry: Ladengeschäft
        else:
            keys, value = keys_for(question, seen)
        terminal.send(keys)
        expected[path] = value
        seen += 1


def assert_profile_holds(path: Path, catalog, expected: dict[str, Any]) -> None:
    profile = load_profile(path, catalog)
    for key_path, value in expected.items():
        table, key = key_path.split(".", 1)
        if table == "company":
            actual = getattr(profile.company, key)
            actual = list(actual) if isinstance(actual, tuple) else actual
        elif table == "answers":
            actual = profile.answer(key)
        else:
            actual = profile.facts.get(key)
            actual = list(actual) if isinstance(actual, tuple) else actual
        assert actual == value, key_path


@pytest.fixture(scope="module")
def questions(engine) -> dict[str, Question]:
    return {q.path: q for s in build_sections(engine.catalog) for q in s.questions}


def test_a_whole_questionnaire_writes_a_profile_that_audits(tmp_path, engine, questions):
    terminal = Terminal("profil.toml", cwd=tmp_path)
    expected = answer_all(terminal, questions)
    terminal.send("j\r")  # audit it now
    assert terminal.finish() == 0, terminal.output[-2000:]

    output = terminal.output
    assert "Phase 2 von 5 · Informationssuche · Frage 1 von" in output
    assert "Fertig: profil.toml ist gespeichert" in output
    assert "Arbeitsblatt zum Audit: Radhaus Test" in output
    # Onlineshop questions are not asked of a shop with only a store, nor questions that
    # earlier answers rule out (applies_when).
    known = {
        path: tuple(value) if isinstance(value, list) else value
        for path, value in expected.items()
        if value is not None
    }
    for question in questions.values():
        if question.table != "company":
            asked = question.applies_to(["laden"], None) and not question.ruled_out(known)
            assert (question.path in expected) == asked, question.path
    assert len(expected) > 80

    path = tmp_path / "profil.toml"
    assert_profile_holds(path, engine.catalog, expected)
    text = path.read_text(encoding="utf-8")
    assert '= "entfällt"' in text
    unknown = [p for p, v in expected.items() if v is None and p.startswith("answers.")]
    assert unknown and all(f'# {p.split(".")[1]} = "unbekannt"' in text for p in unknown)

    result = run_cli("run", str(path))
    assert result.returncode == 0, result.stderr
    assert "Radhaus Test" in result.stdout


def test_an_interrupted_questionnaire_keeps_its_answers_and_resumes(tmp_path, engine, questions):
    path = tmp_path / "profil.toml"
    terminal = Terminal("profil.toml", cwd=tmp_path)
    # Company (4), all of phase 1 and three questions of phase 2, then Ctrl-C.
    answered_before = answer_all(terminal, questions, stop_in_phase=("informationssuche", 3))
    assert terminal.finish() == 130
    assert "Unterbrochen. Alle bisherigen Antworten sind in profil.toml gespeichert" in (
        terminal.output
    )
    assert_profile_holds(path, engine.catalog, answered_before)
    in_phase_two = [p for p in answered_before if questions[p].phase == "informationssuche"]
    assert len(in_phase_two) == 3
    assert not list(tmp_path.glob(".profil.toml.*.tmp"))

    terminal = Terminal("profil.toml", cwd=tmp_path)
    first = terminal.next_question()
    # Open questions of phase 1 ("weiß nicht") come again, then phase 2 goes on.
    asked_again = [
        p for p, v in answered_before.items() if v is None and not p.startswith("company")
    ]
    assert first == (
        asked_again[0] if asked_again else _first_open_of_phase_two(questions, answered_before)
    )
    assert "Fragen sind noch offen" in terminal.output
    terminal.wait_for_prompt(questions[first])
    terminal.send(keys_for(questions[first], 0)[0])
    rest = answer_all(terminal, questions)
    terminal.send("n\r")  # audit later
    assert terminal.finish() == 0
    assert "company.name" not in rest  # the company data are not asked again
    assert not set(rest) & {p for p, v in answered_before.items() if v is not None}
    assert "Auswerten mit: audit run profil.toml" in terminal.output

    final = {p: v for p, v in answered_before.items() if v is not None}
    final.update({p: v for p, v in rest.items() if v is not None})
    assert_profile_holds(path, engine.catalog, final)
    result = run_cli("run", str(path))
    assert result.returncode == 0, result.stderr


def _first_open_of_phase_two(questions, answered):
    return next(
        p
        for p, q in questions.items()
        if q.phase == "informationssuche" and p not in answered and q.applies_to(["laden"], None)
    )


def test_review_replaces_an_answer_only_after_confirmation(tmp_path, engine):
    path = tmp_path / "profil.toml"
    item = next(i.id for i in engine.catalog.checklist_for_phase("informationssuche"))
    original = f'[company]\nname = "Alt"\nchannels = ["laden"]\n\n[answers]\n{item} = "ja"\n'
    path.write_text(original, encoding="utf-8")

    def review_until_changed(terminal: Terminal) -> None:
        # The file is not in the questionnaire's layout: agree to rewrite it.
        terminal.child.expect_exact("Die Datei so neu schreiben?")
        terminal.send("j\r")
        while (asked := terminal.next_question()) != f"answers.{item}":
            skip(terminal, engine_question(engine, asked))
        terminal.child.expect_exact("Bisherige Antwort: ja")
        terminal.wait_for_prompt(engine_question(engine, f"answers.{item}"))
        terminal.send("n\r")

    # Interrupted before the change is confirmed: the file is untouched.
    terminal = Terminal("profil.toml", "--review", "--phase", "informationssuche", cwd=tmp_path)
    review_until_changed(terminal)
    terminal.child.expect(PROGRESS)
    terminal.child.sendintr()
    assert terminal.finish() == 130
    assert path.read_text(encoding="utf-8") == original
    assert not (tmp_path / "profil.toml.bak").exists()

    # Confirmed at the end of the phase: replaced, and the original is kept as a backup.
    terminal = Terminal("profil.toml", "--review", "--phase", "informationssuche", cwd=tmp_path)
    review_until_changed(terminal)
    while terminal.child.expect([PROGRESS, "Diese Antworten würden geändert"]) == 0:
        skip(terminal, engine_question(engine, terminal.child.match.group(3)))
    terminal.child.expect_exact("ja → nein")
    terminal.child.expect_exact("1 geänderte Antwort(en) übernehmen?")
    terminal.send("j\r")
    terminal.child.expect_exact(AUDIT_NOW)
    terminal.send("n\r")
    assert terminal.finish() == 0
    assert load_profile(path, engine.catalog).answer(item) == "nein"
    assert (tmp_path / "profil.toml.bak").read_text(encoding="utf-8") == original


def skip(terminal: Terminal, question: Question) -> None:
    """Leave a question open with Enter: "weiß nicht" is what an open question starts at."""
    terminal.wait_for_prompt(question)
    terminal.send("\r")


def engine_question(engine, path: str) -> Question:
    return next(q for s in build_sections(engine.catalog) for q in s.questions if q.path == path)


def test_closing_the_terminal_saves_the_answers(tmp_path, engine, questions):
    path = tmp_path / "profil.toml"
    terminal = Terminal("profil.toml", cwd=tmp_path)
    # Only the hang-up ends the program: a Ctrl-C before it would race with it.
    answered = answer_all(terminal, questions, stop_after=6, interrupt=False)
    assert len(answered) == 6
    terminal.child.kill(signal.SIGHUP)
    terminal.child.expect(pexpect.EOF)
    terminal.child.close()
    assert_profile_holds(path, engine.catalog, answered)
