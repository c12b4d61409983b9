"""Members' answers: checked against the frozen questions, stored, turned into responses.

Stored shape, by question id (a string, as JSON keys are): choice questions a list of
choice ids, typed questions the text, matching ``{"<pair index>": "<chosen text>"}``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from lms.errors import ValidationError
from lms.quizzes.grading import Response
from lms.quizzes.questions import CHOICE_KINDS

MAX_TYPED_CHARS = 1000


def _bad(message: str) -> ValidationError:
    return ValidationError(message, errors={"answers": [message]})


def clean_answers(snapshot: Mapping[str, Any], raw: Any) -> dict[str, Any]:
    """Check answers for the attempt's questions. Raises ValidationError naming the problem."""
    if not isinstance(raw, Mapping):
        raise _bad('Send answers as an object: {"<question id>": answer}.')
    entries = {str(entry["id"]): entry for entry in snapshot["questions"]}
    clean = {}
    for key, value in raw.items():
        entry = entries.get(str(key))
        if entry is None:
            raise _bad(f"Question {key} is not part of this attempt.")
        clean[str(key)] = _clean_one(entry, value)
    return clean


def _clean_one(entry: Mapping[str, Any], value: Any) -> Any:
    if entry["kind"] in CHOICE_KINDS:
        return _choice_ids(entry, value)
    if entry["kind"] == "matching":
        return _matches(entry, value)
    if value is None:
        return ""
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise _bad(f"Question {entry['id']} takes typed text.")
    text = str(value)
    if len(text) > MAX_TYPED_CHARS:
        raise _bad(f"The answer to question {entry['id']} is too long.")
    return text


def _choice_ids(entry: Mapping[str, Any], value: Any) -> list[int]:
    values = value if isinstance(value, list) else ([] if value in (None, "") else [value])
    known = {c["id"] for c in entry["choices"]}
    ids = []
    for item in values:
        try:
            choice_id = int(item)
        except (TypeError, ValueError):
            raise _bad(f"Question {entry['id']} takes choice ids.") from None
        if isinstance(item, bool) or choice_id not in known:
            raise _bad(f"Choice {item} is not an option of question {entry['id']}.")
        if choice_id not in ids:
            ids.append(choice_id)
    if entry["kind"] != "multiple" and len(ids) > 1:
        raise _bad(f"Question {entry['id']} takes one choice.")
    return ids


def _matches(entry: Mapping[str, Any], value: Any) -> dict[str, str]:
    if value in (None, ""):
        return {}
    if not isinstance(value, Mapping):
        raise _bad(f'Question {entry["id"]} takes {{"<pair index>": "<choice>"}}.')
    lefts = {str(i) for i, (left, _) in enumerate(entry["pairs"]) if left}
    options = set(entry["options"])
    clean = {}
    for index, chosen in value.items():
        if str(index) not in lefts:
            raise _bad(f"Question {entry['id']} has no pair {index}.")
        if chosen in (None, ""):
            continue
        if chosen not in options:
            raise _bad(f"{chosen!r} is not an option of question {entry['id']}.")
        clean[str(index)] = chosen
    return clean


def responses_for(entries: Sequence[Mapping[str, Any]],
                  answers: Mapping[str, Any]) -> list[Response]:
    """Stored answers as grading responses, one per frozen question (None: unanswered)."""
    return [_response(entry, answers.get(str(entry["id"]))) for entry in entries]


def _response(entry: Mapping[str, Any], stored: Any) -> Response:
    if stored in (None, "", [], {}):
        return None
    if entry["kind"] in CHOICE_KINDS:
        return list(stored)
    if entry["kind"] == "matching":
        return {int(index): text for index, text in stored.items()}
    return stored


def selected_ids(entry: Mapping[str, Any], stored: Any) -> list[int]:
    """The choice ids a stored answer picked (for results and item analysis)."""
    return list(stored or []) if entry["kind"] in CHOICE_KINDS else []
