"""Moodle GIFT text → `QuestionSpec`s. Pure: text in, data out; nothing is evaluated.

Read as Moodle's own importer reads it (question/format/gift/format.php): `//` comment
lines, `$CATEGORY:` lines (skipped), `::title::`, the escapes `\\~ \\= \\# \\{ \\} \\: \\\\ \\n`,
single and multiple choice (with `%weight%` and `#feedback`), general feedback `####`,
true/false (`{T#feedback if wrong#feedback if right}`), short answer, numeric
(`{#3.14:0.01}`, `{#1..5}`, `{#=3:0.5 =%50%3:2}`), matching and the "missing word" form
(text after the answer block; the gap becomes `_____`).

A `[markdown]`, `[html]`, `[plain]` or `[moodle]` format tag may open any text: the
question, an answer, a feedback, the general feedback, either side of a matching pair.
The question's tag is kept as its `text_format` (prompts are rendered as sanitised
Markdown, which takes HTML); other texts inherit it, as in Moodle, and since answers,
feedback and explanations are shown as plain text, `[html]` ones become plain text.

What this site cannot grade (essays, descriptions, Moodle's "any other answer"
entries, partial credit or feedback on short answers) is reported, one problem per
question with its number, title and line; `read_gift` returns the good questions too.

Writing GIFT is in `lms.quizzes.gift_export`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from html.parser import HTMLParser
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
_SURROGATE = re.compile("[\ud800-\udfff]")
_ESCAPE = re.compile(r"\\([\\~=#{}:n])")
_FORMAT_TAG = re.compile(r"\s*\[(" + "|".join(FORMATS) + r")\]")
_WEIGHT = re.compile(r"\s*%(-?\d+(?:\.\d+)?)%")
_GIFT_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_TRUE_FALSE = re.compile(r"T|TRUE|F|FALSE", re.IGNORECASE)
#: What the answer block of a "missing word" question becomes in its prompt.
GAP = "_____"


class GiftError(ValueError):
    """A GIFT file that cannot be read as a whole, or the problems of its questions.

    `line` (1-based) and `message` describe the first problem; `problems` lists one per
    question that cannot be imported (empty for a file-wide problem such as its size).
    """

    def __init__(self, line: int, message: str,
                 problems: tuple[GiftProblem, ...] = ()) -> None:
        super().__init__("; ".join(str(p) for p in problems) or f"line {line}: {message}")
        self.line = line
        self.message = message
        self.problems = problems


@dataclass(frozen=True)
class GiftProblem:
    """Why one question of a file cannot be imported."""

    #: The question's place among the file's questions, from 1.
    number: int
    line: int
    title: str
    message: str

    def __str__(self) -> str:
        title = f" “{self.title}”" if self.title else ""
        return f"line {self.line}, question {self.number}{title}: {self.message}"


@dataclass
class GiftReading:
    """The questions that could be read, and a problem for each one that could not."""

    questions: list[QuestionSpec]
    problems: list[GiftProblem]


class _QuestionError(ValueError):
    """One question's problem, raised inside a block and collected by `read_gift`."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


@dataclass
class _Block:
    """The non-comment lines of one question, with their line numbers."""

    start: int
    lines: list[tuple[int, str]] = field(default_factory=list)

    def line_of(self, offset: int, text: str) -> int:
        return self.lines[text.count("\n", 0, offset)][0]


def read_gift(text: str) -> GiftReading:
    """Every question of a GIFT file that can be read, and a problem for each other one.

    Raises GiftError only when the file as a whole cannot be read (size, too many
    questions, reserved characters).
    """
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    _check_size(text)
    blocks = _split_blocks(text)
    if len(blocks) > MAX_QUESTIONS:
        raise GiftError(blocks[MAX_QUESTIONS].start, f"more than {MAX_QUESTIONS} questions")
    reading = GiftReading([], [])
    for number, block in enumerate(blocks, start=1):
        try:
            reading.questions.append(_parse_block(block))
        except _QuestionError as exc:
            reading.problems.append(GiftProblem(number, exc.line, _title_of(block), exc.message))
    return reading


