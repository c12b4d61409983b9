"""The evidence a certificate keeps: minutes watched per video and the best quiz scores.

Read from the progress domain's public loaders (``load_outline``, ``load_facts``)
and its learning record (xAPI "passed"/"failed" statements carry the score),
for many members in a fixed number of queries. Progress is built alongside
this domain, so the import is checked: without it the evidence is empty
(``{"available": False}``) rather than issuance failing.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from lms.catalog.models import Course
from lms.extensions import db

Evidence = dict[str, Any]


def _progress_modules() -> tuple[Any, Any] | None:
    names = ("lms.progress.loading", "lms.progress.models")
    if any(importlib.util.find_spec(name) is None for name in names):
        return None
    loading, models = (importlib.import_module(name) for name in names)
    if not hasattr(loading, "load_facts") or not hasattr(models, "LearningEvent"):
        return None
    return loading, models


def evidence_for(course: Course, user_ids: Sequence[int]) -> dict[int, Evidence]:
    """Evidence by member id (4–6 queries whatever the number of members)."""
    modules = _progress_modules()
    if modules is None or not user_ids:
        return {user_id: {"available": False} for user_id in user_ids}
    loading, models = modules
    outline = loading.load_outline(course)
    videos = [item for item in outline.items if item.kind == "video"]
    quizzes = {item.id: item.title for item in outline.items if item.kind == "quiz"}
    facts = loading.load_facts(course.id, user_ids)
    scores = _best_scores(models.LearningEvent, course.id, user_ids)
    return {user_id: _one(videos, quizzes, facts.get(user_id, {}), scores.get(user_id, {}))
            for user_id in user_ids}


def _one(videos, quizzes: dict[int, str], facts: dict, scores: dict[int, float]) -> Evidence:
    watched = [{"item_id": item.id, "title": item.title,
                "watched_minutes": round(getattr(facts.get(item.id), "watched_seconds", 0) / 60,
                                         1)}
               for item in videos]
    quiz_rows = [{"item_id": item_id, "title": quizzes.get(item_id, ""),
                  "best_score_percent": score} for item_id, score in sorted(scores.items())]
    best = max(scores.values(), default=None)
    return {"available": True, "videos": watched, "quizzes": quiz_rows, "best_quiz_score": best}


def _best_scores(event_model, course_id: int, user_ids: Sequence[int]
                 ) -> dict[int, dict[int, float]]:
    """Best score in percent, by member and quiz item, from the learning record."""
    rows = db.session.execute(
        select(event_model.user_id, event_model.item_id, event_model.statement)
        .where(event_model.course_id == course_id, event_model.user_id.in_(list(user_ids)),
               event_model.verb.in_(("passed", "failed")), event_model.item_id.is_not(None)))
    best: dict[int, dict[int, float]] = {}
    for user_id, item_id, statement in rows:
        scaled = ((statement or {}).get("result") or {}).get("score", {}).get("scaled")
        if isinstance(scaled, int | float):
            percent = round(float(scaled) * 100, 1)
            mine = best.setdefault(user_id, {})
            mine[item_id] = max(percent, mine.get(item_id, percent))
    return best
