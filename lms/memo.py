"""Per-process memory of plain data built from rows that carry a version stamp.

A value is kept under ``key`` together with the stamp it was built for (a
course's ``updated_at``, say). The caller reads the current stamp from the
database in a query it runs anyway, and gets the kept value only while the
stamps match, so a change committed by any process is seen by the next request
of every process. The stamp must be read before the value is built: then a value
is never older than the stamp it is kept under.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")

_caches: list[StampedCache] = []


class StampedCache(Generic[V]):
    """At most ``size`` values; when full, the oldest entry makes room."""

    def __init__(self, size: int = 2048) -> None:
        self.size = size
        self._entries: dict[Hashable, tuple[Hashable, V]] = {}
        _caches.append(self)

    def get(self, key: Hashable, stamp: Hashable, build: Callable[[], V]) -> V:
        kept = self._entries.get(key)
        if kept is not None and kept[0] == stamp:
            return kept[1]
        value = build()
        self.put(key, stamp, value)
        return value

    def peek(self, key: Hashable, stamp: Hashable) -> V | None:
        """The value kept for ``key`` at this ``stamp``, or None."""
        kept = self._entries.get(key)
        return kept[1] if kept is not None and kept[0] == stamp else None

    def put(self, key: Hashable, stamp: Hashable, value: V) -> None:
        if key not in self._entries and len(self._entries) >= self.size:
            self._entries.pop(next(iter(self._entries)), None)
        self._entries[key] = (stamp, value)

    def clear(self) -> None:
        self._entries.clear()


def clear_all() -> None:
    """Forget every kept value (tests, which reuse ids in new databases)."""
    for cache in _caches:
        cache.clear()
