"""Finding and registering plugins.

Built-in phase plugins and third-party packages are found the same way: through the
``kundenkompass`` entry-point group. Each engine gets its own plugin manager, so that
several engines with different plugins can live in one process.

A plugin that cannot be imported, was built for another hook specification version, or
does not match the hook specifications stops the run with a message naming it; when the
caller asks for it (``--skip-broken-plugins``), it is reported and left out instead.
"""

from __future__ import annotations

import difflib
import importlib.metadata
import sys
from dataclasses import dataclass
from functools import lru_cache

import pluggy
from kundenkompass.catalog import hookspecs
from kundenkompass.errors import PluginError

ENTRY_POINT_GROUP = "kundenkompass"


@dataclass(frozen=True)
class PluginInfo:
    """Where a registered plugin comes from."""

    name: str
    version: str
    source: str
    distribution: str | None = None
    #: Found through an entry point (rather than registered in code).
    installed: bool = False

    @property
    def origin(self) -> str | None:
        """``Einstiegspunkt X, distribution Y 1.0`` for an installed plugin, else None."""
        if not self.installed:
            return None
        where = self.source
        if self.distribution:
            where += f", {self.distribution} {self.version}"
        return where


@dataclass(frozen=True)
class SkippedPlugin:
    """A broken plugin left out at the user's request, and why."""

    name: str
    reason: str
    #: File and line in the plugin's code where it failed, when known.
    location: tuple[str, int] | None = None


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
    dist_name, version = _distribution(entry_point)
    where = f"{entry_point.value}" + (f" aus {dist_name} {version}" if dist_name else "")
    try:
        plugin = entry_point.load()
    except Exception as error:  # any import failure of third-party code
        raise PluginError(
            entry_point.name,
            f"lässt sich nicht importieren ({where}): {type(error).__name__}: {error}",
            location=failing_line(error),
        ) from error
    check_hookspec_version(entry_point.name, plugin, entry_point.module, where)
    info = PluginInfo(
        name=entry_point.name,
        version=version,
        source=f"Einstiegspunkt {entry_point.value}",
        distribution=dist_name,
        installed=True,
    )
    return plugin, info


def failing_line(error: BaseException) -> tuple[str, int] | None:
    """File and line where the error was raised: the last frame of its traceback outside
    Python's import machinery."""
    import traceback

    frames = [
        frame
        for frame in traceback.extract_tb(error.__traceback__)
        if "importlib" not in frame.filename and not frame.filename.startswith("<frozen")
    ]
    if isinstance(error, SyntaxError) and error.filename and error.lineno:
        return error.filename, error.lineno
    return (frames[-1].filename, frames[-1].lineno or 1) if frames else None


def _distribution(entry_point: importlib.metadata.EntryPoint) -> tuple[str | None, str]:
    """Name and version of the entry point's distribution, tolerating broken metadata
    (the importlib_metadata backport raises where the standard library returns None)."""
    distribution = entry_point.dist
    if distribution is None:
        return None, "?"
    name, version = _name_and_version(distribution)
    return name, version or "?"


@lru_cache(maxsize=64)
def _name_and_version(
    distribution: importlib.metadata.Distribution,
) -> tuple[str | None, str | None]:
    """Read once per distribution object: parsing the metadata (a whole e-mail message with
    the long description) is the slow part, and the entry points of one discovery share
    their distribution's object. A later discovery makes new objects, so never stale."""
    metadata = distribution.metadata
    try:
        name = metadata["Name"]
    except KeyError:
        name = None
    try:
        version = metadata["Version"]
    except KeyError:
        version = None
    return name, version


