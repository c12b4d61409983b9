"""Drawing questions from a pool so that repeat attempts see new questions first."""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from typing import TypeVar

T = TypeVar("T")


def draw_questions(
    all_ids: Sequence[int], n: int, seen_ids: set[int], rng: random.Random
) -> list[int]:
    """Draw `n` of the pool's ids: unseen ones first, then seen ones to fill up.

    The result keeps pool order (pass it through `shuffled` when the quiz shuffles).
    Asking for more than the pool holds draws the whole pool. Raises ValueError for a
    negative `n` or repeated ids.
    """
    if n < 0:
        raise ValueError("cannot draw a negative number of questions")
    if len(set(all_ids)) != len(all_ids):
        raise ValueError("question ids in a pool must be unique")
    unseen = [i for i in all_ids if i not in seen_ids]
    seen = [i for i in all_ids if i in seen_ids]
    fresh = rng.sample(unseen, min(n, len(unseen)))
    refill = rng.sample(seen, min(n - len(fresh), len(seen)))
    drawn = set(fresh) | set(refill)
    return [i for i in all_ids if i in drawn]


def shuffled(items: Iterable[T], rng: random.Random) -> list[T]:
    """A shuffled copy; the input is left alone."""
    copy = list(items)
    rng.shuffle(copy)
    return copy
