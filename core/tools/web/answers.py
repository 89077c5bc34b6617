"""Questions as form fields, and submitted forms back into the profile draft.

The questions, their order and which of them apply come from the questionnaire of
``audit init`` (:mod:`kundenkompass.tools.questionnaire.questions`); this module only maps
them to HTML form fields and reads the fields back with the same checks the terminal
questionnaire applies (numbers in German notation, text limits).

Unknown is not false: "weiß nicht" (an empty field, or nothing ticked) leaves a question
open, and its key stays out of the profile.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kundenkompass.errors import InvalidInput
from kundenkompass.profile.load import MAX_TEXT_LENGTH, Answer, AuditDetails
from kundenkompass.texts import text
from kundenkompass.tools.questionnaire.questions import (
    COMPANY_SECTION,
    ProfileDraft,
    Question,
    QuestionKind,
    Section,
    applicable,
    check_text,
    format_number,
    number_hints,
    parse_number,
)
from pydantic import ValidationError

#: Value of the "weiß nicht" choice of a radio group.
UNKNOWN_CHOICE = ""
#: Field name prefix of the note of a checklist answer.
NOTE_PREFIX = "notiz:"
#: Checkbox meaning "none of these" in a multiple choice (an empty list, not unknown).
NONE_PREFIX = "keine:"
#: Fields of the ``[audit]`` table on the company page.
AUDIT_FIELDS = ("audit.date", "audit.advisor", "audit.organisation")


@dataclass
class Choice:
    value: str
    label: str
    checked: bool


@dataclass
class Field:
    """One question as the template shows it."""

    question: Question
    id: str
    name: str
    kind: str
    label: str
    help: str | None
    hints: list[str]
    required: bool
    #: The text of a text or number field (as typed, or the known value).
    typed: str = ""
    choices: list[Choice] = field(default_factory=list)
    #: For multiple choice: whether "keine davon" is ticked.
    none_checked: bool = False
    note: str = ""
    has_note: bool = False
    error: str | None = None
    #: Values offered while typing (the known sectors).
    suggestions: tuple[str, ...] = ()

    @property
    def anchor(self) -> str:
        """The id of the field's first input, for links from the error summary."""
        return f"{self.id}-1" if self.choices else self.id


def field_id(path: str) -> str:
    return "f-" + path.replace(".", "-").replace("_", "-")


def _form_value(form: Mapping[str, Any] | None, name: str) -> str | None:
    if form is None:
        return None
    value = form.get(name)
    return value if isinstance(value, str) else None


def build_field(
    question: Question,
    draft: ProfileDraft,
    form: Any = None,
    error: str | None = None,
    language: str = "de",
) -> Field:
    """The field of ``question``: its value from the submitted ``form`` when it is shown
    again with an error, else from the draft."""
    path = question.path
    current = draft.value(path)
    kind = question.kind
    hints: list[str] = []
    if kind in (QuestionKind.INT, QuestionKind.FLOAT):
        hints = number_hints(question, language)
    result = Field(
        question=question,
        id=field_id(path),
        name=path,
        kind=kind.value,
        label=question.text,
        help=question.help,
        hints=hints,
        required=question.required,
        error=error,
        suggestions=question.values if path == "company.sector" else (),
    )
    if kind is QuestionKind.ANSWER:
        result.has_note = True
        submitted_note = _form_value(form, NOTE_PREFIX + path)
        note = submitted_note if submitted_note is not None else draft.note(path)
        result.note = note or ""
    if kind in (QuestionKind.ANSWER, QuestionKind.ENUM, QuestionKind.BOOL):
        if form is not None:
            chosen = _form_value(form, path) or UNKNOWN_CHOICE
        elif kind is QuestionKind.BOOL:
            chosen = "" if current is None else ("ja" if current else "nein")
        else:
            chosen = current or UNKNOWN_CHOICE
        values: Sequence[str] = ("ja", "nein") if kind is QuestionKind.BOOL else question.values
        result.choices = [
            Choice(
                value,
                text(f"answer.{value}", language)
                if kind is QuestionKind.BOOL
                else question.label(value),
                chosen == value,
            )
            for value in values
        ]
        if not question.required:
            result.choices.append(Choice(UNKNOWN_CHOICE, "weiß nicht", chosen == UNKNOWN_CHOICE))
    elif kind is QuestionKind.ENUM_LIST:
        if form is not None:
            ticked = set(form.getlist(path)) if hasattr(form, "getlist") else set()
            none = _form_value(form, NONE_PREFIX + path) is not None
        else:
            ticked = set(current or ())
            none = current is not None and not current
        result.choices = [Choice(v, question.label(v), v in ticked) for v in question.values]
        result.none_checked = none and not question.required
    else:
        typed = _form_value(form, path)
        if typed is None:
            if current is None:
                typed = ""
            elif kind in (QuestionKind.INT, QuestionKind.FLOAT):
                typed = format_number(current)
            else:
                typed = str(current)
        result.typed = typed
    return result


@dataclass
class Submission:
    """What a submitted page changes, or the errors that keep it from being taken."""

    values: dict[str, Any] = field(default_factory=dict)
    notes: dict[str, str | None] = field(default_factory=dict)
    audit: dict[str, Any] | None = None
    errors: dict[str, str] = field(default_factory=dict)


