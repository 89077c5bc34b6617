"""The flow of ``audit init``: which questions to ask, in which order, and when to save.

The flow is independent of the terminal: it talks to a :class:`Prompter` (the real one is
:class:`kundenkompass.init_prompts.TerminalPrompter`), so that tests can drive it with
scripted answers and the terminal tests only need to check the terminal.

* A new profile starts with the company data, then goes phase by phase.
* An existing profile is resumed: only its open questions are asked (all with ``review``).
* Questions for channels the company does not have are not asked.
* The file is written atomically after the company data and after every phase, and once
  more when the questionnaire is interrupted, so that nothing answered is lost.
* An answer already in the file is only replaced after the user confirms the changes of
  the section; an interruption keeps the old answers.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from kundenkompass.catalog.catalog import Catalog
from kundenkompass.errors import OutputError, ProfileError, TomlFileError
from kundenkompass.files.atomic import write_atomically
from kundenkompass.files.toml_files import read_toml_text
from kundenkompass.profile.load import load_profile, parse_profile_text
from kundenkompass.texts import text
from kundenkompass.tools.questionnaire.questions import (
    COMPANY_SECTION,
    ProfileDraft,
    Question,
    Section,
    applicable,
    build_sections,
    open_questions,
    same_value,
    shown_value,
)
from kundenkompass.tools.questionnaire.template import profile_text
from kundenkompass.vocabulary import PHASES
from pydantic import BaseModel


class UnknownAnswer:
    """The reply "weiß nicht" (or an empty entry): the question stays open."""

    _instance: UnknownAnswer | None = None

    def __new__(cls) -> UnknownAnswer:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN = UnknownAnswer()


class Position(BaseModel):
    """Where a question stands in the questionnaire, for the progress indicator."""

    section: str
    title: str
    #: Phase number (1 to 5) and the number of phases; None outside the phases.
    phase_number: int | None = None
    phases: int = len(PHASES)
    number: int
    count: int


class Change(BaseModel):
    """A reply that would replace an answer already in the file."""

    question: Question
    old: Any
    new: Any


class Prompter(Protocol):
    """The user interface the questionnaire talks to."""

    def ask(self, question: Question, current: Any, position: Position) -> Any:
        """Ask one question; return the value or :data:`UNKNOWN`. ``current`` is the
        known answer (None when open); Ctrl-C raises :class:`KeyboardInterrupt`."""

    def confirm(self, message: str, default: bool) -> bool: ...

    def section(self, section: Section, count: int) -> None:
        """Announce a section with ``count`` questions to ask."""

    def say(self, message: str, style: str = "") -> None: ...

    def changes(self, changes: list[Change]) -> None:
        """Show the replies that would replace answers in the file."""


class InitOutcome(BaseModel):
    """How the questionnaire ended."""

    path: str
    #: Whether the file was written during this run.
    saved: bool = False
    interrupted: bool = False
    #: The user did not want an existing file rewritten; nothing was asked or written.
    declined: bool = False
    #: Applicable questions (without the company data), answered and open.
    answered: int = 0
    open: int = 0
    #: Where the original of a rewritten foreign-format file was kept.
    backup: str | None = None


@dataclass
class InitSession:
    """One run of the questionnaire on one file."""

    path: Path
    catalog: Catalog
    prompter: Prompter
    review: bool = False
    #: Ask only this phase (the company data of a new profile are still asked).
    phase: str | None = None
    language: str = "de"
    sections: list[Section] = field(init=False)
    draft: ProfileDraft = field(init=False)
    _saved: ProfileDraft | None = field(init=False, default=None)
    _original_text: str | None = field(init=False, default=None)
    _needs_backup: bool = field(init=False, default=False)
    _outcome: InitOutcome = field(init=False)

    def __post_init__(self) -> None:
        if self.phase is not None and self.phase not in PHASES:
            raise ProfileError(
                "--phase",
                f"unbekannte Phase {self.phase!r}; erwartet: eine von {', '.join(PHASES)}",
            )
        self.sections = build_sections(self.catalog, self.language)
        self.draft = ProfileDraft()
        self._outcome = InitOutcome(path=str(self.path))

    def t(self, key: str, **values: object) -> str:
        return text(f"init.{key}", self.language, **values)

    # ------------------------------------------------------------------ run

    def run(self) -> InitOutcome:
        existing = self._load_existing()
        try:
            if existing and not self.review and not self._announce_open():
                return self._finish()
            if existing and not self._agree_to_rewrite():
                self._outcome.declined = True
                return self._outcome
            for section in self._sections_to_ask(existing):
                self._ask_section(section)
        except (KeyboardInterrupt, EOFError):
            self._outcome.interrupted = True
            if self.draft.company_complete:
                self._save()
        return self._finish()

    def _check_writable(self) -> None:
        """Fail before the first question, not after the company data were typed in."""
        where = str(self.path)
        if self.path.is_dir():
            raise OutputError(where, "ist ein Ordner; erwartet: ein Dateiname")
        folder = self.path.parent if str(self.path.parent) else Path(".")
        if not folder.is_dir():
            raise OutputError(where, f"der Ordner {str(folder)!r} existiert nicht")
        if not os.access(folder, os.W_OK | os.X_OK):
            raise OutputError(where, f"in den Ordner {str(folder)!r} darf nicht geschrieben werden")
        if self.path.exists() and not os.access(self.path, os.R_OK | os.W_OK):
            raise OutputError(
                where, "keine Berechtigung: die Datei lässt sich nicht lesen und schreiben"
            )

    def _load_existing(self) -> bool:
        self._check_writable()
        if not self.path.exists():
            return False
        profile = load_profile(self.path, self.catalog)
        try:
            self._original_text = read_toml_text(self.path)
        except TomlFileError as error:  # pragma: no cover - load_profile read it just now
            raise ProfileError(str(self.path), error.message) from None
        self.draft = ProfileDraft.from_profile(profile)
        self._saved = self.draft.model_copy(deep=True)
        return True

    def _agree_to_rewrite(self) -> bool:
        """A file that is not in our layout (own comments, other order) is only rewritten
        after the user agrees, and its original is kept as ``<file>.bak``."""
        if self._original_text == self._render(self.draft):
            return True
        self.prompter.say(self.t("foreign_file", path=self.path, backup=self._backup_path()))
        if not self.prompter.confirm(self.t("foreign_file_confirm"), default=True):
            self.prompter.say(self.t("left_unchanged", path=self.path))
            return False
        self._needs_backup = True
        return True

    def _announce_open(self) -> bool:
        """Show how many questions are open per section; False when none is."""
        counts = [
            (section, len(open_questions(section, self.draft)))
            for section in self.sections
            if section.id != COMPANY_SECTION and self._phase_selected(section)
        ]
        total = sum(count for _, count in counts)
        if not total:
            self.prompter.say(self.t("nothing_open", path=self.path))
            return False
        self.prompter.say(self.t("resume_intro", path=self.path, count=total))
        for section, count in counts:
            if count:
                self.prompter.say(self.t("resume_section", title=section.title, count=count))
        return True

    def _sections_to_ask(self, existing: bool) -> list[Section]:
        chosen = []
        for section in self.sections:
            if section.id == COMPANY_SECTION:
                wanted = not existing or (self.review and self.phase is None)
            else:
                wanted = self._phase_selected(section)
            if wanted:
                chosen.append(section)
        return chosen

    def _phase_selected(self, section: Section) -> bool:
        return self.phase is None or section.id == self.phase

    # -------------------------------------------------------------- a section

    def _ask_section(self, section: Section) -> None:
        if self.review:
            questions = applicable(section, self.draft)
        else:
            questions = open_questions(section, self.draft)
        if not questions:
            return
        self.prompter.section(section, len(questions))
        changes: list[Change] = []
        for number, question in enumerate(questions, start=1):
            if question.ruled_out(self.draft.known()):
                continue  # an answer earlier in this section ruled it out
            position = Position(
                section=section.id,
                title=section.title,
                phase_number=section.number,
                number=number,
                count=len(questions),
            )
            current = self.draft.value(question.path)
            reply = self.prompter.ask(question, current, position)
            new = None if reply is UNKNOWN else reply
            if current is None:
                if new is not None:
                    self.draft.set(question.path, new)
            elif new is None or not same_value(current, new):
                changes.append(Change(question=question, old=current, new=new))
        if section.id == COMPANY_SECTION:
            changes += self._left_by_sector_change(changes)
        if changes:
            self.prompter.changes(changes)
            if self.prompter.confirm(self.t("changes_confirm", count=len(changes)), True):
                for change in changes:
                    self.draft.set(change.question.path, change.new)
            else:
                self.prompter.say(self.t("changes_discarded"))
        if self._save():
            self.prompter.say(self.t("saved_section", title=section.title, path=self.path))

    def _left_by_sector_change(self, changes: list[Change]) -> list[Change]:
        """Answers to questions of the old sector, which a profile of another sector may
        not contain: removed together with the sector change, if it is confirmed."""
        sector = next((c.new for c in changes if c.question.path == "company.sector"), None)
        if not any(c.question.path == "company.sector" for c in changes):
            return []
        removed = []
        for section in self.sections:
            for question in section.questions:
                if question.sectors and sector not in question.sectors:
                    current = self.draft.value(question.path)
                    if current is not None:
                        removed.append(Change(question=question, old=current, new=None))
        return removed

    # ----------------------------------------------------------------- saving

    def _render(self, draft: ProfileDraft) -> str:
        return profile_text(draft, self.sections, self.catalog, self.language)

    def _backup_path(self) -> Path:
        return self.path.with_name(self.path.name + ".bak")

    def _save(self) -> bool:
        """Write the draft if it changed since it was last written; True when written."""
        if self._saved is not None and self.draft == self._saved:
            return False
        content = self._render(self.draft)
        # The written file must load; a failure here is a defect, not the user's input.
        parse_profile_text(content, self.catalog, str(self.path))
        if self._needs_backup and self._original_text is not None:
            write_atomically(self._backup_path(), self._original_text, force=True)
            self._outcome.backup = str(self._backup_path())
            self._needs_backup = False
        write_atomically(self.path, content, force=True)
        self._saved = self.draft.model_copy(deep=True)
        self._outcome.saved = True
        return True

    def _finish(self) -> InitOutcome:
        answered = open_count = 0
        for section in self.sections:
            if section.id == COMPANY_SECTION:
                continue
            for question in applicable(section, self.draft):
                if self.draft.is_answered(question.path):
                    answered += 1
                else:
                    open_count += 1
        self._outcome.answered = answered
        self._outcome.open = open_count
        return self._outcome


def describe_change(change: Change, language: str = "de") -> str:
    """``old → new`` as the user reads it."""
    old = shown_value(change.question, change.old, language)
    new = shown_value(change.question, change.new, language)
    return f"{old} → {new}"
