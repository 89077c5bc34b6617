"""Loading a plugin's content from the TOML files beside it.

A phase plugin is a package folder with ``facts.toml``, ``checklist.toml``,
``measures.toml`` and ``rules.toml``; each file is optional. A ``rulesets/`` subfolder holds
rulesets the plugin ships (``*.toml``; each adjusts content for its sector). A top-level ``phase = "…"``
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
from kundenkompass.catalog.origins import register_package_folder
from kundenkompass.errors import RuleError
from kundenkompass.files.toml_files import TomlFileError, load_toml_file
from kundenkompass.models import ChecklistItem, Derivation, FactDefinition, Measure, Threshold
from kundenkompass.rules.language import Rule, parse_rules
from pydantic import BaseModel, ValidationError

ModelT = TypeVar("ModelT", bound=BaseModel)


#: The array tables each data file may hold.
TABLES_BY_FILE = {
    "facts.toml": ("fact", "threshold"),
    "checklist.toml": ("item",),
    "measures.toml": ("measure",),
}


#: The subfolder of a plugin folder that holds the rulesets the plugin ships.
RULESETS_FOLDER = "rulesets"


class DataFileError(ValueError):
    """A plugin data file that does not match its schema."""


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
                entries = tuple(parse_rules(self._load(path), str(path)))
            else:
                entries = tuple(parse_entries(self._load(path), table, model, str(path)))
            self._cache[cache_key] = entries
        return self._cache[cache_key]

    def _load(self, path: Path) -> dict[str, Any]:
        try:
            return load_toml_file(path)
        except TomlFileError as error:
            where = str(path)
            if error.line is not None:
                where += f":{error.line}:{error.column}"
            if path.name == "rules.toml":
                raise RuleError(where, None, error.message) from None
            raise DataFileError(f"{where}: {error.message}") from None


def parse_entries(
    data: dict[str, Any], table: str, model: type[ModelT], origin: str
) -> list[ModelT]:
    """Validate the ``[[table]]`` entries of a data file, inheriting a top-level ``phase``."""
    tables = TABLES_BY_FILE.get(Path(origin).name, (table,))
    unknown = set(data) - set(tables) - {"phase"}
    if unknown:
        expected = ", ".join(f"[[{name}]]" for name in tables)
        raise DataFileError(
            f"{origin}: unknown top-level key(s) {sorted(unknown)}; expected "
            f"{expected} tables and optionally phase"
        )
    default_phase = data.get("phase")
    entries = data.get(table, [])
    if not isinstance(entries, list):
        raise DataFileError(f"{origin}: '{table}' must be an array of tables ([[{table}]])")
    parsed: list[ModelT] = []
    for index, entry in enumerate(entries):
        label = entry.get("id") or entry.get("key") if isinstance(entry, dict) else None
        where = f"{origin}: {table}[{index}]" + (f" {label!r}" if label else "")
        if not isinstance(entry, dict):
            raise DataFileError(f"{where}: must be a table")
        if default_phase and "phase" in model.model_fields and "phase" not in entry:
            entry = {**entry, "phase": default_phase}
        try:
            parsed.append(model.model_validate(entry))
        except ValidationError as error:
            first = error.errors()[0]
            location = ".".join(str(part) for part in first["loc"])
            message = first["msg"].removeprefix("Value error, ")
            raise DataFileError(
                f"{where}: {location}: {message}" if location else f"{where}: {message}"
            ) from None
    return parsed
