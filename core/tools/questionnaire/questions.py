"""The questions of ``audit init``, taken from what the loaded plugins declare.

The questionnaire has one section for the company, one per phase of the customer journey
(its checklist items first, then its facts) and, if a plugin declares facts without a
phase, a last section for those. Every question knows its key path in the profile
(``company.name``, ``answers.<item>``, ``facts.<key>``) so that the same list drives the
interactive questions, the commented TOML file and the check which questions are still
open.

:class:`ProfileDraft` holds the answers given so far. Unknown is not false: a question
answered with "weiß nicht" simply has no value in the draft, and its key stays out of the
written profile.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from enum import Enum
from typing import Any

from kundenkompass.catalog.catalog import Catalog
from kundenkompass.errors import InvalidInput
from kundenkompass.models import ChecklistItem, FactDefinition, text_in
from kundenkompass.profile.load import MAX_NUMBER, MAX_TEXT_LENGTH, Answer, Profile
from kundenkompass.profile.scope import describe
from kundenkompass.rules.evaluate import evaluate
from kundenkompass.rules.language import Condition, iter_leaves
from kundenkompass.texts import text
from kundenkompass.vocabulary import ANSWERS, CHANNELS, PHASES
from pydantic import BaseModel, ConfigDict, Field

#: How a checklist answer is written into the profile.
ANSWER_WORDS: dict[str, str] = {
    "ja": "ja",
    "teilweise": "teilweise",
    "nein": "nein",
    "entfaellt": "entfällt",
}

COMPANY_SECTION = "company"
OTHER_SECTION = "other"


class QuestionKind(str, Enum):
    """How a question is answered; the fact types plus checklist answers."""

    ANSWER = "answer"
    BOOL = "bool"
    INT = "int"
    FLOAT = "float"
    ENUM = "enum"
    ENUM_LIST = "enum_list"
    TEXT = "text"


class Question(BaseModel):
    """One question of the questionnaire."""

    model_config = ConfigDict(frozen=True)

    #: Key path in the profile, e.g. ``answers.google_business_profil``.
    path: str
    kind: QuestionKind
    #: The question (for checklist items: the statement to rate).
    text: str
    help: str | None = None
    #: Allowed values (choices) in their declared order, with display labels.
    values: tuple[str, ...] = ()
    labels: dict[str, str] = Field(default_factory=dict)
    unit: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    #: Asked only of companies with one of these channels; empty means all.
    channels: tuple[str, ...] = ()
    #: Asked only of companies of one of these sectors; empty means all.
    sectors: tuple[str, ...] = ()
    phase: str | None = None
    #: Asked only while this precondition (``applies_when``) is not known to be false.
    precondition: Condition | None = None
    #: The precondition in German, for the profile template.
    precondition_text: str | None = None
    #: Required questions offer no "weiß nicht" (company name and channels).
    required: bool = False
    max_length: int = MAX_TEXT_LENGTH

    @property
    def table(self) -> str:
        return self.path.split(".", 1)[0]

    @property
    def key(self) -> str:
        return self.path.split(".", 1)[1]

    def label(self, value: str) -> str:
        return self.labels.get(value, value)

    def applies_to(self, channels: Iterable[str], sector: str | None) -> bool:
        """Whether a company with these channels and this sector is asked the question."""
        if self.channels and not set(self.channels) & set(channels):
            return False
        return not self.sectors or sector in self.sectors

    def ruled_out(self, values: Mapping[str, Any]) -> bool:
        """Whether the known ``values`` make the question's precondition false."""
        return self.precondition is not None and evaluate(self.precondition, values) is False


class Section(BaseModel):
    """The company data, one phase, or the facts without a phase."""

    model_config = ConfigDict(frozen=True)

    id: str
    title: str
    #: Position among the phases (1 to 5); None for the company and other sections.
    number: int | None = None
    questions: tuple[Question, ...]


