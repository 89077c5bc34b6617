"""Peak memory of `audit batch` over the whole process tree, for a small and a large batch.

Writes N generated profile files (seeded), runs `audit batch` on them with two workers and
a CSV summary, and samples the resident set size of the batch process and all its
children every 50 ms (from /proc). Prints one JSON object: the peak for each size, their
ratio and the floor it must stay under (1.5: memory is flat in the number of profiles).

    python benchmarks/batch_memory.py            # 200 and 20,000 profiles
    python benchmarks/batch_memory.py 200 2000   # other sizes
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

import generate
from kundenkompass.engine import Engine

FLOOR = 1.5
POOL = 200  # distinct generated profiles; larger batches repeat them under other names


def tree_rss_kb(root: int) -> int:
    """Resident set size of ``root`` and all its descendants, in kB."""
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            continue
        stack.extend(int(child) for child in children)
    return total


def write_profiles(folder: Path, count: int, texts: list[str]) -> None:
    for number in range(count):
        (folder / f"p{number:06d}.toml").write_text(texts[number % len(texts)], encoding="utf-8")


def measure(count: int, texts: list[str]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "profiles"
        folder.mkdir()
        write_profiles(folder, count, texts)
        command = [sys.executable, "-m", "kundenkompass", "batch", str(folder),
                   "-o", f"{scratch}/out.jsonl", "--summary", f"{scratch}/summary.csv",
                   "-j", "2"]  # fmt: skip
        began = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        peak = 0
        while process.poll() is None:
            peak = max(peak, tree_rss_kb(process.pid))
            time.sleep(0.05)
        seconds = time.perf_counter() - began
        with open(f"{scratch}/out.jsonl", encoding="utf-8") as stream:
            lines = sum(1 for _ in stream)
    return {
        "profiles": count,
        "records": lines,
        "exit_code": process.returncode,
        "peak_tree_rss_mb": round(peak / 1024, 1),
        "seconds": round(seconds, 1),
    }


def main(sizes: list[int]) -> None:
    engine = Engine()
    texts = [generate.toml(p) for p in generate.profiles(engine.catalog, POOL)]
    results = [measure(size, texts) for size in sizes]
    ratio = results[-1]["peak_tree_rss_mb"] / results[0]["peak_tree_rss_mb"]
    print(
        json.dumps(
            {"batches": results, "ratio": round(ratio, 2), "floor": FLOOR, "ok": ratio <= FLOOR},
            indent=2,
        )
    )


if __name__ == "__main__":
    main([int(size) for size in sys.argv[1:]] or [200, 20_000])
