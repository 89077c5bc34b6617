"""The fuzz target (tests/fuzz/target.py) under hypothesis, bounded for every test run.

A few seconds of examples run with the suite; ``KK_FUZZ_EXAMPLES=20000 pytest tests/fuzz``
runs longer (docs/fuzzing.md).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .target import SEEDS, fuzz_one

EXAMPLES = int(os.environ.get("KK_FUZZ_EXAMPLES", "40"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=EXAMPLES <= 40,
)

#: Fragments that broke or could break loading and rendering: markup, escapes, huge and
#: odd numbers, invisible and bidirectional characters, TOML edge cases.
HOSTILE = [
    b"[/x]",
    b"[link=https://example.invalid]x[/link]",
    b"[blink]b[/blink]",
    b":smile:",
    b"\\u001b[31m",
    b"\\u202e",
    b"\\u200b",
    b"\\u0000",
    b"\x1b[2J",
    b"\x00",
    b"\xff\xfe",
    b"1" * 5000,
    b"nan",
    b"inf",
    b"-0",
    b"1e400",
    b'"""',
    b"'''",
    b"[[answers]]",
    b"a.b.c.d.e.f.g.h.i = 1",
    b"[" * 200,
    b"{",
    b"\r\n",
    "ä€🚲".encode(),
]

# A seed profile with string values replaced by hostile text (valid TOML, so the audit
# and renderers run).
_STRING = st.sampled_from(
    ["[/x]", "[link=https://x]y[/link]", "\\u001b[5mblink", ":smile:", "a\\u202eb", "ende\\\\"]
)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = draw(st.sampled_from(SEEDS)).read_bytes()
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["insert", "delete", "flip", "truncate", "string"]))
        position = draw(st.integers(0, len(data)))
        if kind == "insert":
            data = data[:position] + draw(st.sampled_from(HOSTILE)) + data[position:]
        elif kind == "delete":
            data = data[:position] + data[position + draw(st.integers(1, 40)) :]
        elif kind == "flip" and data:
            index = min(position, len(data) - 1)
            data = data[:index] + bytes([draw(st.integers(0, 255))]) + data[index + 1 :]
        elif kind == "truncate":
            data = data[:position]
        else:
            data = data.replace(b'"Radhaus Beispiel"', f'"{draw(_STRING)}"'.encode(), 1).replace(
                b'sector = "fahrradhandel"', f'sector = "{draw(_STRING)}"'.encode(), 1
            )
    return data


@FUZZ
@given(data=st.one_of(mutated(), st.binary(max_size=400)))
def test_fuzz_bytes_through_load_audit_and_every_renderer(data: bytes) -> None:
    fuzz_one(data)


def test_the_seeds_run_through_everything() -> None:
    for seed in SEEDS:
        fuzz_one(seed.read_bytes())