def build_sections(catalog: Catalog, language: str = "de") -> list[Section]:
    """All sections in the order they are asked: company, the five phases, other facts."""
    sections = [company_section(language, known_sectors(catalog))]
    for number, phase in enumerate(PHASES, start=1):
        questions = [
            checklist_question(item, language) for item in catalog.checklist_for_phase(phase)
        ]
        questions += [
            fact_question(fact, language) for fact in catalog.input_facts() if fact.phase == phase
        ]
        sections.append(
            Section(
                id=phase,
                title=text(f"phase.{phase}", language),
                number=number,
                questions=tuple(questions),
            )
        )
    sections = [_with_preconditions(section, catalog, language) for section in sections]
    others = [fact_question(f, language) for f in catalog.input_facts() if f.phase is None]
    if others:
        section = Section(
            id=OTHER_SECTION, title=text("init.other_section", language), questions=tuple(others)
        )
        sections.append(_with_preconditions(section, catalog, language))
    return _after_their_preconditions(sections)


def _after_their_preconditions(sections: list[Section]) -> list[Section]:
    """Move a question whose precondition tests a question of a later section right
    behind that question, so that the answer it depends on is known when it is asked."""
    lists = [list(section.questions) for section in sections]
    moved = True
    while moved:
        moved = False
        where = {
            q.path: (s, i) for s, questions in enumerate(lists) for i, q in enumerate(questions)
        }
        for s, questions in enumerate(lists):
            for question in questions:
                if question.precondition is None:
                    continue
                later = [
                    where[leaf.ref]
                    for leaf in iter_leaves(question.precondition)
                    if leaf.ref in where and where[leaf.ref][0] > s
                ]
                if later:
                    target, position = max(later)
                    questions.remove(question)
                    lists[target].insert(position + 1, question)
                    moved = True
                    break
            if moved:
                break
    return [
        section.model_copy(update={"questions": tuple(questions)})
        for section, questions in zip(sections, lists, strict=True)
    ]


def _with_preconditions(section: Section, catalog: Catalog, language: str) -> Section:
    """The section with each question's precondition, every question asked after the
    questions of the section that its precondition tests."""
    questions = [
        question.model_copy(
            update={
                "precondition": catalog.preconditions[question.path],
                "precondition_text": describe(
                    catalog.preconditions[question.path], catalog, language
                ),
            }
        )
        if question.path in catalog.preconditions
        else question
        for question in section.questions
    ]
    ordered: list[Question] = []
    by_path = {question.path: question for question in questions}

    def place(question: Question) -> None:
        if question in ordered:
            return
        if question.precondition is not None:
            for leaf in iter_leaves(question.precondition):
                if leaf.ref in by_path and by_path[leaf.ref] is not question:
                    place(by_path[leaf.ref])
        ordered.append(question)

    for question in questions:
        place(question)
    return section.model_copy(update={"questions": tuple(ordered)})


def known_sectors(catalog: Catalog) -> list[str]:
    """Sectors that some plugin contribution is scoped to."""
    found: set[str] = set()
    for item in catalog.checklist.values():
        found.update(item.sectors)
    for fact in catalog.facts.values():
        found.update(fact.sectors)
    for measure in catalog.measures.values():
        found.update(measure.sectors)
    return sorted(found)


def company_section(language: str = "de", sectors: Iterable[str] = ()) -> Section:
    def t(key: str) -> str:
        return text(f"init.{key}", language)

    sector_help = t("company_sector_help")
    sectors = list(sectors)
    if sectors:
        sector_help += " " + text("init.company_sector_known", language, sectors=", ".join(sectors))

    return Section(
        id=COMPANY_SECTION,
        title=t("company_section"),
        questions=(
            Question(
                path="company.name",
                kind=QuestionKind.TEXT,
                text=t("company_name"),
                help=t("company_name_help"),
                required=True,
                max_length=200,
            ),
            Question(
                path="company.sector",
                kind=QuestionKind.TEXT,
                text=t("company_sector"),
                help=sector_help,
                # Known spellings: "Fahrradhandel" is read as the sector "fahrradhandel".
                values=tuple(sectors),
                max_length=100,
            ),
            Question(
                path="company.location",
                kind=QuestionKind.TEXT,
                text=t("company_location"),
                help=t("company_location_help"),
                max_length=200,
            ),
            Question(
                path="company.channels",
                kind=QuestionKind.ENUM_LIST,
                text=t("company_channels"),
                help=t("company_channels_help"),
                values=CHANNELS,
                labels={channel: text(f"channel.{channel}", language) for channel in CHANNELS},
                required=True,
            ),
        ),
    )


