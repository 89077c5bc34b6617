"""No-code sector rulesets: one TOML file that adds and adjusts content for one sector.

A ruleset needs no Python. Besides facts, checklist items, measures and rules (the same
tables as a plugin folder's files), it can change the priority of any plugin's measure and
mark any checklist item as not applicable::

    [ruleset]
    name = "moebel"
    version = "1.0.0"
    sector = "moebel"                      # applied to companies with [company] sector = "moebel"
    title.de = "Möbel und Maßanfertigung"

    [[item]]                               # like checklist.toml, with a phase per entry
    id = "lieferung_aufbau_im_preis_angegeben"
    phase = "kauf"
    …

    [[measure_priority]]                   # raise or lower a measure's priority
    id = "konfigurator_vorrang"
    measure = "online_konfigurator_anbieten"
    change = "raise"                       # "raise" or "lower" by one step, or priority = "hoch"
    reason.de = "…"

    [[not_applicable]]                     # a checklist item that does not apply to the sector
    item = "online_offline_verbunden"
    reason.de = "…"

Rulesets come from three places, and each applies to the audits of companies whose
``[company] sector`` equals the ruleset's ``sector`` (its content is scoped to that sector):

* the rulesets bundled with Kundenkompass (the package ``kundenkompass.bundled_rulesets``,
  the ``rulesets/`` folder of the source tree);
* rulesets shipped by installed plugins (the ``register_rulesets`` hook; a
  :class:`~kundenkompass.catalog.plugin_data.PluginData` folder ships the files in its
  ``rulesets/`` subfolder);
* rulesets given explicitly (``--ruleset PATH``, ``Engine(rulesets=[...])``). They replace
  a bundled or plugin ruleset of the same sector. Only when asked (``--all-sectors``,
  ``Engine(rulesets_all_sectors=True)``) do they apply to every audit, whatever the sector.
"""

# Annotations here are evaluated when defined (no `from __future__ import annotations`):
# pydantic reads them on every start, and as strings each would be compiled.

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from importlib.resources import files
from pathlib import Path
from typing import Any, Literal, TypeVar

from kundenkompass.catalog.hookspecs import hookimpl
from kundenkompass.catalog.kinds import kind_label
from kundenkompass.catalog.locate import locate
from kundenkompass.catalog.plugin_data import located_rule_error, parse_entries
from kundenkompass.errors import DataFileError, RuleError, TomlFileError
from kundenkompass.files.reasons import validation_reason
from kundenkompass.files.toml_files import load_toml_file
from kundenkompass.models import (
    ChecklistItem,
    Derivation,
    FactDefinition,
    Identifier,
    LocalizedText,
    Measure,
    Threshold,
)
from kundenkompass.rules.language import AllOf, Leaf, Rule, parse_rules
from kundenkompass.vocabulary import PRIORITIES, Priority
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

T = TypeVar("T", bound=BaseModel)

#: Package holding the bundled rulesets (the ``rulesets/`` folder of the source tree).
BUNDLED_PACKAGE = "kundenkompass.bundled_rulesets"

#: Prefix of a ruleset's name where it stands next to plugin names (owners, firings).
PLUGIN_PREFIX = "ruleset:"

PRIORITY_STEPS: tuple[Priority, ...] = tuple(reversed(PRIORITIES))

#: Top-level tables of a ruleset file and the model of their entries.
TABLES: dict[str, type[BaseModel]] = {
    "fact": FactDefinition,
    "threshold": Threshold,
    "item": ChecklistItem,
    "measure": Measure,
}
ALLOWED_TABLES = ("ruleset", *TABLES, "rule", "measure_priority", "not_applicable")

Selection = Literal["sector", "explicit"]


class _Entry(BaseModel):
    # Built on first validation: a start from the cached catalog validates none of them.
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class RulesetHeader(_Entry):
    """The ``[ruleset]`` table: what the ruleset is and which sector it serves."""

    name: Identifier
    version: str = Field(min_length=1, max_length=40)
    sector: Identifier
    title: LocalizedText
    description: LocalizedText | None = None
    reference: str | None = None


