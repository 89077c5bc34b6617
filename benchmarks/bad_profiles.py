"""How long `audit run` takes to refuse bad profile files.

Writes each bad file to a temporary folder, runs the real command on it a few times and
prints the median wall time and the exit code; a good profile is timed for comparison.
Every bad file should be refused about as fast as the good one is audited: the 100 MB
file by its size alone, deep nesting and many keys without running long.

    .venv/bin/python benchmarks/bad_profiles.py [repetitions]
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GOOD = '[company]\nname = "Radhaus"\nchannels = ["laden"]\n'

CASES: dict[str, bytes | None] = {
    "good profile (for comparison)": GOOD.encode(),
    "empty file": b"",
    "TOML syntax error": b'[company]\nname = "x\n',
    "Latin-1 text": '[company]\nname = "Bäckerei"\n'.encode("latin-1"),
    "binary garbage (1 MB)": bytes(range(256)) * 3_900,
    "100 MB file": None,  # sparse, created below
    "arrays nested 200,000 deep": b"[company]\nname = " + b"[" * 200_000 + b"]" * 200_000,
    "40,000 unknown facts": (
        GOOD + "[facts]\n" + "".join(f"f{i} = {i}\n" for i in range(40_000))
    ).encode(),
    "2,000-character name with a control character": (
        '[company]\nname = "' + "x" * 1_999 + '\\u0007"\nchannels = ["laden"]\n'
    ).encode(),
}


def main() -> None:
    repetitions = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    with tempfile.TemporaryDirectory() as folder:
        print(f"{'case':<48} {'median s':>9} {'exit':>5}")
        for name, content in CASES.items():
            path = Path(folder) / "profil.toml"
            if content is None:
                with path.open("wb") as stream:
                    stream.truncate(100 * 1024 * 1024)
            else:
                path.write_bytes(content)
            times = []
            code = None
            for _ in range(repetitions):
                start = time.perf_counter()
                done = subprocess.run(
                    [sys.executable, "-m", "kundenkompass", "run", str(path)],
                    capture_output=True,
                    check=False,
                )
                times.append(time.perf_counter() - start)
                code = done.returncode
            print(f"{name:<48} {statistics.median(times):>9.3f} {code:>5}")
            path.unlink()


if __name__ == "__main__":
    main()
