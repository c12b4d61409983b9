"""A quiz question as plain, validated data: `QuestionSpec`, `ChoiceSpec`, `NumericAnswer`.

Pure: no Flask, no database. Building a spec checks it can be graded (a correct
choice, an accepted answer, safe patterns...) and raises ValueError otherwise;
`lms.quizzes.grading` scores responses against specs, `lms.quizzes.gift` reads
them from GIFT text and `lms.quizzes.gift_export` writes them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal, localcontext
from typing import Literal, TypeAlias

from lms.quizzes.patterns import check_pattern

Kind: TypeAlias = Literal["single", "multiple", "true_false", "short_text", "numeric", "matching"]
Scoring: TypeAlias = Literal["all_or_nothing", "partial"]
ChoiceKey: TypeAlias = int | str
Number: TypeAlias = Decimal | float | int | str

KINDS: tuple[Kind, ...] = ("single", "multiple", "true_false", "short_text", "numeric", "matching")
CHOICE_KINDS = frozenset({"single", "multiple", "true_false"})
HUNDRED = Decimal(100)


def to_decimal(value: Number) -> Decimal:
    """Exact Decimal from a Decimal, int, str or float (floats via their shortest repr)."""
    return value if isinstance(value, Decimal) else Decimal(str(value))


@dataclass(frozen=True)
class ChoiceSpec:
    """One option of a choice question.

    `weight` is a percentage of the question's points (-100..100), as in GIFT's
    `~%50%text`; when it is None the credit follows from `correct` alone. `key` is what
    responses refer to: the database id, or the choice's position when left as None.
    """

    text: str
    correct: bool = False
    feedback: str = ""
    weight: Decimal | None = None
    key: ChoiceKey | None = None

    def __post_init__(self) -> None:
        if self.weight is not None:
            weight = to_decimal(self.weight)
            if not -HUNDRED <= weight <= HUNDRED:
                raise ValueError(f"choice weight {weight} is outside -100..100")
            object.__setattr__(self, "weight", weight)


@dataclass(frozen=True)
class NumericAnswer:
    """One accepted number: full credit at weight 100, partial below (GIFT `=%50%4:1`)."""

    value: Decimal
    tolerance: Decimal = Decimal(0)
    weight: Decimal = HUNDRED
    feedback: str = ""

    def __post_init__(self) -> None:
        for name in ("value", "tolerance", "weight"):
            object.__setattr__(self, name, to_decimal(getattr(self, name)))
        if self.tolerance < 0:
            raise ValueError("tolerance cannot be negative")
        if not 0 <= self.weight <= HUNDRED:
            raise ValueError(f"numeric answer weight {self.weight} is outside 0..100")

    def accepts(self, given: Decimal) -> bool:
        """Inclusive at both edges; a wide context keeps long inputs from rounding."""
        with localcontext(prec=120):
            return abs(given - self.value) <= self.tolerance


@dataclass(frozen=True)
class QuestionSpec:
    """Everything needed to show, grade and export one question.

    For numeric questions `answer`/`tolerance` describe the full-credit answer and
    `numeric_answers` lists every accepted number; give either and the other is
    filled in. `accepted_patterns` are regexes matched in full against the
    normalised response, case-insensitively. Numbers (points, answer, tolerance, weights)
    may be given as Decimal, int, str or float and are stored as Decimal; lists become
    tuples, and choices without a key get their position.
    """

    kind: Kind
    prompt: str
    points: Decimal = Decimal(1)
    choices: tuple[ChoiceSpec, ...] = ()
    accepted_answers: tuple[str, ...] = ()
    accepted_patterns: tuple[str, ...] = ()
    answer: Decimal | None = None
    tolerance: Decimal = Decimal(0)
    numeric_answers: tuple[NumericAnswer, ...] = ()
    pairs: tuple[tuple[str, str], ...] = ()
    explanation: str = ""
    title: str = ""
    scoring: Scoring = "partial"
    text_format: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown question kind {self.kind!r}")
        points = to_decimal(self.points)
        if points < 0:
            raise ValueError("points cannot be negative")
        object.__setattr__(self, "points", points)
        object.__setattr__(self, "choices", _keyed(tuple(self.choices)))
        object.__setattr__(self, "accepted_answers", tuple(self.accepted_answers))
        object.__setattr__(self, "accepted_patterns", tuple(self.accepted_patterns))
        object.__setattr__(self, "pairs", tuple((left, right) for left, right in self.pairs))
        object.__setattr__(self, "tolerance", to_decimal(self.tolerance))
        if self.answer is not None:
            object.__setattr__(self, "answer", to_decimal(self.answer))
        for pattern in self.accepted_patterns:
            check_pattern(pattern)
        if self.kind == "numeric":
            self._settle_numeric()
        _validate_shape(self)

    def _settle_numeric(self) -> None:
        answers = tuple(self.numeric_answers)
        if not answers and self.answer is not None:
            answers = (NumericAnswer(self.answer, self.tolerance),)
        full = [a for a in answers if a.weight == HUNDRED]
        if not full:
            raise ValueError("a numeric question needs an answer worth full credit")
        if self.answer is not None and (self.answer, self.tolerance) != (
            full[0].value,
            full[0].tolerance,
        ):
            raise ValueError("answer/tolerance disagree with numeric_answers")
        object.__setattr__(self, "numeric_answers", answers)
        object.__setattr__(self, "answer", full[0].value)
        object.__setattr__(self, "tolerance", full[0].tolerance)


def _keyed(choices: tuple[ChoiceSpec, ...]) -> tuple[ChoiceSpec, ...]:
    keyed = tuple(c if c.key is not None else replace(c, key=i) for i, c in enumerate(choices))
    if len({c.key for c in keyed}) != len(keyed):
        raise ValueError("choice keys must be unique")
    return keyed


def _validate_shape(spec: QuestionSpec) -> None:
    if spec.kind in CHOICE_KINDS and not any(c.correct for c in spec.choices):
        raise ValueError(f"a {spec.kind} question needs a correct choice")
    if spec.kind == "true_false" and len(spec.choices) != 2:
        raise ValueError("a true_false question has exactly two choices: True, then False")
    if spec.kind == "multiple":
        weighted = {c.weight is not None for c in spec.choices}
        if len(weighted) > 1:
            raise ValueError("weight either every choice of a multiple question or none")
        if any(c.weight is not None and c.correct != (c.weight > 0) for c in spec.choices):
            raise ValueError("a weighted choice is correct exactly when its weight is positive")
    if spec.kind == "short_text" and not (spec.accepted_answers or spec.accepted_patterns):
        raise ValueError("a short_text question needs an accepted answer")
    if spec.kind == "matching" and not any(left for left, _ in spec.pairs):
        raise ValueError("a matching question needs at least one pair")
