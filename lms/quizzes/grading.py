"""Plain question data and pure grading: specs and responses in, scores out.

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
from dataclasses import dataclass, replace
from decimal import Decimal, localcontext
from fractions import Fraction
from functools import lru_cache
from typing import Literal, TypeAlias

Kind: TypeAlias = Literal["single", "multiple", "true_false", "short_text", "numeric", "matching"]
Scoring: TypeAlias = Literal["all_or_nothing", "partial"]
ChoiceKey: TypeAlias = int | str
Number: TypeAlias = Decimal | float | int | str
Response: TypeAlias = ChoiceKey | Collection[ChoiceKey] | Mapping[int, str] | None

KINDS: tuple[Kind, ...] = ("single", "multiple", "true_false", "short_text", "numeric", "matching")
CHOICE_KINDS = frozenset({"single", "multiple", "true_false"})
MAX_PATTERN_CHARS = 200
#: Typed answers longer than this are simply wrong.
MAX_RESPONSE_CHARS = 200
HUNDRED = Decimal(100)
#: Moodle writes a third as 33.33333%, so weights summing this close to 100 count as full marks.
FULL_WEIGHT_SLACK = Decimal("0.001")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")


class ResponseError(ValueError):
    """A response that cannot belong to the question (unknown choice, two picks on single)."""


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


# A regex that backtracks badly could hang a worker, and `re` has no timeout. So patterns
# stay in a subset without the catastrophic shapes: at most 200 characters, no
# backreferences or lookarounds, no repeated group that itself repeats or alternates
# (`(a+)+`, `(a|aa)*`, both exponential), and at most four repetitions or alternatives in
# all (`\w*\w*\w*\w*x` is polynomial, ~0.05 s worst case on the 100 characters a
# pattern ever sees; five of them on 200 characters took 28 s).
MAX_PATTERN_BRANCHES = 4
MAX_PATTERN_INPUT_CHARS = 100
_BAD_PATTERN = re.compile(r"\\[1-9]|\\g|\(\?[=!<]|\(\?P[=>]")
_QUANTIFIER = re.compile(r"(?:[*+?]|\{\d*,?\d*\})[?+]?")
_UNBOUNDED = re.compile(r"[*+{]")


def check_pattern(pattern: str) -> None:
    """Raise ValueError unless `pattern` is short, valid and in the safe subset."""
    if len(pattern) > MAX_PATTERN_CHARS:
        raise ValueError(f"pattern longer than {MAX_PATTERN_CHARS} characters")
    if _BAD_PATTERN.search(pattern):
        raise ValueError("pattern uses backreferences or lookarounds")
    plain = _skeleton(pattern)
    if _has_repeated_complex_group(plain):
        raise ValueError("pattern repeats a group that repeats or alternates")
    if len(_QUANTIFIER.findall(plain)) + plain.count("|") > MAX_PATTERN_BRANCHES:
        raise ValueError(f"pattern has more than {MAX_PATTERN_BRANCHES} repetitions/alternatives")
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"invalid pattern: {exc}") from exc


def _skeleton(pattern: str) -> str:
    """The pattern with escapes, character classes and `(?` group flags made plain."""
    plain = re.sub(r"\\.", "x", pattern)
    plain = re.sub(r"\[(?:\^?\])?[^\]]*\]", "x", plain)
    return plain.replace("(?", "(")


def _has_repeated_complex_group(plain: str) -> bool:
    """True when a group containing `|` or a quantifier is itself repeated (`?` is fine)."""
    starts: list[int] = []
    for i, char in enumerate(plain):
        if char == "(":
            starts.append(i)
        elif char == ")" and starts:
            inner = plain[starts.pop() + 1 : i]
            complex_inner = "|" in inner or _QUANTIFIER.search(inner)
            if complex_inner and _UNBOUNDED.match(plain, i + 1):
                return True
    return False


@lru_cache(maxsize=512)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


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
    matched = any(_compiled(p).fullmatch(given) for p in spec.accepted_patterns)
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
