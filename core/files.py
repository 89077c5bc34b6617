"""Writing output files atomically: a reader never sees a half-written file.

The content goes to a temporary file in the target's folder, is flushed to disk, and then
replaces the target in one rename. An existing file is only replaced with ``force``.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from .errors import OutputError


def write_atomically(path: str | Path, content: str | bytes, *, force: bool = False) -> Path:
    target = Path(path)
    if target.is_dir():
        raise OutputError(str(target), "is a directory; expected a file name")
    if target.exists() and not force:
        raise OutputError(str(target), "already exists; use --force to replace it")
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(str(target), f"folder {str(folder)!r} does not exist")
    data = content.encode("utf-8") if isinstance(content, str) else content
    try:
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as error:
        raise OutputError(str(target), f"cannot write: {error.strerror or error}") from None
    try:
        # mkstemp creates the file readable by its owner only; a report is meant to be shared.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, target)
    except BaseException as error:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(error, OSError):
            raise OutputError(str(target), f"cannot write: {error.strerror or error}") from None
        raise
    return target
