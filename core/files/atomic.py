"""Writing output files atomically: a reader never sees a half-written file.

The content goes to a temporary file in the target's folder and is flushed to disk; then
it takes the target's name in one step. Without ``force`` that step is a hard link, which
fails if the name exists by then, so a file created in the meantime is never replaced.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

from kundenkompass.errors import OutputError


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
    temporary, handle = _create_temporary(folder, target)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        if force:
            os.replace(temporary, target)
        else:
            os.link(temporary, target)
    except FileExistsError:
        raise OutputError(str(target), "already exists; use --force to replace it") from None
    except OSError as error:
        raise OutputError(str(target), f"cannot write: {error.strerror or error}") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
    return target


def _create_temporary(folder: Path, target: Path) -> tuple[Path, int]:
    """A new, empty file beside the target, open for writing; the umask applies to its mode."""
    for _ in range(100):
        candidate = folder / f".{target.name}.{secrets.token_hex(6)}.tmp"
        try:
            handle = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        except OSError as error:
            raise OutputError(str(target), f"cannot write: {error.strerror or error}") from None
        return candidate, handle
    raise OutputError(str(target), "cannot create a temporary file beside it")  # pragma: no cover