def parse_gift(text: str) -> list[QuestionSpec]:
    """Parse GIFT text into questions, in file order. Raises GiftError listing every problem."""
    reading = read_gift(text)
    if reading.problems:
        first = reading.problems[0]
        raise GiftError(first.line, first.message, tuple(reading.problems))
    return reading.questions


def _check_size(text: str) -> None:
    if len(text) > MAX_GIFT_BYTES or len(text.encode("utf-8", "surrogatepass")) > MAX_GIFT_BYTES:
        raise GiftError(1, "GIFT text is larger than 2 MB")
    surrogate = _SURROGATE.search(text)
    if surrogate:
        line = text.count("\n", 0, surrogate.start()) + 1
        raise GiftError(line, "text contains a lone surrogate (U+D800..U+DFFF), not a character")
    reserved = _RESERVED.search(text)
    if reserved:
        line = text.count("\n", 0, reserved.start()) + 1
        raise GiftError(line, "text contains reserved characters U+FDD0..U+FDDF")


def _split_blocks(text: str) -> list[_Block]:
    """Questions are separated by blank lines; `text` has only LF line ends."""
    blocks: list[_Block] = []
    current: _Block | None = None
    for number, raw in enumerate(text.split("\n"), start=1):
        stripped = raw.strip()
        if not stripped:
            current = None
        elif stripped.startswith("//"):
            continue
        elif current is None:
            current = _Block(number, [(number, raw)])
            blocks.append(current)
        else:
            current.lines.append((number, raw))
    return [b for b in blocks if not b.lines[0][1].strip().startswith("$CATEGORY:")]


def _encode(text: str) -> str:
    return _ESCAPE.sub(lambda m: chr(_BASE + _ESCAPES.index(m.group(1))), text)


def _decode(text: str) -> str:
    return "".join(
        _DECODED[ord(c) - _BASE] if _BASE <= ord(c) < _BASE + len(_ESCAPES) else c for c in text
    )


def _clean(text: str) -> str:
    return _decode(text).strip()


def _format(text: str, default: str = "") -> tuple[str, str]:
    """A text's own format tag (or `default`) and the text without the tag."""
    tag = _FORMAT_TAG.match(text)
    return (tag.group(1), text[tag.end():]) if tag else (default, text)


def _shown(text: str, default: str) -> str:
    """An answer, feedback or explanation as the plain text learners see."""
    text_format, rest = _format(text, default)
    cleaned = _clean(rest)
    return html_to_text(cleaned) if text_format == "html" else cleaned


def _title_of(block: _Block) -> str:
    """The block's title, for naming it in a problem ("" when it has none or it is broken)."""
    text = _encode("\n".join(line for _, line in block.lines)).lstrip()
    end = text.find("::", 2)
    return _clean(text[2:end]) if text.startswith("::") and end >= 0 else ""


def _parse_block(block: _Block) -> QuestionSpec:
    text = _encode("\n".join(line for _, line in block.lines))
    title, pos = _title(text, block)
    text_format, rest = _format(text[pos:])
    pos = len(text) - len(rest)
    open_at, close_at = _answer_block_bounds(text, pos, block)
    answer_line = block.line_of(open_at, text)
    prompt = _prompt(text[pos:open_at], text[close_at + 1 :])
    fields = _answer_fields(text[open_at + 1 : close_at], answer_line, text_format)
    if not prompt:
        raise _QuestionError(block.start, "question has no text")
    try:
        return QuestionSpec(prompt=prompt, title=title, text_format=text_format, **fields)
    except ValueError as exc:
        raise _QuestionError(answer_line, str(exc)) from exc


def _title(text: str, block: _Block) -> tuple[str, int]:
    start = len(text) - len(text.lstrip())
    if not text.startswith("::", start):
        return "", start
    end = text.find("::", start + 2)
    if end < 0:
        raise _QuestionError(block.start, "unclosed '::' title")
    return _clean(text[start + 2 : end]), end + 2


