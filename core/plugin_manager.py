"""Finding and registering plugins.

Built-in phase plugins and third-party packages are found the same way: through the
``kundenkompass`` entry-point group. Each engine gets its own plugin manager, so that
several engines with different plugins can live in one process.
"""

from __future__ import annotations

import importlib.metadata
from dataclasses import dataclass

import pluggy

from . import hookspecs
from .errors import PluginError

ENTRY_POINT_GROUP = "kundenkompass"


@dataclass(frozen=True)
class PluginInfo:
    """Where a registered plugin comes from."""

    name: str
    version: str
    source: str
    distribution: str | None = None


def new_plugin_manager() -> pluggy.PluginManager:
    manager = pluggy.PluginManager("kundenkompass")
    manager.add_hookspecs(hookspecs)
    return manager


def discover_entry_points() -> list[importlib.metadata.EntryPoint]:
    """All entry points of the group, sorted by name so that loading order is stable."""
    found = importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)
    return sorted(found, key=lambda entry_point: (entry_point.name, entry_point.value))


def load_entry_point(entry_point: importlib.metadata.EntryPoint) -> tuple[object, PluginInfo]:
    """Import one entry point; a failure names the entry point and its distribution."""
    distribution = entry_point.dist
    dist_name = distribution.metadata["Name"] if distribution is not None else None
    version = distribution.version if distribution is not None else "?"
    where = f"{entry_point.value}" + (f" from {dist_name} {version}" if dist_name else "")
    try:
        plugin = entry_point.load()
    except Exception as error:  # any import failure of third-party code
        raise PluginError(
            entry_point.name,
            f"cannot be imported ({where}): {type(error).__name__}: {error}",
        ) from error
    check_hookspec_version(entry_point.name, plugin)
    info = PluginInfo(
        name=entry_point.name,
        version=version,
        source=f"entry point {entry_point.value}",
        distribution=dist_name,
    )
    return plugin, info


def check_hookspec_version(name: str, plugin: object) -> None:
    wanted = getattr(plugin, "KUNDENKOMPASS_HOOKSPEC_VERSION", None)
    if wanted is None:
        module = getattr(plugin, "__module__", None)
        if isinstance(module, str):
            import sys

            wanted = getattr(sys.modules.get(module), "KUNDENKOMPASS_HOOKSPEC_VERSION", None)
    if wanted is not None and wanted != hookspecs.HOOKSPEC_VERSION:
        raise PluginError(
            name,
            f"was built for hook specification version {wanted}, but this Kundenkompass "
            f"provides version {hookspecs.HOOKSPEC_VERSION}; install a matching version",
        )


def register(manager: pluggy.PluginManager, plugin: object, info: PluginInfo) -> None:
    if manager.has_plugin(info.name):
        raise PluginError(info.name, "a plugin of this name is already registered")
    try:
        manager.register(plugin, name=info.name)
    except pluggy.PluginValidationError as error:
        raise PluginError(info.name, f"does not match the hook specifications: {error}") from None
