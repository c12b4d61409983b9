"""Copying a quiz when catalog duplicates a course (``item_created`` with ``copy_of``)."""

from __future__ import annotations

import copy

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lms.extensions import db
from lms.quizzes.models import Choice, Question, Quiz
from lms.quizzes.service import PUBLIC_SETTINGS

QUESTION_FIELDS = ("position", "kind", "title", "text_format", "prompt", "points", "explanation",
                   "accepted_answers", "accepted_patterns", "numeric_answers", "pairs")
CHOICE_FIELDS = ("position", "text", "is_correct", "feedback", "weight")


def copy_quiz_into(source_item_id: int, target: Quiz) -> None:
    """Give ``target`` the settings and questions of the quiz on ``source_item_id``.

    The copy is independent: later edits of either quiz never touch the other,
    and attempts are never copied.
    """
    source = db.session.execute(
        select(Quiz).where(Quiz.item_id == source_item_id)
        .options(selectinload(Quiz.questions).selectinload(Question.choices))
    ).scalar_one_or_none()
    if source is None:
        return
    for name in PUBLIC_SETTINGS:
        setattr(target, name, getattr(source, name))
    target.questions = [copy_question(question) for question in source.questions]
    db.session.flush()


def copy_question(question: Question) -> Question:
    fields = {name: copy.deepcopy(getattr(question, name)) for name in QUESTION_FIELDS}
    choices = [Choice(**{name: getattr(choice, name) for name in CHOICE_FIELDS})
               for choice in question.choices]
    return Question(**fields, choices=choices)