def _answer_block_bounds(text: str, pos: int, block: _Block) -> tuple[int, int]:
    open_at = text.find("{", pos)
    stray = text.find("}", pos, open_at if open_at >= 0 else len(text))
    if stray >= 0:
        raise _QuestionError(block.line_of(stray, text), "'}' without '{' (escape it as \\})")
    if open_at < 0:
        raise _QuestionError(block.start, "question has no answer block '{...}': a "
                             "description, which has nothing to answer (only questions "
                             "are imported)")
    close_at = text.find("}", open_at)
    if close_at < 0:
        where = block.line_of(open_at, text)
        raise _QuestionError(where, f"unclosed '{{' in question starting at line {block.start}")
    nested = text.find("{", open_at + 1, close_at)
    if nested >= 0:
        raise _QuestionError(block.line_of(nested, text), "'{' inside an answer block")
    extra = min((i for i in (text.find(c, close_at + 1) for c in "{}") if i >= 0), default=-1)
    if extra >= 0:
        raise _QuestionError(block.line_of(extra, text), "more than one answer block")
    return open_at, close_at


def _prompt(before: str, after: str) -> str:
    if after.strip():
        return _clean(before + GAP + after)
    return _clean(before)


def _answer_fields(body: str, line: int, text_format: str) -> dict[str, Any]:
    if "####" in body:
        body, _, general = body.rpartition("####")
        explanation = _shown(general, text_format)
    else:
        explanation = ""
    fields: dict[str, Any] = {"explanation": explanation}
    stripped = body.strip()
    if not stripped:
        raise _QuestionError(line, "empty answer block '{}': an essay, which needs a person "
                             "to mark it (quizzes here are marked automatically)")
    reader = _Answers(line, text_format)
    if stripped.startswith("#"):
        return fields | reader.numeric(stripped[1:])
    if stripped.startswith("=") and "->" in stripped:
        return fields | reader.matching(stripped)
    if _TRUE_FALSE.fullmatch(stripped.split("#", 1)[0].strip()):
        return fields | reader.true_false(stripped)
    if "~" in stripped:
        return fields | reader.choices(stripped)
    if stripped.startswith("="):
        return fields | reader.short(stripped)
    raise _QuestionError(line, "cannot tell the question kind from the answer block")


