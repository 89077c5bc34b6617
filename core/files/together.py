"""Output files that take their names together: all of them or none.

A batch writes its JSON Lines and its summary to temporary files beside the targets
(``.NAME.XXXX.tmp``), then renames them. Two renames are not one atomic step, so a note
beside the first target (``.NAME.commit``) lists them first; SIGINT and SIGTERM are blocked
while they run, and after a hard kill :func:`finish_renames` completes them before the next
write to the same output.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
from pathlib import Path

from kundenkompass.errors import OutputError
from kundenkompass.files.reasons import os_reason


def temporary_beside(target: Path) -> Path:
    """A new, empty temporary file in the target's folder."""
    folder = target.parent
    for _ in range(100):
        candidate = folder / f".{target.name}.{secrets.token_hex(6)}.tmp"
        try:
            os.close(os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        except FileExistsError:
            continue
        except OSError as error:
            raise OutputError(
                str(target), f"lässt sich nicht schreiben: {os_reason(error)}"
            ) from None
        return candidate
    raise OutputError(
        str(target), "daneben lässt sich keine temporäre Datei anlegen"
    )  # pragma: no cover


def commit_note(target: Path) -> Path:
    return target.parent / f".{target.name}.commit"


def rename_together(pairs: list[tuple[Path, Path]]) -> None:
    """Rename each (temporary, target) pair; no signal may split them."""
    note = commit_note(pairs[0][1])
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        note.write_text(
            json.dumps([[str(a), str(b)] for a, b in pairs], ensure_ascii=False),
            encoding="utf-8",
        )
        for temporary, target in pairs:
            os.replace(temporary, target)
        note.unlink()
    except OSError as error:
        raise OutputError(
            str(pairs[0][1]), f"lässt sich nicht schreiben: {os_reason(error)}"
        ) from None
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def finish_renames(target: Path) -> None:
    """Finish the renames a hard kill interrupted for outputs beginning with ``target``."""
    note = commit_note(target)
    if not note.exists():
        return
    try:
        pairs = json.loads(note.read_text(encoding="utf-8"))
        for temporary, destination in pairs:
            if os.path.exists(temporary):
                os.replace(temporary, destination)
        note.unlink()
    except (OSError, ValueError, TypeError) as error:
        raise OutputError(
            str(note),
            f"die Ausgaben des vorigen Stapellaufs lassen sich nicht fertigstellen: {error}; "
            "bitte die Datei entfernen",
        ) from None
