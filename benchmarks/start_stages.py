"""Where `audit run`'s start goes: the stages of one cold run, timed in this process.

Prints JSON with the seconds spent importing and building the command line (as `audit run`
does: only the modules that command needs, with the garbage collector paused as
:func:`kundenkompass.cli.main` pauses it), building the engine (plugins, catalog, rule
compilation), auditing the example profile and rendering the text report to a redirected
standard output, as the cold-start measurement's `audit run` does. `run.py` runs it in fresh
interpreters next to the cold-start measurement.
"""

from __future__ import annotations

import contextlib
import gc
import io
import json
import sys
import time
from pathlib import Path

begin = time.perf_counter()
gc.disable()
from kundenkompass.cli import command  # noqa: E402

command(["run", sys.argv[1]])
from kundenkompass.commands.app import make_engine, stdout_console  # noqa: E402

gc.freeze()
gc.enable()
imported = time.perf_counter()
engine = make_engine()
built = time.perf_counter()
result = engine.audit(Path(sys.argv[1]))
audited = time.perf_counter()
from kundenkompass.render.text import render  # noqa: E402

with contextlib.redirect_stdout(io.StringIO()):
    render(result, stdout_console(), engine.language)
rendered = time.perf_counter()
print(
    json.dumps(
        {
            "imports": imported - begin,
            "engine": built - imported,
            "audit": audited - built,
            "report": rendered - audited,
        }
    )
)
