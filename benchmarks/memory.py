"""Peak memory of one engine over many audits (run by `run.py` in its own process).

Audits a pool of generated profiles over and over; prints the peak resident set size
(VmHWM) and the current one (VmRSS) after each checkpoint, as JSON lines.
"""

from __future__ import annotations

import gc
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import generate
from kundenkompass.engine import Engine


def status() -> dict[str, int]:
    values = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmHWM", "VmRSS"):
            values[key] = int(rest.split()[0])  # kB
    return values


def main(checkpoints: list[int], pool: int = 1000) -> None:
    engine = Engine()
    profiles = [engine.load_profile(p) for p in generate.profiles(engine.catalog, pool)]
    done = 0
    begin = time.perf_counter()
    for checkpoint in checkpoints:
        while done < checkpoint:
            engine.audit(profiles[done % pool])
            done += 1
        gc.collect()
        print(
            json.dumps(
                {
                    "audits": done,
                    "seconds": time.perf_counter() - begin,
                    "live_states": engine._runner.live_states,
                    **status(),
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    main([int(argument) for argument in sys.argv[1:]])
