"""A content-addressed cache in the user's cache directory, for work that start-up repeats.

Entries are keyed by a hash of everything their value depends on (the input's content and
Kundenkompass's version), so an entry is never stale: changed input means another key. Several
processes may fill the same entry at once; each writes a temporary file and renames it into
place, so a reader sees a whole entry or none. A cache that cannot be read or written is
skipped silently: it only ever saves time.

``KUNDENKOMPASS_CACHE_DIR`` names another folder; ``KUNDENKOMPASS_NO_CACHE=1`` turns it off.
"""

from __future__ import annotations

import gc
import hashlib
import os
import pickle
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


def cache_dir() -> Path | None:
    """The cache folder, or None when caching is turned off."""
    if os.environ.get("KUNDENKOMPASS_NO_CACHE", "") not in ("", "0"):
        return None
    configured = os.environ.get("KUNDENKOMPASS_CACHE_DIR")
    if configured:
        return Path(configured)
    from platformdirs import user_cache_path

    return user_cache_path("kundenkompass", appauthor=False)


@cache
def _installed_version() -> str:
    try:
        return metadata.version("kundenkompass")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from an uninstalled tree
        return "uninstalled"


def key_of(*parts: bytes | str) -> str:
    """A hash of ``parts`` and the installed version of Kundenkompass."""
    digest = hashlib.sha256(_installed_version().encode())
    for part in parts:
        data = part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()


def cached(kind: str, key: str, compute: Callable[[], T], expected: type[T]) -> T:
    """The value stored under ``kind``/``key``, else ``compute()`` stored there and returned."""
    found = lookup(kind, key, expected)
    if found is not None:
        return found
    value = compute()
    store(kind, key, value)
    return value


def lookup(kind: str, key: str, expected: type[T]) -> T | None:
    """The value stored under ``kind``/``key`` if there is one of type ``expected``."""
    folder = cache_dir()
    if folder is None:
        return None
    try:
        with (folder / kind / f"{key}.pickle").open("rb") as stream, collector_paused():
            # Our own files in the user's own cache folder: as trusted as the user's code.
            value = pickle.load(stream)
    except Exception:  # missing, unreadable or corrupt, or no longer fitting its classes
        return None
    return value if isinstance(value, expected) else None


def store(kind: str, key: str, value: object) -> None:
    """Store ``value`` under ``kind``/``key`` (whole or not at all); skipped when caching
    is off or the folder cannot be written."""
    folder = cache_dir()
    if folder is not None:
        _store(folder / kind / f"{key}.pickle", value)


def _store(entry: Path, value: object) -> None:
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{entry.stem[:16]}.", dir=entry.parent)
        try:
            with os.fdopen(handle, "wb") as stream:
                pickle.dump(value, stream, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, entry)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except (OSError, pickle.PicklingError, TypeError, AttributeError):
        # Unwritable folder, full disk, a value that cannot be pickled: run without the cache.
        pass


@contextmanager
def collector_paused() -> Iterator[None]:
    """Run the block without Python's cyclic garbage collector.

    For work that creates many objects that all live on (unpickling a catalog, building an
    engine): the collector would otherwise walk them again and again while they are made,
    finding no garbage. Garbage made meanwhile is collected once the collector runs again.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