def checklist_question(item: ChecklistItem, language: str = "de") -> Question:
    return Question(
        path=f"answers.{item.id}",
        kind=QuestionKind.ANSWER,
        text=text_in(item.statement, language),
        help=text_in(item.help, language) if item.help else None,
        values=ANSWERS,
        labels={value: text(f"answer.{value}", language) for value in ANSWERS},
        channels=tuple(item.channels),
        sectors=tuple(item.sectors),
        phase=item.phase,
    )


def fact_question(fact: FactDefinition, language: str = "de") -> Question:
    return Question(
        path=f"facts.{fact.key}",
        kind=QuestionKind(fact.type.value),
        text=text_in(fact.question, language),
        help=text_in(fact.help, language) if fact.help else None,
        values=tuple(fact.values),
        labels={value: fact.label(value, language) for value in fact.values},
        unit=fact.unit,
        minimum=fact.minimum,
        maximum=fact.maximum,
        channels=tuple(fact.channels),
        sectors=tuple(fact.sectors),
        phase=fact.phase,
    )


# --------------------------------------------------------------------------- the draft


class ProfileDraft(BaseModel):
    """The answers collected so far; what is unknown is absent."""

    name: str | None = None
    sector: str | None = None
    location: str | None = None
    channels: tuple[str, ...] = ()
    answers: dict[str, Answer] = Field(default_factory=dict)
    facts: dict[str, Any] = Field(default_factory=dict)
    thresholds: dict[str, float] = Field(default_factory=dict)
    #: The profile's ``[audit]`` table (date, advisor, organisation), kept as it was.
    audit: dict[str, Any] = Field(default_factory=dict)

    @classmethod
    def from_profile(cls, profile: Profile) -> ProfileDraft:
        company = profile.company
        return cls(
            name=company.name,
            sector=company.sector,
            location=company.location,
            channels=tuple(company.channels),
            answers=dict(profile.answers),
            facts={k: list(v) if isinstance(v, tuple) else v for k, v in profile.facts.items()},
            thresholds=dict(profile.thresholds),
            audit=profile.audit.model_dump(exclude_none=True),
        )

    @property
    def company_complete(self) -> bool:
        """Whether the draft can be written as a valid profile."""
        return bool(self.name and self.name.strip()) and bool(self.channels)

    def value(self, path: str) -> Any:
        """The known value at ``path``, or None when it is unknown."""
        table, key = path.split(".", 1)
        if table == "company":
            value = getattr(self, key)
            return value if value not in ((), "") else None
        if table == "answers":
            answer = self.answers.get(key)
            return answer.value if answer else None
        return self.facts.get(key)

    def known(self) -> dict[str, Any]:
        """Every known value by key path, as preconditions test them."""
        values: dict[str, Any] = {"company.channels": tuple(self.channels)}
        if self.sector:
            values["company.sector"] = self.sector
        for key, answer in self.answers.items():
            if answer.value is not None:
                values[f"answers.{key}"] = answer.value
        for key, value in self.facts.items():
            values[f"facts.{key}"] = tuple(value) if isinstance(value, list) else value
        return values

    def note(self, path: str) -> str | None:
        table, key = path.split(".", 1)
        answer = self.answers.get(key) if table == "answers" else None
        return answer.note if answer else None

    def is_answered(self, path: str) -> bool:
        return self.value(path) is not None

    def set(self, path: str, value: Any) -> None:
        """Store ``value`` at ``path``; None makes it unknown (a note on an answer stays)."""
        table, key = path.split(".", 1)
        if table == "company":
            setattr(self, key, tuple(value or ()) if key == "channels" else value)
        elif table == "answers":
            note = self.note(path)
            if value is None and note is None:
                self.answers.pop(key, None)
            else:
                self.answers[key] = Answer(value=value, note=note)
        elif value is None:
            self.facts.pop(key, None)
        else:
            self.facts[key] = list(value) if isinstance(value, tuple | list) else value


def same_value(first: Any, second: Any) -> bool:
    """Equality of answers, with lists compared as sets and 4 equal to 4.0."""
    if isinstance(first, list | tuple) and isinstance(second, list | tuple):
        return sorted(first) == sorted(second)
    if isinstance(first, bool) or isinstance(second, bool):
        return first is second
    return bool(first == second)


