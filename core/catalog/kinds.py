"""What the kinds of contributions (``measure``, ``checklist item``, …) are called in messages."""

from __future__ import annotations

#: What a finding's ``kind`` is called in messages.
KIND_LABELS = {
    "rule": "Regel",
    "measure": "Maßnahme",
    "project": "Projekt",
    "derivation": "Ableitung",
    "threshold": "Schwellenwert",
    "measure priority": "Prioritätsänderung",
    "not applicable": "Markierung „entfällt“",
    "ruleset": "Regelwerk",
    "fact": "Fakt",
    "checklist item": "Checklistenpunkt",
    "company field": "Unternehmensfeld",
}


def kind_label(kind: str) -> str:
    """The German name of a finding's kind (``measure`` → ``Maßnahme``)."""
    return KIND_LABELS.get(kind, kind)
