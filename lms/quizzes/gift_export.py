"""`QuestionSpec`s → Moodle GIFT text (the reverse of `lms.quizzes.gift`). Pure.

GIFT has no points, no regex answers and no all-or-nothing multiple choice, so export
drops points, writes all-or-nothing multiples as weighted ones and refuses regexes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal

from lms.quizzes.gift import FORMATS, GAP, html_to_text
from lms.quizzes.questions import HUNDRED, NumericAnswer, QuestionSpec

_TAG_LIKE = re.compile(r"\s*\[(" + "|".join(FORMATS) + r")\]")


def export_gift(questions: Iterable[QuestionSpec]) -> str:
    """Write questions as GIFT, one per paragraph. Raises ValueError for what GIFT can't say."""
    return "".join(_export_question(q) + "\n\n" for q in questions)


def _escape(text: str) -> str:
    escaped = text.replace("\\", "\\\\")
    for char in "~=#{}:":
        escaped = escaped.replace(char, "\\" + char)
    return escaped.replace("\n", "\\n")


def _plain(text: str, spec: QuestionSpec | None = None) -> str:
    """An answer, feedback or explanation, kept as it is when read back.

    GIFT texts inherit the question's format and may open with a format tag; a
    `[plain]` tag stops an `[html]` question's text from being read as HTML, and a text
    that itself starts like a tag from losing it.
    """
    as_html = spec is not None and spec.text_format == "html" and html_to_text(text) != text
    return ("[plain]" if as_html or _TAG_LIKE.match(text) else "") + _escape(text)


def _export_question(spec: QuestionSpec) -> str:
    title = f"::{_escape(spec.title)}::" if spec.title else ""
    text_format = f"[{spec.text_format}]" if spec.text_format else ""
    block = "{" + _EXPORTERS[spec.kind](spec) + _export_explanation(spec) + "}"
    before, gap, after = spec.prompt.partition(GAP)
    if gap and after.strip():
        body = f"{_escape(before)}{block}{_escape(after)}"
    else:
        body = f"{_escape(spec.prompt)} {block}"
    if not title and not text_format and body.startswith("//"):
        title = "::::"  # an empty title keeps a prompt starting with // from reading as a comment
    return title + text_format + body


def _export_explanation(spec: QuestionSpec) -> str:
    return f" ####{_plain(spec.explanation, spec)}" if spec.explanation else ""


def _number_text(value: Decimal) -> str:
    return format(value, "f")


def _weight_text(weight: Decimal | None) -> str:
    return "" if weight is None else f"%{_number_text(weight)}%"


def _feedback_text(feedback: str, spec: QuestionSpec) -> str:
    return f"#{_plain(feedback, spec)}" if feedback else ""


def _export_single(spec: QuestionSpec) -> str:
    return " ".join(
        ("=" if c.correct else "~")
        + _weight_text(c.weight)
        + _plain(c.text, spec)
        + _feedback_text(c.feedback, spec)
        for c in spec.choices
    )


def _export_multiple(spec: QuestionSpec) -> str:
    weights = [c.weight for c in spec.choices]
    if weights[0] is None:
        # Unweighted "partial" scoring written as GIFT weights, rounded as Moodle does.
        share = (HUNDRED / sum(1 for c in spec.choices if c.correct)).quantize(Decimal("0.00001"))
        weights = [share if c.correct else -share for c in spec.choices]
    return " ".join(
        "~" + _weight_text(w) + _plain(c.text, spec) + _feedback_text(c.feedback, spec)
        for c, w in zip(spec.choices, weights, strict=True)
    )


def _export_true_false(spec: QuestionSpec) -> str:
    true_choice, false_choice = spec.choices
    right, wrong = (
        (true_choice, false_choice) if true_choice.correct else (false_choice, true_choice)
    )
    text = "TRUE" if true_choice.correct else "FALSE"
    if right.feedback:
        return f"{text}#{_plain(wrong.feedback, spec)}#{_plain(right.feedback, spec)}"
    return text + _feedback_text(wrong.feedback, spec)


def _export_short(spec: QuestionSpec) -> str:
    if spec.accepted_patterns:
        raise ValueError("GIFT cannot express regex answers")
    return " ".join("=" + _plain(answer, spec) for answer in spec.accepted_answers)


def _export_numeric(spec: QuestionSpec) -> str:
    answers = spec.numeric_answers
    if len(answers) == 1:
        return "#" + _numeric_text(answers[0], spec)
    return "#" + " ".join(
        "=" + ("" if a.weight == HUNDRED else _weight_text(a.weight)) + _numeric_text(a, spec)
        for a in answers
    )


def _numeric_text(answer: NumericAnswer, spec: QuestionSpec) -> str:
    tolerance = f":{_number_text(answer.tolerance)}" if answer.tolerance else ""
    return _number_text(answer.value) + tolerance + _feedback_text(answer.feedback, spec)


def _export_matching(spec: QuestionSpec) -> str:
    if any("->" in left for left, _ in spec.pairs):
        raise ValueError("GIFT cannot express '->' inside the left side of a matching pair")
    return " ".join(f"={_plain(left, spec)} -> {_plain(right)}" for left, right in spec.pairs)


_EXPORTERS = {
    "single": _export_single,
    "multiple": _export_multiple,
    "true_false": _export_true_false,
    "short_text": _export_short,
    "numeric": _export_numeric,
    "matching": _export_matching,
}