# ------------------------------------------------------------------- typed text input


_INTEGER = re.compile(r"^[+-]?\d+$")
_DECIMAL = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)$")


def parse_number(raw: str, question: Question, language: str = "de") -> int | float:
    """Read a number typed in German or English notation (``4,6`` or ``4.6``)."""
    typed = raw.strip().replace(" ", "")
    whole = question.kind is QuestionKind.INT
    if whole:
        if not _INTEGER.match(typed):
            raise InvalidInput(text("init.invalid_integer", language), key_path=question.path)
        number: int | float = int(typed)
    else:
        if not _DECIMAL.match(typed):
            raise InvalidInput(text("init.invalid_number", language), key_path=question.path)
        number = float(typed.replace(",", "."))
        if not math.isfinite(number):
            raise InvalidInput(text("init.invalid_number", language), key_path=question.path)
    lowest = question.minimum if question.minimum is not None else -MAX_NUMBER
    highest = question.maximum if question.maximum is not None else MAX_NUMBER
    if not lowest <= number <= highest:
        raise InvalidInput(
            text(
                "init.out_of_range",
                language,
                minimum=format_number(lowest),
                maximum=format_number(highest),
            ),
            key_path=question.path,
        )
    return number


def number_hints(question: Question, language: str = "de") -> list[str]:
    """What a number question accepts, as short German phrases: kind, range, unit."""

    def t(key: str, **values: object) -> str:
        return text(f"init.{key}", language, **values)

    whole = question.kind is QuestionKind.INT
    hints = [t("values_int" if whole else "values_float")]
    if question.minimum is not None and question.maximum is not None:
        hints.append(
            t(
                "range_between",
                minimum=format_number(question.minimum),
                maximum=format_number(question.maximum),
            )
        )
    elif question.minimum is not None:
        hints.append(t("range_from", minimum=format_number(question.minimum)))
    elif question.maximum is not None:
        hints.append(t("range_to", maximum=format_number(question.maximum)))
    if question.unit:
        hints.append(t("unit", unit=question.unit))
    return hints


def format_number(value: float) -> str:
    """A number as a German reader writes it: ``4,6``, ``24``."""
    if float(value).is_integer():
        return str(int(value))
    return repr(float(value)).replace(".", ",")


def check_text(raw: str, question: Question, language: str = "de") -> str:
    """The typed text, trimmed; raises :class:`InvalidInput` when it is not allowed."""
    typed = raw.strip()
    if len(typed) > question.max_length:
        raise InvalidInput(
            text("init.text_too_long", language, limit=question.max_length),
            key_path=question.path,
        )
    if any(ord(char) < 32 and char not in "\t" for char in typed):
        raise InvalidInput(text("init.text_control_character", language), key_path=question.path)
    known = {value.casefold(): value for value in question.values}
    return known.get(typed.casefold(), typed)


def shown_value(question: Question, value: Any, language: str = "de") -> str:
    """A known value as the user reads it (labels, ja/nein, German numbers)."""
    if value is None:
        return text("init.unknown", language)
    if question.kind is QuestionKind.BOOL:
        return text("answer.ja" if value else "answer.nein", language)
    if question.kind in (QuestionKind.INT, QuestionKind.FLOAT):
        unit = f" {question.unit}" if question.unit else ""
        return format_number(value) + unit
    if question.kind is QuestionKind.ENUM_LIST:
        members = [question.label(v) for v in value]
        return ", ".join(members) if members else text("init.none_of_these", language)
    if question.kind in (QuestionKind.ANSWER, QuestionKind.ENUM):
        return question.label(value)
    return str(value)


def open_questions(section: Section, draft: ProfileDraft) -> list[Question]:
    """The questions of ``section`` that apply to the draft's company and are unanswered."""
    return [
        question for question in applicable(section, draft) if not draft.is_answered(question.path)
    ]


def applicable(section: Section, draft: ProfileDraft) -> list[Question]:
    """The questions of ``section`` asked of the draft's channels and sector, leaving out
    those whose precondition the answers so far rule out."""
    if section.id == COMPANY_SECTION:
        return list(section.questions)
    values = draft.known()
    return [
        question
        for question in section.questions
        if question.applies_to(draft.channels, draft.sector) and not question.ruled_out(values)
    ]