@dataclass(frozen=True)
class _Answers:
    """Reads the inside of one answer block; texts inherit the question's format."""

    line: int
    text_format: str

    def fail(self, message: str) -> _QuestionError:
        return _QuestionError(self.line, message)

    def shown(self, text: str) -> str:
        return _shown(text, self.text_format)

    def items(self, body: str) -> list[tuple[str, str]]:
        """Split `=a ~b` into [("=", "a"), ("~", "b")]."""
        parts = re.split(r"([=~])", body)
        if parts[0].strip():
            raise self.fail(f"text before the first answer: {_clean(parts[0])!r}")
        return list(zip(parts[1::2], parts[2::2], strict=True))

    def weight(self, content: str) -> tuple[Decimal | None, str]:
        match = _WEIGHT.match(content)
        if not match:
            return None, content
        weight = Decimal(match.group(1))
        if not -HUNDRED <= weight <= HUNDRED:
            raise self.fail(f"weight {weight}% is outside -100..100")
        return weight, content[match.end() :]

    def text_and_feedback(self, content: str) -> tuple[str, str]:
        text, _, feedback = content.partition("#")
        shown = self.shown(text)
        if not shown:
            raise self.fail("empty answer")
        return shown, self.shown(feedback)

    def choices(self, body: str) -> dict[str, Any]:
        items = self.items(body)
        single = any(marker == "=" for marker, _ in items)
        choices = []
        for marker, content in items:
            weight, rest = self.weight(content)
            text, feedback = self.text_and_feedback(rest)
            if single:
                correct = marker == "=" or weight == HUNDRED
            else:
                weight = weight if weight is not None else Decimal(0)
                correct = weight > 0
            choices.append(ChoiceSpec(text, correct, feedback, weight))
        return {"kind": "single" if single else "multiple", "choices": tuple(choices)}

    def true_false(self, body: str) -> dict[str, Any]:
        parts = body.split("#")
        if len(parts) > 3:
            raise self.fail("true/false takes at most two feedbacks: "
                            "{T#feedback if wrong#feedback if right}")
        value, wrong, right = (_clean(parts[0]), *(self.shown(p) for p in parts[1:]), "", "")[:3]
        is_true = value.upper() in ("T", "TRUE")
        true_choice = ChoiceSpec("True", is_true, right if is_true else wrong)
        false_choice = ChoiceSpec("False", not is_true, wrong if is_true else right)
        return {"kind": "true_false", "choices": (true_choice, false_choice)}

    def short(self, body: str) -> dict[str, Any]:
        answers = []
        for _, content in self.items(body):
            weight, rest = self.weight(content)
            text, feedback = self.text_and_feedback(rest)
            if text == "*" and (feedback or weight not in (None, HUNDRED)):
                raise self.fail("'=*' is Moodle's entry for any other answer; this site keeps "
                                "no feedback for wrong typed answers: remove that line")
            if weight is not None and weight != HUNDRED:
                raise self.fail(f"partial credit on short answers ('=%{weight}%{text}') is not "
                                "supported: every accepted answer earns full credit")
            if feedback:
                raise self.fail(f"per-answer feedback on short answers ('{text}#{feedback}') "
                                "is not supported: move it to the general feedback (####)")
            answers.append(text)
        return {"kind": "short_text", "accepted_answers": tuple(answers)}

    def numeric(self, body: str) -> dict[str, Any]:
        body, tilde, other = body.partition("~")
        if tilde:
            raise self.fail(_other_numbers_message(other))
        if not body.lstrip().startswith("="):
            return {"kind": "numeric", "numeric_answers": (self.numeric_answer(body),)}
        answers = tuple(self.numeric_answer(content) for _, content in self.items(body))
        return {"kind": "numeric", "numeric_answers": answers}

    def numeric_answer(self, content: str) -> NumericAnswer:
        weight, rest = self.weight(content)
        value_text, _, feedback = rest.partition("#")
        value_text = self.shown(value_text)
        if ".." in value_text:
            low, high = (self.number(part) for part in value_text.split("..", 1))
            if low > high:
                raise self.fail(f"empty range {value_text!r}")
            value, tolerance = (low + high) / 2, (high - low) / 2
        else:
            number, _, tol = value_text.partition(":")
            value, tolerance = self.number(number), self.number(tol) if tol else Decimal(0)
        try:
            return NumericAnswer(
                value, tolerance, HUNDRED if weight is None else weight, self.shown(feedback)
            )
        except ValueError as exc:
            raise self.fail(str(exc)) from exc

    def number(self, text: str) -> Decimal:
        if not _GIFT_NUMBER.fullmatch(text.strip()):
            raise self.fail(f"not a number: {text.strip()!r}")
        return Decimal(text.strip())

    def matching(self, body: str) -> dict[str, Any]:
        pairs = []
        for marker, content in self.items(body):
            left, arrow, right = content.partition("->")
            if marker != "=" or not arrow or not right.strip():
                raise self.fail("matching pairs are written '=left -> right'")
            pairs.append((self.shown(left), _shown(right, "")))
        return {"kind": "matching", "pairs": tuple(pairs)}


def _other_numbers_message(other: str) -> str:
    """Explain Moodle's `{#3:2 ~#feedback}`: valid GIFT, but nothing here can keep it."""
    feedback = _clean(other.partition("#")[2])
    written = f"~#{feedback}" if feedback else "~"
    return (f"'{written}' is Moodle's feedback for any other (wrong) number; this site "
            "keeps feedback only for accepted numbers: remove it, or say it in the general "
            "feedback (####)")


class _TextOnly(HTMLParser):
    """The text of an HTML fragment; tags dropped, entities decoded, scripts skipped."""

    SKIPPED = frozenset({"script", "style"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.skipping += tag in self.SKIPPED
        self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        self.skipping -= tag in self.SKIPPED and self.skipping > 0
        self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """An `[html]` answer or feedback as the plain text learners are shown."""
    parser = _TextOnly()
    parser.feed(html)
    parser.close()
    return " ".join("".join(parser.parts).split())
