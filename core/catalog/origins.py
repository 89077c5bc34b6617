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


def portable_origin(origin: str) -> str:
    """``/…/plugins/kauf/rules.toml:3:1`` → ``kundenkompass.plugins.kauf/rules.toml:3:1``."""
    path, separator, position = origin.partition(".toml")
    if not separator:
        return origin
    try:
        full = Path(path + separator).resolve()
    except OSError:
        return origin
    folders = dict(_PACKAGE_FOLDERS)
    bundled = _bundled_rulesets()
    if bundled:
        folders.setdefault(bundled, "kundenkompass.bundled_rulesets")
    folder = str(full.parent)
    if folder in folders:
        return f"{folders[folder]}/{full.name}{position}"
    return origin
