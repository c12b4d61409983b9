"""Questions as plain data: request data → `QuestionSpec` → rows, rows → specs and snapshots.

Three shapes of a question leave this module, and only one of them is ever shown to a
member: `public_question` (whitelisted fields, no key). `editor_question` carries the key
for the course's editors; snapshot entries carry it on the server only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from lms.errors import ValidationError
from lms.quizzes.models import Choice, Question
from lms.quizzes.questions import KINDS, ChoiceSpec, NumericAnswer, QuestionSpec
from lms.text import TextError, clean_text

MAX_PROMPT_CHARS = 20_000
MAX_CHOICES = 20
#: Longest choice, feedback, accepted answer or title.
MAX_TEXT_CHARS = 5_000
KEY_FIELD = {"single": "choices", "multiple": "choices", "true_false": "answer",
             "short_text": "accepted_answers", "numeric": "answer", "matching": "pairs"}


def invalid(field: str, message: str) -> ValidationError:
    return ValidationError(message, errors={field: [message]})


def decimal_of(value: Any, field: str) -> Decimal:
    """A number from JSON or form text; ValidationError naming ``field`` otherwise."""
    if isinstance(value, bool) or value is None or value == "":
        raise invalid(field, "Enter a number.")
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        raise invalid(field, "Enter a number.") from None
    if not number.is_finite():
        raise invalid(field, "Enter a number.")
    return number


def cleaned(value: Any, field: str, *, max_length: int = MAX_TEXT_CHARS,
            multiline: bool = True) -> str:
    """Text through :func:`lms.text.clean_text`; ValidationError naming ``field``."""
    try:
        return clean_text(value, max_length=max_length, multiline=multiline)
    except TextError as exc:
        raise invalid(field, str(exc)) from None


def text_list(value: Any, field: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise invalid(field, "Give a list of texts.")
    entries = (cleaned(v, field, multiline=False) for v in value)
    return tuple(entry for entry in entries if entry)


# --- request data → spec ------------------------------------------------------------


def spec_from_data(data: Mapping[str, Any]) -> QuestionSpec:
    """Check an editor's question (API shape) and return it as a spec.

    Raises ValidationError with the field at fault.
    """
    kind = data.get("kind")
    if kind not in KINDS:
        raise invalid("kind", f"Choose one of: {', '.join(KINDS)}.")
    prompt = data.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        raise invalid("prompt", "Write the question.")
    if len(prompt) > MAX_PROMPT_CHARS:
        raise invalid("prompt", f"Keep the question under {MAX_PROMPT_CHARS} characters.")
    prompt = cleaned(prompt, "prompt", max_length=MAX_PROMPT_CHARS)
    points = decimal_of(data.get("points", 1), "points")
    if not Decimal(0) <= points <= Decimal(1000):
        raise invalid("points", "Points run from 0 to 1000.")
    fields = _KEY_READERS[kind](data)
    try:
        return QuestionSpec(kind=kind, prompt=prompt, points=points,
                            explanation=_text(data, "explanation"), title=_text(data, "title"),
                            text_format=_text(data, "text_format"), **fields)
    except ValueError as exc:
        raise invalid(KEY_FIELD[kind], _sentence(str(exc))) from exc


def _sentence(message: str) -> str:
    return message[:1].upper() + message[1:] + ("" if message.endswith(".") else ".")


def _text(data: Mapping[str, Any], name: str) -> str:
    value = "" if data.get(name) is None else data[name]
    if not isinstance(value, str):
        raise invalid(name, "Give a text.")
    return cleaned(value, name, max_length=MAX_PROMPT_CHARS)


def _choices(data: Mapping[str, Any]) -> dict[str, Any]:
    raw = data.get("choices")
    if not isinstance(raw, list) or len(raw) < 2:
        raise invalid("choices", "Give at least two choices.")
    if len(raw) > MAX_CHOICES:
        raise invalid("choices", f"Give at most {MAX_CHOICES} choices.")
    return {"choices": tuple(_choice(entry) for entry in raw)}


def _choice(entry: Any) -> ChoiceSpec:
    if not isinstance(entry, dict) or not isinstance(entry.get("text"), str) \
            or not entry["text"].strip():
        raise invalid("choices", "Every choice needs a text.")
    weight = entry.get("weight")
    weight = None if weight in (None, "") else decimal_of(weight, "choices")
    try:
        return ChoiceSpec(cleaned(entry["text"], "choices"), bool(entry.get("correct")),
                          _text(entry, "feedback"), weight)
    except ValueError as exc:
        raise invalid("choices", _sentence(str(exc))) from exc


def _true_false(data: Mapping[str, Any]) -> dict[str, Any]:
    if "choices" in data:
        return _choices(data)
    answer = data.get("answer")
    if not isinstance(answer, bool):
        raise invalid("answer", "Say whether the statement is true or false.")
    feedback = data.get("feedback") or {}
    if not isinstance(feedback, dict):
        raise invalid("feedback", "Give feedback as {\"true\": text, \"false\": text}.")
    true, false = (cleaned(feedback.get(key), "feedback") for key in ("true", "false"))
    return {"choices": (ChoiceSpec("True", answer, true), ChoiceSpec("False", not answer, false))}


def _short_text(data: Mapping[str, Any]) -> dict[str, Any]:
    return {"accepted_answers": text_list(data.get("accepted_answers"), "accepted_answers"),
            "accepted_patterns": text_list(data.get("accepted_patterns"), "accepted_patterns")}


def _numeric(data: Mapping[str, Any]) -> dict[str, Any]:
    raw = data.get("numeric_answers")
    if raw:
        if not isinstance(raw, list):
            raise invalid("numeric_answers", "Give a list of accepted numbers.")
        return {"numeric_answers": tuple(_numeric_answer(entry) for entry in raw)}
    tolerance = data.get("tolerance")
    tolerance = Decimal(0) if tolerance in (None, "") else decimal_of(tolerance, "tolerance")
    if tolerance < 0:
        raise invalid("tolerance", "The tolerance cannot be negative.")
    return {"answer": decimal_of(data.get("answer"), "answer"), "tolerance": tolerance}


def _numeric_answer(entry: Any) -> NumericAnswer:
    if not isinstance(entry, dict):
        raise invalid("numeric_answers", "Each accepted number is {value, tolerance?, weight?}.")
    try:
        return NumericAnswer(decimal_of(entry.get("value"), "numeric_answers"),
                             decimal_of(entry.get("tolerance", 0), "numeric_answers"),
                             decimal_of(entry.get("weight", 100), "numeric_answers"),
                             _text(entry, "feedback"))
    except ValueError as exc:
        raise invalid("numeric_answers", _sentence(str(exc))) from exc


def _matching(data: Mapping[str, Any]) -> dict[str, Any]:
    raw = data.get("pairs")
    if not isinstance(raw, list) or len(raw) < 2:
        raise invalid("pairs", "Give at least two pairs.")
    pairs = []
    for entry in raw:
        left, right = (entry.get("left"), entry.get("right")) if isinstance(entry, dict) \
            else (entry if isinstance(entry, list) and len(entry) == 2 else (None, None))
        if not isinstance(left, str) or not isinstance(right, str) or not right.strip():
            raise invalid("pairs", "Each pair is a left text and a right text.")
        pairs.append((cleaned(left, "pairs", multiline=False),
                      cleaned(right, "pairs", multiline=False)))
    return {"pairs": tuple(pairs)}


_KEY_READERS = {"single": _choices, "multiple": _choices, "true_false": _true_false,
                "short_text": _short_text, "numeric": _numeric, "matching": _matching}


# --- spec ⇄ rows ----------------------------------------------------------------------


def apply_spec(question: Question, spec: QuestionSpec) -> None:
    """Write a spec's content into a question row (its choices are replaced)."""
    question.kind, question.prompt, question.points = spec.kind, spec.prompt, spec.points
    question.title, question.text_format = spec.title, spec.text_format
    question.explanation = spec.explanation
    question.accepted_answers = list(spec.accepted_answers)
    question.accepted_patterns = list(spec.accepted_patterns)
    question.numeric_answers = [_numeric_row(a) for a in spec.numeric_answers]
    question.pairs = [[left, right] for left, right in spec.pairs]
    question.choices = [Choice(position=i, text=c.text, is_correct=c.correct,
                               feedback=c.feedback, weight=c.weight)
                        for i, c in enumerate(spec.choices)]


