"""Loading a plugin's content from the TOML files beside it.

A phase plugin is a package folder with ``facts.toml``, ``checklist.toml``,
``measures.toml``, ``projects.toml`` and ``rules.toml``; each file is optional. A
``rulesets/`` subfolder holds rulesets the plugin ships (``*.toml``; each adjusts content
for its sector). A top-level ``phase = "…"``
in a file is the default phase of its entries. The package exposes one
:class:`PluginData` object, and its entry point names that object::

    # kundenkompass_fahrradhandel/__init__.py
    from kundenkompass.plugin_data import PluginData

    plugin = PluginData.for_package(__name__)

    # pyproject.toml
    [project.entry-points.kundenkompass]
    fahrradhandel = "kundenkompass_fahrradhandel:plugin"

Derived facts that need Python are passed as ``derivations=[Derivation(...)]``.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Any, TypeVar

from kundenkompass.catalog.hookspecs import hookimpl
from kundenkompass.catalog.locate import locate
from kundenkompass.catalog.origins import register_package_folder
from kundenkompass.errors import DataFileError, RuleError, TomlFileError
from kundenkompass.files.reasons import validation_reason
from kundenkompass.files.toml_files import load_toml_file
from kundenkompass.models import (
    ChecklistItem,
    Derivation,
    FactDefinition,
    Measure,
    Project,
    Threshold,
)
from kundenkompass.rules.language import Rule, parse_rules
from pydantic import BaseModel, ValidationError

ModelT = TypeVar("ModelT", bound=BaseModel)


#: The array tables each data file may hold.
TABLES_BY_FILE = {
    "facts.toml": ("fact", "threshold"),
    "checklist.toml": ("item",),
    "measures.toml": ("measure",),
    "projects.toml": ("project",),
}


#: The subfolder of a plugin folder that holds the rulesets the plugin ships.
RULESETS_FOLDER = "rulesets"


def located_rule_error(error: RuleError, path: str | Path) -> RuleError:
    """The error of a rule, with the line and column of the rule in ``path``."""
    if error.origin != str(path):  # already located (a TOML syntax error)
        return error
    label = error.rule or ""
    if label.startswith("rule[") and label.endswith("]") and label[5:-1].isdigit():
        position = locate(path, "rule", index=int(label[5:-1]))
    elif label:
        position = locate(path, "rule", identifier=label)
    else:
        position = None
    if position is None:
        return error
    located = RuleError(f"{path}:{position[0]}:{position[1]}", error.rule, error.message)
    located.__cause__ = error.__cause__
    return located


class PluginData:
    """The TOML content of one plugin folder, parsed on first use and validated.

    The object is itself a plugin: its hook implementations return the folder's content.
    """

    def __init__(self, directory: Path, derivations: tuple[Derivation, ...] = ()) -> None:
        self.directory = Path(directory)
        self._derivations = tuple(derivations)
        self._cache: dict[str, tuple[Any, ...]] = {}

    @classmethod
    def for_package(cls, package: str, derivations: tuple[Derivation, ...] = ()) -> PluginData:
        folder = Path(str(files(package)))
        register_package_folder(folder, package)
        register_package_folder(folder / RULESETS_FOLDER, f"{package}/{RULESETS_FOLDER}")
        return cls(folder, derivations)

    def __repr__(self) -> str:
        return f"PluginData({str(self.directory)!r})"

    @hookimpl
    def register_facts(self) -> list[FactDefinition]:
        return list(self._cached("facts.toml", "fact", FactDefinition))

    @hookimpl
    def register_thresholds(self) -> list[Threshold]:
        return list(self._cached("facts.toml", "threshold", Threshold))

    @hookimpl
    def register_checklist_items(self) -> list[ChecklistItem]:
        return list(self._cached("checklist.toml", "item", ChecklistItem))

    @hookimpl
    def register_measures(self) -> list[Measure]:
        return list(self._cached("measures.toml", "measure", Measure))

    @hookimpl
    def register_projects(self) -> list[Project]:
        return list(self._cached("projects.toml", "project", Project))

    @hookimpl
    def register_rules(self) -> list[Rule]:
        return list(self._cached("rules.toml", "rule", Rule))

    @hookimpl
    def register_derivations(self) -> list[Derivation]:
        return list(self._derivations)

    @hookimpl
    def register_rulesets(self) -> list[Path]:
        folder = self.directory / RULESETS_FOLDER
        return sorted(folder.glob("*.toml")) if folder.is_dir() else []

    def _cached(self, filename: str, table: str, model: type[ModelT]) -> tuple[ModelT, ...]:
        cache_key = f"{filename}:{table}"
        if cache_key not in self._cache:
            path = self.directory / filename
            if not path.exists():
                entries: tuple[Any, ...] = ()
            elif model is Rule:
                try:
                    entries = tuple(parse_rules(self._load(path), str(path)))
                except RuleError as error:
                    raise located_rule_error(error, path) from None
            else:
                entries = tuple(parse_entries(self._load(path), table, model, str(path)))
            self._cache[cache_key] = entries
        return self._cache[cache_key]

    def _load(self, path: Path) -> dict[str, Any]:
        try:
            return load_toml_file(path)
        except TomlFileError as error:
            if path.name == "rules.toml":
                where = str(path)
                if error.line is not None:
                    where += f":{error.line}:{error.column}"
                raise RuleError(where, None, error.message) from None
            raise DataFileError(
                str(path), error.message, line=error.line, column=error.column
            ) from None


def parse_entries(
    data: dict[str, Any], table: str, model: type[ModelT], origin: str
) -> list[ModelT]:
    """Validate the ``[[table]]`` entries of a data file, inheriting a top-level ``phase``."""
    tables = TABLES_BY_FILE.get(Path(origin).name, (table,))
    unknown = set(data) - set(tables) - {"phase"}
    if unknown:
        expected = ", ".join(f"[[{name}]]" for name in tables)
        first_unknown = sorted(unknown)[0]
        line, column = _line_column(
            locate(origin, first_unknown) or locate(origin, key=first_unknown)
        )
        raise DataFileError(
            origin,
            f"unbekannte Schlüssel auf oberster Ebene: {sorted(unknown)}; erwartet: "
            f"Tabellen {expected} und optional phase",
            line=line,
            column=column,
        )
    default_phase = data.get("phase")
    entries = data.get(table, [])
    if not isinstance(entries, list):
        line, column = _line_column(locate(origin, key=table))
        raise DataFileError(
            origin,
            f"'{table}' muss eine Liste von Tabellen sein ([[{table}]])",
            line=line,
            column=column,
        )
    parsed: list[ModelT] = []
    for index, entry in enumerate(entries):
        label = entry.get("id") or entry.get("key") if isinstance(entry, dict) else None
        where = f"{table}[{index}]" + (f" {label!r}" if isinstance(label, str) else "")
        if not isinstance(entry, dict):
            line, column = _line_column(locate(origin, key=table))
            raise DataFileError(
                origin, "muss eine Tabelle sein", key_path=where, line=line, column=column
            )
        if default_phase and "phase" in model.model_fields and "phase" not in entry:
            entry = {**entry, "phase": default_phase}
        try:
            parsed.append(model.model_validate(entry))
        except ValidationError as error:
            first = error.errors()[0]
            location = ".".join(str(part) for part in first["loc"])
            message = validation_reason(first)
            key = str(first["loc"][0]) if first["loc"] and first["type"] != "missing" else None
            position = locate(origin, table, index=index, key=key) or locate(
                origin, table, index=index
            )
            line, column = _line_column(position)
            raise DataFileError(
                origin,
                message,
                key_path=f"{where}: {location}" if location else where,
                line=line,
                column=column,
            ) from None
    return parsed


def _line_column(position: tuple[int, int] | None) -> tuple[int | None, int | None]:
    return position if position else (None, None)
