"""Driving the web app over HTTP in tests: forms are read from the pages like a browser would."""

from __future__ import annotations

import html
import re
from typing import Any

HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')
HEADING = re.compile(r"<h1>(.*?)</h1>", re.S)


def hidden_fields(page: str) -> dict[str, str]:
    """The hidden fields of the first form of the page (CSRF token, state, section)."""
    found: dict[str, str] = {}
    for name, value in HIDDEN.findall(page):
        found.setdefault(name, html.unescape(value))
    return found


def heading(page: str) -> str:
    match = HEADING.search(page)
    return html.unescape(match.group(1)).strip() if match else ""


def question_names(page: str) -> list[str]:
    """The answer and fact fields of a questionnaire page, in page order."""
    names = re.findall(r'name="((?:answers|facts)\.[^"]+)"', page)
    return list(dict.fromkeys(names))


def choices(page: str, name: str) -> list[str]:
    return re.findall(rf'name="{re.escape(name)}" value="([^"]*)"', page)


def input_tag(page: str, name: str) -> str:
    match = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*>', page)
    return match.group(0) if match else ""


def field_kind(page: str, name: str) -> str:
    """radio, checkbox, number (a text field for numbers) or text."""
    tag = input_tag(page, name)
    if "inputmode=" in tag:
        return "number"
    match = re.search(r'type="(\w+)"', tag)
    return match.group(1) if match else ""


def answer_all(page: str, pick: Any = None) -> dict[str, Any]:
    """A form answering every question of the page with ``pick(name, kind, choices)``
    (None leaves the question unanswered); by default the first choice, or 3."""

    def first(name: str, kind: str, offered: list[str]) -> Any:
        if kind in ("radio", "checkbox"):
            return offered[0]
        return "3" if kind == "number" else "Beispiel"

    chooser = pick or first
    data: dict[str, Any] = {}
    for name in question_names(page):
        value = chooser(name, field_kind(page, name), choices(page, name))
        if value is not None:
            data[name] = value
    return data