class PriorityChange(_Entry):
    """A changed priority of a measure that any plugin contributes.

    ``change`` moves the priority one step (``niedrig`` → ``mittel`` → ``hoch``) from the
    one the firing rules give; ``priority`` sets it. The change shows in the audit as a
    reason of the recommendation, under its ``id``; it never recommends a measure itself.
    """

    id: Identifier
    measure: Identifier
    change: Literal["raise", "lower"] | None = None
    priority: Priority | None = None
    reason: LocalizedText

    @model_validator(mode="after")
    def _one_way(self) -> "PriorityChange":
        if (self.change is None) == (self.priority is None):
            raise ValueError(
                'entweder change = "raise" | "lower" oder priority = "hoch" | "mittel" | "niedrig" '
                "angeben"
            )
        return self

    def apply(self, current: Priority) -> Priority:
        if self.priority is not None:
            return self.priority
        step = 1 if self.change == "raise" else -1
        index = PRIORITY_STEPS.index(current) + step
        return PRIORITY_STEPS[max(0, min(len(PRIORITY_STEPS) - 1, index))]


class NotApplicable(_Entry):
    """A checklist item that does not apply to the sector: it counts as "entfällt"."""

    item: Identifier
    reason: LocalizedText


@dataclass(frozen=True)
class Ruleset:
    """A loaded, validated ruleset file."""

    header: RulesetHeader
    path: Path
    selection: Selection = "explicit"
    facts: tuple[FactDefinition, ...] = ()
    thresholds: tuple[Threshold, ...] = ()
    checklist: tuple[ChecklistItem, ...] = ()
    measures: tuple[Measure, ...] = ()
    rules: tuple[Rule, ...] = ()
    priority_changes: tuple[PriorityChange, ...] = ()
    not_applicable: tuple[NotApplicable, ...] = ()
    #: Line of each ``id``/``key``/``item`` entry in the file, for messages.
    lines: dict[str, int] = field(default_factory=dict, compare=False)
    #: The plugin that ships the ruleset (``register_rulesets``); None for a bundled or
    #: explicitly given file.
    provider: str | None = None
    #: Applies to every audit, whatever the company's sector (explicit rulesets on request).
    all_sectors: bool = False

    @property
    def name(self) -> str:
        return self.header.name

    @property
    def sector(self) -> str:
        return self.header.sector

    @property
    def version(self) -> str:
        return self.header.version

    @property
    def plugin_name(self) -> str:
        """The name under which its contributions are registered and owned."""
        return PLUGIN_PREFIX + self.header.name

    def applies_to(self, sector: str | None) -> bool:
        """Whether the ruleset takes part in the audit of a company of ``sector``."""
        return self.all_sectors or sector == self.header.sector

    def plugin(self) -> "RulesetPlugin":
        """The ruleset as a plugin object, its content scoped when selected by sector."""
        return RulesetPlugin(self)


class RulesetPlugin:
    """Hook implementations that contribute a ruleset's content.

    Unless the ruleset applies to all sectors, every fact, checklist item and measure gets
    the ruleset's sector in ``sectors``, and every rule the additional condition
    ``{ company = "sector", equals = <sector> }``: the content takes part only in audits of
    that sector, and the explanation says so.
    """

    def __init__(self, ruleset: Ruleset) -> None:
        self.ruleset = ruleset
        self.KUNDENKOMPASS_PLUGIN_NAME = ruleset.plugin_name

    def __repr__(self) -> str:
        return f"RulesetPlugin({str(self.ruleset.path)!r})"

    def _scoped(self, entries: Sequence[T]) -> list[T]:
        if self.ruleset.all_sectors:
            return list(entries)
        sectors = (self.ruleset.sector,)
        return [entry.model_copy(update={"sectors": sectors}) for entry in entries]

    @hookimpl
    def register_facts(self) -> list[FactDefinition]:
        return self._scoped(self.ruleset.facts)

    @hookimpl
    def register_thresholds(self) -> list[Threshold]:
        return list(self.ruleset.thresholds)

    @hookimpl
    def register_checklist_items(self) -> list[ChecklistItem]:
        return self._scoped(self.ruleset.checklist)

    @hookimpl
    def register_measures(self) -> list[Measure]:
        return self._scoped(self.ruleset.measures)

    @hookimpl
    def register_rules(self) -> list[Rule]:
        if self.ruleset.all_sectors:
            return list(self.ruleset.rules)
        return [sector_scoped_rule(rule, self.ruleset.sector) for rule in self.ruleset.rules]

    @hookimpl
    def register_derivations(self) -> list[Derivation]:
        return []


