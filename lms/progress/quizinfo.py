"""Read-only quiz settings from the quizzes domain, for item JSON and "what's left".

Progress only reads quiz settings (never questions or answers).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select

from lms.extensions import db
from lms.quizzes.models import Quiz

#: Settings a learner may see before an attempt (never questions or answer keys).
PUBLIC_SETTINGS = ("pass_percent", "max_attempts", "time_limit_seconds", "shuffle_questions",
                   "shuffle_choices", "feedback_policy")
_COLUMNS = tuple(getattr(Quiz, name) for name in PUBLIC_SETTINGS)


def quiz_settings(item_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """Public settings of the quizzes on these items, by item id (one query, or none)."""
    ids = list(item_ids)
    if not ids:
        return {}
    rows = db.session.execute(select(Quiz.item_id, *_COLUMNS).where(Quiz.item_id.in_(ids)))
    return {item_id: dict(zip(PUBLIC_SETTINGS, values, strict=True))
            for item_id, *values in rows}
