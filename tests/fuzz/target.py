"""The fuzz target: bytes → load → audit → every renderer → saved result read back.

:func:`fuzz_one` must either refuse its input with a :class:`KundenkompassError` (what the
command line turns into one line and exit 2 or 3) or produce every output cleanly: no
other exception, no control sequence from data in text output, JSON that reads back and
compares. Any other outcome is a bug.

Run by ``tests/fuzz/test_fuzz.py`` (hypothesis, a few seconds in every test run; set
``KK_FUZZ_EXAMPLES`` for longer runs) and by ``python -m tests.fuzz.atheris_main``
(coverage-guided, needs ``pip install atheris``); see docs/fuzzing.md.
"""

from __future__ import annotations

import functools
import io
import re
import tempfile
from pathlib import Path

from kundenkompass.engine import Engine
from kundenkompass.errors import KundenkompassError
from kundenkompass.render.compare import compare, load_result
from kundenkompass.render.diff import render_diff_markdown, render_diff_text
from kundenkompass.render.report import TEXT_FORMATS, render_report
from kundenkompass.render.terminal import make_console
from kundenkompass.render.text import render

ROOT = Path(__file__).resolve().parents[2]
#: Seeds: the bundled example profiles.
SEEDS = sorted((ROOT / "examples").glob("*.toml"))

# What rich itself may write on a colour terminal: SGR colour sequences. Anything else
# that controls a terminal came from data.
_SGR = re.compile(r"\x1b\[[0-9;]*m")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@functools.lru_cache(maxsize=1)
def engine() -> Engine:
    return Engine()


def fuzz_one(data: bytes) -> None:
    """Run ``data`` as a profile file through everything; raise on a bug."""
    with tempfile.TemporaryDirectory() as folder:
        profile = Path(folder) / "profil.toml"
        profile.write_bytes(data)
        try:
            result = engine().audit(engine().load_profile(profile))
        except KundenkompassError:
            return  # refused with a message: fine
        for format in TEXT_FORMATS:
            for audience in ("owner", "advisor"):
                output = render_report(result, format, audience=audience)
                if format == "text":
                    _check_plain(output)
        terminal = make_console(file=io.StringIO(), force_terminal=True, width=120)
        render(result, terminal)
        _check_plain(_SGR.sub("", terminal.file.getvalue()))  # type: ignore[attr-defined]

        saved = Path(folder) / "ergebnis.json"
        saved.write_text(result.to_json(), encoding="utf-8")
        again = load_result(saved)
        assert again == result, "a saved result reads back differently"
        diff = compare(again, result)
        plain = make_console(file=io.StringIO(), width=120)
        render_diff_text(diff, plain)
        _check_plain(plain.file.getvalue())  # type: ignore[attr-defined]
        render_diff_markdown(diff)


def _check_plain(text: str) -> None:
    leaked = _CONTROL.findall(text)
    assert not leaked, f"control characters reached text output: {leaked!r}"
