import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lms.quizzes.pool import draw_questions, shuffled


def seeded(seed: int) -> random.Random:
    """A reproducible generator; draws pick questions, they guard no secret."""
    return random.Random(seed)  # noqa: S311


def test_second_attempt_draws_the_unseen_first() -> None:
    pool = [10, 20, 30, 40, 50]
    rng = seeded(7)
    first = draw_questions(pool, 3, set(), rng)
    assert len(set(first)) == 3
    second = draw_questions(pool, 3, set(first), rng)
    unseen = set(pool) - set(first)
    assert unseen <= set(second)
    assert len(set(second) & set(first)) == 1


def test_draw_keeps_pool_order_and_caps_at_pool_size() -> None:
    pool = [5, 3, 9, 1]
    assert draw_questions(pool, 10, {3}, seeded(1)) == pool
    drawn = draw_questions(pool, 2, set(), seeded(1))
    assert drawn == [i for i in pool if i in drawn]


def test_draw_refuses_bad_input() -> None:
    with pytest.raises(ValueError):
        draw_questions([1, 2], -1, set(), seeded(1))
    with pytest.raises(ValueError):
        draw_questions([1, 1], 1, set(), seeded(1))


def test_shuffled_copies_and_is_reproducible() -> None:
    items = list(range(20))
    assert shuffled(items, seeded(3)) == shuffled(items, seeded(3))
    assert sorted(shuffled(items, seeded(3))) == items
    assert items == list(range(20))


@given(
    pool=st.lists(st.integers(), unique=True, max_size=30),
    n=st.integers(min_value=0, max_value=35),
    seen_share=st.floats(min_value=0, max_value=1),
    seed=st.integers(),
)
def test_draw_properties(pool: list[int], n: int, seen_share: float, seed: int) -> None:
    seen = set(pool[: int(len(pool) * seen_share)])
    drawn = draw_questions(pool, n, seen, seeded(seed))
    assert len(drawn) == len(set(drawn)) == min(n, len(pool))
    assert set(drawn) <= set(pool)
    unseen_count = len(set(pool) - seen)
    assert len(set(drawn) - seen) == min(n, unseen_count)
