"""Texts of reports and command output, per language (``locales/<language>.toml``)."""

from __future__ import annotations

from functools import cache, partial
from importlib.resources import files
from typing import Protocol

from kundenkompass.files.cache import cached, key_of
from kundenkompass.files.toml_files import parse_toml_text
from kundenkompass.models import DEFAULT_LANGUAGE


@cache
def _load(language: str) -> dict[str, dict[str, str]]:
    resource = files("kundenkompass") / "locales" / f"{language}.toml"
    content = resource.read_text(encoding="utf-8")
    # Parsed once per content, like the plugins' data files: every command needs texts.
    return cached("toml", key_of(content), lambda: parse_toml_text(content), dict)


def text(key: str, language: str = DEFAULT_LANGUAGE, **values: object) -> str:
    """Look up ``section.name`` in the language's texts (falling back to German)."""
    section, name = key.split(".", 1)
    for candidate in (language, DEFAULT_LANGUAGE):
        try:
            template = _load(candidate)[section][name]
        except (FileNotFoundError, KeyError):
            continue
        return template.format(**values) if values else template
    raise KeyError(key)


class Texts(Protocol):
    """:func:`text` bound to one language: ``t("report.title")``."""

    def __call__(self, key: str, /, **values: object) -> str: ...


def texts_for(language: str) -> Texts:
    """:func:`text` in ``language``, for modules that look up many texts."""
    return partial(text, language=language)


def section(name: str, language: str = DEFAULT_LANGUAGE) -> dict[str, str]:
    """Every text of one section (e.g. the glossary), German where the language has none."""
    found: dict[str, str] = {}
    for candidate in (DEFAULT_LANGUAGE, language):
        try:
            found.update(_load(candidate).get(name, {}))
        except FileNotFoundError:
            continue
    return found
