"""What ``audit lint`` reads: the contributions of each plugin and ruleset, with files.

Unlike the engine, which stops at the first problem, this gathers every source on its
own and turns load errors into problems, so that one run reports everything.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kundenkompass.catalog import plugin_manager
from kundenkompass.catalog.plugin_data import TABLES_BY_FILE, PluginData
from kundenkompass.catalog.rulesets import (
    NotApplicable,
    PriorityChange,
    Ruleset,
    bundled_ruleset_paths,
    expand_paths,
    load_ruleset,
)
from kundenkompass.errors import KundenkompassError, ProfileError, RuleError, TomlFileError
from kundenkompass.files.toml_files import load_toml_file
from kundenkompass.models import ChecklistItem, Derivation, FactDefinition, Measure, Threshold
from kundenkompass.rules.language import Rule
from pydantic import BaseModel, ConfigDict

PLUGIN_FILES = ("facts.toml", "checklist.toml", "measures.toml", "rules.toml")

#: Hook → (kind of contribution, data file of a plugin folder).
HOOKS = {
    "register_facts": ("fact", "facts.toml"),
    "register_thresholds": ("threshold", "facts.toml"),
    "register_checklist_items": ("checklist item", "checklist.toml"),
    "register_measures": ("measure", "measures.toml"),
    "register_rules": ("rule", "rules.toml"),
    "register_derivations": ("derivation", None),
}


class Problem(BaseModel):
    """One problem ``audit lint`` found."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    #: The problem class, e.g. ``duplicate-id`` or ``never-fires``.
    code: str
    file: str
    line: int | None = None
    #: What the id names: ``rule``, ``measure``, ``checklist item``, ``fact``, …
    kind: str | None = None
    id: str | None = None
    message: str
    #: The plugin or ruleset it belongs to.
    source: str

    def __str__(self) -> str:
        where = self.file + (f":{self.line}" if self.line else "")
        subject = f"{self.kind} {self.id!r}: " if self.kind and self.id else ""
        return f"{where}: {subject}{self.message} [{self.code}]"


@dataclass
class Source:
    """One plugin or ruleset and what it contributes."""

    name: str
    kind: str  # "plugin" or "ruleset"
    #: Whether its problems are reported (the others are context).
    linted: bool
    #: Default file for messages; data files of a plugin folder by kind.
    file: str
    files: dict[str, str] = field(default_factory=dict)
    version: str = ""
    ruleset: Ruleset | None = None
    facts: list[FactDefinition] = field(default_factory=list)
    thresholds: list[Threshold] = field(default_factory=list)
    checklist: list[ChecklistItem] = field(default_factory=list)
    measures: list[Measure] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    derivations: list[Derivation] = field(default_factory=list)
    priority_changes: list[PriorityChange] = field(default_factory=list)
    not_applicable: list[NotApplicable] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    _lines: dict[str, dict[str, int]] = field(default_factory=dict)

    def file_of(self, kind: str) -> str:
        return self.files.get(kind, self.file)

    def line_of(self, file: str, identifier: str | None) -> int | None:
        """The line that names ``identifier`` (``id = "…"``, ``key = "…"``) in ``file``."""
        if identifier is None or not file.endswith(".toml"):
            return None
        if file not in self._lines:
            self._lines[file] = _entry_lines(Path(file))
        return self._lines[file].get(identifier)

    def problem(
        self, code: str, message: str, kind: str | None = None, identifier: str | None = None
    ) -> Problem:
        file = self.file_of(kind or "")
        return Problem(
            code=code,
            file=file,
            line=self.line_of(file, identifier),
            kind=kind,
            id=identifier,
            message=message,
            source=self.name,
        )


def _entry_lines(path: Path) -> dict[str, int]:
    pattern = re.compile(r'^\s*(?:id|key|fact|item)\s*=\s*"([a-z][a-z0-9_]*)"')
    lines: dict[str, int] = {}
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return lines
    for number, line in enumerate(text.splitlines(), start=1):
        match = pattern.match(line)
        if match:
            lines.setdefault(match.group(1), number)
    return lines


