"""Read-only quiz settings from the quizzes domain, for item JSON and "what's left".

GAP: the quizzes domain is being built alongside progress. Until ``lms.quizzes.models``
has a ``Quiz`` model with an ``item_id`` column, these answer "no settings" and the
"what's left" list names quizzes without their pass mark. Once it lands this
works unchanged; progress only reads quiz settings, never answers.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select

from lms.extensions import db

#: Settings a learner may see before an attempt (never questions or answer keys).
PUBLIC_SETTINGS = ("pass_percent", "max_attempts", "time_limit_seconds", "shuffle_questions",
                   "shuffle_choices", "feedback_policy")


def _quiz_model() -> Any | None:
    if importlib.util.find_spec("lms.quizzes.models") is None:
        return None
    model = getattr(importlib.import_module("lms.quizzes.models"), "Quiz", None)
    return model if model is not None and hasattr(model, "item_id") else None


def quiz_settings(item_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """Public settings of the quizzes on these items, by item id (one query, or none)."""
    ids = list(item_ids)
    model = _quiz_model()
    if model is None or not ids:
        return {}
    quizzes = db.session.execute(select(model).where(model.item_id.in_(ids))).scalars()
    return {quiz.item_id: {name: getattr(quiz, name) for name in PUBLIC_SETTINGS
                           if hasattr(quiz, name)} for quiz in quizzes}