def sector_condition(sector: str) -> Leaf:
    return Leaf(subject="company", key="sector", operator="equals", value=sector)


def sector_scoped_rule(rule: Rule, sector: str) -> Rule:
    return rule.model_copy(update={"when": AllOf(conditions=(sector_condition(sector), rule.when))})


# ---------------------------------------------------------------------------- loading


def load_ruleset(path: str | Path, selection: Selection = "explicit") -> Ruleset:
    """Read and validate one ruleset file; errors name the file and the key path."""
    path = Path(path)
    origin = str(path)
    try:
        data = load_toml_file(path)
    except TomlFileError as error:
        where = origin if error.line is None else f"{origin}:{error.line}:{error.column}"
        raise RuleError(where, None, error.message) from None

    unknown = sorted(set(data) - set(ALLOWED_TABLES))
    if unknown:
        expected = ", ".join(["[ruleset]", *(f"[[{name}]]" for name in ALLOWED_TABLES[1:])])
        raise RuleError(
            _at(origin, unknown[0]),
            None,
            f"unbekannte Schlüssel auf oberster Ebene: {unknown}; erwartet: {expected}",
        )
    header = _header(data.get("ruleset"), origin)

    parsed: dict[str, tuple[Any, ...]] = {}
    for table, model in TABLES.items():
        parsed[table] = tuple(_entries(data, table, model, origin))
    for table, model in (("measure_priority", PriorityChange), ("not_applicable", NotApplicable)):
        parsed[table] = tuple(_entries(data, table, model, origin))
    try:
        rules = tuple(parse_rules({"rule": data["rule"]} if "rule" in data else {}, origin))
    except RuleError as error:
        raise located_rule_error(error, path) from None

    for table in ("fact", "item", "measure"):
        for index, entry in enumerate(parsed[table]):
            if entry.sectors:
                position = locate(origin, table, index=index, key="sectors")
                raise RuleError(
                    f"{origin}:{position[0]}:{position[1]}" if position else origin,
                    None,
                    f"{table}[{index}] {_label(entry)!r}: sectors: die Einträge eines Regelwerks "
                    f"gelten für seine Branche ({header.sector!r}); 'sectors' bitte entfernen",
                )
    ruleset = Ruleset(
        header=header,
        path=path,
        selection=selection,
        facts=parsed["fact"],
        thresholds=parsed["threshold"],
        checklist=parsed["item"],
        measures=parsed["measure"],
        rules=rules,
        priority_changes=parsed["measure_priority"],
        not_applicable=parsed["not_applicable"],
        lines=_entry_lines(path),
    )
    _reject_repeats(ruleset)
    return ruleset


def _header(raw: Any, origin: str) -> RulesetHeader:
    if raw is None:
        raise RuleError(
            origin, None, "die Tabelle [ruleset] fehlt (mit name, version, sector und title.de)"
        )
    if not isinstance(raw, dict):
        raise RuleError(
            _at(origin, "ruleset"), None, "'ruleset' muss eine Tabelle sein ([ruleset])"
        )
    try:
        return RulesetHeader.model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0]
        location = ".".join(str(part) for part in first["loc"])
        message = validation_reason(first)
        key = str(first["loc"][0]) if first["loc"] and first["type"] != "missing" else "ruleset"
        raise RuleError(_at(origin, key), None, f"ruleset.{location}: {message}") from None


def _at(origin: str, key: str) -> str:
    """``origin:line:column`` of ``key`` (a key or a table) in the file, where found."""
    position = locate(origin, key=key)
    return f"{origin}:{position[0]}:{position[1]}" if position else origin


def _entries(data: dict[str, Any], table: str, model: type[T], origin: str) -> list[T]:
    if table not in data:
        return []
    try:
        return parse_entries({table: data[table]}, table, model, origin)
    except DataFileError as error:
        where = origin
        if error.line is not None:
            where += f":{error.line}" + (f":{error.column}" if error.column else "")
        message = f"{error.key_path}: {error.message}" if error.key_path else error.message
        raise RuleError(where, None, message) from None


def _label(entry: Any) -> str:
    return str(getattr(entry, "id", None) or getattr(entry, "key", None) or "")


