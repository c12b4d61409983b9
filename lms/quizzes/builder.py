"""Building quizzes: questions of every kind, their order, GIFT import and export.

Every function checks that the actor may edit the quiz's course (through catalog's
access rules) before it reads or changes anything; they flush, never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lms.accounts.models import User
from lms.errors import Conflict, NotFound, ValidationError
from lms.extensions import db
from lms.quizzes import gift, gift_export
from lms.quizzes.models import Question, Quiz
from lms.quizzes.questions import QuestionSpec
from lms.quizzes.service import ensure_quiz, find_quiz, quiz_item_for_edit
from lms.quizzes.specs import apply_spec, spec_from_data, spec_of

MAX_QUESTIONS = 500


def quiz_for_edit(actor: User | None, item_id: int) -> Quiz:
    """The quiz (maybe unsaved defaults) of an item the actor may edit.

    Raises NotFound, Unauthorized, Forbidden.
    """
    return find_quiz(quiz_item_for_edit(actor, item_id))


def question_for_edit(actor: User | None, question_id: int) -> Question:
    """A question the actor may edit. Raises NotFound, Unauthorized, Forbidden."""
    question = db.session.get(Question, question_id)
    if question is None:
        raise NotFound("No such question.")
    quiz_item_for_edit(actor, question.quiz.item_id)
    return question


def add_question(actor: User | None, item_id: int, data: dict[str, Any]) -> Question:
    """A question at the end of the quiz. Raises NotFound, Forbidden, ValidationError."""
    quiz = ensure_quiz(quiz_item_for_edit(actor, item_id))
    return _append(quiz, spec_from_data(data))


def _append(quiz: Quiz, spec: QuestionSpec) -> Question:
    if len(quiz.questions) >= MAX_QUESTIONS:
        raise Conflict(f"A quiz holds at most {MAX_QUESTIONS} questions.")
    question = Question(position=len(quiz.questions))
    apply_spec(question, spec)
    quiz.questions.append(question)
    db.session.flush()
    return question


def update_question(actor: User | None, question_id: int, data: dict[str, Any]) -> Question:
    """Replace a question's content; its kind stays. Attempts already started keep
    their frozen copy. Raises NotFound, Forbidden, ValidationError."""
    question = question_for_edit(actor, question_id)
    data = dict(data)
    if data.setdefault("kind", question.kind) != question.kind:
        raise ValidationError("A question's kind cannot change; add a new question instead.",
                              errors={"kind": ["A question's kind cannot change."]})
    apply_spec(question, spec_from_data(data))
    db.session.flush()
    return question


def delete_question(actor: User | None, question_id: int) -> Quiz:
    """Remove a question (graded attempts keep their copy). Raises NotFound, Forbidden."""
    question = question_for_edit(actor, question_id)
    quiz = question.quiz
    quiz.questions.remove(question)
    _renumber(quiz)
    return quiz


def move_question(actor: User | None, question_id: int, position: int) -> Question:
    """Move a question to ``position`` (0-based, clamped). Raises NotFound, Forbidden."""
    question = question_for_edit(actor, question_id)
    ordered = [q for q in question.quiz.questions if q is not question]
    ordered.insert(max(0, min(position, len(ordered))), question)
    for index, each in enumerate(ordered):
        each.position = index
    db.session.flush()
    return question


def _renumber(quiz: Quiz) -> None:
    for index, question in enumerate(sorted(quiz.questions, key=lambda q: q.position)):
        question.position = index
    db.session.flush()


# --- GIFT ---------------------------------------------------------------------------


@dataclass
class GiftImport:
    """Questions added from a GIFT file, and those skipped (with why) at the editor's word."""

    questions: list[Question]
    skipped: list[gift.GiftProblem]


def read_gift(text: str, skip_invalid: bool = False) -> gift.GiftReading:
    """Parse GIFT text; every question that cannot be imported is named with its line.

    Without ``skip_invalid`` one such question refuses the whole file (nothing is
    imported, as Moodle's "stop on error" does); with it the others are returned and
    the problems kept for the editor to see. Raises ValidationError.
    """
    try:
        reading = gift.read_gift(text)
    except gift.GiftError as exc:
        message = f"Line {exc.line}: {exc.message}"
        raise ValidationError(message, errors={"gift": [message]}) from exc
    problems = [_sentence(str(problem)) for problem in reading.problems]
    if problems and not (skip_invalid and reading.questions):
        count = len(problems)
        detail = (f"{count} question{'s' if count != 1 else ''} of this GIFT text cannot be "
                  "imported, so nothing was imported. Fix "
                  f"{'them' if count != 1 else 'it'}, or skip {'them' if count != 1 else 'it'}"
                  " and import the others.") if reading.questions else (
                  "None of the questions of this GIFT text can be imported.")
        raise ValidationError(detail, errors={"gift": problems})
    if not reading.questions:
        raise ValidationError("No questions found.", errors={"gift": ["No questions found."]})
    return reading


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def preview_gift(actor: User | None, item_id: int, text: str,
                 skip_invalid: bool = False) -> gift.GiftReading:
    """What importing ``text`` would add, without adding it. Raises ValidationError."""
    quiz_item_for_edit(actor, item_id)
    return read_gift(text, skip_invalid)


def import_gift(actor: User | None, item_id: int, text: str,
                skip_invalid: bool = False) -> GiftImport:
    """Add the GIFT file's questions after the existing ones (1 point each).

    Raises NotFound, Forbidden, ValidationError (naming each bad question and its line),
    Conflict (too many).
    """
    quiz = ensure_quiz(quiz_item_for_edit(actor, item_id))
    reading = read_gift(text, skip_invalid)
    if len(quiz.questions) + len(reading.questions) > MAX_QUESTIONS:
        raise Conflict(f"A quiz holds at most {MAX_QUESTIONS} questions.")
    return GiftImport([_append(quiz, spec) for spec in reading.questions], reading.problems)


def export_gift(actor: User | None, item_id: int) -> str:
    """The quiz as GIFT text. Raises NotFound, Forbidden, Conflict (e.g. regex answers)."""
    quiz = quiz_for_edit(actor, item_id)
    questions = quiz.questions if quiz.id is not None else []
    try:
        return gift_export.export_gift(spec_of(q, quiz.scoring) for q in questions)
    except ValueError as exc:
        raise Conflict(f"This quiz cannot be written as GIFT: {exc}.") from exc
