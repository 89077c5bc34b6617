"""What ``audit lint`` reads: the contributions of each plugin and ruleset, with files.

Unlike the engine, which stops at the first problem, this gathers every source on its
own and turns load errors into problems, so that one run reports everything.
"""

from __future__ import annotations

import inspect
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from kundenkompass.catalog import plugin_manager
from kundenkompass.catalog.checks import BUILT_IN_DISTRIBUTION
from kundenkompass.catalog.kinds import kind_label
from kundenkompass.catalog.locate import locate
from kundenkompass.catalog.plugin_data import TABLES_BY_FILE, PluginData
from kundenkompass.catalog.rulesets import (
    NotApplicable,
    PriorityChange,
    Ruleset,
    bundled_ruleset_paths,
    expand_paths,
    load_ruleset,
)
from kundenkompass.errors import (
    DataFileError,
    KundenkompassError,
    ProfileError,
    RuleError,
    TomlFileError,
)
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
from kundenkompass.rules.language import Rule
from pydantic import BaseModel, ConfigDict, ValidationError

PLUGIN_FILES = ("facts.toml", "checklist.toml", "measures.toml", "rules.toml", "projects.toml")

#: Hook → (kind of contribution, data file of a plugin folder).
HOOKS = {
    "register_facts": ("fact", "facts.toml"),
    "register_thresholds": ("threshold", "facts.toml"),
    "register_checklist_items": ("checklist item", "checklist.toml"),
    "register_measures": ("measure", "measures.toml"),
    "register_rules": ("rule", "rules.toml"),
    "register_derivations": ("derivation", None),
    "register_projects": ("project", "projects.toml"),
}


class Problem(BaseModel):
    """One problem ``audit lint`` found."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    #: The problem class, e.g. ``duplicate-id`` or ``never-fires``.
    code: str
    file: str
    line: int | None = None
    column: int | None = None
    #: What the id names: ``rule``, ``measure``, ``checklist item``, ``fact``, …
    kind: str | None = None
    id: str | None = None
    message: str
    #: The plugin or ruleset it belongs to.
    source: str

    def __str__(self) -> str:
        where = self.file + (f":{self.line}" if self.line else "")
        where += f":{self.column}" if self.line and self.column else ""
        subject = f"{kind_label(self.kind)} {self.id!r}: " if self.kind and self.id else ""
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
    #: A plugin of Kundenkompass itself (the five phases): it keeps its ids against others.
    built_in: bool = False
    distribution: str | None = None
    #: Kinds of contribution that failed to load: problems that only follow from their
    #: absence (an unknown measure when measures.toml is broken) are not reported.
    failed: set[str] = field(default_factory=set)
    #: For plugins written in Python: kind → (file, line) of the hook that contributes it.
    hook_positions: dict[str, tuple[str, int]] = field(default_factory=dict)
    facts: list[FactDefinition] = field(default_factory=list)
    thresholds: list[Threshold] = field(default_factory=list)
    checklist: list[ChecklistItem] = field(default_factory=list)
    measures: list[Measure] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    derivations: list[Derivation] = field(default_factory=list)
    projects: list[Project] = field(default_factory=list)
    priority_changes: list[PriorityChange] = field(default_factory=list)
    not_applicable: list[NotApplicable] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def file_of(self, kind: str) -> str:
        if kind in self.hook_positions:
            return self.hook_positions[kind][0]
        return self.files.get(kind, self.file)

    def position_of(self, kind: str, identifier: str | None) -> tuple[int | None, int | None]:
        """Line and column of the entry ``identifier`` of ``kind``: its ``id = "…"`` line in
        a TOML file, or the hook that returned it in Python code."""
        if kind in self.hook_positions:
            return self.hook_positions[kind][1], 1
        file = self.file_of(kind)
        if not file.endswith(".toml"):
            return None, None
        table = TABLE_OF_KIND.get(kind)
        position = None
        if identifier is not None:
            position = locate(file, table, identifier=identifier)
        if position is None and kind == "ruleset":
            position = locate(file, key="ruleset")
        return position if position else (1, 1)

    def problem(
        self, code: str, message: str, kind: str | None = None, identifier: str | None = None
    ) -> Problem:
        line, column = self.position_of(kind or "", identifier)
        return Problem(
            code=code,
            file=self.file_of(kind or ""),
            line=line,
            column=column,
            kind=kind,
            id=identifier,
            message=message,
            source=self.name,
        )


#: Kind of contribution → its table in a TOML file.
TABLE_OF_KIND = {
    "fact": "fact",
    "threshold": "threshold",
    "checklist item": "item",
    "measure": "measure",
    "rule": "rule",
    "project": "project",
    "measure priority": "measure_priority",
    "not applicable": "not_applicable",
}

#: Hook → the model of what it returns.
MODELS: dict[str, type[BaseModel]] = {
    "register_facts": FactDefinition,
    "register_thresholds": Threshold,
    "register_checklist_items": ChecklistItem,
    "register_measures": Measure,
    "register_rules": Rule,
    "register_derivations": Derivation,
    "register_projects": Project,
}


def shown_path(path: str | Path) -> str:
    """A path relative to the working directory when it lies below it."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(path)