def _reject_repeats(ruleset: Ruleset) -> None:
    """Ids repeated within the file are reported here, with both positions."""
    groups: dict[str, list[tuple[str, str]]] = {
        "fact": [("fact", f.key) for f in ruleset.facts]
        + [("threshold", t.key) for t in ruleset.thresholds],
        "checklist item": [("item", i.id) for i in ruleset.checklist],
        "measure": [("measure", m.id) for m in ruleset.measures],
        "rule": [("rule", r.id) for r in ruleset.rules]
        + [("measure_priority", c.id) for c in ruleset.priority_changes],
    }
    for kind, entries in groups.items():
        seen: dict[str, str] = {}
        counters: dict[str, int] = {}
        for table, identifier in entries:
            index = counters.get(table, 0)
            counters[table] = index + 1
            where = f"{table}[{index}]"
            if identifier in seen:
                position = locate(ruleset.path, table, index=index)
                raise RuleError(
                    f"{ruleset.path}:{position[0]}:{position[1]}"
                    if position
                    else str(ruleset.path),
                    None,
                    f"{kind_label(kind)}-ID {identifier!r} ist doppelt definiert ({seen[identifier]} und "
                    f"{where})",
                )
            seen[identifier] = where
    changed: set[str] = set()
    for change in ruleset.priority_changes:
        if change.measure in changed:
            position = locate(ruleset.path, "measure_priority", identifier=change.id)
            raise RuleError(
                f"{ruleset.path}:{position[0]}:{position[1]}" if position else str(ruleset.path),
                change.id,
                f"ändert die Priorität der Maßnahme {change.measure!r} ein zweites Mal",
            )
        changed.add(change.measure)


def _entry_lines(path: Path) -> dict[str, int]:
    """``id``, ``key`` and ``item`` values and the line that first names them."""
    import re

    pattern = re.compile(r'^\s*(?:id|key|item)\s*=\s*"([a-z][a-z0-9_]*)"')
    lines: dict[str, int] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = pattern.match(line)
        if match:
            lines.setdefault(match.group(1), number)
    return lines


# -------------------------------------------------------------------------- selecting


def bundled_ruleset_paths() -> list[Path]:
    """The ruleset files installed with Kundenkompass, sorted by file name."""
    folder = files(BUNDLED_PACKAGE)
    return sorted(
        (Path(str(entry)) for entry in folder.iterdir() if entry.name.endswith(".toml")),
        key=lambda path: path.name,
    )


def expand_paths(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """Files as given; a directory stands for the ``*.toml`` files in it."""
    expanded: list[Path] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found = sorted(path.glob("*.toml"))
            if not found:
                raise RuleError(str(path), None, "der Ordner enthält keine Regelwerke (*.toml)")
            expanded.extend(found)
        else:
            expanded.append(path)
    return expanded


def select_rulesets(
    explicit: Iterable[str | os.PathLike[str] | Ruleset] = (),
    *,
    bundled: bool = True,
    shipped: Iterable[Ruleset] = (),
    all_sectors: bool = False,
) -> list[Ruleset]:
    """The rulesets an engine loads: explicit ones, then those plugins ship, then bundled.

    Every ruleset applies to companies of its sector; explicit ones apply to every audit
    when ``all_sectors`` is set. An explicit ruleset replaces the shipped and bundled
    rulesets of its sector.
    """
    chosen: list[Ruleset] = []
    paths: list[str | os.PathLike[str]] = []
    for given in explicit:
        if isinstance(given, Ruleset):
            chosen.append(replace(given, selection="explicit", all_sectors=all_sectors))
        else:
            paths.append(Path(given))
    chosen.extend(
        replace(load_ruleset(path, "explicit"), all_sectors=all_sectors)
        for path in expand_paths(paths)
    )
    covered = {ruleset.sector for ruleset in chosen}
    candidates = list(shipped)
    if bundled:
        candidates.extend(load_ruleset(path, "sector") for path in bundled_ruleset_paths())
    chosen.extend(ruleset for ruleset in candidates if ruleset.sector not in covered)
    loaded: dict[str, Ruleset] = {}
    for ruleset in chosen:
        if ruleset.name in loaded:
            earlier = loaded[ruleset.name]
            raise RuleError(
                str(ruleset.path),
                None,
                f"ein Regelwerk namens {ruleset.name!r} ist bereits aus {earlier.path} geladen"
                + (f" (Plugin {earlier.provider!r})" if earlier.provider else ""),
            )
        loaded[ruleset.name] = ruleset
    return sorted(chosen, key=lambda ruleset: ruleset.name)
