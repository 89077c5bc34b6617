"""Portable names for the files rules come from, so results do not depend on where or how
Kundenkompass and its plugins are installed.

A file inside an importable package is named by the package (``kundenkompass.plugins.kauf/
rules.toml``), the same for an editable checkout and a wheel; any other file keeps the
path it was given.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from pathlib import Path

#: Folder → package name, for package folders whose files rules come from.
_PACKAGE_FOLDERS: dict[str, str] = {}


def register_package_folder(folder: Path, package: str) -> None:
    _PACKAGE_FOLDERS[str(Path(folder).resolve())] = package


@cache
def _bundled_rulesets() -> str | None:
    try:
        return str(Path(str(files("kundenkompass.bundled_rulesets"))).resolve())
    except (ModuleNotFoundError, TypeError):  # pragma: no cover - a broken installation
        return None


@cache
def _resolved(file: str) -> tuple[str, str] | None:
    """The resolved folder and name of a data file; resolving is a system call per path part,
    and explanations ask for the same few files on every firing."""
    try:
        full = Path(file).resolve()
    except OSError:
        return None
    return str(full.parent), full.name


def portable_origin(origin: str) -> str:
    """``/…/plugins/kauf/rules.toml:3:1`` → ``kundenkompass.plugins.kauf/rules.toml:3:1``."""
    path, separator, position = origin.partition(".toml")
    if not separator:
        return origin
    resolved = _resolved(path + separator)
    if resolved is None:
        return origin
    folder, name = resolved
    package = _PACKAGE_FOLDERS.get(folder)
    if package is None and folder == _bundled_rulesets():
        package = "kundenkompass.bundled_rulesets"
    if package is None:
        return origin
    return f"{package}/{name}{position}"
