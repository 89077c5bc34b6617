"""The shortcut for plainly given answers and facts decides as the full check does.

Profile validation takes plain answer words and plain fact values (a bool, a listed word, a
number within bounds) without building key paths; anything else goes to the check that
names what is wrong. Both must accept the same profiles with the same values, and refuse
the same ones with the same message.
"""

from __future__ import annotations

from typing import Any
from unittest.mock import patch

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kundenkompass.engine import Engine
from kundenkompass.errors import ProfileError
from kundenkompass.profile import load

ENGINE = Engine()
FACTS = [fact for fact in ENGINE.catalog.input_facts() if not fact.sectors and not fact.channels]
ITEMS = [item for item in ENGINE.catalog.checklist.values() if not item.sectors]

ODD_VALUES = st.one_of(
    st.booleans(),
    st.integers(min_value=-(10**21), max_value=10**21),
    st.sampled_from([0, -1, 1, 10**19, 10**19 - 1, 0.0, -0.0, 2.5, 3.0, 1e12, 1e13]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["unbekannt", "ja", "JA ", " nein", "entfällt", "vielleicht", ""]),
    st.sampled_from([value for fact in FACTS for value in fact.values] or ["x"]),
    st.lists(st.sampled_from(["a", "b"]), max_size=2),
    st.none(),
)


def outcome(profile: dict[str, Any]) -> Any:
    try:
        validated = ENGINE.load_profile(profile)
    except ProfileError as error:
        return ("refused", str(error))
    return ("accepted", validated.model_dump(mode="json"))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.dictionaries(st.sampled_from([f.key for f in FACTS]), ODD_VALUES, max_size=4),
    st.dictionaries(st.sampled_from([i.id for i in ITEMS]), ODD_VALUES, max_size=4),
)
def test_plain_values_are_decided_as_the_full_check_decides(facts, answers) -> None:
    profile = {
        "company": {"name": "Prüf GmbH", "channels": ["laden", "onlineshop"]},
        "answers": answers,
        "facts": facts,
    }
    shortcut = outcome(profile)
    with (
        patch.object(load, "_plain_fact_value", return_value=load._NOT_PLAIN),
        patch.object(load, "ANSWER_SPELLINGS", _NoShortcut(load.ANSWER_SPELLINGS)),
    ):
        full = outcome(profile)
    assert shortcut == full


class _NoShortcut(dict):  # type: ignore[type-arg]
    """The spellings, but ``get`` (used only by the shortcut) never finds a word."""

    def get(self, key: Any, default: Any = None) -> Any:
        return default
