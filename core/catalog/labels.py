"""How the reports name an answer, fact or company field, and how they show its value.

Both take their words from the catalog (questions, checklist statements, value labels,
units) and from the texts; every step from the profile on uses them for evidence.
"""

from __future__ import annotations

from typing import Any

from kundenkompass.catalog.catalog import Catalog
from kundenkompass.models import text_in
from kundenkompass.texts import text


def show_value(ref: str, value: Any, catalog: Catalog, language: str = "de") -> str:
    definition = catalog.subjects.get(ref)
    if value is None:
        return text("answer.unbekannt", language)
    if ref.startswith("answers."):
        return text(f"answer.{value}", language)
    if ref == "company.channels":
        return ", ".join(text(f"channel.{v}", language) for v in value)
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, tuple | list):
        if not value:
            return "keine"
        labels = [definition.label(v, language) if definition else str(v) for v in value]
        return ", ".join(labels)
    if isinstance(value, float):
        shown = f"{value:g}".replace(".", ",")
    else:
        shown = str(value) if not definition else definition.label(str(value), language)
    unit = definition.unit if definition and definition.unit else ""
    return f"{shown} {unit}".strip()


def label_of(ref: str, catalog: Catalog, language: str = "de") -> str:
    if ref.startswith("answers."):
        item = catalog.checklist.get(ref.split(".", 1)[1])
        return text_in(item.statement, language) if item else ref
    definition = catalog.subjects.get(ref)
    # A derived fact may come without a question: its key names it.
    return (text_in(definition.question, language) or ref) if definition else ref


class CatalogNames:
    """Fact labels and value labels of the loaded plugins, for comparing two audits
    (:class:`kundenkompass.render.compare.FactNames`)."""

    def __init__(self, catalog: Catalog, language: str = "de") -> None:
        self.catalog = catalog
        self.language = language

    def label(self, ref: str) -> str | None:
        if ref.partition(".")[2] not in self.catalog.facts:
            return None
        return label_of(ref, self.catalog, self.language).rstrip(".?")

    def shown(self, ref: str, value: Any) -> str:
        return show_value(ref, value, self.catalog, self.language)

    def derived(self, ref: str) -> bool:
        fact = self.catalog.facts.get(ref.partition(".")[2])
        return fact is not None and fact.source == "derived"
