"""The terminal side of ``audit init``: questions with questionary, texts with rich.

Each kind of question gets the prompt that suits it: a list with shortcut keys for
checklist answers, yes/no and single choices, check boxes for lists, a text field with
validation for numbers and texts. Every prompt offers "weiß nicht" (except the required
company name and channels), Ctrl-C interrupts (the flow saves what was answered).
"""

from __future__ import annotations

from typing import Any

import questionary
from kundenkompass.errors import InvalidInput
from kundenkompass.render.terminal import data_text, make_console, visible
from kundenkompass.texts import text
from kundenkompass.tools.questionnaire.questions import (
    Question,
    QuestionKind,
    Section,
    check_text,
    format_number,
    number_hints,
    parse_number,
    shown_value,
)
from kundenkompass.tools.questionnaire.session import UNKNOWN, Change, Position, describe_change
from kundenkompass.vocabulary import ANSWERS, PHASES
from questionary import Choice, Separator
from rich.console import Console
from rich.padding import Padding
from rich.text import Text

#: Shortcut keys for the choices of a single-choice question, after the named ones.
_NUMBERED_KEYS = "123456789abcdfghiklmopqrsuvxyz"


class _NoneOfThese:
    """The check box "keine davon": an empty list, which is a known answer."""

    def __repr__(self) -> str:
        return "NONE_OF_THESE"


NONE_OF_THESE = _NoneOfThese()