def shown_path(path: str | Path) -> str:
    """A path relative to the working directory when it lies below it."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(path)


# ------------------------------------------------------------------------- plugins


def plugin_source(name: str, plugin: object, version: str, linted: bool) -> Source:
    """Call each hook of a plugin object on its own, recording failures as problems."""
    if isinstance(plugin, PluginData):
        folder = plugin.directory
        package = folder / "__init__.py"
        default = shown_path(package if package.exists() else folder)
        files = {
            kind: shown_path(folder / filename)
            for kind, filename in HOOKS.values()
            if filename is not None
        }
    else:
        default = _code_file(plugin)
        files = {}
    source = Source(
        name=name, kind="plugin", linted=linted, file=default, files=files, version=version
    )
    targets: dict[str, list[Any]] = {
        "fact": source.facts,
        "threshold": source.thresholds,
        "checklist item": source.checklist,
        "measure": source.measures,
        "rule": source.rules,
        "derivation": source.derivations,
    }
    for hook, (kind, _) in HOOKS.items():
        function = getattr(plugin, hook, None)
        if function is None:
            continue
        try:
            result = function()
        except RuleError as error:
            source.problems.append(
                Problem(
                    code="invalid-file",
                    file=shown_path(error.origin.split(":")[0]),
                    kind="rule" if error.rule else None,
                    id=error.rule,
                    message=error.message,
                    source=name,
                )
            )
            continue
        except Exception as error:  # third-party code: any failure is a finding
            message = str(error)
            file = source.file_of(kind)
            prefix = re.match(r"^(\S+?\.toml)(:\d+:\d+)?: ", message)
            if prefix:
                file = shown_path(prefix.group(1))
                message = message[len(prefix.group(0)) :]
                if prefix.group(2):
                    message = f"line {prefix.group(2)[1:]}: {message}"
            elif not isinstance(error, KundenkompassError | ValueError):
                message = f"{hook} raised {type(error).__name__}: {error}"
            source.problems.append(
                Problem(code="invalid-file", file=file, message=message, source=name)
            )
            continue
        if result is None:
            continue
        if not isinstance(result, list | tuple):
            source.problems.append(
                source.problem(
                    "invalid-file", f"{hook} must return a list, got {type(result).__name__}"
                )
            )
            continue
        targets[kind].extend(result)
    return source


def _code_file(plugin: object) -> str:
    for candidate in (plugin, type(plugin)):
        try:
            found = inspect.getsourcefile(candidate)  # type: ignore[arg-type]
        except TypeError:
            continue
        if found:
            return shown_path(found)
    return repr(plugin)


def _same_folder(plugin: object, folder: Path) -> bool:
    """Whether a plugin reads ``folder``, or is an installed copy of it (same package name)."""
    if not isinstance(plugin, PluginData):
        return False
    return plugin.directory.resolve() == folder.resolve() or plugin.directory.name == folder.name


def installed_sources(
    replaced: Iterable[Path] = (), lint_all: bool = True
) -> tuple[list[Source], list[Problem]]:
    """Every installed plugin; those whose folder is in ``replaced`` are left out.

    A folder replaces the installed plugin that reads it, and the installed copy of the
    same package (linting a source checkout of an installed plugin).
    """
    manager = plugin_manager.new_plugin_manager()
    infos, skipped = plugin_manager.register_installed(manager, skip_broken=True)
    replaced = list(replaced)
    sources = []
    for info in infos:
        plugin = manager.get_plugin(info.name)
        if any(_same_folder(plugin, folder) for folder in replaced):
            continue
        sources.append(plugin_source(info.name, plugin, info.version, lint_all))
    problems = [
        Problem(
            code="broken-plugin",
            file=f"entry point {skipped_plugin.name!r}",
            message=skipped_plugin.reason,
            source=skipped_plugin.name,
        )
        for skipped_plugin in skipped
    ]
    return sources, problems if lint_all else []


def installed_plugin_data(folder: Path) -> tuple[str, PluginData, str] | None:
    """The installed plugin for ``folder``: the one reading it (with its Python
    derivations), or a plugin read from the folder under the installed copy's name."""
    manager = plugin_manager.new_plugin_manager()
    infos, _ = plugin_manager.register_installed(manager, skip_broken=True)
    for info in infos:
        plugin = manager.get_plugin(info.name)
        if isinstance(plugin, PluginData) and _same_folder(plugin, folder):
            if plugin.directory.resolve() == folder.resolve():
                return info.name, plugin, info.version
            return info.name, PluginData(folder), "local"
    return None


