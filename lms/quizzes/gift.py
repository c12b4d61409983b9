"""Moodle GIFT text → `QuestionSpec`s. Pure: text in, data out; nothing is evaluated.

Supported: `//` comment lines, `::title::`, `[markdown]`/`[html]`/`[plain]`/`[moodle]`
format tags, the escapes `\\~ \\= \\# \\{ \\} \\: \\\\ \\n`, single and multiple choice
(with `%weight%` and `#feedback`), general feedback `####`, true/false, short answer,
numeric (`{#3.14:0.01}`, `{#1..5}`, `{#=3:0.5 =%50%3:2}`), matching and the
"missing word" form (text after the answer block; the gap becomes `_____`).
Not supported, and reported as errors: essays (`{}`), descriptions (no answer block),
partial credit or per-answer feedback on short answers. `$CATEGORY:` lines are skipped.

Writing GIFT is in `lms.quizzes.gift_export`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from lms.quizzes.questions import HUNDRED, ChoiceSpec, NumericAnswer, QuestionSpec

MAX_GIFT_BYTES = 2 * 1024 * 1024
MAX_QUESTIONS = 2000
FORMATS = ("markdown", "html", "plain", "moodle")

# Escaped characters become noncharacters (U+FDD0..), which Unicode reserves for
# internal use, so splitting on `~ = # { } :` never sees an escaped one.
_ESCAPES = "\\~=#{}:n"
_DECODED = "\\~=#{}:\n"
_BASE = 0xFDD0
_RESERVED = re.compile("[\ufdd0-\ufddf]")
_ESCAPE = re.compile(r"\\([\\~=#{}:n])")
_FORMAT_TAG = re.compile(r"\s*\[(" + "|".join(FORMATS) + r")\]")
_WEIGHT = re.compile(r"\s*%(-?\d+(?:\.\d+)?)%")
_GIFT_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_TRUE_FALSE = re.compile(r"T|TRUE|F|FALSE", re.IGNORECASE)
#: What the answer block of a "missing word" question becomes in its prompt.
GAP = "_____"


class GiftError(ValueError):
    """A GIFT file that cannot be read; `line` is 1-based."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line
        self.message = message


@dataclass
class _Block:
    """The non-comment lines of one question, with their line numbers."""

    start: int
    lines: list[tuple[int, str]] = field(default_factory=list)

    def line_of(self, offset: int, text: str) -> int:
        return self.lines[text.count("\n", 0, offset)][0]


def parse_gift(text: str) -> list[QuestionSpec]:
    """Parse GIFT text into questions, in file order. Raises GiftError."""
    _check_size(text)
    blocks = _split_blocks(text.removeprefix("\ufeff"))
    if len(blocks) > MAX_QUESTIONS:
        raise GiftError(blocks[MAX_QUESTIONS].start, f"more than {MAX_QUESTIONS} questions")
    return [_parse_block(block) for block in blocks]


def _check_size(text: str) -> None:
    if len(text) > MAX_GIFT_BYTES or len(text.encode("utf-8")) > MAX_GIFT_BYTES:
        raise GiftError(1, "GIFT text is larger than 2 MB")
    reserved = _RESERVED.search(text)
    if reserved:
        line = text.count("\n", 0, reserved.start()) + 1
        raise GiftError(line, "text contains reserved characters U+FDD0..U+FDDF")


def _split_blocks(text: str) -> list[_Block]:
    blocks: list[_Block] = []
    current: _Block | None = None
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.rstrip("\r")
        stripped = line.strip()
        if not stripped:
            current = None
        elif stripped.startswith("//"):
            continue
        elif current is None:
            current = _Block(number, [(number, line)])
            blocks.append(current)
        else:
            current.lines.append((number, line))
    return [b for b in blocks if not b.lines[0][1].strip().startswith("$CATEGORY:")]


def _encode(text: str) -> str:
    return _ESCAPE.sub(lambda m: chr(_BASE + _ESCAPES.index(m.group(1))), text)