# ------------------------------------------------------------------------- plugins


def plugin_source(
    name: str,
    plugin: object,
    version: str,
    linted: bool,
    distribution: str | None = None,
) -> Source:
    """Call each hook of a plugin object on its own, recording failures as problems.

    Whatever a hook does (raise, return None, a dict, the wrong models, invalid models),
    it becomes a problem of the plugin, never a crash.
    """
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
        name=name,
        kind="plugin",
        linted=linted,
        file=default,
        files=files,
        version=version,
        built_in=distribution == BUILT_IN_DISTRIBUTION,
        distribution=distribution,
    )
    targets: dict[str, list[Any]] = {
        "fact": source.facts,
        "threshold": source.thresholds,
        "checklist item": source.checklist,
        "measure": source.measures,
        "rule": source.rules,
        "derivation": source.derivations,
        "project": source.projects,
    }
    for hook, (kind, _) in HOOKS.items():
        try:
            function = getattr(plugin, hook, None)
        except Exception:  # a plugin object whose attribute access fails
            function = None
        if not callable(function):
            continue
        if not isinstance(plugin, PluginData):
            position = _code_position(function)
            if position is not None:
                source.hook_positions[kind] = position
        try:
            result = function()
        except Exception as error:  # third-party code: any failure is a finding
            source.failed.add(kind)
            source.problems.append(_load_problem(source, hook, kind, error))
            continue
        if result is None:
            continue
        if not isinstance(result, list | tuple):
            source.failed.add(kind)
            source.problems.append(
                source.problem(
                    "invalid-file",
                    f"{hook} muss eine Liste von {MODELS[hook].__name__} liefern, "
                    f"erhalten: {type(result).__name__}",
                    kind,
                )
            )
            continue
        for index, entry in enumerate(result):
            checked = _checked_entry(hook, entry, index)
            if isinstance(checked, str):
                source.failed.add(kind)
                source.problems.append(source.problem("invalid-file", checked, kind))
            else:
                targets[kind].append(checked)
    return source


def _checked_entry(hook: str, entry: object, position: int) -> BaseModel | str:
    """The entry, validated again, or what is wrong with it."""
    model = MODELS[hook]
    if not isinstance(entry, model):
        return (
            f"{hook} lieferte {type(entry).__name__} an Position {position}; "
            f"erwartet: {model.__name__}"
        )
    try:
        # Built with model_construct() or changed afterwards: check the fields again.
        return model.model_validate(dict(entry))
    except ValidationError as error:
        first = error.errors()[0]
        location = ".".join(str(part) for part in first["loc"])
        return (
            f"{hook} lieferte ein ungültiges {model.__name__} an Position {position}: "
            f"{location}: {validation_reason(first)}"
        )
    except Exception as error:
        return f"{hook} lieferte ein unbrauchbares {model.__name__} an Position {position}: {error}"


