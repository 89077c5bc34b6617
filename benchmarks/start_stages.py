"""Where `audit run`'s start goes: the stages of one cold run, timed in this process.

Prints JSON with the seconds spent importing and building the command line (as `audit run`
does: only the modules that command needs), building the engine (plugins, catalog, rule
compilation), auditing the example profile and rendering the text report. `run.py` runs it
in fresh interpreters next to the cold-start measurement.
"""

from __future__ import annotations

import io
import json
import sys
import time
from pathlib import Path

begin = time.perf_counter()
from kundenkompass.cli import command  # noqa: E402

command(["run", sys.argv[1]])
from kundenkompass.commands.app import make_engine  # noqa: E402

imported = time.perf_counter()
engine = make_engine()
built = time.perf_counter()
result = engine.audit(Path(sys.argv[1]))
audited = time.perf_counter()
from kundenkompass.render.text import render  # noqa: E402
from rich.console import Console  # noqa: E402

render(
    result, Console(file=io.StringIO(), width=120, highlight=False, emoji=False), engine.language
)
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