def _decode(text: str) -> str:
    return "".join(
        _DECODED[ord(c) - _BASE] if _BASE <= ord(c) < _BASE + len(_ESCAPES) else c for c in text
    )


def _clean(text: str) -> str:
    return _decode(text).strip()


def _parse_block(block: _Block) -> QuestionSpec:
    text = _encode("\n".join(line for _, line in block.lines))
    title, pos = _title(text, block)
    format_tag = _FORMAT_TAG.match(text, pos)
    text_format = format_tag.group(1) if format_tag else ""
    pos = format_tag.end() if format_tag else pos
    open_at, close_at = _answer_block_bounds(text, pos, block)
    answer_line = block.line_of(open_at, text)
    fields = _answer_fields(text[open_at + 1 : close_at], answer_line)
    prompt = _prompt(text[pos:open_at], text[close_at + 1 :])
    if not prompt:
        raise GiftError(block.start, "question has no text")
    try:
        return QuestionSpec(prompt=prompt, title=title, text_format=text_format, **fields)
    except ValueError as exc:
        raise GiftError(answer_line, str(exc)) from exc


def _title(text: str, block: _Block) -> tuple[str, int]:
    start = len(text) - len(text.lstrip())
    if not text.startswith("::", start):
        return "", start
    end = text.find("::", start + 2)
    if end < 0:
        raise GiftError(block.start, "unclosed '::' title")
    return _clean(text[start + 2 : end]), end + 2


def _answer_block_bounds(text: str, pos: int, block: _Block) -> tuple[int, int]:
    open_at = text.find("{", pos)
    stray = text.find("}", pos, open_at if open_at >= 0 else len(text))
    if stray >= 0:
        raise GiftError(block.line_of(stray, text), "'}' without '{' (escape it as \\})")
    if open_at < 0:
        raise GiftError(block.start, "question has no answer block '{...}'")
    close_at = text.find("}", open_at)
    if close_at < 0:
        where = block.line_of(open_at, text)
        raise GiftError(where, f"unclosed '{{' in question starting at line {block.start}")
    nested = text.find("{", open_at + 1, close_at)
    if nested >= 0:
        raise GiftError(block.line_of(nested, text), "'{' inside an answer block")
    extra = min((i for i in (text.find(c, close_at + 1) for c in "{}") if i >= 0), default=-1)
    if extra >= 0:
        raise GiftError(block.line_of(extra, text), "more than one answer block")
    return open_at, close_at


def _prompt(before: str, after: str) -> str:
    if after.strip():
        return _clean(before + GAP + after)
    return _clean(before)


def _answer_fields(body: str, line: int) -> dict[str, Any]:
    body, _, general = body.partition("####")
    fields: dict[str, Any] = {"explanation": _clean(general)}
    stripped = body.strip()
    if not stripped:
        raise GiftError(line, "empty answer block: essay questions are not supported")
    if stripped.startswith("#"):
        return fields | _numeric_fields(stripped[1:], line)
    if stripped.startswith("=") and "->" in stripped:
        return fields | _matching_fields(stripped, line)
    if _TRUE_FALSE.fullmatch(stripped.split("#", 1)[0].strip()):
        return fields | _true_false_fields(stripped, line)
    if "~" in stripped:
        return fields | _choice_fields(stripped, line)
    if stripped.startswith("="):
        return fields | _short_fields(stripped, line)
    raise GiftError(line, "cannot tell the question kind from the answer block")


def _items(body: str, line: int) -> list[tuple[str, str]]:
    """Split `=a ~b` into [("=", "a"), ("~", "b")]."""
    parts = re.split(r"([=~])", body)
    if parts[0].strip():
        raise GiftError(line, f"text before the first answer: {_clean(parts[0])!r}")
    return list(zip(parts[1::2], parts[2::2], strict=True))


def _weight(content: str, line: int) -> tuple[Decimal | None, str]:
    match = _WEIGHT.match(content)
    if not match:
        return None, content
    weight = Decimal(match.group(1))
    if not -HUNDRED <= weight <= HUNDRED:
        raise GiftError(line, f"weight {weight}% is outside -100..100")
    return weight, content[match.end() :]