def _load_problem(source: Source, hook: str, kind: str, error: Exception) -> Problem:
    """A problem for a hook that failed, at the file and position the error names."""
    file, line, column, message = source.file_of(kind), None, None, str(error)
    if isinstance(error, RuleError):
        file, line, column = _split_origin(error.origin)
        message = error.message
        if error.rule and not error.rule.startswith("rule["):
            return Problem(
                code="invalid-file",
                file=shown_path(file),
                line=line,
                column=column,
                kind="rule",
                id=error.rule,
                message=message,
                source=source.name,
            )
        if error.rule:
            message = f"{error.rule}: {message}"
    elif isinstance(error, DataFileError):
        file, line, column = error.source, error.line, error.column
        message = f"{error.key_path}: {error.message}" if error.key_path else error.message
    elif isinstance(error, KundenkompassError | ValueError):
        prefix = re.match(r"^(\S+?\.toml)(?::(\d+):(\d+))?: ", message)
        if prefix:
            file = prefix.group(1)
            line = int(prefix.group(2)) if prefix.group(2) else None
            column = int(prefix.group(3)) if prefix.group(3) else None
            message = message[len(prefix.group(0)) :]
    else:
        message = f"{hook} löste {type(error).__name__} aus: {error}"
        frame = _innermost_frame(error)
        if frame is not None:
            file, line, column = frame[0], frame[1], 1
    if line is None and kind in source.hook_positions:
        line, column = source.hook_positions[kind][1], 1
    if line is None and file.endswith(".toml"):
        line, column = 1, 1
    return Problem(
        code="invalid-file",
        file=shown_path(file),
        line=line,
        column=column,
        message=message,
        source=source.name,
    )


def _split_origin(origin: str) -> tuple[str, int | None, int | None]:
    match = re.match(r"^(.*?)(?::(\d+):(\d+))?$", origin)
    if match is None or not match.group(2):
        return origin, None, None
    return match.group(1), int(match.group(2)), int(match.group(3))


def _innermost_frame(error: BaseException) -> tuple[str, int] | None:
    """File and line where third-party code raised (the last frame of the traceback)."""
    import traceback

    frames = traceback.extract_tb(error.__traceback__)
    return (frames[-1].filename, frames[-1].lineno or 1) if frames else None


def _code_position(function: Any) -> tuple[str, int] | None:
    try:
        target = inspect.unwrap(function)
        file = inspect.getsourcefile(target)
        _, line = inspect.getsourcelines(target)
    except (TypeError, OSError, ValueError):
        return None
    return (shown_path(file), max(line, 1)) if file else None


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
    """Every installed plugin (and the rulesets it ships); those whose folder is in
    ``replaced`` are left out.

    A folder replaces the installed plugin that reads it, and the installed copy of the
    same package (linting a source checkout of an installed plugin).
    """
    manager = plugin_manager.new_plugin_manager()
    infos, skipped = plugin_manager.register_installed(manager, skip_broken=True)
    replaced = list(replaced)
    sources: list[Source] = []
    for info in infos:
        plugin = manager.get_plugin(info.name)
        if any(_same_folder(plugin, folder) for folder in replaced):
            continue
        source = plugin_source(info.name, plugin, info.version, lint_all, info.distribution)
        sources.append(source)
        sources.extend(shipped_sources(source, plugin, lint_all))
    problems = [_broken(skipped_plugin) for skipped_plugin in skipped]
    return sources, problems if lint_all else []


def _broken(skipped: plugin_manager.SkippedPlugin) -> Problem:
    file, line = skipped.location or (f"Einstiegspunkt {skipped.name!r}", None)
    return Problem(
        code="broken-plugin",
        file=shown_path(file) if line else file,
        line=line,
        column=1 if line else None,
        message=skipped.reason,
        source=skipped.name,
    )


