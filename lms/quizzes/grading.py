"""Pure grading: `QuestionSpec`s (see `lms.quizzes.questions`) and responses in, scores out.

No Flask, no database. The quizzes service turns rows into `QuestionSpec`s (with
the database ids of choices as `ChoiceSpec.key`) and the submitted answers into
responses, then calls `grade_attempt`.

Responses, by question kind:
- single, true_false: one choice key (or a collection holding exactly one key)
- multiple: a collection of choice keys (empty = nothing selected)
- short_text, numeric: the text the member typed
- matching: a mapping from pair index (position in `pairs`) to the chosen right-hand text
- None always means "not answered" and scores zero.
A response that names an unknown choice key, or selects more than one choice on a
single-answer question, raises `ResponseError` (the API answers 400).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, localcontext
from fractions import Fraction
from typing import TypeAlias

from lms.quizzes.patterns import MAX_PATTERN_INPUT_CHARS, compiled
from lms.quizzes.questions import HUNDRED, ChoiceKey, Number, QuestionSpec, to_decimal

Response: TypeAlias = ChoiceKey | Collection[ChoiceKey] | Mapping[int, str] | None

#: Typed answers longer than this are simply wrong.
MAX_RESPONSE_CHARS = 200
#: Moodle writes a third as 33.33333%, so weights summing this close to 100 count as full marks.
FULL_WEIGHT_SLACK = Decimal("0.001")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")


class ResponseError(ValueError):
    """A response that cannot belong to the question (unknown choice, two picks on single)."""


@dataclass(frozen=True)
class QuestionResult:
    """`feedback`: the feedback of what was chosen or matched, then the explanation."""

    score: Decimal
    max_score: Decimal
    correct: bool
    feedback: tuple[str, ...] = ()


@dataclass(frozen=True)
class AttemptResult:
    score_percent: Decimal
    passed: bool
    score: Decimal
    max_score: Decimal
    results: tuple[QuestionResult, ...]


def normalise_text(text: str) -> str:
    """Case-insensitive, whitespace collapsed and trimmed, Unicode NFC."""
    folded = unicodedata.normalize("NFC", text).casefold()
    return unicodedata.normalize("NFC", " ".join(folded.split()))


def parse_number(text: str) -> Decimal | None:
    """A typed number, or None. A comma is a decimal separator only when there is no dot."""
    cleaned = text.strip().replace(" ", "")
    if "," in cleaned and "." not in cleaned and cleaned.count(",") == 1:
        cleaned = cleaned.replace(",", ".")
    if len(cleaned) > MAX_RESPONSE_CHARS or not _NUMBER.fullmatch(cleaned):
        return None
    return Decimal(cleaned)


def grade_question(spec: QuestionSpec, response: Response) -> QuestionResult:
    """Score one response against its spec. Raises ResponseError for impossible responses."""
    fraction, feedback = _GRADERS[spec.kind](spec, response)
    # Multiply before dividing so that, say, three thirds of 3 points are exactly 3.
    score = spec.points * fraction.numerator / fraction.denominator
    explanation = (spec.explanation,) if spec.explanation else ()
    return QuestionResult(
        score=score,
        max_score=spec.points,
        correct=fraction == 1,
        feedback=tuple(f for f in feedback if f) + explanation,
    )


def grade_attempt(
    specs_and_responses: Iterable[tuple[QuestionSpec, Response]], pass_percent: Number
) -> AttemptResult:
    """Grade every question; pass when the score reaches `pass_percent` of the points.

    `score_percent` is rounded to two places for display; `passed` compares the exact
    score. A quiz without points has nothing to reach, so it passes only at 0%.
    """
    results = tuple(grade_question(spec, response) for spec, response in specs_and_responses)
    score = sum((r.score for r in results), Decimal(0))
    max_score = sum((r.max_score for r in results), Decimal(0))
    threshold = to_decimal(pass_percent)
    with localcontext(prec=60):
        if max_score == 0:
            percent, passed = Decimal(0), threshold <= 0
        else:
            percent, passed = score * HUNDRED / max_score, score * HUNDRED >= threshold * max_score
    return AttemptResult(percent.quantize(Decimal("0.01")), passed, score, max_score, results)


Graded: TypeAlias = tuple[Fraction, list[str]]


def _selected_keys(spec: QuestionSpec, response: Response) -> set[ChoiceKey]:
    if response is None:
        return set()
    if isinstance(response, int | str):
        keys: set[ChoiceKey] = {response}
    elif isinstance(response, Mapping):
        raise ResponseError("a choice question takes choice keys, not a mapping")
    else:
        keys = set(response)
    unknown = keys - {c.key for c in spec.choices}
    if unknown:
        raise ResponseError(f"unknown choice {sorted(map(str, unknown))[0]!r}")
    return keys


def _grade_single(spec: QuestionSpec, response: Response) -> Graded:
    keys = _selected_keys(spec, response)
    if len(keys) > 1:
        raise ResponseError("only one choice may be selected")
    chosen = [c for c in spec.choices if c.key in keys]
    if not chosen:
        return Fraction(0), []
    choice = chosen[0]
    if choice.weight is not None:
        return Fraction(max(choice.weight, Decimal(0))) / 100, [choice.feedback]
    return Fraction(1 if choice.correct else 0), [choice.feedback]


def _grade_multiple(spec: QuestionSpec, response: Response) -> Graded:
    keys = _selected_keys(spec, response)
    chosen = [c for c in spec.choices if c.key in keys]
    feedback = [c.feedback for c in chosen]
    if spec.scoring == "all_or_nothing":
        right = {c.key for c in spec.choices if c.correct}
        return Fraction(1 if keys == right else 0), feedback
    if spec.choices[0].weight is not None:
        total = sum((c.weight or Decimal(0) for c in chosen), Decimal(0))
        if abs(total - HUNDRED) <= FULL_WEIGHT_SLACK:
            total = HUNDRED
        return Fraction(min(max(total, Decimal(0)), HUNDRED)) / 100, feedback
    num_correct = sum(1 for c in spec.choices if c.correct)
    net = sum(1 if c.correct else -1 for c in chosen)
    return Fraction(max(net, 0), num_correct), feedback


def _typed(response: Response) -> str | None:
    if response is None:
        return None
    if not isinstance(response, str):
        raise ResponseError("this question takes typed text")
    return response


def _grade_short_text(spec: QuestionSpec, response: Response) -> Graded:
    typed = _typed(response)
    if typed is None or len(typed) > MAX_RESPONSE_CHARS:
        return Fraction(0), []
    given = normalise_text(typed)
    if any(given == normalise_text(a) for a in spec.accepted_answers):
        return Fraction(1), []
    if len(given) > MAX_PATTERN_INPUT_CHARS:
        return Fraction(0), []
    matched = any(compiled(p).fullmatch(given) for p in spec.accepted_patterns)
    return Fraction(1 if matched else 0), []


def _grade_numeric(spec: QuestionSpec, response: Response) -> Graded:
    typed = _typed(response)
    given = None if typed is None else parse_number(typed)
    if given is None:
        return Fraction(0), []
    accepted = [a for a in spec.numeric_answers if a.accepts(given)]
    if not accepted:
        return Fraction(0), []
    best = max(accepted, key=lambda a: a.weight)
    return Fraction(best.weight) / 100, [best.feedback]


def _grade_matching(spec: QuestionSpec, response: Response) -> Graded:
    if response is not None and not isinstance(response, Mapping):
        raise ResponseError("a matching question takes a mapping of pair index to answer")
    chosen = response or {}
    gradable = [i for i, (left, _) in enumerate(spec.pairs) if left]
    if any(not isinstance(i, int) or i not in gradable for i in chosen):
        raise ResponseError("unknown pair in matching response")
    right = sum(1 for i in gradable if _same(chosen.get(i), spec.pairs[i][1]))
    if spec.scoring == "all_or_nothing":
        return Fraction(1 if right == len(gradable) else 0), []
    return Fraction(right, len(gradable)), []


def _same(given: str | None, expected: str) -> bool:
    return given is not None and given.strip() == expected.strip()


_GRADERS = {
    "single": _grade_single,
    "true_false": _grade_single,
    "multiple": _grade_multiple,
    "short_text": _grade_short_text,
    "numeric": _grade_numeric,
    "matching": _grade_matching,
}