def read_section(
    section: Section, questions: list[Question], form: Any, language: str = "de"
) -> Submission:
    """Read the answers to ``questions`` (those the page showed) from ``form``."""
    submission = Submission()
    for question in questions:
        try:
            submission.values[question.path] = read_value(question, form, language)
        except InvalidInput as error:
            submission.errors[question.path] = error.message
        if question.kind is QuestionKind.ANSWER:
            note = (_form_value(form, NOTE_PREFIX + question.path) or "").strip()
            if len(note) > MAX_TEXT_LENGTH:
                submission.errors[question.path] = (
                    f"Die Notiz ist zu lang (höchstens {MAX_TEXT_LENGTH:,} Zeichen).".replace(
                        ",", "."
                    )
                )
            elif any(ord(char) < 32 and char not in "\t\r\n" for char in note):
                submission.errors[question.path] = "Die Notiz enthält ein Steuerzeichen."
            submission.notes[question.path] = note.replace("\r\n", "\n") or None
    if section.id == COMPANY_SECTION:
        submission.audit = read_audit(form, submission.errors)
    return submission


def read_value(question: Question, form: Any, language: str = "de") -> Any:
    """The value of one question in ``form``; None for "weiß nicht"."""
    kind = question.kind
    path = question.path
    if kind is QuestionKind.ENUM_LIST:
        ticked = [v for v in form.getlist(path) if isinstance(v, str)]
        unknown = [v for v in ticked if v not in question.values]
        if unknown:
            raise InvalidInput("Bitte nur die angebotenen Werte wählen.", key_path=path)
        none = _form_value(form, NONE_PREFIX + path) is not None
        if none and ticked:
            raise InvalidInput(
                "Bitte entweder Werte ankreuzen oder „keine davon“, nicht beides.", key_path=path
            )
        if question.required and not ticked:
            raise InvalidInput("Bitte mindestens einen Wert ankreuzen.", key_path=path)
        if none:
            return []
        return [v for v in question.values if v in ticked] or None
    raw = _form_value(form, path) or ""
    if kind in (QuestionKind.ANSWER, QuestionKind.ENUM, QuestionKind.BOOL):
        if raw == UNKNOWN_CHOICE:
            if question.required:
                raise InvalidInput("Bitte eine Antwort wählen.", key_path=path)
            return None
        allowed = ("ja", "nein") if kind is QuestionKind.BOOL else question.values
        if raw not in allowed:
            raise InvalidInput("Bitte eine der angebotenen Antworten wählen.", key_path=path)
        return raw == "ja" if kind is QuestionKind.BOOL else raw
    if not raw.strip():
        if question.required:
            raise InvalidInput("Bitte ausfüllen – diese Angabe ist Pflicht.", key_path=path)
        return None
    if kind in (QuestionKind.INT, QuestionKind.FLOAT):
        return parse_number(raw, question, language)
    return check_text(raw, question, language)


def read_audit(form: Any, errors: dict[str, str]) -> dict[str, Any]:
    """The ``[audit]`` table from the company page (date, advisor, organisation)."""
    values: dict[str, Any] = {}
    date = (_form_value(form, "audit.date") or "").strip()
    if date:
        try:
            values["date"] = datetime.date.fromisoformat(date)
        except ValueError:
            errors["audit.date"] = "Bitte ein Datum wie 2026-03-14 angeben."
    for key in ("advisor", "organisation"):
        typed = (_form_value(form, f"audit.{key}") or "").strip()
        if len(typed) > 200:
            errors[f"audit.{key}"] = "Höchstens 200 Zeichen."
        elif any(ord(char) < 32 for char in typed):
            errors[f"audit.{key}"] = "Enthält ein Steuerzeichen."
        elif typed:
            values[key] = typed
    try:
        AuditDetails(**values)
    except ValidationError:  # pragma: no cover - the checks above cover the fields
        errors["audit.date"] = "Ungültige Angaben zum Audit."
    return values


def apply(draft: ProfileDraft, submission: Submission) -> ProfileDraft:
    """A copy of ``draft`` with the submitted values and notes."""
    updated = draft.model_copy(deep=True)
    for path, value in submission.values.items():
        updated.set(path, value)
    for path, note in submission.notes.items():
        key = path.split(".", 1)[1]
        value = updated.value(path)
        if value is None and note is None:
            updated.answers.pop(key, None)
        else:
            updated.answers[key] = Answer(value=value, note=note)
    if submission.audit is not None:
        updated.audit = {
            key: value.isoformat() if isinstance(value, datetime.date) else value
            for key, value in submission.audit.items()
        }
    return updated


def out_of_scope(draft: ProfileDraft, sections: list[Section]) -> ProfileDraft:
    """The draft without answers to questions its channels and sector no longer ask
    (after the company data changed): a profile may not answer them."""
    updated = draft.model_copy(deep=True)
    for section in sections:
        for question in section.questions:
            if question.table == "company":
                continue
            if not question.applies_to(updated.channels, updated.sector):
                key = question.key
                if question.table == "answers":
                    updated.answers.pop(key, None)
                else:
                    updated.facts.pop(key, None)
    return updated


def progress(sections: list[Section], draft: ProfileDraft) -> list[tuple[Section, int, int]]:
    """(section, answered, applicable) for every section after the company data."""
    rows = []
    for section in sections:
        if section.id == COMPANY_SECTION:
            continue
        asked = applicable(section, draft)
        answered = sum(1 for question in asked if draft.is_answered(question.path))
        rows.append((section, answered, len(asked)))
    return rows
