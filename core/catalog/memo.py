"""Parts of results that audits repeat, remembered per catalog up to a bound.

Many audits share a reason, its evidence or a checklist row: the same rule fired on the
same values. Such parts are frozen result models, so one instance can stand in every result
that has it. The memo is bounded (emptied when full) so that a long-running service that
sees ever new values keeps a steady footprint.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from kundenkompass.catalog.contents import Catalog

#: Entries kept before the memo starts over; each is a small frozen model.
CAPACITY = 5_000
_MEMO_KEY = "result-parts"


class BoundedMemo:
    """A dict that forgets everything when it holds ``capacity`` entries."""

    def __init__(self, capacity: int = CAPACITY) -> None:
        self.capacity = capacity
        self._entries: dict[Hashable, Any] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable) -> Any:
        return self._entries.get(key)

    def put(self, key: Hashable, value: Any) -> Any:
        if len(self._entries) >= self.capacity:
            self._entries.clear()
        self._entries[key] = value
        return value


def result_memo(catalog: Catalog) -> BoundedMemo:
    """The catalog's memo of result parts."""
    found = catalog.memo.get(_MEMO_KEY)
    if found is None:
        found = catalog.memo[_MEMO_KEY] = BoundedMemo()
    return found


def typed(value: Any) -> tuple[type, Any]:
    """A memo key part for a value: its type keeps ``True`` apart from ``1`` and ``1.0``;
    a float by its text, which keeps ``-0.0`` apart from ``0.0``."""
    kind = value.__class__
    return (kind, repr(value)) if kind is float else (kind, value)
