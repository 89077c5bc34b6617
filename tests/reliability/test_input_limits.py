"""Text and numbers at every entry: huge integers, NUL and control characters, invisible
names, bidirectional overrides, deep nesting. Each is one clean error naming the key path."""

from __future__ import annotations

from pathlib import Path
from unittest.mock import patch

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from kundenkompass.catalog.plugin_data import PluginData
from kundenkompass.commands import run as run_command
from kundenkompass.engine import Engine
from kundenkompass.errors import KundenkompassError, ProfileError, RuleError
from kundenkompass.files.limits import (
    DEFAULT_LIMITS,
    MAX_INTEGER_DIGITS,
    InputLimitError,
    Limits,
    check_text,
    check_tree,
    is_blank,
    parse_json,
)
from typer.testing import CliRunner

from ..conftest import run_cli
from .test_bad_profiles import DATA, GOOD, clean_failure, write

HUGE = "9" * 5000


@pytest.fixture(scope="module")
def werkstatt() -> Engine:
    return Engine([PluginData(DATA)], discover=False)


@pytest.fixture
def audit(werkstatt, monkeypatch):
    """Run ``audit run`` in-process against the test plugin; return the result."""
    monkeypatch.setattr(run_command, "make_engine", lambda *args, **kwargs: werkstatt)
    runner = CliRunner()
    return lambda path: runner.invoke(run_command.app, ["run", str(path)])


@pytest.mark.parametrize(
    ("replace", "by", "fragments"),
    [
        ("mitarbeitende = 4", f"mitarbeitende = {HUGE}", ("ganze Zahl hat mehr als",)),
        ("mitarbeitende = 4", "mitarbeitende = [[[[[[1]]]]]]", ("zu tief verschachtelt",)),
        ("[facts]", f"[thresholds]\nantwort_schnell = {HUGE}\n[facts]", ("mehr als",)),
        ('name = "Werkstatt Beispiel"', 'name = "\u200b\u200d\u2060"', ("company.name", "leer")),
        ('name = "Werkstatt Beispiel"', 'name = "   "', ("company.name", "leer")),
        ('name = "Werkstatt Beispiel"', 'name = "Werk\\u202estatt"', ("company.name", "U+202E")),
        ('name = "Werkstatt Beispiel"', 'name = "Werk\\u2066statt"', ("company.name", "U+2066")),
        ('name = "Werkstatt Beispiel"', 'name = "Werk\\u0000statt"', ("company.name", "U+0000")),
        ('name = "Werkstatt Beispiel"', 'name = "Zeile\\nzwei"', ("company.name", "U+000A")),
        ('sector = "fahrradhandel"', 'sector = "a\u202eb"', ("company.sector", "U+202E")),
        ('notiz = "gut"', 'notiz = "a\\u202eb"', ("beratung.notiz", "U+202E")),
    ],
    ids=[
        "huge-int",
        "deep-list",
        "huge-threshold",
        "zero-width-name",
        "blank-name",
        "rlo-name",
        "isolate-name",
        "nul-name",
        "newline-name",
        "rlo-sector",
        "rlo-note",
    ],
)
def test_hostile_text_and_numbers_in_a_profile_file(audit, tmp_path, replace, by, fragments):
    path = write(tmp_path, GOOD.replace(replace, by, 1))
    clean_failure(audit(path), str(path), *fragments)


def test_a_huge_integer_through_the_real_program_exits_2(tmp_path):
    path = tmp_path / "gross.toml"
    path.write_text(f'[company]\nname = "X"\nchannels = ["laden"]\n[facts]\nx = {HUGE}\n')
    done = run_cli("run", str(path))
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert f"{path}:5:5" in done.stderr and "mehr als" in done.stderr


def test_nul_in_a_text_profile_is_a_profile_error(werkstatt):
    with pytest.raises(ProfileError, match=r"U\+0000"):
        werkstatt.load_profile('[company]\nname = "A\\u0000B"\nchannels = ["laden"]\n')
    with pytest.raises(ProfileError):
        werkstatt.load_profile('[company]\nname = "A\x00B"\nchannels = ["laden"]\n')