def _numeric_row(answer: NumericAnswer) -> dict[str, str]:
    return {"value": str(answer.value), "tolerance": str(answer.tolerance),
            "weight": str(answer.weight), "feedback": answer.feedback}


def spec_of(question: Question, scoring: str = "partial") -> QuestionSpec:
    """The gradable spec of a question row; choice keys are the choice ids."""
    return spec_from_entry(snapshot_entry(question, question.choices), scoring)


# --- snapshots (server only) --------------------------------------------------------


def snapshot_entry(question: Question, choices: Sequence[Choice],
                   options: Sequence[str] = ()) -> dict[str, Any]:
    """Everything needed to show and grade the question later, choices in shown order."""
    return {
        "id": question.id, "kind": question.kind, "prompt": question.prompt,
        "title": question.title, "text_format": question.text_format,
        "points": str(question.points), "explanation": question.explanation,
        "choices": [{"id": c.id, "text": c.text, "correct": c.is_correct,
                     "feedback": c.feedback,
                     "weight": None if c.weight is None else str(c.weight)} for c in choices],
        "accepted_answers": list(question.accepted_answers or []),
        "accepted_patterns": list(question.accepted_patterns or []),
        "numeric_answers": list(question.numeric_answers or []),
        "pairs": [list(p) for p in question.pairs or []],
        "options": list(options),
    }


