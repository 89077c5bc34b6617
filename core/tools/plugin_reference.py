"""The generated parts of docs/plugins.md: the hook reference and the keys of each table.

Both come from the code: the hooks from :mod:`kundenkompass.catalog.hookspecs` (signatures
and docstrings), the keys from the pydantic models of each TOML table (required or not,
type, default, and the ``#:`` comment above each field). A test keeps the document current;
after changing a hook or a model, regenerate it::

    python -m kundenkompass.tools.plugin_reference docs/plugins.md
"""

from __future__ import annotations

import enum
import inspect
import re
import sys
import types
import typing
from pathlib import Path
from typing import Any

from kundenkompass.catalog import hookspecs
from kundenkompass.catalog.plugin_manager import hook_names
from kundenkompass.catalog.rulesets import NotApplicable, PriorityChange, RulesetHeader
from kundenkompass.files.atomic import write_atomically
from kundenkompass.models import ChecklistItem, FactDefinition, Measure, Project, Threshold
from kundenkompass.rules.language import Rule
from pydantic import BaseModel
from pydantic_core import PydanticUndefined

#: (file, table as written in TOML, model) of every table a plugin or ruleset may hold.
TABLES: tuple[tuple[str, str, type[BaseModel]], ...] = (
    ("facts.toml", "[[fact]]", FactDefinition),
    ("facts.toml", "[[threshold]]", Threshold),
    ("checklist.toml", "[[item]]", ChecklistItem),
    ("measures.toml", "[[measure]]", Measure),
    ("rules.toml", "[[rule]]", Rule),
    ("projects.toml", "[[project]]", Project),
    ("ruleset file", "[ruleset]", RulesetHeader),
    ("ruleset file", "[[measure_priority]]", PriorityChange),
    ("ruleset file", "[[not_applicable]]", NotApplicable),
)

#: Fields the engine sets itself; they are not written in files.
INTERNAL_FIELDS = {"origin", "plugin"}

BEGIN = (
    "<!-- generated: {name} (python -m kundenkompass.tools.plugin_reference docs/plugins.md) -->"
)
END = "<!-- end generated: {name} -->"


# ---------------------------------------------------------------------------- hooks


def hook_reference() -> str:
    """Markdown: each hook with its signature, when it is called and its docstring."""
    parts = []
    for name in hook_names():
        function = getattr(hookspecs, name)
        returns = inspect.signature(function).return_annotation
        shown = returns if isinstance(returns, str) else getattr(returns, "__name__", returns)
        parts.append(f"### `{name}() -> {shown}`\n\n{_markdown(inspect.getdoc(function) or '')}")
    return "\n\n".join(parts)


def _markdown(docstring: str) -> str:
    """reStructuredText-ish docstring → Markdown: ``x`` → `x`, roles dropped, ``::`` blocks
    kept as indented code (not fenced: the document's fenced blocks are all executed)."""
    text = re.sub(r":(?:func|class|mod|attr|meth):`~?([^`]+)`", r"`\1`", docstring)
    text = text.replace("``", "`")
    text = re.sub(r"::\n", ":\n", text)
    return text.strip()


# ---------------------------------------------------------------------------- tables


def keys_table() -> str:
    """Markdown: for each TOML table, its keys, whether required, type, default, meaning."""
    parts = []
    for file, table, model in TABLES:
        summary = _markdown((inspect.getdoc(model) or "").split("\n\n")[0])
        rows = ["| key | required | type | default | meaning |", "| --- | --- | --- | --- | --- |"]
        comments = _field_comments(model)
        for name, field in model.model_fields.items():
            if name in INTERNAL_FIELDS:
                continue
            required = "yes" if field.is_required() else "no"
            if name == "question" and model is FactDefinition:
                required = "for input facts"
            default = "" if field.is_required() else _default(field.default, field)
            rows.append(
                f"| `{name}` | {required} | {_type(field.annotation)} | {default} | "
                f"{comments.get(name, '')} |"
            )
        parts.append(f"#### `{table}` ({file})\n\n{summary}\n\n" + "\n".join(rows))
    return "\n\n".join(parts)


def _field_comments(model: type[BaseModel]) -> dict[str, str]:
    """The ``#:`` comment lines right above each field of the model and its bases."""
    found: dict[str, str] = {}
    for cls in reversed(model.__mro__):
        if not (isinstance(cls, type) and issubclass(cls, BaseModel)) or cls is BaseModel:
            continue
        try:
            lines = inspect.getsource(cls).splitlines()
        except (OSError, TypeError):  # pragma: no cover - source not available
            continue
        pending: list[str] = []
        for line in lines:
            stripped = line.strip()
            if stripped.startswith("#:"):
                pending.append(stripped[2:].strip())
                continue
            match = re.match(r"^\s{4}(\w+)\s*:", line)
            if match and pending:
                found[match.group(1)] = " ".join(pending).replace("``", "`").replace("|", "\\|")
            pending = []
    return found


def _default(value: Any, field: Any) -> str:
    if value is PydanticUndefined:
        value = field.default_factory() if field.default_factory else None
    if value is None or value == () or value == {}:
        return ""
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, str):
        return f'`"{value}"`'
    return f"`{value}`"


def _type(annotation: Any) -> str:
    origin = typing.get_origin(annotation)
    arguments = typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        members = [a for a in arguments if a is not type(None)]
        if len(members) > 1 and all(
            inspect.isclass(m) and issubclass(m, BaseModel) for m in members
        ):
            return "condition (see content-format.md)"
        return " or ".join(_type(member) for member in members)
    if origin is typing.Annotated:
        checks = {getattr(m, "func", None).__name__ for m in arguments[1:] if hasattr(m, "func")}  # type: ignore[union-attr]
        if "_check_text" in checks:
            return "text per language (`.de`)"
        if "_check_identifier" in checks:
            return "id"
        return _type(arguments[0])
    if origin is typing.Literal:
        return " or ".join(f'`"{value}"`' for value in arguments)
    if origin is tuple:
        return f"array of {_type(arguments[0])}"
    if origin is dict:
        if arguments == (str, str):
            return "text per language (`.de`)"
        return "table"
    if inspect.isclass(annotation) and issubclass(annotation, enum.Enum):
        return " or ".join(f'`"{member.value}"`' for member in annotation)
    if inspect.isclass(annotation) and issubclass(annotation, BaseModel):
        keys = ", ".join(annotation.model_fields)
        return f"inline table ({keys})"
    return {bool: "true or false", int: "integer", float: "number", str: "string"}.get(
        annotation, str(annotation)
    )


# ---------------------------------------------------------------------------- document

SECTIONS = {"hook-reference": hook_reference, "table-keys": keys_table}


def regenerate(document: str) -> str:
    """The document with every generated section replaced by its current content."""
    for name, produce in SECTIONS.items():
        begin, end = BEGIN.format(name=name), END.format(name=name)
        pattern = re.compile(re.escape(begin) + r"\n.*?" + re.escape(end), re.S)
        if not pattern.search(document):
            raise ValueError(f"the document has no section {begin!r} … {end!r}")
        replacement = f"{begin}\n\n{produce()}\n\n{end}"
        document = pattern.sub(replacement.replace("\\", "\\\\"), document)
    return document


def main(arguments: list[str]) -> int:
    for name in arguments:
        path = Path(name)
        write_atomically(path, regenerate(path.read_text(encoding="utf-8")), force=True)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))
