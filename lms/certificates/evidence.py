"""The evidence a certificate keeps: time watched per video and the best quiz scores.

Minutes come from the progress domain's loaders (``load_outline``, ``load_facts``);
scores from the members' submitted quiz attempts. Both for many members at once,
in a fixed number of queries.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select

from lms.catalog.models import Course, Item, Module
from lms.extensions import db
from lms.progress import loading
from lms.quizzes.models import Attempt, Quiz

Evidence = dict[str, Any]


def evidence_for(course: Course, user_ids: Sequence[int]) -> dict[int, Evidence]:
    """Evidence by member id (4–6 queries whatever the number of members)."""
    if not user_ids:
        return {}
    outline = loading.load_outline(course)
    videos = [item for item in outline.items if item.kind == "video"]
    quizzes = {item.id: item.title for item in outline.items if item.kind == "quiz"}
    facts = loading.load_facts(course.id, user_ids)
    scores = _best_scores(course.id, user_ids)
    return {user_id: _one(videos, quizzes, facts.get(user_id, {}), scores.get(user_id, {}))
            for user_id in user_ids}


def _one(videos, quizzes: dict[int, str], facts: dict, scores: dict[int, float]) -> Evidence:
    watched = [_watched(item, getattr(facts.get(item.id), "watched_seconds", 0) or 0)
               for item in videos]
    quiz_rows = [{"item_id": item_id, "title": quizzes.get(item_id, ""),
                  "best_score_percent": score} for item_id, score in sorted(scores.items())]
    best = max(scores.values(), default=None)
    return {"available": True, "videos": watched, "quizzes": quiz_rows, "best_quiz_score": best}


def _watched(item, seconds: float) -> dict:
    """``watched_minutes`` (to a tenth) is what records made before seconds were kept hold."""
    return {"item_id": item.id, "title": item.title, "watched_seconds": round(seconds),
            "watched_minutes": round(seconds / 60, 1)}


def _best_scores(course_id: int, user_ids: Sequence[int]) -> dict[int, dict[int, float]]:
    """Best submitted score in percent, by member and quiz item."""
    rows = db.session.execute(
        select(Attempt.user_id, Quiz.item_id, func.max(Attempt.score_percent))
        .join(Quiz, Attempt.quiz_id == Quiz.id).join(Item, Quiz.item_id == Item.id)
        .join(Module, Item.module_id == Module.id)
        .where(Module.course_id == course_id, Attempt.user_id.in_(list(user_ids)),
               Attempt.submitted_at.is_not(None), Attempt.score_percent.is_not(None))
        .group_by(Attempt.user_id, Quiz.item_id))
    best: dict[int, dict[int, float]] = {}
    for user_id, item_id, score in rows:
        best.setdefault(user_id, {})[item_id] = float(score)
    return best