def spec_from_entry(entry: Mapping[str, Any], scoring: str) -> QuestionSpec:
    return QuestionSpec(
        kind=entry["kind"], prompt=entry["prompt"], points=Decimal(entry["points"]),
        choices=tuple(ChoiceSpec(c["text"], c["correct"], c["feedback"],
                                 None if c["weight"] is None else Decimal(c["weight"]),
                                 key=c["id"]) for c in entry["choices"]),
        accepted_answers=tuple(entry["accepted_answers"]),
        accepted_patterns=tuple(entry["accepted_patterns"]),
        numeric_answers=tuple(NumericAnswer(a["value"], a["tolerance"], a["weight"],
                                            a.get("feedback", ""))
                              for a in entry["numeric_answers"]),
        pairs=tuple((left, right) for left, right in entry["pairs"]),
        explanation=entry["explanation"], title=entry.get("title", ""),
        text_format=entry.get("text_format", ""), scoring=scoring)


def public_question(entry: Mapping[str, Any]) -> dict[str, Any]:
    """What a member may see of a question while answering: never a key or feedback."""
    shown: dict[str, Any] = {"id": entry["id"], "kind": entry["kind"], "prompt": entry["prompt"],
                             "points": float(Decimal(entry["points"]))}
    if entry["choices"]:
        shown["choices"] = [{"id": c["id"], "text": c["text"]} for c in entry["choices"]]
    if entry["kind"] == "matching":
        shown["pairs"] = [{"index": i, "left": left}
                          for i, (left, _) in enumerate(entry["pairs"]) if left]
        shown["options"] = list(entry["options"])
    return shown


# --- editors' view ------------------------------------------------------------------


def editor_question(question: Question) -> dict[str, Any]:
    """A question with its key, for the course's editors only."""
    return {
        "id": question.id, "position": question.position, "kind": question.kind,
        "title": question.title, "text_format": question.text_format,
        "prompt": question.prompt, "points": float(question.points),
        "explanation": question.explanation,
        "choices": [{"id": c.id, "text": c.text, "correct": c.is_correct,
                     "feedback": c.feedback,
                     "weight": None if c.weight is None else float(c.weight)}
                    for c in question.choices],
        "accepted_answers": list(question.accepted_answers or []),
        "accepted_patterns": list(question.accepted_patterns or []),
        "numeric_answers": [{k: (v if k == "feedback" else float(v)) for k, v in a.items()}
                            for a in question.numeric_answers or []],
        "pairs": [list(p) for p in question.pairs or []],
    }


def data_of_spec(spec: QuestionSpec) -> dict[str, Any]:
    """A spec in API shape (what `spec_from_data` reads), for editors' previews."""
    return {
        "kind": spec.kind, "prompt": spec.prompt, "points": float(spec.points),
        "title": spec.title, "explanation": spec.explanation,
        "choices": [{"text": c.text, "correct": c.correct, "feedback": c.feedback}
                    for c in spec.choices],
        "accepted_answers": list(spec.accepted_answers),
        "numeric_answers": [{"value": float(a.value), "tolerance": float(a.tolerance),
                             "weight": float(a.weight)} for a in spec.numeric_answers],
        "pairs": [list(p) for p in spec.pairs],
    }
