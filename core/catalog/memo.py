"""Parts of results that audits repeat, remembered per catalog up to a bound.

Many audits share a reason, its evidence or a checklist row: the same rule fired on the
same values. Such parts are frozen result models, so one instance can stand in every result
that has it. The memo is bounded so that a long-running service that sees ever new values
keeps a steady footprint: it keeps two generations, and when the newer one is full the
older one is forgotten. What audits keep using moves to the newer generation and stays;
emptying the whole memo instead would also drop the parts nearly every audit needs.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from kundenkompass.catalog.contents import Catalog

#: Entries kept before the memo starts over; each is a small frozen model.
CAPACITY = 5_000
_MEMO_KEY = "result-parts"


class BoundedMemo:
    """A dict of at most ``capacity`` entries in two generations of half that size."""

    def __init__(self, capacity: int = CAPACITY) -> None:
        self.capacity = capacity
        self._generation = max(1, capacity // 2)
        self._entries: dict[Hashable, Any] = {}
        self._older: dict[Hashable, Any] = {}

    def __len__(self) -> int:
        return len(self._entries) + len(self._older)

    def get(self, key: Hashable) -> Any:
        found = self._entries.get(key)
        if found is None and self._older:
            found = self._older.pop(key, None)
            if found is not None:  # still in use: into the newer generation
                self.put(key, found)
        return found

    def put(self, key: Hashable, value: Any) -> Any:
        if len(self._entries) >= self._generation:
            self._older = self._entries
            self._entries = {}
        self._entries[key] = value
        return value

    def clear(self) -> None:
        self._entries.clear()
        self._older.clear()


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
