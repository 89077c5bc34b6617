"""Writing output files atomically: a reader never sees a half-written file.

The content goes to a temporary file in the target's folder and is flushed to disk; then
it takes the target's name in one step. Without ``force`` that step is a hard link, which
fails if the name exists by then, so a file created in the meantime is never replaced.

With ``force`` only a regular file is replaced, and the new file keeps its mode: a device
node, a FIFO, a socket or a symbolic link is refused (``-o /dev/null --force`` must not turn
/dev/null into a regular file).

The temporary file is removed on every path that can remove it: errors, Ctrl-C, and
SIGTERM or SIGHUP during the write (the signal is handled again after the clean-up, so the
process still ends as it would have). Only SIGKILL leaves it behind; its name
(``.<target>.<pid>.<random>.kk.tmp``) records the writing process, so that the next write
beside it removes the leftovers of processes that no longer run.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import signal
import stat
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Any

from kundenkompass.errors import OutputError
from kundenkompass.files.reasons import os_reason

TEMPORARY_SUFFIX = ".kk.tmp"
_TEMPORARY_NAME = re.compile(r"^\.(?P<target>.+)\.(?P<pid>\d+)\.[0-9a-f]{12}\.kk\.tmp$")
#: Signals after which the temporary file is removed before the process ends.
_TERMINATING = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)
)

_KINDS = (
    (stat.S_ISCHR, "eine Gerätedatei"),
    (stat.S_ISBLK, "eine Gerätedatei"),
    (stat.S_ISFIFO, "eine benannte Pipe (FIFO)"),
    (stat.S_ISSOCK, "ein Socket"),
    (stat.S_ISLNK, "ein symbolischer Link"),
)


def check_target(path: str | Path, *, force: bool = False) -> os.stat_result | None:
    """Raise :class:`OutputError` if ``path`` may not be written (with ``force``: replaced);
    returns the status of the file it would replace. Commands that work long before they
    write call it first."""
    target = Path(path)
    existing = _existing(target)
    if existing is not None and stat.S_ISDIR(existing.st_mode):
        raise OutputError(str(target), "ist ein Ordner; erwartet: ein Dateiname")
    if existing is not None and not force:
        raise OutputError(str(target), "existiert bereits; --force ersetzt die Datei")
    if existing is not None and not stat.S_ISREG(existing.st_mode):
        raise OutputError(str(target), _special(existing.st_mode))
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(str(target), f"der Ordner {str(folder)!r} existiert nicht")
    return existing


def write_atomically(path: str | Path, content: str | bytes, *, force: bool = False) -> Path:
    target = Path(path)
    existing = check_target(target, force=force)
    folder = target.parent if str(target.parent) else Path(".")
    data = content.encode("utf-8") if isinstance(content, str) else content
    remove_leftovers(folder, target.name)
    temporary, handle = _create_temporary(folder, target)
    try:
        with _removed_on_termination(temporary):
            with os.fdopen(handle, "wb") as stream:
                if existing is not None:
                    # The replaced file's permissions stay (a private 0600 report stays private).
                    os.fchmod(stream.fileno(), stat.S_IMODE(existing.st_mode))
                stream.write(data)
                stream.flush()
                os.fsync(stream.fileno())
            if force:
                _check_still_replaceable(target)
                os.replace(temporary, target)
            else:
                os.link(temporary, target)
    except FileExistsError:
        raise OutputError(str(target), "existiert bereits; --force ersetzt die Datei") from None
    except OSError as error:
        raise OutputError(str(target), f"lässt sich nicht schreiben: {os_reason(error)}") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
    return target


def remove_leftovers(folder: Path, name: str) -> list[Path]:
    """Remove temporary files for ``name`` in ``folder`` that a killed write left behind
    (their process no longer runs); returns the removed paths."""
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        match = _TEMPORARY_NAME.match(entry.name)
        if match is None or match.group("target") != name:
            continue
        if _running(int(match.group("pid"))):
            continue
        with contextlib.suppress(OSError):
            if entry.is_file(follow_symlinks=False):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
    return removed


def _existing(target: Path) -> os.stat_result | None:
    try:
        return os.lstat(target)
    except FileNotFoundError:
        return None
    except OSError as error:
        raise OutputError(str(target), f"lässt sich nicht schreiben: {os_reason(error)}") from None


def _special(mode: int) -> str:
    kind = next((name for test, name in _KINDS if test(mode)), "keine gewöhnliche Datei")
    return f"ist {kind}, keine gewöhnliche Datei; --force ersetzt nur gewöhnliche Dateien"


def _check_still_replaceable(target: Path) -> None:
    """The target may have changed since the first look; never replace a special file."""
    existing = _existing(target)
    if existing is not None and not stat.S_ISREG(existing.st_mode):
        raise OutputError(str(target), _special(existing.st_mode))


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    except OverflowError:
        return False
    return True


@contextlib.contextmanager
def _removed_on_termination(temporary: Path) -> Iterator[None]:
    """Remove ``temporary`` if SIGTERM or SIGHUP arrives meanwhile, then let the signal act."""
    if threading.current_thread() is not threading.main_thread():
        yield  # handlers can only be set in the main thread; errors still clean up
        return
    previous: dict[int, Any] = {}

    def terminate(number: int, frame: FrameType | None) -> None:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        handler = previous.get(number, signal.SIG_DFL)
        signal.signal(number, handler)
        if callable(handler):
            handler(number, frame)
        else:
            os.kill(os.getpid(), number)

    for number in _TERMINATING:
        if signal.getsignal(number) is signal.SIG_IGN:
            continue  # an ignored signal (nohup) does not end the write
        with contextlib.suppress(OSError, ValueError):
            previous[number] = signal.signal(number, terminate)
    try:
        yield
    finally:
        for number, handler in previous.items():
            with contextlib.suppress(OSError, ValueError):
                signal.signal(number, handler)


def _create_temporary(folder: Path, target: Path) -> tuple[Path, int]:
    """A new, empty file beside the target, open for writing; the umask applies to its mode."""
    for _ in range(100):
        name = f".{target.name}.{os.getpid()}.{secrets.token_hex(6)}{TEMPORARY_SUFFIX}"
        candidate = folder / name
        try:
            handle = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        except OSError as error:
            raise OutputError(
                str(target), f"lässt sich nicht schreiben: {os_reason(error)}"
            ) from None
        return candidate, handle
    raise OutputError(
        str(target), "daneben lässt sich keine temporäre Datei anlegen"
    )  # pragma: no cover
