"""What packages need of quizzes: settings and questions of a quiz item, read and replaced.

Built on the quizzes domain's public functions. Replacing a quiz's questions
is done here by deleting and re-adding them; a ``replace_questions`` in the
quizzes builder would be the better home for it (asked for in the report).
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

from lms.accounts.models import User
from lms.catalog.models import Item
from lms.quizzes import builder, evaluations, gift_export
from lms.quizzes.questions import QuestionSpec
from lms.quizzes.service import PUBLIC_SETTINGS, default_quiz, find_quiz, update_settings
from lms.quizzes.specs import spec_of

#: Settings written to ``*.quiz.toml``, in this order.
SETTINGS = PUBLIC_SETTINGS


def quiz_settings(item: Item) -> dict[str, Any]:
    """Every setting of the item's quiz (defaults when it has no quiz row yet)."""
    quiz = find_quiz(item)
    return {name: getattr(quiz, name) for name in SETTINGS}


def quiz_questions(item: Item) -> list[QuestionSpec]:
    """The item's questions as specs, in order."""
    quiz = find_quiz(item)
    if quiz.id is None:
        return []
    return [_plain_weights(spec_of(question, quiz.scoring)) for question in quiz.questions]


def _plain_weights(spec: QuestionSpec) -> QuestionSpec:
    """Weights as written (``-100``), not as the database's fixed scale gives them back
    (``-100.00000``), so exported GIFT matches the package it came from."""
    choices = tuple(replace(c, weight=None if c.weight is None else _plain(c.weight))
                    for c in spec.choices)
    return replace(spec, choices=choices)


def _plain(number: Decimal) -> Decimal:
    normal = number.normalize()
    return normal.quantize(Decimal(1)) if normal == normal.to_integral_value() else normal


def sync_settings(actor: User, item: Item, wanted: dict[str, Any]) -> list[str]:
    """Set the settings that differ (left out: the default); returns their names.

    Raises ValidationError.
    """
    defaults = default_quiz(item)
    wanted = {name: getattr(defaults, name) for name in SETTINGS} | wanted
    current = quiz_settings(item)
    changed = {name: value for name, value in wanted.items() if current.get(name) != value}
    if changed:
        update_settings(actor, item.id, changed)
    return sorted(changed)


def sync_questions(actor: User, item: Item, specs: list[QuestionSpec]) -> bool:
    """Replace the questions when their GIFT text differs; True when they were replaced.

    Raises NotFound, Forbidden, ValidationError, Conflict.
    """
    wanted = gift_export.export_gift(specs)
    quiz = builder.quiz_for_edit(actor, item.id)
    if gift_export.export_gift(quiz_questions(item)) == wanted:
        return False
    for question in list(quiz.questions if quiz.id is not None else []):
        builder.delete_question(actor, question.id)
    if specs:
        builder.import_gift(actor, item.id, wanted)
    return True


def evaluation_questions(item: Item) -> list[dict[str, Any]]:
    """An evaluation item's questions as package data, in order."""
    return [{"kind": q.kind, "prompt": q.prompt, "required": q.is_required}
            for q in evaluations.questions_of(item.id)]


def sync_evaluation(actor: User, item: Item, questions: list[dict[str, Any]]) -> bool:
    """Make the evaluation ask exactly ``questions``; True when that changed anything."""
    return evaluations.replace_questions(actor, item.id, questions)
