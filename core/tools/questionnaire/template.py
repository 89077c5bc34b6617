"""The commented TOML that ``audit init`` writes: a profile being filled in, or a template.

Both have the same layout. Every question is listed with its text, help and allowed values
as comments; a question with an answer is a key, an open question is the same key commented
out (``# key = "unbekannt"``), so that removing the ``#`` and replacing the placeholder is
all it takes to answer it by hand. The output depends only on the answers and the catalog,
so writing the same answers again gives the same bytes.
"""

from __future__ import annotations

import re
import textwrap
from typing import Any

import tomlkit
from kundenkompass.catalog.catalog import Catalog
from kundenkompass.models import Threshold, text_in
from kundenkompass.texts import text
from kundenkompass.tools.questionnaire.questions import (
    ANSWER_WORDS,
    COMPANY_SECTION,
    ProfileDraft,
    Question,
    QuestionKind,
    Section,
    format_number,
    number_hints,
)
from kundenkompass.vocabulary import PHASES
from tomlkit.items import Table

#: Width of comment lines (without the leading ``# ``).
WIDTH = 92

#: Placeholder of an open question; a valid value that means unknown.
UNKNOWN_PLACEHOLDER = "unbekannt"


def template_text(sections: list[Section], catalog: Catalog, language: str = "de") -> str:
    """A fully commented, empty profile listing every question of every channel."""
    return _Renderer(sections, catalog, None, language).document()


def profile_text(
    draft: ProfileDraft, sections: list[Section], catalog: Catalog, language: str = "de"
) -> str:
    """The draft as a commented profile; open questions of its channels are commented out."""
    return _Renderer(sections, catalog, draft, language).document()


