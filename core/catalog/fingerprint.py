"""What a catalog is built from, as one hash: the key of the cached, compiled catalog.

An engine's catalog depends on the Kundenkompass code that validates and compiles it, on the
registered plugins (name, version, distribution, and every file of the package that defines
each plugin and of its data folder), on the ruleset files (their paths and content) and on
the engine's options. :func:`catalog_key` hashes all of it, so a cached catalog is never
stale: a changed file, another version or another plugin gives another key.

It returns None where the inputs cannot be named exactly (a plugin object without a source
file, a ruleset hook that fails or a file that cannot be read): such an engine is built
without the cache, and the build reports any error as usual.
"""

from __future__ import annotations

import hashlib
import os
import platform
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from types import ModuleType

import pluggy
from kundenkompass.catalog.plugin_manager import PluginInfo

#: Changes whenever the layout of the cached value changes.
FORMAT = "catalog-1"


def catalog_key(
    manager: pluggy.PluginManager,
    infos: Sequence[PluginInfo],
    ruleset_files: Iterable[Path],
    options: Sequence[object],
) -> str | None:
    """The hash of everything the compiled catalog of these plugins depends on, or None."""
    import pydantic

    digest = hashlib.sha256()

    def add(*parts: object) -> None:
        for part in parts:
            data = str(part).encode("utf-8", "surrogatepass")
            digest.update(len(data).to_bytes(8, "big"))
            digest.update(data)

    add(FORMAT, platform.python_implementation(), sys.version, pydantic.VERSION, *options)
    add(*_code_state())
    for info in infos:
        plugin = manager.get_plugin(info.name)
        files = plugin_files(plugin)
        if files is None:
            return None
        add(info.name, info.version, info.source, info.distribution, info.installed)
        if not _add_contents(add, files):
            return None
    shipped = _shipped_ruleset_files(manager)
    if shipped is None:
        return None
    if not _add_contents(add, [*shipped, *ruleset_files]):
        return None
    return digest.hexdigest()


def plugin_files(plugin: object) -> list[Path] | None:
    """The files that define ``plugin``'s contributions: its package (or module file) and,
    for a plugin folder, the folder; None when some part has no file."""
    found: set[Path] = set()
    directory = getattr(plugin, "directory", None)
    if isinstance(directory, Path):
        found.update(_files_below(directory))
    names = [plugin.__name__] if isinstance(plugin, ModuleType) else []
    names.append(getattr(plugin, "__module__", None) or type(plugin).__module__)
    for name in names:
        module = sys.modules.get(name)
        source = getattr(module, "__file__", None)
        if not source:
            return None
        path = Path(source)
        if path.name == "__init__.py":
            found.update(_files_below(path.parent))
        else:
            found.add(path)
    return sorted(found)


def _files_below(folder: Path) -> list[Path]:
    found: list[Path] = []
    for root, folders, names in os.walk(folder):
        folders[:] = sorted(name for name in folders if name != "__pycache__")
        found.extend(Path(root, name) for name in names if not name.endswith((".pyc", ".pyo")))
    return found


def _code_state() -> list[str]:
    """Every module of Kundenkompass with its size and modification time: an edited source
    tree (an editable install) changes the key without a new version number."""
    # Plain strings rather than Path objects: this runs on every start, over every module.
    package = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
    state: list[str] = []
    for root, folders, names in os.walk(package):
        folders[:] = [name for name in folders if name != "__pycache__"]
        for name in names:
            if name.endswith(".py"):
                path = os.path.join(root, name)
                stat = os.stat(path)
                relative = os.path.relpath(path, package)
                state.append(f"{relative}:{stat.st_size}:{stat.st_mtime_ns}")
    return sorted(state)


def _shipped_ruleset_files(manager: pluggy.PluginManager) -> list[Path] | None:
    """The ruleset files the plugins ship (``register_rulesets``), without loading them."""
    found: list[Path] = []
    for implementation in manager.hook.register_rulesets.get_hookimpls():
        try:
            result = implementation.function()
        except Exception:  # reported by the uncached build, which calls it again
            return None
        if result is None:
            continue
        if not isinstance(result, list | tuple):
            return None
        for entry in result:
            if not isinstance(entry, str | os.PathLike):
                return None
            found.append(Path(entry))
    return found


def _add_contents(add: Callable[..., None], files: Iterable[Path]) -> bool:
    for path in files:
        try:
            content = path.read_bytes()
        except OSError:
            return False
        add(path, hashlib.sha256(content).hexdigest())
    return True
