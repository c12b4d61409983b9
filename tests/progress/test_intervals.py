"""Interval union, clamping and the credit rule, checked against a per-second reference."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from lms.progress.intervals import clamp, covered, credit, merge

DURATION = 60

ends = st.integers(min_value=-10, max_value=80)
intervals = st.lists(st.tuples(ends, ends), max_size=12)


def cells(pairs, duration=DURATION) -> set[int]:
    """Reference: the whole seconds ``[k, k+1)`` each interval covers, inside the video."""
    return {k for start, end in pairs for k in range(max(0, start), min(duration, end))}


def reference_credit(existing: set[int], reported, budget: int) -> set[int]:
    seen = set(existing)
    for start, end in reported:
        for k in range(max(0, start), min(DURATION, end)):
            if k not in seen and budget > 0:
                seen.add(k)
                budget -= 1
    return seen


def as_cells(union) -> set[int]:
    return {k for start, end in union for k in range(int(start), int(end))}


@given(intervals)
def test_merge_matches_reference_and_is_disjoint(pairs):
    union = merge(clamp(pairs, DURATION))
    assert as_cells(union) == cells(pairs)
    assert all(a_end < b_start for (_, a_end), (b_start, _) in itertools.pairwise(union))
    assert covered(clamp(pairs, DURATION)) == len(cells(pairs))


@given(intervals, intervals, st.integers(min_value=0, max_value=100))
def test_credit_adds_at_most_the_budget_in_play_order(before, reported, budget):
    existing = merge(clamp(before, DURATION))
    union, added = credit(existing, reported, DURATION, budget)
    expected = reference_credit(cells(before), reported, budget)
    assert as_cells(union) == expected
    assert added == len(expected) - len(cells(before)) <= budget


@given(intervals)
def test_order_of_reports_does_not_matter_without_a_budget_limit(pairs):
    forward, _ = credit([], pairs, DURATION, 10_000)
    backward, _ = credit([], list(reversed(pairs)), DURATION, 10_000)
    assert forward == backward == merge(clamp(pairs, DURATION))


def test_examples():
    assert merge([(5, 10), (0, 3), (2, 6), (12, 14), (14, 15)]) == [(0, 10), (12, 15)]
    assert clamp([(-5, 3), (50, 90), (70, 80)], 60) == [(0, 3), (50, 60)]
    union, added = credit([(0, 10)], [(5, 30), (40, 50)], 60, 12)
    assert union == [(0, 22)] and added == 12