@pytest.mark.parametrize(
    ("data", "key_path"),
    [
        ({"company": {"name": "X", "channels": ["laden"]}, "facts": {"mitarbeitende": 10**40}}, "facts.mitarbeitende"),
        ({"company": {"name": "\ud800", "channels": ["laden"]}}, "company.name"),
        ({"company": {"name": "X", "channels": ["laden"]}, "answers": {"\x1b[2J": "ja"}}, "answers"),
        ({"company": {"name": "X", "channels": ["laden"] * 5000}}, "company.channels"),
        ({"company": {"name": "X", "channels": ["laden"]}, "facts": {"antwortzeit": float("nan")}}, "facts.antwortzeit"),
        ({"company": {"name": "X", "channels": ["laden"]}, 1: "x"}, ""),
    ],
    ids=["int", "surrogate", "escape-key", "long-list", "nan", "int-key"],
)  # fmt: skip
def test_hostile_mappings_name_the_key_path(werkstatt, data, key_path):
    with pytest.raises(ProfileError) as caught:
        werkstatt.load_profile(data, source="formular")
    assert str(caught.value).startswith(f"formular: {key_path}")
    assert "\x1b" not in str(caught.value) and "\ud800" not in str(caught.value)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("[" * 100_000 + "]" * 100_000, "zu tief verschachtelt"),
        ('{"a": ' + "1" * 5000 + "}", "ganze Zahl hat mehr als"),
        ('{"a": NaN}', "NaN"),
        ('{"a": 1, "a": 2}', "kommt in einem Objekt doppelt vor"),
        ('{"a": "\\ud800"}', "einzelnes Surrogat"),
        (b'{"a": "\xff"}', "UTF-8"),
        ('{"a": [1, 2', "ungültiges JSON"),
    ],
)
def test_json_is_parsed_within_limits(text, fragment):
    with pytest.raises(InputLimitError, match=fragment) as caught:
        parse_json(text)
    assert isinstance(caught.value, KundenkompassError)


def test_json_profile_errors_are_profile_errors(werkstatt):
    with pytest.raises(ProfileError, match=r"^anfrage:1:\d+: zu tief verschachtelt"):
        werkstatt.load_profile_json("[" * 5000 + "]" * 5000, source="anfrage")
    with pytest.raises(ProfileError, match="erwartet: eine Tabelle"):
        werkstatt.load_profile_json('"/etc/passwd"', source="anfrage")


def test_brackets_inside_strings_do_not_count_as_nesting():
    text = '{"a": "' + "[" * 1000 + '\\"' + "{" * 1000 + '"}'
    assert parse_json(text) == {"a": "[" * 1000 + '"' + "{" * 1000}


def test_text_checks():
    assert check_text("Zeile\nzwei\tdrei", "x") == "Zeile\nzwei\tdrei"
    assert is_blank("\u200b \u3164\u2800\ufe0f") and not is_blank("\u200ba")
    with pytest.raises(InputLimitError, match=r"^x: enthält das Steuerzeichen U"):
        check_text("a\nb", "x", multiline=False)
    with pytest.raises(InputLimitError, match="zu lang"):
        check_text("a" * 11, "x", max_length=10)
    check_tree({"a": [10 ** (MAX_INTEGER_DIGITS - 1)]})
    with pytest.raises(InputLimitError, match=r"^a\[0\]: die ganze Zahl"):
        check_tree({"a": [10**MAX_INTEGER_DIGITS]})


def test_a_ruleset_with_hostile_values_is_refused_with_the_key_path(tmp_path):
    ruleset = tmp_path / "gross.toml"
    ruleset.write_text(
        '[ruleset]\nname = "gross"\nversion = "1"\ndescription = "a\\u202eb"\n',
        encoding="utf-8",
    )
    with pytest.raises(RuleError, match=r"ruleset\.description: enthält das Bidi-Steuerzeichen"):
        Engine(rulesets=[Path(ruleset)])
    ruleset.write_text(f'[ruleset]\nname = "gross"\nversion = {HUGE}\n', encoding="utf-8")
    with pytest.raises(RuleError, match="mehr als"):
        Engine(rulesets=[Path(ruleset)])


_SCALARS = st.one_of(
    st.text(alphabet=st.characters(codec="utf-8"), max_size=30),
    st.text(alphabet="ab\n\t\x00\x1b\u202e\u200b ", max_size=8),
    st.text(alphabet="abä\n", min_size=10, max_size=14),  # around the tight length limit
    st.sampled_from([10**20 - 1, 10**20, -(10**20), 0.5, -0.0]),
    st.integers(min_value=-(10**25), max_value=10**25),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
)
_TREES = st.recursive(
    _SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.text(alphabet="ab\n\x07\u202e ä", max_size=5), children, max_size=4),
    ),
    max_leaves=25,
)
_TIGHT = Limits(max_depth=3, max_items=3, max_text_length=12, max_integer_digits=20)


def _walk_problem(data: object, limits: Limits) -> str | None:
    """What the walk that names key paths finds, without the shortcut for plain data."""
    with patch("kundenkompass.files.limits._plainly_within", return_value=False):
        try:
            check_tree(data, "", limits)
        except InputLimitError as error:
            return str(error)
    return None


@settings(max_examples=400, deadline=None)
@given(_TREES, st.sampled_from([DEFAULT_LIMITS, _TIGHT]))
def test_the_shortcut_for_plain_data_accepts_only_what_the_walk_accepts(data, limits):
    problem = _walk_problem(data, limits)
    try:
        check_tree(data, "", limits)
    except InputLimitError as error:
        assert str(error) == problem
    else:
        assert problem is None
