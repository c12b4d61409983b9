"""Played intervals of a video: union, clamping, coverage and the credit rule.

Pure functions on ``(start, end)`` pairs of seconds — no Flask, no database —
so the rule that decides whether a video was really watched is easy to test.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

Interval = tuple[float, float]


def clamp(intervals: Iterable[Sequence[float]], duration: float) -> list[Interval]:
    """Cut each interval to ``[0, duration]`` and drop the empty ones, keeping their order."""
    clamped = []
    for start, end in intervals:
        start, end = max(0.0, float(start)), min(float(duration), float(end))
        if end > start:
            clamped.append((start, end))
    return clamped


def merge(intervals: Iterable[Sequence[float]]) -> list[Interval]:
    """The union as sorted, disjoint intervals (touching intervals join)."""
    merged: list[list[float]] = []
    for start, end in sorted((float(s), float(e)) for s, e in intervals if e > s):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def covered(intervals: Iterable[Sequence[float]]) -> float:
    """Seconds covered by the union of the intervals."""
    return sum(end - start for start, end in merge(intervals))


def uncovered_parts(interval: Interval, union: Sequence[Interval]) -> list[Interval]:
    """The pieces of ``interval`` outside ``union`` (sorted and disjoint), in time order."""
    start, end = interval
    parts = []
    for u_start, u_end in union:
        if u_end <= start:
            continue
        if u_start >= end:
            break
        if u_start > start:
            parts.append((start, u_start))
        start = max(start, u_end)
        if start >= end:
            break
    if end > start:
        parts.append((start, end))
    return parts


def credit(existing: Sequence[Interval], reported: Iterable[Sequence[float]],
           duration: float, budget: float) -> tuple[list[Interval], float]:
    """Add a report's intervals to ``existing``, crediting at most ``budget`` new seconds.

    Reported intervals are clamped to the duration and taken in the order the
    member played them; the first ``budget`` seconds of coverage that is new are
    kept and the rest is dropped. Returns the new union and the seconds added.
    """
    union = merge(existing)
    remaining = max(0.0, float(budget))
    added = 0.0
    for interval in clamp(reported, duration):
        for start, end in uncovered_parts(interval, union):
            if remaining <= 0:
                return union, added
            end = min(end, start + remaining)
            union = merge([*union, (start, end)])
            remaining -= end - start
            added += end - start
    return union, added