# ------------------------------------------------------------------------ rulesets


def ruleset_source(ruleset: Ruleset, linted: bool) -> Source:
    plugin = ruleset.plugin()
    return Source(
        name=ruleset.plugin_name,
        kind="ruleset",
        linted=linted,
        file=shown_path(ruleset.path),
        version=ruleset.version,
        ruleset=ruleset,
        facts=plugin.register_facts(),
        thresholds=plugin.register_thresholds(),
        checklist=plugin.register_checklist_items(),
        measures=plugin.register_measures(),
        rules=plugin.register_rules(),
        priority_changes=list(ruleset.priority_changes),
        not_applicable=list(ruleset.not_applicable),
    )


def load_ruleset_source(path: Path, selection: Any, linted: bool) -> Source:
    try:
        return ruleset_source(load_ruleset(path, selection), linted)
    except RuleError as error:
        origin = error.origin
        match = re.match(r"^(.*?)(?::(\d+):(\d+))?$", origin)
        file, line = (match.group(1), match.group(2)) if match else (origin, None)
        message = error.message
        if match and match.group(3):
            message = f"column {match.group(3)}: {message}"
        return Source(
            name=f"ruleset:{path.stem}",
            kind="ruleset",
            linted=linted,
            file=shown_path(file),
            problems=[
                Problem(
                    code="invalid-file",
                    file=shown_path(file),
                    line=int(line) if line else None,
                    kind="rule" if error.rule else None,
                    id=error.rule,
                    message=message,
                    source=f"ruleset:{path.stem}",
                )
            ],
        )


def is_ruleset_file(path: Path) -> bool:
    try:
        return "ruleset" in load_toml_file(path)
    except TomlFileError:
        return path.name not in TABLES_BY_FILE and path.name != "rules.toml"


# --------------------------------------------------------------------- selection


def gather(paths: Iterable[str | Path] = ()) -> list[Source]:
    """The sources to lint and their context.

    Without paths: every installed plugin and every bundled ruleset, all linted. With
    paths (ruleset files, folders of rulesets, plugin folders or their data files): those
    are linted, in the context of the installed plugins and of the bundled rulesets of
    other sectors, as the engine would load them together.
    """
    given = [Path(path) for path in paths]
    if not given:
        sources, problems = installed_sources()
        bundled = [load_ruleset_source(p, "sector", True) for p in bundled_ruleset_paths()]
        sources.extend(bundled)
        if problems:
            sources.append(
                Source(name="<installed>", kind="plugin", linted=True, file="", problems=problems)
            )
        return sources

    plugin_folders: list[Path] = []
    ruleset_files: list[Path] = []
    for path in given:
        if not path.exists():
            raise ProfileError(str(path), "no such file or folder")
        if path.is_dir() and any((path / name).exists() for name in PLUGIN_FILES):
            plugin_folders.append(path)
        elif path.is_file() and path.name in PLUGIN_FILES and not is_ruleset_file(path):
            plugin_folders.append(path.parent)
        else:
            ruleset_files.extend(expand_paths([path]))

    sources, _ = installed_sources(replaced=plugin_folders, lint_all=False)
    for folder in dict.fromkeys(plugin_folders):
        found = installed_plugin_data(folder)
        if found is not None:
            name, plugin, version = found
            sources.append(plugin_source(name, plugin, version, True))
        else:
            name = folder.resolve().name
            sources.append(plugin_source(name, PluginData(folder), "local", True))
    # A bundled ruleset is linted as the engine loads it: selected by its sector.
    bundled_paths = {path.resolve() for path in bundled_ruleset_paths()}
    linted = [
        load_ruleset_source(path, "sector" if path.resolve() in bundled_paths else "explicit", True)
        for path in dict.fromkeys(ruleset_files)
    ]
    sources.extend(linted)
    covered = {s.ruleset.sector for s in linted if s.ruleset and s.ruleset.selection == "explicit"}
    chosen = {path.resolve() for path in ruleset_files}
    for path in bundled_ruleset_paths():
        if path.resolve() in chosen:
            continue
        context = load_ruleset_source(path, "sector", False)
        if context.ruleset is not None and context.ruleset.sector not in covered:
            sources.append(context)
    return sources