def shipped_sources(source: Source, plugin: object, linted: bool) -> list[Source]:
    """The rulesets a plugin ships (``register_rulesets``); a failing hook is a problem of
    the plugin."""
    try:
        function = getattr(plugin, "register_rulesets", None)
    except Exception:
        function = None
    if not callable(function):
        return []
    try:
        result = function()
    except Exception as error:
        source.problems.append(_load_problem(source, "register_rulesets", "ruleset", error))
        return []
    if result is None:
        return []
    if not isinstance(result, list | tuple) or not all(
        isinstance(entry, str | os.PathLike) for entry in result
    ):
        source.problems.append(
            source.problem(
                "invalid-file",
                "register_rulesets muss eine Liste von Regelwerk-Dateipfaden liefern, erhalten: "
                f"{type(result).__name__}",
            )
        )
        return []
    return [
        load_ruleset_source(Path(entry), "sector", linted, provider=source.name) for entry in result
    ]


def installed_plugin_data(folder: Path) -> tuple[str, PluginData, str, str | None] | None:
    """The installed plugin for ``folder``: the one reading it (with its Python
    derivations), or a plugin read from the folder under the installed copy's name."""
    manager = plugin_manager.new_plugin_manager()
    infos, _ = plugin_manager.register_installed(manager, skip_broken=True)
    for info in infos:
        plugin = manager.get_plugin(info.name)
        if isinstance(plugin, PluginData) and _same_folder(plugin, folder):
            if plugin.directory.resolve() == folder.resolve():
                return info.name, plugin, info.version, info.distribution
            return info.name, PluginData(folder), "local", info.distribution
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


def load_ruleset_source(
    path: Path, selection: Any, linted: bool, provider: str | None = None
) -> Source:
    try:
        ruleset = replace(load_ruleset(path, selection), provider=provider)
        return ruleset_source(ruleset, linted)
    except RuleError as error:
        file, line, column = _split_origin(error.origin)
        return Source(
            name=f"ruleset:{path.stem}",
            kind="ruleset",
            linted=linted,
            file=shown_path(file),
            failed={"fact", "threshold", "checklist item", "measure", "rule"},
            problems=[
                Problem(
                    code="invalid-file",
                    file=shown_path(file),
                    line=line or 1,
                    column=column or 1,
                    kind="rule" if error.rule and not error.rule.startswith("rule[") else None,
                    id=error.rule if error.rule and not error.rule.startswith("rule[") else None,
                    message=error.message
                    if not (error.rule or "").startswith("rule[")
                    else f"{error.rule}: {error.message}",
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

    Without paths: every installed plugin, the rulesets plugins ship and every bundled
    ruleset, all linted. With paths (ruleset files, folders of rulesets, plugin folders or
    their data files): those are linted, in the context of the installed plugins and of
    the bundled rulesets of other sectors, as the engine would load them together.
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
            raise ProfileError(str(path), "Datei oder Ordner nicht gefunden")
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
            name, plugin, version, distribution = found
        else:
            name, plugin, version, distribution = (
                folder.resolve().name,
                PluginData(folder),
                "local",
                None,
            )
        source = plugin_source(name, plugin, version, True, distribution)
        sources.append(source)
        sources.extend(shipped_sources(source, plugin, True))
    # A bundled ruleset is linted as the engine loads it: selected by its sector.
    bundled_files = {path.resolve() for path in bundled_ruleset_paths()}
    linted = [
        load_ruleset_source(path, "sector" if path.resolve() in bundled_files else "explicit", True)
        for path in dict.fromkeys(ruleset_files)
    ]
    sources.extend(linted)
    covered = {s.ruleset.sector for s in linted if s.ruleset and s.ruleset.selection == "explicit"}
    chosen = {path.resolve() for path in ruleset_files}
    # An explicit ruleset replaces the shipped and bundled ones of its sector.
    sources = [
        s for s in sources if s.linted or s.ruleset is None or s.ruleset.sector not in covered
    ]
    for path in bundled_ruleset_paths():
        if path.resolve() in chosen:
            continue
        context = load_ruleset_source(path, "sector", False)
        if context.ruleset is not None and context.ruleset.sector not in covered:
            sources.append(context)
    return sources
