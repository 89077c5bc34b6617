"""Parts of results remembered across audits never leak from one audit into another.

An engine that has audited many profiles (its memo full of reasons, open questions,
checklist rows) must give the JSON an engine with an empty memo gives, also for values that
compare equal but print differently (``-0.0`` and ``0.0``, ``1`` and ``1.0``).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kundenkompass.catalog.memo import BoundedMemo, result_memo
from kundenkompass.engine import Engine

from ..strategies import profiles
from .test_durable_traps import COMPANY, engine_for

ENGINE = Engine()


def forgetting(profile: dict[str, Any]) -> str:
    """The result of ``profile`` from an empty memo."""
    result_memo(ENGINE.catalog).clear()
    return ENGINE.audit(profile).to_json()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(profiles(ENGINE.catalog), min_size=2, max_size=4))
def test_a_warm_memo_gives_what_an_empty_memo_gives(batch: list[dict[str, Any]]) -> None:
    warm = [ENGINE.audit(profile).to_json() for profile in batch * 2][len(batch) :]
    assert warm == [forgetting(profile) for profile in batch]


@pytest.mark.parametrize(("first", "second"), [(0.0, -0.0), (-0.0, 0.0)])
def test_values_that_compare_equal_keep_their_own_evidence(first: float, second: float) -> None:
    # The value is shown in the evidence of the rule it makes fire: 0.0 and -0.0 are equal
    # (and hash alike) but print differently.
    engine = engine_for(
        [{"id": "klein", "recommend": "massnahme_0", "when": {"fact": "menge", "lte": 5}}],
        {"menge": "float"},
    )

    def audit(value: float) -> str:
        return engine.audit({"company": COMPANY, "facts": {"menge": value}}).to_json()

    audit(first)
    warm = audit(second)
    result_memo(engine.catalog).clear()
    assert warm == audit(second)
    assert f'"value": {second!r}' in warm


def test_the_memo_forgets_its_older_generation_when_the_newer_is_full() -> None:
    memo = BoundedMemo(capacity=4)  # two generations of two entries
    for number in range(4):
        memo.put(number, str(number))
    assert len(memo) == 4  # older generation 0, 1; newer 2, 3
    memo.put(4, "4")  # the newer generation is full: 2, 3 become the older, 0, 1 go
    assert memo.get(0) is None and memo.get(1) is None
    assert memo.get(2) == "2"  # used again: moves into the newer generation (4, 2)
    memo.put(5, "5")  # 4, 2 become the older generation, 3 goes
    assert memo.get(3) is None
    assert memo.get(2) == "2" and memo.get(5) == "5"
    for number in range(100):
        memo.put(("more", number), number)
        assert len(memo) <= 4