def _text_and_feedback(content: str, line: int) -> tuple[str, str]:
    text, _, feedback = content.partition("#")
    if not text.strip():
        raise GiftError(line, "empty answer")
    return _clean(text), _clean(feedback)


def _choice_fields(body: str, line: int) -> dict[str, Any]:
    items = _items(body, line)
    single = any(marker == "=" for marker, _ in items)
    choices = []
    for marker, content in items:
        weight, rest = _weight(content, line)
        text, feedback = _text_and_feedback(rest, line)
        if single:
            correct = marker == "=" or weight == HUNDRED
        else:
            weight = weight if weight is not None else Decimal(0)
            correct = weight > 0
        choices.append(ChoiceSpec(text, correct, feedback, weight))
    return {"kind": "single" if single else "multiple", "choices": tuple(choices)}


def _true_false_fields(body: str, line: int) -> dict[str, Any]:
    parts = [_clean(p) for p in body.split("#")]
    if len(parts) > 3:
        raise GiftError(line, "true/false takes at most two feedbacks: {T#wrong#right}")
    value, wrong, right = (*parts, "", "")[:3]
    is_true = value.upper() in ("T", "TRUE")
    true_choice = ChoiceSpec("True", is_true, right if is_true else wrong)
    false_choice = ChoiceSpec("False", not is_true, wrong if is_true else right)
    return {"kind": "true_false", "choices": (true_choice, false_choice)}


def _short_fields(body: str, line: int) -> dict[str, Any]:
    answers = []
    for _, content in _items(body, line):
        weight, rest = _weight(content, line)
        if weight is not None and weight != HUNDRED:
            raise GiftError(line, "partial credit on short answers is not supported")
        text, feedback = _text_and_feedback(rest, line)
        if feedback:
            raise GiftError(line, "per-answer feedback on short answers is not supported")
        answers.append(text)
    return {"kind": "short_text", "accepted_answers": tuple(answers)}


def _numeric_fields(body: str, line: int) -> dict[str, Any]:
    if not body.lstrip().startswith("="):
        return {"kind": "numeric", "numeric_answers": (_numeric_answer(body, line),)}
    items = _items(body, line)
    if any(marker != "=" for marker, _ in items):
        raise GiftError(line, "numeric answers start with '=', not '~'")
    answers = tuple(_numeric_answer(content, line) for _, content in items)
    return {"kind": "numeric", "numeric_answers": answers}


def _numeric_answer(content: str, line: int) -> NumericAnswer:
    weight, rest = _weight(content, line)
    value_text, _, feedback = rest.partition("#")
    value_text = _decode(value_text).strip()
    if ".." in value_text:
        low, high = (_number(part, line) for part in value_text.split("..", 1))
        if low > high:
            raise GiftError(line, f"empty range {value_text!r}")
        value, tolerance = (low + high) / 2, (high - low) / 2
    else:
        number, _, tol = value_text.partition(":")
        value, tolerance = _number(number, line), _number(tol, line) if tol else Decimal(0)
    try:
        return NumericAnswer(
            value, tolerance, HUNDRED if weight is None else weight, _clean(feedback)
        )
    except ValueError as exc:
        raise GiftError(line, str(exc)) from exc


def _number(text: str, line: int) -> Decimal:
    if not _GIFT_NUMBER.fullmatch(text.strip()):
        raise GiftError(line, f"not a number: {text.strip()!r}")
    return Decimal(text.strip())


def _matching_fields(body: str, line: int) -> dict[str, Any]:
    pairs = []
    for marker, content in _items(body, line):
        left, arrow, right = content.partition("->")
        if marker != "=" or not arrow or not right.strip():
            raise GiftError(line, "matching pairs are written '=left -> right'")
        pairs.append((_clean(left), _clean(right)))
    return {"kind": "matching", "pairs": tuple(pairs)}