def check_hookspec_version(
    name: str, plugin: object, module: str | None = None, where: str | None = None
) -> None:
    """Refuse a plugin that declares another hook specification version.

    The version is read from the plugin object, else from the module the entry point
    names (where a package sets ``KUNDENKOMPASS_HOOKSPEC_VERSION`` next to ``plugin``),
    else from the module that defines the plugin's class or function.
    """
    modules = [module, getattr(plugin, "__module__", None)]
    wanted = getattr(plugin, "KUNDENKOMPASS_HOOKSPEC_VERSION", None)
    for candidate in modules:
        if wanted is None and isinstance(candidate, str):
            wanted = getattr(sys.modules.get(candidate), "KUNDENKOMPASS_HOOKSPEC_VERSION", None)
    if wanted is None:
        return
    origin = f" ({where})" if where else ""
    if isinstance(wanted, bool) or not isinstance(wanted, int):
        raise PluginError(
            name,
            f"deklariert KUNDENKOMPASS_HOOKSPEC_VERSION = {wanted!r}{origin}; erwartet: eine "
            f"ganze Zahl wie {hookspecs.HOOKSPEC_VERSION}",
        )
    if wanted != hookspecs.HOOKSPEC_VERSION:
        raise PluginError(
            name,
            f"wurde für die Hook-Spezifikation Version {wanted} gebaut{origin}, dieses "
            f"Kundenkompass bietet Version {hookspecs.HOOKSPEC_VERSION}; bitte eine dafür "
            "gemachte Version des Plugins installieren",
        )


def register(manager: pluggy.PluginManager, plugin: object, info: PluginInfo) -> None:
    if manager.has_plugin(info.name):
        raise PluginError(
            info.name, "ein Plugin dieses Namens ist bereits registriert", origin=info.origin
        )
    try:
        manager.register(plugin, name=info.name)
    except pluggy.PluginValidationError as error:
        raise PluginError(
            info.name, f"passt nicht zu den Hook-Spezifikationen: {error}", origin=info.origin
        ) from None
    except Exception as error:  # a plugin object that cannot even be inspected
        raise PluginError(
            info.name,
            f"lässt sich nicht registrieren: {type(error).__name__}: {error}",
            origin=info.origin,
            location=failing_line(error),
        ) from error
    # A hook this version does not know is a plugin made for another version.
    unknown = sorted(
        name
        for name in dir(manager.hook)
        if not name.startswith("_")
        and not getattr(manager.hook, name).has_spec()
        and any(
            impl.plugin_name == info.name for impl in getattr(manager.hook, name).get_hookimpls()
        )
    )
    if unknown:
        manager.unregister(name=info.name)
        known = hook_names()
        hints = "".join(
            f"; meinten Sie {close[0]!r} statt {name!r}?"
            for name in unknown
            if (close := difflib.get_close_matches(name, known, n=1))
        )
        raise PluginError(
            info.name,
            f"implementiert Hooks, die dieses Kundenkompass nicht kennt: {', '.join(unknown)} "
            f"(Hook-Spezifikation Version {hookspecs.HOOKSPEC_VERSION}){hints}",
            origin=info.origin,
        )


def hook_names() -> list[str]:
    """The names of the hooks a plugin can implement, in the order of the spec module."""
    return [
        name
        for name, function in vars(hookspecs).items()
        if callable(function) and hasattr(function, "kundenkompass_spec")
    ]


def register_installed(
    manager: pluggy.PluginManager, *, skip_broken: bool = False
) -> tuple[list[PluginInfo], list[SkippedPlugin]]:
    """Load and register every installed plugin (entry points), in name order.

    A broken plugin raises :class:`PluginError`, or, with ``skip_broken``, is returned
    among the skipped ones while the others are registered.
    """
    infos: list[PluginInfo] = []
    skipped: list[SkippedPlugin] = []
    for entry_point in discover_entry_points():
        try:
            plugin, info = load_entry_point(entry_point)
            register(manager, plugin, info)
        except PluginError as error:
            if not skip_broken:
                raise
            skipped.append(
                SkippedPlugin(name=error.plugin, reason=error.message, location=error.location)
            )
            continue
        infos.append(info)
    return infos, skipped


def info_for_object(plugin: object) -> PluginInfo:
    """Name and version of a plugin object registered in code: its
    ``KUNDENKOMPASS_PLUGIN_NAME``, else its ``__name__`` (a module), else the folder of a
    :class:`~kundenkompass.catalog.plugin_data.PluginData`, else its class name."""
    from kundenkompass.catalog.plugin_data import PluginData

    try:
        name = getattr(plugin, "KUNDENKOMPASS_PLUGIN_NAME", None) or getattr(
            plugin, "__name__", None
        )
        version = str(getattr(plugin, "__version__", "") or "local")
    except Exception:  # a plugin object whose attributes cannot be read
        name, version = None, "local"
    if not isinstance(name, str) or not name:
        # several plugin folders can be registered side by side
        name = plugin.directory.name if isinstance(plugin, PluginData) else type(plugin).__name__
    return PluginInfo(name=name, version=version, source="im Code registriert")
