"""Item analysis of submitted attempts: how hard each question is and whether it separates.

Method (classical test theory, Kelley's 27% groups):
- An answer's *score fraction* is its score divided by the question's points.
- **facility** of a question is the mean score fraction over the attempts that contain it
  (for right/wrong questions, the share who got it right). `share_correct` counts only
  full marks.
- **discrimination** ranks those attempts by total score percent (this question
  included), takes the top and bottom 27% — `round(0.27 * N)` attempts each, at least
  one, ties kept in input order — and subtracts the lower group's mean score fraction
  from the upper group's. It runs from -1 to 1; it needs at least two attempts.
- **choice_counts** counts how often each choice key was selected.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from lms.quizzes.questions import ChoiceKey

VERY_HARD = "very hard — check the key"
REVERSED = "strong members get this wrong more often"
HARD_FACILITY = 0.2
GROUP_PERCENT = 27


@dataclass(frozen=True)
class AnswerData:
    """One graded answer inside an attempt."""

    question_id: int
    score: Decimal
    max_score: Decimal
    selected: frozenset[ChoiceKey] = frozenset()


@dataclass(frozen=True)
class AttemptData:
    """One submitted attempt: its graded answers (only the questions it drew)."""

    answers: tuple[AnswerData, ...]

    @property
    def percent(self) -> float:
        top = sum(a.max_score for a in self.answers)
        return float(sum(a.score for a in self.answers) / top) if top else 0.0


@dataclass(frozen=True)
class ItemStats:
    question_id: int
    attempts: int
    facility: float
    share_correct: float
    discrimination: float | None
    choice_counts: dict[ChoiceKey, int] = field(default_factory=dict)
    flags: tuple[str, ...] = ()


def item_analysis(
    attempts: Sequence[AttemptData], choices: Mapping[int, Sequence[ChoiceKey]] | None = None
) -> list[ItemStats]:
    """Statistics per question, in order of first appearance.

    `choices` (question id → its choice keys) makes unpicked choices show up with 0.
    """
    order: dict[int, None] = {}
    for attempt in attempts:
        order.update((a.question_id, None) for a in attempt.answers)
    return [_item(qid, attempts, (choices or {}).get(qid, ())) for qid in order]


def _fraction(answer: AnswerData) -> float:
    return float(answer.score / answer.max_score) if answer.max_score else 0.0


def _item(qid: int, attempts: Sequence[AttemptData], keys: Sequence[ChoiceKey]) -> ItemStats:
    taken = [(t, a) for t in attempts for a in t.answers if a.question_id == qid]
    fractions = [_fraction(a) for _, a in taken]
    facility = sum(fractions) / len(fractions)
    discrimination = _discrimination(taken)
    counts = dict.fromkeys(keys, 0)
    for _, answer in taken:
        for key in answer.selected:
            counts[key] = counts.get(key, 0) + 1
    return ItemStats(
        question_id=qid,
        attempts=len(taken),
        facility=facility,
        share_correct=sum(1 for _, a in taken if a.score == a.max_score) / len(taken),
        discrimination=discrimination,
        choice_counts=counts,
        flags=_flags(facility, discrimination),
    )


def _discrimination(taken: list[tuple[AttemptData, AnswerData]]) -> float | None:
    if len(taken) < 2:
        return None
    size = max(1, (GROUP_PERCENT * len(taken) + 50) // 100)
    ranked = sorted(taken, key=lambda pair: pair[0].percent, reverse=True)
    upper = [_fraction(a) for _, a in ranked[:size]]
    lower = [_fraction(a) for _, a in ranked[-size:]]
    return sum(upper) / size - sum(lower) / size


def _flags(facility: float, discrimination: float | None) -> tuple[str, ...]:
    flags = []
    if facility < HARD_FACILITY:
        flags.append(VERY_HARD)
    if discrimination is not None and discrimination < 0:
        flags.append(REVERSED)
    return tuple(flags)
