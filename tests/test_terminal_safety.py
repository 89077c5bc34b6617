"""Data never becomes terminal markup or control sequences, in every text output.

Every free text of a result (company, phase and measure titles, reasons, evidence, questions,
file names in messages) is replaced by hostile strings: rich markup (``[/x]``, ``[link=…]``,
``[blink]``), emoji codes, escape sequences, bidirectional overrides. Each text output must
render without error, show the value literally, and emit no control sequence of its own
making beyond the colours rich uses for the project's styles.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kundenkompass.engine import Engine
from kundenkompass.render.compare import compare
from kundenkompass.render.diff import render_diff_text
from kundenkompass.render.report import render_report
from kundenkompass.render.terminal import escape, make_console, visible
from kundenkompass.render.text import render, render_explanation
from kundenkompass.results import AuditResult, MeasureExplanation
from rich.console import Console

from .conftest import run_cli

ROOT = Path(__file__).parent.parent
PROFILE = ROOT / "examples" / "radhaus.toml"
FOLLOW_UP = ROOT / "examples" / "radhaus-folgeaudit.toml"

#: Keys whose values are free text shown to readers.
FREE_TEXT = {
    "name",
    "sector",
    "location",
    "title",
    "phase_title",
    "description",
    "rationale",
    "reason",
    "label",
    "shown",
    "question",
    "statement",
    "reference",
    "note",
}

HOSTILE = [
    "[/x]",
    "[bold]fett[/bold]",
    "[link=https://example.invalid]klick[/link]",
    "[blink]blinkt[/blink]",
    "[/]",
    "\\[b]",
    "ende\\",
    "ende\\\\\\",
    ":smile: :thumbs_up:",
    "\x1b[31mrot\x1b[0m",
    "\x1b]8;;https://example.invalid\x1b\\link\x1b]8;;\x1b\\",
    "\x9b31m",
    "\x07\x08\r\x0b\x0c",
    "a\u202eb\u2066c",
    "zeile\nzwei",
    "[@click=app.quit]x[/]",
    "[#ff0000 on #00ff00]farbe[/]",
]

hostile_text = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(
        alphabet=st.sampled_from(list("[]/\\:@#=ab \x1b\x9b\u202e\n\x00")),
        min_size=1,
        max_size=12,
    ),
)

# What rich itself may write on a colour terminal: SGR colour sequences without blink.
_SGR = re.compile(r"\x1b\[([0-9;]*)m")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@pytest.fixture(scope="module")
def outputs() -> tuple[AuditResult, AuditResult, MeasureExplanation]:
    engine = Engine()
    before = engine.audit(engine.load_profile(PROFILE))
    after = engine.audit(engine.load_profile(FOLLOW_UP))
    measure = before.recommendations[0].measure
    return before, after, engine.explain(measure, engine.load_profile(PROFILE))


def _poison(data: Any, value: str) -> Any:
    if isinstance(data, dict):
        return {
            key: value if key in FREE_TEXT and isinstance(item, str) else _poison(item, value)
            for key, item in data.items()
        }
    if isinstance(data, list):
        return [_poison(item, value) for item in data]
    return data


def _terminal() -> Console:
    return make_console(
        file=io.StringIO(), force_terminal=True, color_system="truecolor", width=4000
    )


def _plain() -> Console:
    return make_console(file=io.StringIO(), color_system=None, width=4000)


def _check(output: str, value: str) -> None:
    for match in _SGR.finditer(output):
        assert "5" not in match.group(1).split(";"), "blink reached the terminal"
    stripped = _SGR.sub("", output)
    leaked = _CONTROL.findall(stripped)
    assert not leaked, f"control characters reached the output: {leaked!r}"
    shown = visible(value)
    assert shown in stripped, f"{shown!r} is not shown literally"


def _outputs(console: Console) -> str:
    return console.file.getvalue()  # type: ignore[attr-defined, no-any-return]


settings_ = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@settings_
@given(value=hostile_text)
def test_text_report_shows_data_literally(
    outputs: tuple[AuditResult, AuditResult, MeasureExplanation], value: str
) -> None:
    before, _, _ = outputs
    data = _poison(before.model_dump(mode="json"), value)
    # What a website shows is data too (the example profile has no website check).
    data["website_check"] = [
        {
            "key": "facts.website",
            "label": value,
            "website_value": value,
            "url": value,
            "snippet": value,
        }
    ]
    result = AuditResult.model_validate(data)
    for audience in ("advisor", "owner"):
        for console in (_terminal(), _plain()):
            render(result, console, audience=audience)
            _check(_outputs(console), value)
    file_text = render_report(result, "text")
    assert not _CONTROL.findall(file_text)
    # A short value fits the report's width, so it shows unbroken in the file too.
    assert visible(value) in file_text


@settings_
@given(value=hostile_text)
def test_explanation_shows_data_literally(
    outputs: tuple[AuditResult, AuditResult, MeasureExplanation], value: str
) -> None:
    _, _, explanation = outputs
    poisoned = MeasureExplanation.model_validate(
        _poison(explanation.model_dump(mode="json"), value)
    )
    for console in (_terminal(), _plain()):
        render_explanation(poisoned, console)
        _check(_outputs(console), value)


@settings_
@given(value=hostile_text, name=hostile_text)
def test_diff_shows_data_literally(
    outputs: tuple[AuditResult, AuditResult, MeasureExplanation], value: str, name: str
) -> None:
    before, after, _ = outputs
    data_before = _poison(before.model_dump(mode="json"), value)
    data_after = _poison(after.model_dump(mode="json"), value)
    diff = compare(AuditResult.model_validate(data_before), AuditResult.model_validate(data_after))
    for console in (_terminal(), _plain()):
        render_diff_text(diff, console, before_name=name, after_name=name)
        _check(_outputs(console), value)
        _check(_outputs(console), name)


@settings_
@given(value=hostile_text)
def test_escape_keeps_the_template_markup_intact(value: str) -> None:
    console = _terminal()
    console.print(f"[bold]{escape(value)}[/bold] und [italic]{escape(value)}[/italic]")
    output = _outputs(console)
    _check(output, "")
    # The template's styles still apply around the value (bold = 1, italic = 3).
    codes = {code for match in _SGR.finditer(output) for code in match.group(1).split(";")}
    assert {"1", "3"} <= codes
    assert "und" in _SGR.sub("", output)


# ---------------------------------------------------------------- the real command line

_HOSTILE_PROFILE = """\
[company]
name = "[link=https://example.invalid]klick[/link] [blink]b[/blink] :smile:"
sector = "[/x]"
channels = ["laden"]