class TerminalPrompter:
    """Asks in the terminal. Needs an interactive terminal on standard input and output."""

    def __init__(self, console: Console | None = None, language: str = "de") -> None:
        self.console = console or make_console()
        self.language = language

    def t(self, key: str, **values: object) -> str:
        return text(f"init.{key}", self.language, **values)

    # ---------------------------------------------------------------- output

    def say(self, message: str, style: str = "") -> None:
        self.console.print(data_text(message, style=style, multiline=True))

    def section(self, section: Section, count: int) -> None:
        if section.number is None:
            title = section.title
        else:
            title = self.t(
                "phase_heading", number=section.number, phases=len(PHASES), title=section.title
            )
        self.console.print()
        self.console.rule(data_text(title, style="bold"), align="left")
        self.console.print(Text(self.t("section_count", count=count), style="dim"))

    def changes(self, changes: list[Change]) -> None:
        self.console.print()
        self.console.print(Text(self.t("changes_heading"), style="bold"))
        for change in changes:
            line = data_text(f"  • {change.question.text}", style="")
            line.append("\n")
            line.append(visible(f"    {describe_change(change, self.language)}"), style="yellow")
            self.console.print(line)

    def _progress(self, question: Question, position: Position) -> None:
        if position.phase_number is None:
            line = self.t(
                "progress_section",
                title=position.title,
                number=position.number,
                count=position.count,
                ref=question.path,
            )
        else:
            line = self.t(
                "progress_phase",
                phase=position.phase_number,
                phases=position.phases,
                title=position.title,
                number=position.number,
                count=position.count,
                ref=question.path,
            )
        self.console.print()
        self.console.print(data_text(line, style="cyan"))
        if question.help:
            self.console.print(
                Padding(
                    data_text(question.help, style="dim", multiline=True),
                    (0, 0, 0, 2),
                    expand=False,
                )
            )

    # ---------------------------------------------------------------- prompts

    def ask(self, question: Question, current: Any, position: Position) -> Any:
        self._progress(question, position)
        if current is not None:
            self.console.print(
                data_text(
                    self.t("current_answer", value=shown_value(question, current, self.language)),
                    style="dim",
                )
            )
        kind = question.kind
        if kind is QuestionKind.ANSWER:
            return self._choose(question, current, list(question.values), self._answer_keys())
        if kind is QuestionKind.BOOL:
            keys = {True: self.t("key_yes"), False: self.t("key_no")}
            return self._choose(question, current, [True, False], keys)
        if kind is QuestionKind.ENUM:
            return self._choose(question, current, list(question.values), {})
        if kind is QuestionKind.ENUM_LIST:
            return self._check(question, current)
        if kind in (QuestionKind.INT, QuestionKind.FLOAT):
            return self._number(question, current)
        return self._text(question, current)

    def confirm(self, message: str, default: bool) -> bool:
        choices = [
            Choice(self.t("yes"), value=True, shortcut_key=self.t("key_yes")),
            Choice(self.t("no"), value=False, shortcut_key=self.t("key_no")),
        ]
        answer = questionary.select(
            message,
            choices=choices,
            default=choices[0] if default else choices[1],
            use_shortcuts=True,
            use_jk_keys=False,
            instruction=self.t("select_instruction", keys="/".join(self._keys(choices))),
        ).unsafe_ask()
        return bool(answer)

    def _answer_keys(self) -> dict[Any, str]:
        return {value: self.t(f"key_{value}") for value in ANSWERS}

    def _choose(
        self, question: Question, current: Any, values: list[Any], keys: dict[Any, str]
    ) -> Any:
        unknown_key = self.t("key_unknown")
        spare = iter(k for k in _NUMBERED_KEYS if k != unknown_key and k not in keys.values())
        choices = []
        for value in values:
            title = visible(shown_value(question, value, self.language))
            choices.append(Choice(title, value=value, shortcut_key=keys.get(value) or next(spare)))
        choices.append(Choice(self.t("unknown_choice"), value=UNKNOWN, shortcut_key=unknown_key))
        default = next((c for c in choices if c.value is not UNKNOWN and c.value == current), None)
        return questionary.select(
            visible(question.text),
            choices=choices,
            default=default or choices[-1],
            use_shortcuts=True,
            use_jk_keys=False,
            instruction=self.t("select_instruction", keys="/".join(self._keys(choices))),
        ).unsafe_ask()

    @staticmethod
    def _keys(choices: list[Choice]) -> list[str]:
        return [str(choice.shortcut_key) for choice in choices]

    def _check(self, question: Question, current: Any) -> Any:
        selected = set(current or ())
        choices: list[Choice | Separator] = [
            Choice(visible(question.label(value)), value=value, checked=value in selected)
            for value in question.values
        ]
        if not question.required:
            choices += [
                Separator(),
                Choice(
                    self.t("none_of_these"),
                    value=NONE_OF_THESE,
                    checked=current is not None and not current,
                ),
                Choice(self.t("unknown_choice"), value=UNKNOWN),
            ]

        def validate(picked: list[Any]) -> bool | str:
            if not picked and question.required:
                return self.t("pick_one_required")
            specials = [p for p in picked if p is NONE_OF_THESE or p is UNKNOWN]
            if specials and len(picked) > 1:
                return self.t("pick_alone")
            return True

        picked = questionary.checkbox(
            visible(question.text),
            choices=choices,
            validate=validate,
            use_jk_keys=False,
            instruction=self.t(
                "checkbox_instruction_required" if question.required else "checkbox_instruction"
            ),
        ).unsafe_ask()
        if not picked or picked == [UNKNOWN]:
            return UNKNOWN
        if picked == [NONE_OF_THESE]:
            return []
        return [value for value in question.values if value in picked]

    def _number(self, question: Question, current: Any) -> Any:
        def validate(typed: str) -> bool | str:
            if not typed.strip():
                return True
            try:
                parse_number(typed, question, self.language)
            except InvalidInput as error:
                return str(error)
            return True

        typed = questionary.text(
            visible(question.text),
            default="" if current is None else format_number(current),
            validate=validate,
            instruction=self._number_instruction(question),
        ).unsafe_ask()
        if not typed.strip():
            return UNKNOWN
        return parse_number(typed, question, self.language)

    def _number_instruction(self, question: Question) -> str:
        return self.t("text_instruction", what=", ".join(number_hints(question, self.language)))

    def _text(self, question: Question, current: Any) -> Any:
        def validate(typed: str) -> bool | str:
            if question.required and not typed.strip():
                return self.t("required")
            try:
                check_text(typed, question, self.language)
            except InvalidInput as error:
                return str(error)
            return True

        instruction = None if question.required else self.t("text_optional_instruction")
        typed = questionary.text(
            visible(question.text),
            default="" if current is None else str(current),
            validate=validate,
            instruction=instruction,
        ).unsafe_ask()
        typed = check_text(typed, question, self.language)
        return typed if typed else UNKNOWN