class _Renderer:
    def __init__(
        self,
        sections: list[Section],
        catalog: Catalog,
        draft: ProfileDraft | None,
        language: str,
    ) -> None:
        self.sections = sections
        self.catalog = catalog
        self.draft = draft
        self.language = language

    def t(self, key: str, **values: object) -> str:
        return text(f"init.{key}", self.language, **values)

    def document(self) -> str:
        doc = tomlkit.document()
        header = "file_header_template" if self.draft is None else "file_header_profile"
        for line in self.t(header).splitlines():
            doc.add(tomlkit.comment(line) if line.strip() else tomlkit.comment(""))
        doc.add(tomlkit.nl())
        doc.add("company", self.company_table())
        doc.add(tomlkit.nl())
        if self.draft is not None and self.draft.audit:
            doc.add("audit", tomlkit.item(self.draft.audit))
            doc.add(tomlkit.nl())
        doc.add("answers", self.questions_table("answers", "answers_intro"))
        doc.add(tomlkit.nl())
        doc.add("facts", self.questions_table("facts", "facts_intro"))
        doc.add(tomlkit.nl())
        doc.add("thresholds", self.thresholds_table())
        return doc.as_string().rstrip("\n") + "\n"

    # ------------------------------------------------------------------ tables

    def company_table(self) -> Table:
        table = tomlkit.table()
        company = next(s for s in self.sections if s.id == COMPANY_SECTION)
        for position, question in enumerate(company.questions):
            if position:
                table.add(tomlkit.nl())
            self.comments(table, _wrap(question.text))
            if question.help:
                self.comments(table, _wrap(question.help, "  "))
            if question.kind is QuestionKind.ENUM_LIST:
                self.comments(table, _indent(self.value_lines(question)))
            value = self.draft.value(question.path) if self.draft else None
            if value is None:
                placeholder: Any = [] if question.kind is QuestionKind.ENUM_LIST else ""
                table.add(tomlkit.comment(_assignment(question.key, placeholder)))
            else:
                table.add(question.key, list(value) if isinstance(value, tuple) else value)
        return table

    def questions_table(self, table_name: str, intro: str) -> Table:
        table = tomlkit.table()
        self.comments(table, _wrap(self.t(intro)))
        for section in self.sections:
            if section.id == COMPANY_SECTION:
                continue
            shown = [q for q in section.questions if q.table == table_name and self.shows(q)]
            if not shown:
                continue
            table.add(tomlkit.nl())
            table.add(tomlkit.comment(self.section_heading(section)))
            for question in shown:
                table.add(tomlkit.nl())
                self.question(table, question)
        return table

    def thresholds_table(self) -> Table:
        table = tomlkit.table()
        self.comments(table, _wrap(self.t("thresholds_intro")))
        order: dict[str, int] = {phase: index for index, phase in enumerate(PHASES)}
        thresholds = sorted(
            self.catalog.thresholds.values(),
            key=lambda t: (order.get(t.phase or "", len(order)), t.key),
        )
        for threshold in thresholds:
            table.add(tomlkit.nl())
            self.comments(table, _wrap(text_in(threshold.description, self.language)))
            default = format_number(threshold.value)
            unit = self.threshold_unit(threshold)
            shown = default + (f" {unit}" if unit else "")
            self.comments(table, _indent([self.t("threshold_default", value=shown)]))
            value = self.draft.thresholds.get(threshold.key) if self.draft else None
            if value is None:
                table.add(tomlkit.comment(_assignment(threshold.key, float(threshold.value))))
            else:
                table.add(threshold.key, float(value))
        return table

    # --------------------------------------------------------------- questions

    def shows(self, question: Question) -> bool:
        if self.draft is None:
            return True
        answered = (
            self.draft.is_answered(question.path) or self.draft.note(question.path) is not None
        )
        if question.ruled_out(self.draft.known()):
            return answered  # shown with a comment that it is ignored
        return question.applies_to(self.draft.channels, self.draft.sector) or answered

    def section_heading(self, section: Section) -> str:
        if section.number is None:
            title = section.title
        else:
            title = self.t(
                "phase_heading", number=section.number, phases=len(PHASES), title=section.title
            )
        return f"──── {title} ────"

    def question(self, table: Table, question: Question) -> None:
        self.comments(table, _wrap(question.text))
        if question.help:
            self.comments(table, _wrap(question.help, "  "))
        self.comments(table, _indent(self.value_lines(question)))
        if question.channels:
            channels = ", ".join(text(f"channel.{c}", self.language) for c in question.channels)
            self.comments(table, _indent([self.t("only_for_channels", channels=channels)]))
        if question.sectors:
            sectors = ", ".join(question.sectors)
            self.comments(table, _indent([self.t("only_for_sectors", sectors=sectors)]))
        if question.precondition_text:
            line = self.t("only_when", condition=question.precondition_text)
            self.comments(table, _indent(_wrap(line)))
            if self.draft is not None and question.ruled_out(self.draft.known()):
                self.comments(table, _indent([self.t("ruled_out")]))
        if self.draft is None:
            table.add(tomlkit.comment(_assignment(question.key, UNKNOWN_PLACEHOLDER)))
            return
        value = self.draft.value(question.path)
        note = self.draft.note(question.path)
        if question.kind is QuestionKind.ANSWER and note is not None:
            answer = tomlkit.inline_table()
            answer.update(
                {"antwort": ANSWER_WORDS[value] if value else UNKNOWN_PLACEHOLDER, "notiz": note}
            )
            table.add(question.key, answer)
        elif value is None:
            table.add(tomlkit.comment(_assignment(question.key, UNKNOWN_PLACEHOLDER)))
        elif question.kind is QuestionKind.ANSWER:
            table.add(question.key, ANSWER_WORDS[value])
        else:
            table.add(question.key, list(value) if isinstance(value, tuple) else value)

    def value_lines(self, question: Question) -> list[str]:
        """What may be written for ``question``, as comment lines."""
        kind = question.kind
        if kind is QuestionKind.ANSWER:
            words = " | ".join(f'"{ANSWER_WORDS[v]}"' for v in question.values)
            return [self.t("values_answer", words=words)]
        if kind is QuestionKind.BOOL:
            return [self.t("values_bool")]
        if kind in (QuestionKind.INT, QuestionKind.FLOAT):
            return [self.number_line(question)]
        if kind in (QuestionKind.ENUM, QuestionKind.ENUM_LIST):
            if question.path == "company.channels":
                intro = self.t("values_channels")
            elif kind is QuestionKind.ENUM:
                intro = self.t("values_enum")
            else:
                intro = self.t("values_enum_list")
            width = max(len(v) for v in question.values) + 2
            lines = [intro]
            for value in question.values:
                quoted = f'"{value}"'.ljust(width)
                lines.append(f"  {quoted} {question.label(value)}".rstrip())
            return lines
        if question.path.startswith("company."):
            return []
        return [self.t("values_text")]

    def number_line(self, question: Question) -> str:
        return self.t("values_number", what=", ".join(number_hints(question, self.language)))

    def threshold_unit(self, threshold: Threshold) -> str | None:
        if threshold.unit:
            return threshold.unit
        table, _, key = threshold.input.partition(".")
        fact = self.catalog.facts.get(key) if table == "facts" else None
        return fact.unit if fact else None

    @staticmethod
    def comments(table: Table, lines: list[str]) -> None:
        for line in lines:
            table.add(tomlkit.comment(line))


def _assignment(key: str, value: Any) -> str:
    """``key = value`` as TOML, for a commented-out line."""
    return f"{key} = {tomlkit.item(value).as_string()}"


def _indent(lines: list[str]) -> list[str]:
    return [f"  {line}" for line in lines]


#: "z. B.", "d. h.": abbreviations that a line break should not split.
_ABBREVIATION = re.compile(r"\b(\w)\. (?=\w\.)")


def _wrap(paragraph: str, indent: str = "") -> list[str]:
    lines: list[str] = []
    for part in paragraph.splitlines() or [""]:
        part = _ABBREVIATION.sub("\\1.\N{NO-BREAK SPACE}", part)
        lines += textwrap.wrap(
            part,
            WIDTH,
            initial_indent=indent,
            subsequent_indent=indent,
            break_on_hyphens=False,
            break_long_words=False,
        ) or [indent.rstrip()]
    return [line.replace("\N{NO-BREAK SPACE}", " ") for line in lines]
