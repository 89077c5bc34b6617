"""Where `audit run`'s start goes: the stages of one cold run, timed in this process.

Prints JSON with the seconds spent importing the command line, building the engine
(plugins, catalog, rule compilation), auditing the example profile and rendering the text
report. `run.py` runs it in fresh interpreters next to the cold-start measurement.
"""

from __future__ import annotations

import io
import json
import sys
import time
from pathlib import Path

begin = time.perf_counter()
import kundenkompass.cli  # noqa: E402, F401 - the command line with all its commands
from kundenkompass.engine import Engine  # noqa: E402

imported = time.perf_counter()
engine = Engine()
built = time.perf_counter()
result = engine.audit(Path(sys.argv[1]))
audited = time.perf_counter()
from kundenkompass.render.text import render  # noqa: E402
from rich.console import Console  # noqa: E402

render(result, Console(file=io.StringIO(), width=100), engine.language)
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