[answers]
google_business_profil = "nein"
"""


def _clean_terminal_output(text: str) -> None:
    assert "Traceback" not in text
    assert not _CONTROL.findall(text), repr(text[:300])


def test_run_shows_markup_from_a_profile_literally(tmp_path: Path) -> None:
    profile = tmp_path / "profil.toml"
    profile.write_text(_HOSTILE_PROFILE, encoding="utf-8")
    result = run_cli("run", str(profile))
    # Accepted (0) or refused as bad input (2), never an internal error.
    assert result.returncode in (0, 2), result.stderr
    _clean_terminal_output(result.stdout + result.stderr)
    if result.returncode == 0:
        assert "[link=https://example.invalid]klick[/link]" in result.stdout
        assert ":smile:" in result.stdout
        assert "[/x]" in result.stdout
    else:
        assert len(result.stderr.strip().splitlines()) == 1


def test_escape_sequences_in_a_file_name_stay_visible(tmp_path: Path) -> None:
    name = "\x1b[31m[/x]\x1b]8;;example.invalid\x07.toml"
    result = run_cli("run", str(tmp_path / name))
    assert result.returncode == 2, result.stderr
    _clean_terminal_output(result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "\\x1b[31m[/x]\\x1b]8;;example.invalid\\x07.toml" in lines[0]


def test_batch_messages_show_file_names_visibly(tmp_path: Path) -> None:
    folder = tmp_path / "profile"
    folder.mkdir()
    bad = folder / "\x1b[2J[blink]kaputt[u].toml"
    bad.write_text("[company\n", encoding="utf-8")
    result = run_cli("batch", str(folder), "-o", str(tmp_path / "out.jsonl"))
    assert result.returncode == 2, result.stderr
    _clean_terminal_output(result.stderr)
    assert "\\x1b[2J[blink]kaputt[u].toml" in result.stderr
