from decimal import Decimal

import pytest

from lms.quizzes.analysis import (
    REVERSED,
    VERY_HARD,
    AnswerData,
    AttemptData,
    item_analysis,
)


def attempt(q1: int, q2: int, q3: int, q1_choice: int | None) -> AttemptData:
    picked = frozenset() if q1_choice is None else frozenset({q1_choice})
    return AttemptData(
        (
            AnswerData(1, Decimal(q1), Decimal(1), picked),
            AnswerData(2, Decimal(q2), Decimal(1)),
            AnswerData(3, Decimal(q3) / 2, Decimal(2)),  # q3 given in half points
        )
    )


# Eight attempts. Q1 and Q2 are worth 1 point, Q3 2 points (scores in half points below).
#        Q1 Q2 Q3(pts)  total  Q1 choice
#   A     1  0  2        3      1
#   B     1  0  2        3      1
#   C     1  0  1        2      1
#   D     0  0  2        2      2
#   E     1  0  0        1      1
#   F     0  0  1        1      2
#   G     0  1  0        1      3
#   H     0  0  0        0      (none)
# Group size round(0.27 * 8) = round(2.16) = 2. Ranked by total (ties in input order):
# A B C D E F G H, so upper = {A, B}, lower = {G, H}.
ATTEMPTS = [
    attempt(1, 0, 4, 1),  # A
    attempt(1, 0, 4, 1),  # B
    attempt(1, 0, 2, 1),  # C
    attempt(0, 0, 4, 2),  # D
    attempt(1, 0, 0, 1),  # E
    attempt(0, 0, 2, 2),  # F
    attempt(0, 1, 0, 3),  # G
    attempt(0, 0, 0, None),  # H
]


def test_hand_computed_example() -> None:
    q1, q2, q3 = item_analysis(ATTEMPTS, choices={1: [1, 2, 3, 4]})

    # Q1: 4 of 8 right -> facility 0.5; upper mean (1+1)/2 = 1, lower (0+0)/2 = 0 -> D = 1.
    assert (q1.question_id, q1.attempts) == (1, 8)
    assert q1.facility == pytest.approx(0.5)
    assert q1.share_correct == pytest.approx(0.5)
    assert q1.discrimination == pytest.approx(1.0)
    assert q1.choice_counts == {1: 4, 2: 2, 3: 1, 4: 0}
    assert q1.flags == ()

    # Q2: only G right -> facility 1/8 = 0.125 (< 0.2); upper 0, lower (1+0)/2 = 0.5 -> -0.5.
    assert q2.facility == pytest.approx(0.125)
    assert q2.discrimination == pytest.approx(-0.5)
    assert q2.flags == (VERY_HARD, REVERSED)

    # Q3: fractions 1, 1, .5, 1, 0, .5, 0, 0 -> mean 4/8 = 0.5; full marks A, B, D -> 3/8.
    # Upper (1+1)/2 = 1, lower (0+0)/2 = 0 -> D = 1.
    assert q3.facility == pytest.approx(0.5)
    assert q3.share_correct == pytest.approx(0.375)
    assert q3.discrimination == pytest.approx(1.0)


def test_questions_drawn_from_a_pool_use_only_their_attempts() -> None:
    only_once = AttemptData((AnswerData(9, Decimal(0), Decimal(1)),))
    stats = {s.question_id: s for s in item_analysis([*ATTEMPTS, only_once])}
    assert stats[9].attempts == 1
    assert stats[9].discrimination is None
    assert stats[9].flags == (VERY_HARD,)
    assert stats[1].attempts == 8


def test_no_attempts_no_items() -> None:
    assert item_analysis([]) == []
