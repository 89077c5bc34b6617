"""What an engine has loaded: plugins and rulesets, with what each contributes."""

from __future__ import annotations

from collections import Counter
from typing import Literal, TypedDict

from kundenkompass.catalog.catalog import Catalog
from kundenkompass.catalog.hookspecs import HOOKSPEC_VERSION
from kundenkompass.catalog.plugin_manager import SkippedPlugin
from kundenkompass.models import FactDefinition
from pydantic import BaseModel, ConfigDict


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class LoadedSource(_Model):
    """One loaded plugin or ruleset."""

    name: str
    kind: Literal["plugin", "ruleset"]
    version: str
    #: Entry point (and distribution) of a plugin, file of a ruleset.
    source: str
    distribution: str | None = None
    #: Sectors its content is scoped to (empty: every company).
    sectors: list[str]
    #: For rulesets: ``sector`` (chosen by the company's sector: bundled or shipped by a
    #: plugin) or ``explicit`` (``--ruleset``).
    selection: Literal["sector", "explicit"] | None = None
    #: For rulesets: applies to every audit, whatever the sector (``--all-sectors``).
    all_sectors: bool = False
    #: For rulesets: the plugin that ships it (None: bundled or given explicitly).
    plugin: str | None = None
    facts: int
    checklist_items: int
    measures: int
    rules: int
    priority_changes: int = 0
    not_applicable: int = 0


class Broken(_Model):
    name: str
    reason: str


class Inventory(_Model):
    hookspec_version: int
    plugins: list[LoadedSource]
    rulesets: list[LoadedSource]
    skipped: list[Broken]


class _Counts(TypedDict):
    facts: int
    checklist_items: int
    measures: int
    rules: int


def inventory(catalog: Catalog, skipped: list[SkippedPlugin] | None = None) -> Inventory:
    counts: Counter[tuple[str, str]] = Counter()
    for (kind, _), owner in catalog.owners.items():
        counts[(owner, "fact" if kind == "threshold" else kind)] += 1
    sectors: dict[str, set[str]] = {}
    for kind, entries in (
        ("fact", catalog.facts.values()),
        ("checklist item", catalog.checklist.values()),
        ("measure", catalog.measures.values()),
    ):
        for entry in entries:
            key = entry.key if isinstance(entry, FactDefinition) else entry.id
            contributor = catalog.owners.get((kind, key))
            if contributor is not None and entry.sectors:
                sectors.setdefault(contributor, set()).update(entry.sectors)

    def numbers(owner: str) -> _Counts:
        return {
            "facts": counts[(owner, "fact")],
            "checklist_items": counts[(owner, "checklist item")],
            "measures": counts[(owner, "measure")],
            "rules": counts[(owner, "rule")],
        }

    plugins = [
        LoadedSource(
            name=info.name,
            kind="plugin",
            version=info.version,
            source=info.source,
            distribution=info.distribution,
            sectors=sorted(sectors.get(info.name, ())),
            **numbers(info.name),
        )
        for info in catalog.plugins
    ]
    rulesets = [
        LoadedSource(
            name=ruleset.name,
            kind="ruleset",
            version=ruleset.version,
            source=str(ruleset.path),
            sectors=[ruleset.sector],
            selection=ruleset.selection,
            all_sectors=ruleset.all_sectors,
            plugin=ruleset.provider,
            distribution=_distribution(catalog, ruleset.provider),
            priority_changes=len(ruleset.priority_changes),
            not_applicable=len(ruleset.not_applicable),
            **numbers(ruleset.plugin_name),
        )
        for ruleset in catalog.rulesets
    ]
    return Inventory(
        hookspec_version=HOOKSPEC_VERSION,
        plugins=plugins,
        rulesets=rulesets,
        skipped=[Broken(name=s.name, reason=s.reason) for s in skipped or []],
    )


def _distribution(catalog: Catalog, plugin: str | None) -> str | None:
    return next((info.distribution for info in catalog.plugins if info.name == plugin), None)
