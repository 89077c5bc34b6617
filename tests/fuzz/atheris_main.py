"""Coverage-guided fuzzing of the fuzz target with atheris (optional; docs/fuzzing.md).

    pip install atheris
    python -m tests.fuzz.atheris_main -max_total_time=3600 fuzz-corpus/ examples/

Arguments are libFuzzer's. A crash writes the input to ``crash-*``; replay it with
``python -m tests.fuzz.atheris_main crash-…``.
"""

from __future__ import annotations

import sys

from .target import engine, fuzz_one


def main() -> None:
    import atheris  # type: ignore[import-not-found]

    engine()  # load the plugins before fuzzing starts
    atheris.Setup(sys.argv, fuzz_one)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
